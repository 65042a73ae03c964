/**
 * An in-memory SignatureSource for unit tests of the verification flow: content-addressed blobs and
 * manifests, tags, and referrer lists computed from stored manifests' `subject` — plus knobs to make
 * it lie (extra referrers, swapped content) the way a hostile registry would.
 */
import { Descriptor, SignatureSource } from "../../core/signature";
import { Blob } from "./signing";

export class MemoryRegistry implements SignatureSource {
    readonly content = new Map<string, Buffer>();
    readonly tags = new Map<string, string>();
    /** Referrers served in addition to the honest ones (a registry lying about referrers). */
    readonly extraReferrers: Descriptor[] = [];
    /** digest → bytes served instead of the stored content. */
    readonly substitutions = new Map<string, Buffer>();
    referrersError?: Error;
    fetches = 0;

    put(...blobs: Blob[]): this {
        for (const b of blobs) this.content.set(b.digest, b.bytes);
        return this;
    }

    tag(name: string, b: Blob): this;
    tag(name: string, maxBytes: number): Promise<{ digest: string; bytes: Uint8Array } | undefined>;
    tag(name: string, arg: Blob | number): this | Promise<{ digest: string; bytes: Uint8Array } | undefined> {
        if (typeof arg !== "number") {
            this.put(arg);
            this.tags.set(name, arg.digest);
            return this;
        }
        const digest = this.tags.get(name);
        if (digest === undefined) return Promise.resolve(undefined);
        return this.manifest(digest, arg).then((bytes) => ({ digest, bytes }));
    }

    async referrers(digest: string): Promise<readonly Descriptor[]> {
        if (this.referrersError) throw this.referrersError;
        const out: Descriptor[] = [];
        for (const [d, bytes] of this.content) {
            let m: Record<string, unknown>;
            try {
                m = JSON.parse(bytes.toString("utf8"));
            } catch {
                continue;
            }
            const subject = m?.subject as { digest?: string } | undefined;
            if (subject?.digest === digest) {
                out.push({ mediaType: String(m.mediaType), digest: d, size: bytes.length, artifactType: String(m.artifactType ?? (m.config as { mediaType: string }).mediaType) });
            }
        }
        return [...out, ...this.extraReferrers];
    }

    async manifest(digest: string, maxBytes: number): Promise<Uint8Array> {
        return this.read(digest, maxBytes);
    }

    async blob(digest: string, maxBytes: number): Promise<Uint8Array> {
        return this.read(digest, maxBytes);
    }

    private read(digest: string, maxBytes: number): Uint8Array {
        this.fetches++;
        const bytes = this.substitutions.get(digest) ?? this.content.get(digest);
        if (!bytes) throw new Error(`404 ${digest} not found`);
        return bytes.subarray(0, maxBytes + 1);
    }
}
