/**
 * cosign key-based signatures. cosign stores them either under the tag `sha256-<hex>.sig` or (OCI 1.1
 * mode) as a referrer with artifactType `application/vnd.dev.cosign.artifact.sig.v1+json`; either way
 * each layer is a simple-signing payload (`application/vnd.dev.cosign.simplesigning.v1+json`) with the
 * base64 signature in the `dev.cosignproject.cosign/signature` annotation. The signature is over the
 * payload bytes with SHA-256 (ECDSA, ASN.1 DER; RSA PKCS#1 v1.5), as cosign's public-key verifier does;
 * the payload's `critical.image.docker-manifest-digest` must be the image digest. A key scoped to
 * repositories (`{ key, repositories }`) vouches only for payloads whose
 * `critical.identity.docker-reference` names one of them (host case-insensitive, path on a segment
 * boundary); an unscoped key vouches for any, as `cosign verify --key` does.
 */
import { verify } from "node:crypto";
import { parseReference } from "../reference";
import { entryMatches, TrustEntry } from "../trust";
import { CosignKey } from "./config";
import { decodeBase64, decodeJson, isRecord } from "./json";
import { Descriptor, Failure, failure } from "./types";

export const SIMPLE_SIGNING_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json";
export const COSIGN_SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";
export const COSIGN_REFERRER_TYPE = "application/vnd.dev.cosign.artifact.sig.v1+json";
export const COSIGN_PAYLOAD_TYPE = "cosign container image signature";

/** `sha256:<hex>` → `sha256-<hex>.sig`, the tag cosign writes signatures to. */
export function cosignSignatureTag(digest: string): string {
    return `${digest.replace(":", "-")}.sig`;
}

export interface CosignLayer {
    readonly payload: Descriptor;
    /** The annotation's value, still base64. */
    readonly signature: string;
}

/**
 * The signature layers of a cosign signature manifest. `subjectRequired` is the referrer form: its
 * `subject` must be the image. Layers of other media types (cosign bundles, certificates) are skipped.
 */
export function parseCosignManifest(bytes: Uint8Array, image: Descriptor, subjectRequired: boolean): { ok: true; layers: CosignLayer[] } | { ok: false; failure: Failure } {
    const bad = (code: Failure["code"], message: string) => ({ ok: false as const, failure: failure(code, message) });
    const json = decodeJson(bytes);
    if (!json.ok) return bad("malformed", `the cosign signature manifest ${json.failure.message}`);
    const m = json.value;
    if (!isRecord(m) || !Array.isArray(m.layers)) return bad("malformed", "the cosign signature manifest is not an image manifest with layers");
    if (subjectRequired && (!isRecord(m.subject) || m.subject.digest !== image.digest)) {
        return bad("registry-lied", `the registry listed this cosign signature as a referrer of ${image.digest}, but its subject is ${isRecord(m.subject) ? JSON.stringify(m.subject.digest) : "missing"}`);
    }
    const layers: CosignLayer[] = [];
    for (const [i, l] of m.layers.entries()) {
        if (!isRecord(l) || l.mediaType !== SIMPLE_SIGNING_TYPE) continue;
        if (typeof l.digest !== "string" || typeof l.size !== "number" || !Number.isSafeInteger(l.size) || l.size < 0) return bad("malformed", `layer ${i} is not a descriptor { mediaType, digest, size }`);
        const sig = isRecord(l.annotations) ? l.annotations[COSIGN_SIGNATURE_ANNOTATION] : undefined;
        if (typeof sig !== "string") return bad("malformed", `layer ${i} has no "${COSIGN_SIGNATURE_ANNOTATION}" annotation`);
        layers.push({ payload: { mediaType: l.mediaType, digest: l.digest, size: l.size }, signature: sig });
    }
    if (layers.length === 0) return bad("malformed", `the cosign signature manifest has no ${SIMPLE_SIGNING_TYPE} layer`);
    return { ok: true, layers };
}

export type CosignOutcome = { ok: true; key: CosignKey; dockerReference?: string } | { ok: false; failure: Failure };

function verifiesWith(key: CosignKey, payload: Uint8Array, sig: Buffer): boolean {
    try {
        return key.key.asymmetricKeyType === "ec"
            ? verify("sha256", payload, { key: key.key, dsaEncoding: "der" }, sig)
            : verify("sha256", payload, key.key, sig);
    } catch {
        return false;
    }
}

/** Verifies one simple-signing payload and its signature against the configured keys. Never throws. */
export function verifyCosignPayload(payload: Uint8Array, signatureB64: string, imageDigest: string, keys: readonly CosignKey[]): CosignOutcome {
    const sig = decodeBase64(signatureB64);
    if (!sig.ok) return { ok: false, failure: failure("malformed", `the "${COSIGN_SIGNATURE_ANNOTATION}" annotation ${sig.failure.message}`) };
    const verifying = keys.filter((k) => verifiesWith(k, payload, sig.value));
    if (verifying.length === 0) {
        return { ok: false, failure: failure("wrong-key", `the cosign signature verifies with none of the ${keys.length} configured key(s) (${keys.map((k) => k.fingerprint.slice(0, 19)).join(", ")})`) };
    }
    const json = decodeJson(payload);
    if (!json.ok) return { ok: false, failure: failure("malformed", `the simple-signing payload ${json.failure.message}`) };
    const critical = isRecord(json.value) ? json.value.critical : undefined;
    if (!isRecord(critical)) return { ok: false, failure: failure("malformed", "the simple-signing payload has no \"critical\" section") };
    if (critical.type !== COSIGN_PAYLOAD_TYPE) return { ok: false, failure: failure("malformed", `critical.type is ${JSON.stringify(critical.type)}, not "${COSIGN_PAYLOAD_TYPE}"`) };
    const signed = isRecord(critical.image) ? critical.image["docker-manifest-digest"] : undefined;
    if (signed !== imageDigest) return { ok: false, failure: failure("wrong-digest", `the cosign signature is for ${JSON.stringify(signed)}, not for the image ${imageDigest}`) };
    const ref = isRecord(critical.identity) && typeof critical.identity["docker-reference"] === "string" ? critical.identity["docker-reference"] : undefined;
    const key = verifying.find((k) => k.repositories === undefined) ?? verifying.find((k) => inScope(k.repositories!, ref));
    if (!key) {
        const scopes = [...new Set(verifying.flatMap((k) => k.repositories ?? []).map((e) => e.source))].join(", ");
        return { ok: false, failure: failure("identity-mismatch", ref === undefined
            ? `the cosign signature verifies with a key scoped to ${scopes}, but its payload names no critical.identity.docker-reference`
            : `the cosign signature verifies with a key scoped to ${scopes}, but it was made for ${JSON.stringify(ref)}, which is outside that scope`) };
    }
    return { ok: true, key, ...(ref !== undefined ? { dockerReference: ref } : {}) };
}

/** Whether a payload's docker-reference (normalized like any image name) falls under one of `entries`. */
function inScope(entries: readonly TrustEntry[], dockerReference: string | undefined): boolean {
    if (dockerReference === undefined) return false;
    const parsed = parseReference(dockerReference);
    if (!parsed.ok) return false;
    // Hosts compare case-insensitively, as the registry client and trust-policy scopes do.
    const ref = { ...parsed.ref, domain: parsed.ref.domain.toLowerCase() };
    return entries.some((e) => entryMatches({ ...e, domain: e.domain.toLowerCase() }, ref));
}
