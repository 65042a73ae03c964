/** Adapts a RepositoryClient to what core/signature verification reads from a registry. */
import { SignatureSource, SourceError } from "../signature/verify";
import { RegistryError, RepositoryClient } from "./types";

function translate(e: unknown): never {
    if (e instanceof RegistryError) {
        const code = e.code === "oversized" ? "oversized" : e.code === "digest-mismatch" ? "registry-lied" : "registry-error";
        throw new SourceError(code, e.message);
    }
    throw new SourceError("registry-error", (e as Error)?.message ?? String(e));
}

export function signatureSource(repo: RepositoryClient): SignatureSource {
    return {
        referrers: (digest) => repo.referrers(digest).catch(translate),
        manifest: async (digest, maxBytes) => (await repo.manifest(digest, maxBytes).catch(translate)).bytes,
        blob: (digest, maxBytes) => repo.blob(digest, maxBytes).catch(translate),
        tag: async (tag, maxBytes) => {
            const m = await repo.tag(tag, maxBytes).catch(translate);
            return m ? { digest: m.digest, bytes: m.bytes } : undefined;
        },
    };
}
