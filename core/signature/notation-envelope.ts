/**
 * What the Notary Project JWS and COSE envelopes share (specs/signature-specification.md): the
 * decoded envelope handed to trust evaluation, the signed attributes and their critical-header
 * rules, the algorithm the signing key dictates, and the signed payload's target descriptor.
 */
import { constants, KeyObject, verify } from "node:crypto";
import { validateDigest } from "../reference";
import { decodeJson, isRecord } from "./json";
import { Descriptor, Failure, failure } from "./types";
import { ParsedCertificate } from "./x509";

export const NOTARY_PAYLOAD_TYPE = "application/vnd.cncf.notary.payload.v1+json";

export const H = {
    signingScheme: "io.cncf.notary.signingScheme",
    signingTime: "io.cncf.notary.signingTime",
    authenticSigningTime: "io.cncf.notary.authenticSigningTime",
    expiry: "io.cncf.notary.expiry",
    timestampSignature: "io.cncf.notary.timestampSignature",
} as const;
/** Critical headers this verifier processes; any other name in `crit` fails verification. */
const UNDERSTOOD_CRITICAL: readonly string[] = [H.signingScheme, H.authenticSigningTime, H.expiry];

export type SigningScheme = "notary.x509" | "notary.x509.signingAuthority";

export interface NotaryEnvelope {
    readonly format: "jws" | "cose";
    readonly alg: string;
    readonly scheme: SigningScheme;
    /** notary.x509: the signer's (unauthenticated) clock. */
    readonly signingTime?: Date;
    /** notary.x509.signingAuthority: the signing authority's (authenticated) time. */
    readonly authenticSigningTime?: Date;
    readonly expiry?: Date;
    /** Leaf first, root last. */
    readonly chain: readonly ParsedCertificate[];
    readonly target: Descriptor;
    /** An RFC 3161 countersignature is present (not verified: the chain must then be valid now). */
    readonly hasTimestamp: boolean;
}

export type Step<T> = { ok: true; value: T } | { ok: false; failure: Failure };
export const fail = (code: Failure["code"], message: string): { ok: false; failure: Failure } => ({ ok: false, failure: failure(code, message) });

/** A protected header, read the same way whatever the envelope encoding. */
export interface HeaderView {
    /** Entries of `crit`, names as strings; undefined when absent or not a list of names/labels. */
    readonly crit: readonly (string | number)[] | undefined;
    /** Header labels that `crit` must not list (JWS registered names, COSE labels 0–8). */
    readonly isRegistered: (entry: string | number) => boolean;
    readonly has: (name: string) => boolean;
    readonly cty: unknown;
    readonly scheme: unknown;
    /** The time in a header: a Date, undefined when absent, "invalid" when present but not a time. */
    readonly time: (name: string) => Date | undefined | "invalid";
}

export interface SignedAttributes {
    readonly scheme: SigningScheme;
    readonly signingTime?: Date;
    readonly authenticSigningTime?: Date;
    readonly expiry?: Date;
}

/** The spec's signed-attribute rules: crit, content type, signing scheme and its times, expiry. */
export function readSignedAttributes(h: HeaderView): Step<SignedAttributes> {
    const crit = h.crit;
    if (!crit || crit.length === 0) return fail("malformed", "the protected header's crit must be a non-empty list of header names (Notary Project signatures require it)");
    const registered = crit.filter(h.isRegistered);
    if (registered.length > 0) return fail("malformed", `crit must not list registered headers (${registered.join(", ")})`);
    const unknown = crit.filter((c) => typeof c !== "string" || !UNDERSTOOD_CRITICAL.includes(c));
    if (unknown.length > 0) {
        return fail("unknown-critical-header", `the signature marks ${unknown.map((c) => JSON.stringify(c)).join(", ")} critical, which this verifier does not process (e.g. a Notation verification plugin); a critical header that is not understood fails verification`);
    }
    const absent = crit.filter((c) => !h.has(c as string));
    if (absent.length > 0) return fail("malformed", `crit lists ${absent.join(", ")}, which the protected header does not contain`);
    for (const name of [H.signingScheme, H.expiry, H.authenticSigningTime]) {
        if (h.has(name) && !crit.includes(name)) return fail("malformed", `the protected header "${name}" must be listed in crit`);
    }
    if (h.cty !== NOTARY_PAYLOAD_TYPE) return fail("malformed", `the content type (cty) is ${JSON.stringify(h.cty)}, not "${NOTARY_PAYLOAD_TYPE}"`);
    const scheme = h.scheme;
    if (scheme !== "notary.x509" && scheme !== "notary.x509.signingAuthority") {
        return fail("malformed", `the signing scheme is ${JSON.stringify(scheme)}, not "notary.x509" or "notary.x509.signingAuthority"`);
    }
    const expiry = h.time(H.expiry);
    if (expiry === "invalid") return fail("malformed", `"${H.expiry}" is not a valid time`);
    const out = expiry ? { expiry } : {};
    if (scheme === "notary.x509") {
        if (h.has(H.authenticSigningTime)) return fail("malformed", `"${H.authenticSigningTime}" is only valid with the notary.x509.signingAuthority scheme`);
        const t = h.time(H.signingTime);
        if (!(t instanceof Date)) return fail("malformed", `"${H.signingTime}" is required with notary.x509 and must be a valid time`);
        const order = expiryOrder(t, expiry);
        if (order) return order;
        return { ok: true, value: { scheme, signingTime: t, ...out } };
    }
    if (h.has(H.signingTime)) return fail("malformed", `"${H.signingTime}" is only valid with the notary.x509 scheme`);
    const t = h.time(H.authenticSigningTime);
    if (!(t instanceof Date)) return fail("malformed", `"${H.authenticSigningTime}" is required with notary.x509.signingAuthority and must be a valid time`);
    const order = expiryOrder(t, expiry);
    if (order) return order;
    return { ok: true, value: { scheme, authenticSigningTime: t, ...out } };
}

/** An expiry at or before the signing time is malformed (notation-core-go validateSigningAndExpiryTime). */
function expiryOrder(signed: Date, expiry: Date | undefined): { ok: false; failure: Failure } | undefined {
    return expiry && expiry.getTime() <= signed.getTime()
        ? fail("malformed", `the expiry (${expiry.toISOString()}) is not after the signing time (${signed.toISOString()})`) : undefined;
}

interface AlgSpec { hash: string; kind: "pss" | "ecdsa" }
const ALGS: Readonly<Record<string, AlgSpec>> = {
    PS256: { hash: "sha256", kind: "pss" }, PS384: { hash: "sha384", kind: "pss" }, PS512: { hash: "sha512", kind: "pss" },
    ES256: { hash: "sha256", kind: "ecdsa" }, ES384: { hash: "sha384", kind: "ecdsa" }, ES512: { hash: "sha512", kind: "ecdsa" },
};

/** The algorithm the signing key dictates (spec "Algorithm Selection"); undefined for keys outside it. */
export function algForKey(key: KeyObject): string | undefined {
    const d = key.asymmetricKeyDetails ?? {};
    if (key.asymmetricKeyType === "rsa") return ({ 2048: "PS256", 3072: "PS384", 4096: "PS512" } as Record<number, string>)[d.modulusLength ?? 0];
    if (key.asymmetricKeyType === "ec") return ({ prime256v1: "ES256", secp384r1: "ES384", secp521r1: "ES512" } as Record<string, string>)[d.namedCurve ?? ""];
    return undefined;
}

/**
 * Both envelopes encode ECDSA signatures as r‖s (IEEE P1363). RSASSA-PSS signers use a salt as long
 * as the hash (RFC 7518 §3.5, RFC 8230), but the verifier accepts any salt length, as
 * notation-core-go does (Go's rsa.VerifyPSS with PSSSaltLengthAuto): the salt length is not part of
 * what the signature proves, and refusing other lengths refuses signatures Notation verifies.
 */
export function verifySignature(alg: string, key: KeyObject, signed: Buffer, signature: Buffer): boolean {
    const spec = ALGS[alg];
    if (!spec) return false;
    try {
        return spec.kind === "pss"
            ? verify(spec.hash, signed, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature)
            : verify(spec.hash, signed, { key, dsaEncoding: "ieee-p1363" }, signature);
    } catch {
        return false;
    }
}

/** `alg` must be what the leaf key dictates (algorithm substitution is refused); returns it. */
export function checkAlg(alg: string | undefined, leaf: ParsedCertificate): Step<string> {
    const expected = algForKey(leaf.node.publicKey);
    if (expected === undefined) return fail("bad-signature", "the signing certificate's key is not one of RSA 2048/3072/4096 or ECDSA P-256/P-384/P-521");
    if (alg !== expected) return fail("bad-signature", `alg is ${JSON.stringify(alg)} but the signing certificate's key requires ${expected} (algorithm substitution is refused)`);
    return { ok: true, value: expected };
}

/** The signed payload's `targetArtifact` descriptor (mediaType, digest, size required). */
export function parseTarget(bytes: Uint8Array): Step<Descriptor> {
    const json = decodeJson(bytes);
    if (!json.ok) return fail("malformed", `the signed payload ${json.failure.message}`);
    const t = isRecord(json.value) ? json.value.targetArtifact : undefined;
    if (!isRecord(t)) return fail("malformed", "the signed payload has no targetArtifact descriptor");
    if (typeof t.mediaType !== "string" || t.mediaType.length === 0) return fail("malformed", "targetArtifact.mediaType is missing");
    if (typeof t.digest !== "string" || validateDigest(t.digest)) return fail("malformed", `targetArtifact.digest ${JSON.stringify(t.digest)} is not a valid digest`);
    if (typeof t.size !== "number" || !Number.isSafeInteger(t.size) || t.size < 0) return fail("malformed", "targetArtifact.size is missing or not a byte count");
    return { ok: true, value: { mediaType: t.mediaType, digest: t.digest, size: t.size } };
}
