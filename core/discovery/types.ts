/** What discovery reports: every image slot of one resource, known, unknown or unreadable. */

/** One image slot in a resource. */
export interface ImageSite {
    /** Property path of the image value, e.g. `spec.template.spec.initContainers[0].image` (core/paths.ts format). */
    readonly path: string;
    /** Container name where the resource gives one (never used for exemptions: users control it). */
    readonly container?: string;
    /** The raw value: a string, the unknown sentinel, or anything else a program put there. */
    readonly value: unknown;
    /** Set when the slot exists but the image cannot be read from it (e.g. an undecodable App Service value). */
    readonly problem?: string;
    /**
     * Why an unknown site (value = the unknown sentinel) cannot be judged when it is not an output of
     * another resource: `pulumi up` will not resolve it either (a Helm release's rendered images, an
     * ARM expression Azure evaluates at deployment). Without it the site is an engine unknown.
     */
    readonly unknownReason?: string;
    /** How to fix a problem or get an unknown site judged; replaces the generic fix in messages. */
    readonly fix?: string;
    /** Text before the image in the property's value (`DOCKER|` in App Service), kept when rewriting. */
    readonly prefix?: string;
    /**
     * False when the value cannot be rewritten in place at `path` by appending a digest: an image
     * inside an encoded value (a COMPOSE file), assembled from parts (chart values
     * `repository`/`tag`, App Service registry URL + name), resolved from an ARM parameter, or a
     * field whose consumer may not take a full reference. Remediation leaves those alone.
     */
    readonly rewritable?: boolean;
}

/** Which provider package the resource belongs to. */
export type WorkloadFamily = "kubernetes" | "azure-native" | "azure";

export interface WorkloadImages {
    readonly family: WorkloadFamily;
    /** Kind for messages: `Deployment`, `ContainerApp`, … */
    readonly kind: string;
    readonly sites: ImageSite[];
}
