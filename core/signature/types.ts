/**
 * Results of signature verification. Every failure carries a typed code and a sentence saying why,
 * so the `signed-images` policy can report it as a violation without re-deriving anything.
 */

/** An OCI content descriptor as registries and signature payloads write it. */
export type { Descriptor } from "../oci";
import type { Descriptor } from "../oci";

export type FailureCode =
    /** Nothing signed this image: no Notation referrer, no cosign signature. */
    | "no-signature"
    /** The signed payload names another digest, media type or size than the image being deployed. */
    | "wrong-digest"
    /** The signature does not verify with the signing certificate / configured key. */
    | "bad-signature"
    /** No configured cosign key verifies the signature. */
    | "wrong-key"
    /** The certificate chain does not end at a certificate of the policy's trust stores. */
    | "untrusted-root"
    /** The certificate chain is malformed or a certificate breaks the Notary Project requirements. */
    | "invalid-chain"
    /** A certificate of the chain was not valid at signing or verification time. */
    | "expired-certificate"
    /** The signer's expiry (`io.cncf.notary.expiry`) has passed. */
    | "expired-signature"
    /** Revocation could not be determined (the certificate names CRL/OCSP endpoints this verifier does not query). */
    | "revocation-unknown"
    /** The signing certificate's subject matches no trusted identity of the policy. */
    | "identity-mismatch"
    /** No trust policy's registry scopes cover the image. */
    | "no-trust-policy"
    /** An envelope, manifest or payload that is truncated, not JSON, or not of the specified shape. */
    | "malformed"
    /** A blob or manifest larger than the configured limit. */
    | "oversized"
    /** A critical header this verifier does not understand (e.g. a Notation verification plugin). */
    | "unknown-critical-header"
    /** An envelope format this verifier does not implement (COSE). */
    | "unsupported"
    /** The registry answered with content that contradicts what it announced (subject, digest, size). */
    | "registry-lied"
    /** The registry could not be read (network, HTTP status, auth). */
    | "registry-error"
    /** More signatures than the configured maximum were attached; the rest were not examined. */
    | "too-many-signatures";

export interface Failure {
    readonly code: FailureCode;
    readonly message: string;
    /** Which signature it concerns: the signature manifest digest or the cosign tag. */
    readonly signature?: string;
}

export type Verifier = "notation" | "cosign";

export interface VerifiedDetail {
    /** The signature manifest digest (Notation referrer, cosign `.sig` manifest or cosign referrer). */
    readonly signature: string;
    /** Notation: the signing certificate's subject DN; cosign: the fingerprint of the key that verified. */
    readonly signer: string;
    /** Notation: the trust policy applied and its level. */
    readonly trustPolicy?: string;
    readonly level?: string;
    /** Validations the level only logs and that failed (permissive, audit): the policy reports them as advisories. */
    readonly logged: readonly Failure[];
}

export type VerificationResult =
    | { readonly verified: true; readonly by: Verifier; readonly detail: VerifiedDetail }
    | { readonly verified: false; readonly reasons: readonly Failure[] };

export function failure(code: FailureCode, message: string, signature?: string): Failure {
    return signature === undefined ? { code, message } : { code, message, signature };
}
