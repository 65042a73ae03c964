/**
 * The signature gate's verdict on one image: the manifest being deployed is fetched (by digest, or
 * by tag resolved now) from a contactable registry and verified against its digest; its Notation
 * and cosign signatures are discovered and verified by core/signature. Every failure is reported
 * with the verifier's reasons; checks a permissive or audit trust policy only logs become advisories.
 * Shared by the `signed-images` policy and the TrustedImage component.
 */
import { familiarName, ImageReference } from "../reference";
import { signatureSource } from "../registry";
import type { RegistryClient } from "../registry";
import type { RuleFailure } from "../rules";
import { Failure, FailureCode, SignatureConfig, verifyImageSignatures } from "../signature";

export interface SignContext {
    readonly registry: RegistryClient;
    /** Clock of the verification (tests may replace it). */
    now: () => Date;
}

export interface SignatureJudgement {
    readonly failure?: RuleFailure;
    /** Which signature verified the image, when one did. */
    readonly verifiedBy?: string;
    /** Checks a permissive or audit trust policy only logs. */
    readonly advisories?: readonly string[];
}

/** Reasons named in a message; the rest are counted. */
const MAX_REASONS = 4;

const FIX: Partial<Record<FailureCode, string>> = {
    "no-signature": "sign the image digest in CI (`notation sign <registry>/<repo>@<digest>` with a Key Vault key, or `cosign sign --key`) and push the signature to the same repository",
    "identity-mismatch": "sign with a certificate whose subject is in the trust policy's trustedIdentities, or add the signer's subject there",
    "untrusted-root": "add the signing certificate's root CA to the trust policy's trust store, or sign with a certificate issued under a configured root",
    "no-trust-policy": "add a notation trust policy whose registryScopes name the repository (or \"*\")",
    "wrong-key": "sign with a key whose public half is in cosign.keys, or add the public key",
    "wrong-digest": "sign the digest being deployed: the signature found is for other content",
    "expired-certificate": "re-sign with a currently valid certificate",
    "expired-signature": "re-sign the image: the signature has expired",
};
const DEFAULT_FIX = "re-sign the image digest with a trusted key and push the signature; see docs/signed-images.md";

function message(e: unknown): string {
    return (e as Error)?.message ?? String(e);
}

function describeReasons(reasons: readonly Failure[]): string {
    const shown = reasons.slice(0, MAX_REASONS).map((r) => r.message);
    const more = reasons.length > MAX_REASONS ? `; and ${reasons.length - MAX_REASONS} more` : "";
    // Embedded in "fails because <reason>. Fix: …": no trailing period of its own.
    return (shown.join("; ") + more).replace(/\.\s*$/, "");
}

/** The signature verdict on one image; `signature` undefined means no trust material is configured. */
export async function judgeSignature(ref: ImageReference, ctx: SignContext, signature: SignatureConfig | undefined): Promise<SignatureJudgement> {
    if (!signature) {
        return {
            failure: {
                reason: "signed-images has no trust material configured, so no signature can be trusted",
                fix: "configure signed-images' notation (trustStores and trustPolicies) or cosign (keys); see docs/signed-images.md",
            },
        };
    }
    const repo = ctx.registry.repository(ref.domain, ref.path);
    if (!repo) {
        return {
            failure: {
                reason: `its registry ${ref.domain} is not contactable (not in signed-images' registries), so its signatures cannot be fetched and verified`,
                fix: `add ${ref.domain} to signed-images' registries`,
            },
        };
    }
    const wanted = ref.digest ?? ref.tag ?? "latest";
    let manifest;
    try {
        manifest = await repo.resolve(wanted);
    } catch (e) {
        return {
            failure: {
                reason: `the manifest of ${familiarName(ref)} could not be fetched from ${ref.domain}: ${message(e)}`,
                fix: ref.digest ? "check that the digest exists in the repository and the registry credentials allow pulls" : "check that the tag exists and the registry is reachable, or pin by digest",
            },
        };
    }
    const resolvedNote = ref.digest === undefined ? ` (tag "${wanted}" resolves to ${manifest.digest} now)` : "";
    const result = await verifyImageSignatures(
        { repository: ref.name, manifest: { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.size } },
        signature,
        signatureSource(repo),
        { now: ctx.now() },
    );
    if (result.verified) {
        const d = result.detail;
        return {
            verifiedBy: `${result.by} signature ${d.signature}`,
            advisories: d.logged.map((l) => `signature ${d.signature} verified under trust policy "${d.trustPolicy}" (level ${d.level}), which only logs this failed check: ${l.message}`),
        };
    }
    const first = result.reasons[0]?.code;
    return {
        failure: {
            reason: `no trusted signature verifies it${resolvedNote}: ${describeReasons(result.reasons)}`,
            fix: (first && FIX[first]) ?? DEFAULT_FIX,
        },
    };
}
