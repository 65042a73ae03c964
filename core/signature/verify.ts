/**
 * Verifies the signatures of one image digest: Notation signatures among the OCI referrers, cosign
 * signatures under the `sha256-<hex>.sig` tag and among the referrers (OCI 1.1 mode). The first
 * signature that verifies wins; otherwise every examined signature's reason is returned. Work is
 * bounded (signatures examined, bytes fetched), and every byte the registry returns is checked
 * against the descriptor that announced it: a registry cannot substitute content.
 */
import { createHash } from "node:crypto";
import { SignatureConfig } from "./config";
import { COSIGN_REFERRER_TYPE, cosignSignatureTag, parseCosignManifest, verifyCosignPayload } from "./cosign";
import { NOTARY_SIGNATURE_TYPE, parseSignatureManifest, selectTrustPolicy, verifyNotationEnvelope } from "./notation";
import { Descriptor, Failure, failure, VerificationResult } from "./types";

/** Why a fetch failed, as the registry adapter reports it. */
export type SourceErrorCode = "oversized" | "registry-error" | "registry-lied";

export class SourceError extends Error {
    constructor(readonly code: SourceErrorCode, message: string) {
        super(message);
        this.name = "SourceError";
    }
}

/**
 * What verification needs from a registry, for one repository. Implementations throw SourceError
 * (or anything: it is reported as a registry error). `maxBytes` is a hard cap on what is read.
 */
export interface SignatureSource {
    /** Referrer descriptors of `digest` (referrers API, or the `sha256-<hex>` tag-schema index). */
    referrers(digest: string): Promise<readonly Descriptor[]>;
    manifest(digest: string, maxBytes: number): Promise<Uint8Array>;
    blob(digest: string, maxBytes: number): Promise<Uint8Array>;
    /** The manifest a tag points to; undefined when the tag does not exist. */
    tag(tag: string, maxBytes: number): Promise<{ digest: string; bytes: Uint8Array } | undefined>;
}

export interface ImageToVerify {
    /** Fully qualified repository, as trust policy scopes name it (`contoso.azurecr.io/app`). */
    readonly repository: string;
    /** The image manifest descriptor being deployed (media type, digest, size of the manifest). */
    readonly manifest: Descriptor;
}

/** Content matches its descriptor: exact size and digest. */
export function contentMatches(bytes: Uint8Array, digest: string, size?: number): string | undefined {
    if (size !== undefined && bytes.byteLength !== size) return `is ${bytes.byteLength} bytes, but its descriptor says ${size}`;
    const [alg, hex] = digest.split(":", 2);
    if (!["sha256", "sha384", "sha512"].includes(alg)) return `has a digest with unsupported algorithm ${alg}`;
    const actual = createHash(alg).update(bytes).digest("hex");
    return actual === hex ? undefined : `hashes to ${alg}:${actual}, not ${digest}`;
}

class Budget {
    examined = 0;
    constructor(readonly max: number) {}
}

function fromError(e: unknown, what: string, signature?: string): Failure {
    if (e instanceof SourceError) return failure(e.code, `${what}: ${e.message}`, signature);
    return failure("registry-error", `${what}: ${(e as Error)?.message ?? String(e)}`, signature);
}

/** Fetches a manifest or blob announced by `d`, refusing oversize and substituted content. */
async function fetchChecked(kind: "manifest" | "blob", d: Descriptor, limit: number, source: SignatureSource, label: string): Promise<{ ok: true; bytes: Uint8Array } | { ok: false; failure: Failure }> {
    if (d.size > limit) return { ok: false, failure: failure("oversized", `${label} is ${d.size} bytes, over the limit of ${limit}`, d.digest) };
    let bytes: Uint8Array;
    try {
        bytes = kind === "manifest" ? await source.manifest(d.digest, limit) : await source.blob(d.digest, limit);
    } catch (e) {
        return { ok: false, failure: fromError(e, `${label} could not be fetched`, d.digest) };
    }
    if (bytes.byteLength > limit) return { ok: false, failure: failure("oversized", `${label} is ${bytes.byteLength} bytes, over the limit of ${limit}`, d.digest) };
    const mismatch = contentMatches(bytes, d.digest, d.size);
    if (mismatch) return { ok: false, failure: failure("registry-lied", `the registry's ${label} ${mismatch}`, d.digest) };
    return { ok: true, bytes };
}

export interface VerifyOptions {
    readonly now?: Date;
}

export async function verifyImageSignatures(image: ImageToVerify, config: SignatureConfig, source: SignatureSource, options: VerifyOptions = {}): Promise<VerificationResult> {
    const now = options.now ?? new Date();
    const limits = config.limits;
    const reasons: Failure[] = [];
    const digest = image.manifest.digest;

    let referrers: readonly Descriptor[] = [];
    try {
        referrers = await source.referrers(digest);
    } catch (e) {
        reasons.push(fromError(e, `the referrers of ${digest} could not be listed`));
    }
    let found = 0;

    if (config.notation) {
        const notary = referrers.filter((r) => r.artifactType === NOTARY_SIGNATURE_TYPE);
        const policy = selectTrustPolicy(config.notation, image.repository);
        if (notary.length > 0 && !policy) {
            found += notary.length;
            reasons.push(failure("no-trust-policy", `no Notation trust policy covers ${image.repository} (no registry scope names it and there is no "*" policy)`));
        } else if (policy) {
            const budget = new Budget(limits.maxSignatures);
            for (const ref of notary) {
                found++;
                if (budget.examined >= budget.max) {
                    reasons.push(failure("too-many-signatures", `too many Notation signatures: ${notary.length}, limit ${budget.max} (maxSignatures); only the first ${budget.max} were fetched`));
                    break;
                }
                budget.examined++;
                const m = await fetchChecked("manifest", ref, limits.maxManifestBytes, source, "signature manifest");
                if (!m.ok) { reasons.push(m.failure); continue; }
                const parsed = parseSignatureManifest(m.bytes, image.manifest);
                if (!parsed.ok) { reasons.push({ ...parsed.failure, signature: ref.digest }); continue; }
                const env = await fetchChecked("blob", parsed.envelope, limits.maxBlobBytes, source, "signature envelope");
                if (!env.ok) { reasons.push({ ...env.failure, signature: ref.digest }); continue; }
                const outcome = verifyNotationEnvelope(parsed.envelope.mediaType, env.bytes, { image: image.manifest, policy, config: config.notation, now });
                if (outcome.ok) {
                    return { verified: true, by: "notation", detail: { signature: ref.digest, signer: outcome.signer, trustPolicy: policy.name, level: policy.level, logged: outcome.logged } };
                }
                reasons.push({ ...outcome.failure, signature: ref.digest });
            }
        }
    }

    if (config.cosign) {
        const keys = config.cosign.keys;
        const budget = new Budget(limits.maxSignatures);
        const manifests: { label: string; digest: string; bytes: Uint8Array; referrer: boolean }[] = [];
        const tag = cosignSignatureTag(digest);
        try {
            const t = await source.tag(tag, limits.maxManifestBytes);
            if (t) {
                const mismatch = contentMatches(t.bytes, t.digest);
                if (mismatch) reasons.push(failure("registry-lied", `the manifest of tag ${tag} ${mismatch}`, tag));
                else manifests.push({ label: tag, digest: t.digest, bytes: t.bytes, referrer: false });
            }
        } catch (e) {
            reasons.push(fromError(e, `the cosign signature tag ${tag} could not be read`, tag));
        }
        // The budget bounds manifests fetched as well as signatures verified: a flood of referrers
        // (each a few hundred bytes to push) must not make the pack fetch them all.
        const cosignReferrers = [...new Map(referrers.filter((r) => r.artifactType === COSIGN_REFERRER_TYPE).map((r) => [r.digest, r] as const)).values()];
        const room = Math.max(0, limits.maxSignatures - manifests.length);
        if (cosignReferrers.length > room) {
            found += cosignReferrers.length - room;
            reasons.push(failure("too-many-signatures", `too many cosign signature manifests: ${manifests.length + cosignReferrers.length}, limit ${limits.maxSignatures} (maxSignatures); only the first ${limits.maxSignatures} were fetched`));
        }
        for (const ref of cosignReferrers.slice(0, room)) {
            const m = await fetchChecked("manifest", ref, limits.maxManifestBytes, source, "cosign signature manifest");
            if (!m.ok) { reasons.push(m.failure); continue; }
            manifests.push({ label: ref.digest, digest: ref.digest, bytes: m.bytes, referrer: true });
        }
        signatures: for (const sm of manifests) {
            const parsed = parseCosignManifest(sm.bytes, image.manifest, sm.referrer);
            if (!parsed.ok) { found++; reasons.push({ ...parsed.failure, signature: sm.label }); continue; }
            for (const layer of parsed.layers) {
                found++;
                if (budget.examined >= budget.max) {
                    reasons.push(failure("too-many-signatures", `too many cosign signatures: more than ${budget.max}, limit ${budget.max} (maxSignatures); only the first ${budget.max} were examined`, sm.label));
                    break signatures;
                }
                budget.examined++;
                const payload = await fetchChecked("blob", layer.payload, limits.maxBlobBytes, source, "cosign payload");
                if (!payload.ok) { reasons.push({ ...payload.failure, signature: sm.label }); continue; }
                const outcome = verifyCosignPayload(payload.bytes, layer.signature, digest, keys);
                if (outcome.ok) {
                    return { verified: true, by: "cosign", detail: { signature: sm.digest, signer: outcome.key.fingerprint, logged: [] } };
                }
                reasons.push({ ...outcome.failure, signature: sm.label });
            }
        }
    }

    if (found === 0) {
        const looked = [config.notation ? "Notation signatures among its OCI referrers" : undefined, config.cosign ? `cosign signatures (tag ${cosignSignatureTag(digest)} and referrers)` : undefined]
            .filter((x) => x !== undefined).join(" or ");
        const unreadable = reasons.some((r) => r.code === "registry-error");
        reasons.unshift(failure("no-signature", unreadable
            ? `no signature of ${image.repository}@${digest} could be found: the registry could not be read (${looked})`
            : `${image.repository}@${digest} is not signed: no ${looked} were found`));
    }
    return { verified: false, reasons };
}
