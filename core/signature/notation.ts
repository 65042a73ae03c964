/**
 * Notary Project verification of one signature against the trust policy (specs/trust-store-trust-policy.md
 * "Signature Verification"): pick the policy by the image's repository (exact scope, else the global
 * "*"), then run integrity (always enforced; includes the signed target descriptor being the image
 * deployed), authenticity (chain requirements, chain to the policy's trust stores, trusted identity),
 * authentic timestamp, expiry and revocation, each enforced or logged by the policy's level.
 */
import { NotationConfig, scopeKey, TrustPolicy, VerificationLevel } from "./config";
import { formatDn, identityMatches, subjectOf } from "./dn";
import { decodeJson, isRecord } from "./json";
import { COSE_MEDIA_TYPE, openCoseEnvelope } from "./notation-cose";
import { NotaryEnvelope } from "./notation-envelope";
import { JWS_MEDIA_TYPE, openJwsEnvelope } from "./notation-jws";
import { Descriptor, Failure, failure } from "./types";
import { chainsToTrusted, checkChainStructure, checkValidityAt, impostorOf, revocationEndpoints, subjectText } from "./x509";

export const NOTARY_SIGNATURE_TYPE = "application/vnd.cncf.notary.signature";
export const OCI_MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";

type Validation = "authenticity" | "authenticTimestamp" | "expiry" | "revocation";
const ENFORCED: Readonly<Record<VerificationLevel, readonly Validation[]>> = {
    strict: ["authenticity", "authenticTimestamp", "expiry", "revocation"],
    permissive: ["authenticity"],
    audit: [],
};

/** The one trust policy for a repository (`contoso.azurecr.io/app`): exact scope first, then "*". */
export function selectTrustPolicy(config: NotationConfig, repository: string): TrustPolicy | undefined {
    // Hosts are case-insensitive (the registry client contacts LOCALHOST:5000 as localhost:5000), so
    // a differently cased host must not escape its repository's policy into the global one.
    const key = scopeKey(repository);
    return config.trustPolicies.find((p) => p.registryScopes.some((s) => s !== "*" && scopeKey(s) === key))
        ?? config.trustPolicies.find((p) => p.registryScopes.includes("*"));
}

/**
 * A Notary signature manifest: an OCI image manifest whose artifactType (or config media type) is
 * the Notary signature type, whose `subject` is the image, with exactly one layer: the envelope.
 */
export function parseSignatureManifest(bytes: Uint8Array, image: Descriptor): { ok: true; envelope: Descriptor } | { ok: false; failure: Failure } {
    const bad = (code: Failure["code"], message: string) => ({ ok: false as const, failure: failure(code, message) });
    const json = decodeJson(bytes);
    if (!json.ok) return bad("malformed", `the signature manifest ${json.failure.message}`);
    const m = json.value;
    if (!isRecord(m)) return bad("malformed", "the signature manifest is not a JSON object");
    if (m.mediaType !== OCI_MANIFEST_TYPE) return bad("malformed", `the signature manifest's mediaType is ${JSON.stringify(m.mediaType)}, not "${OCI_MANIFEST_TYPE}"`);
    const configType = isRecord(m.config) ? m.config.mediaType : undefined;
    if (m.artifactType !== NOTARY_SIGNATURE_TYPE && configType !== NOTARY_SIGNATURE_TYPE) {
        return bad("malformed", `the manifest is not a Notary signature (artifactType ${JSON.stringify(m.artifactType ?? configType)})`);
    }
    if (!isRecord(m.subject) || m.subject.digest !== image.digest) {
        return bad("registry-lied", `the registry listed this signature as a referrer of ${image.digest}, but its subject is ${isRecord(m.subject) ? JSON.stringify(m.subject.digest) : "missing"}`);
    }
    if (m.subject.size !== undefined && m.subject.size !== image.size) {
        return bad("malformed", `the signature's subject says ${image.digest} is ${JSON.stringify(m.subject.size)} bytes, but the image manifest is ${image.size}`);
    }
    if (!Array.isArray(m.layers) || m.layers.length !== 1) return bad("malformed", `a Notary signature manifest has exactly one layer (the envelope), this one has ${Array.isArray(m.layers) ? m.layers.length : "none"}`);
    const layer = m.layers[0];
    if (!isRecord(layer) || typeof layer.mediaType !== "string" || typeof layer.digest !== "string" || typeof layer.size !== "number" || !Number.isSafeInteger(layer.size) || layer.size < 0) {
        return bad("malformed", "the signature manifest's layer is not a descriptor { mediaType, digest, size }");
    }
    return { ok: true, envelope: { mediaType: layer.mediaType, digest: layer.digest, size: layer.size } };
}

export type NotationOutcome =
    | { ok: true; signer: string; logged: readonly Failure[] }
    | { ok: false; failure: Failure };

export interface NotationContext {
    readonly image: Descriptor;
    readonly policy: TrustPolicy;
    readonly config: NotationConfig;
    readonly now: Date;
}

/** Verifies one envelope (media type from the signature manifest's layer). Never throws. */
export function verifyNotationEnvelope(mediaType: string, bytes: Uint8Array, ctx: NotationContext): NotationOutcome {
    if (mediaType !== JWS_MEDIA_TYPE && mediaType !== COSE_MEDIA_TYPE) {
        return { ok: false, failure: failure("unsupported", `the signature envelope type ${JSON.stringify(mediaType)} is not a Notary Project envelope (${JWS_MEDIA_TYPE} or ${COSE_MEDIA_TYPE})`) };
    }
    const opened = mediaType === JWS_MEDIA_TYPE ? openJwsEnvelope(bytes) : openCoseEnvelope(bytes);
    if (!opened.ok) return opened;
    try {
        return judge(opened.value, ctx);
    } catch (e) {
        // Decoding a certificate extension can throw on hostile DER; that is a broken chain, not a crash.
        return { ok: false, failure: failure("invalid-chain", `the certificate chain cannot be evaluated (${(e as Error).message})`) };
    }
}

function judge(env: NotaryEnvelope, ctx: NotationContext): NotationOutcome {
    const { image, policy, now } = ctx;
    // Integrity, always enforced: the signed descriptor is the manifest being deployed.
    const t = env.target;
    if (t.digest !== image.digest) return { ok: false, failure: failure("wrong-digest", `the signature is for ${t.digest}, not for the image ${image.digest}`) };
    if (t.mediaType !== image.mediaType) return { ok: false, failure: failure("wrong-digest", `the signed target's media type is ${t.mediaType}, but the image manifest is ${image.mediaType}`) };
    if (t.size !== image.size) return { ok: false, failure: failure("wrong-digest", `the signed target is ${t.size} bytes, but the image manifest is ${image.size}`) };

    const enforced = ENFORCED[policy.level];
    const logged: Failure[] = [];
    const check = (validation: Validation, problem: Failure | undefined): Failure | undefined => {
        if (!problem) return undefined;
        if (enforced.includes(validation)) return problem;
        logged.push({ ...problem, message: `${problem.message} (logged only: ${validation} is not enforced at level "${policy.level}")` });
        return undefined;
    };

    const stop = check("authenticity", authenticity(env, ctx))
        ?? check("expiry", env.expiry && now >= env.expiry
            ? failure("expired-signature", `the signature expired at ${env.expiry.toISOString()} (io.cncf.notary.expiry)`) : undefined)
        ?? check("authenticTimestamp", authenticTimestamp(env, now))
        ?? check("revocation", revocation(env));
    if (stop) return { ok: false, failure: stop };
    return { ok: true, signer: subjectText(env.chain[0]), logged };
}

function authenticity(env: NotaryEnvelope, ctx: NotationContext): Failure | undefined {
    const structure = checkChainStructure(env.chain);
    if (structure) return failure(structure.code, structure.message);
    const wanted = env.scheme === "notary.x509" ? "ca" : "signingAuthority";
    const stores = ctx.policy.trustStores.filter((r) => r.type === wanted).map((r) => ctx.config.trustStores.get(r.name)).filter((s) => s !== undefined);
    if (stores.length === 0) {
        return failure("untrusted-root", `the signature uses the ${env.scheme} scheme, but trust policy "${ctx.policy.name}" has no ${wanted} trust store`);
    }
    const trusted = stores.flatMap((s) => s.certificates);
    if (!chainsToTrusted(env.chain, trusted)) {
        const root = env.chain[env.chain.length - 1];
        const impostor = impostorOf(env.chain, trusted);
        return failure("untrusted-root", `the certificate chain ends at ${subjectText(root)}, which is in none of the trust stores of policy "${ctx.policy.name}" (${stores.map((s) => s.name).join(", ")})${impostor ? `: ${impostor}` : ""}`);
    }
    if (ctx.policy.trustedIdentities === "*") return undefined;
    const subject = subjectOf(env.chain[0].subjectDer);
    if (!subject.ok) return failure("identity-mismatch", subject.failure.message);
    if (!ctx.policy.trustedIdentities.some((id) => identityMatches(id, subject.dn))) {
        return failure("identity-mismatch", `the signer ${formatDn(subject.dn)} matches none of the trusted identities of policy "${ctx.policy.name}" (${ctx.policy.trustedIdentities.map(formatDn).join(" | ")})`);
    }
    return undefined;
}

/**
 * The spec's "authentic timestamp" step, as notation-go applies it (verifier.go verifyAuthenticTimestamp):
 * notary.x509: the signing time is the signer's own, unauthenticated claim and is not used; RFC 3161
 * countersignatures are not verified here, so every certificate must be valid now (what notation-go
 * requires of a signature without a timestamp).
 * notary.x509.signingAuthority: every certificate valid at the authority's authentic signing time.
 */
function authenticTimestamp(env: NotaryEnvelope, now: Date): Failure | undefined {
    const problem = env.scheme === "notary.x509.signingAuthority"
        ? checkValidityAt(env.chain, env.authenticSigningTime as Date, "at the authentic signing time")
        : checkValidityAt(env.chain, now, "now");
    return problem ? failure(problem.code, problem.message) : undefined;
}

function revocation(env: NotaryEnvelope): Failure | undefined {
    const named = revocationEndpoints(env.chain);
    return named.length === 0 ? undefined : failure("revocation-unknown",
        `revocation status cannot be determined: ${named.join("; ")} name CRL or OCSP endpoints, which this verifier does not query`);
}
