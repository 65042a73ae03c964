/** OCI content descriptor (image-spec descriptor.md), shared by the registry client and signature verification. */
export interface Descriptor {
    readonly mediaType: string;
    readonly digest: string;
    readonly size: number;
    readonly artifactType?: string;
    readonly annotations?: Readonly<Record<string, string>>;
}
