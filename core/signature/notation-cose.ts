/**
 * The Notary Project COSE envelope (`application/cose`, specs/signature-envelope-cose.md): a
 * COSE_Sign1_Tagged (tag 18) array [protected bstr, unprotected map, payload bstr, signature bstr].
 * Protected: alg (label 1), crit (2), content type (3), the Notary signed attributes with times as
 * CBOR epoch dates (tag 1). x5chain (label 33) in the unprotected (or protected) header. The signature
 * is over the CBOR Sig_structure ["Signature1", protected, h'', payload] (RFC 9052 §4.4). Integrity
 * only; trust decisions are in notation.ts. CBOR is decoded by the `cbor` package, strictly (one item,
 * no trailing bytes).
 */
import { fail as failWith, type Failed } from "../result";
import { decodeFirstSync, encode, Tagged } from "cbor";
import { checkAlg, fail, H, NotaryEnvelope, parseTarget, readSignedAttributes, Step, verifySignature } from "./notation-envelope";
import { parseCertificate, ParsedCertificate } from "./x509";

export const COSE_MEDIA_TYPE = "application/cose";
const COSE_SIGN1_TAG = 18;
const LABEL = { alg: 1, crit: 2, contentType: 3, x5chain: 33 } as const;
/** COSE algorithm identifiers (IANA) → the names the signature specification uses. */
const COSE_ALGS: Readonly<Record<number, string>> = { [-7]: "ES256", [-35]: "ES384", [-36]: "ES512", [-37]: "PS256", [-38]: "PS384", [-39]: "PS512" };

type CborMap = Map<unknown, unknown>;

function decodeStrict(bytes: Uint8Array): { ok: true; value: unknown } | Failed<"invalid-cbor"> {
    try {
        return { ok: true, value: decodeFirstSync(Buffer.from(bytes), { preferMap: true }) };
    } catch (e) {
        const m = (e as Error).message;
        return failWith("invalid-cbor", /insufficient data/i.test(m) ? `is truncated (${m})` : `is not valid CBOR (${m})`);
    }
}

function certificatesOf(value: unknown): Buffer[] | undefined {
    if (Buffer.isBuffer(value)) return [value];
    if (Array.isArray(value) && value.length > 0 && value.every((v) => Buffer.isBuffer(v))) return value as Buffer[];
    return undefined;
}

/** Parses a COSE envelope and checks its integrity (well-formedness and signature). Never throws. */
export function openCoseEnvelope(bytes: Uint8Array): Step<NotaryEnvelope> {
    const decoded = decodeStrict(bytes);
    if (!decoded.ok) return fail("malformed", `the COSE envelope ${decoded.failure.message}`);
    const tagged = decoded.value;
    if (!(tagged instanceof Tagged) || tagged.tag !== COSE_SIGN1_TAG) return fail("malformed", "the COSE envelope is not a COSE_Sign1_Tagged object (CBOR tag 18)");
    const arr = tagged.value;
    if (!Array.isArray(arr) || arr.length !== 4) return fail("malformed", "COSE_Sign1 must be an array of 4 items: protected, unprotected, payload, signature");
    const [protectedBytes, unprotected, payload, signature] = arr as unknown[];
    if (!Buffer.isBuffer(protectedBytes) || protectedBytes.length === 0) return fail("malformed", "the COSE protected header is missing");
    if (!(unprotected instanceof Map)) return fail("malformed", "the COSE unprotected header is not a map");
    if (!Buffer.isBuffer(payload)) return fail("malformed", "the COSE payload is missing or detached");
    if (!Buffer.isBuffer(signature)) return fail("malformed", "the COSE signature is not a byte string");

    const ph = decodeStrict(protectedBytes);
    if (!ph.ok || !(ph.value instanceof Map)) return fail("malformed", `the COSE protected header ${ph.ok ? "is not a map" : ph.failure.message}`);
    const headers: CborMap = ph.value;
    const duplicated = [...unprotected.keys()].filter((k) => headers.has(k));
    if (duplicated.length > 0) return fail("malformed", `COSE headers ${duplicated.join(", ")} appear both protected and unprotected`);

    const crit = headers.get(LABEL.crit);
    const attrs = readSignedAttributes({
        crit: Array.isArray(crit) && crit.every((c) => typeof c === "string" || typeof c === "number") ? crit : undefined,
        isRegistered: (c) => typeof c === "number" && c >= 0 && c <= 8,
        has: (name) => headers.has(name),
        cty: headers.get(LABEL.contentType),
        scheme: headers.get(H.signingScheme),
        time: (name) => {
            if (!headers.has(name)) return undefined;
            const v = headers.get(name);
            return v instanceof Date && !Number.isNaN(v.getTime()) ? v : "invalid";
        },
    });
    if (!attrs.ok) return attrs;

    const rawChain = headers.get(LABEL.x5chain) ?? unprotected.get(LABEL.x5chain);
    const ders = certificatesOf(rawChain);
    if (!ders) return fail("malformed", "the COSE envelope has no x5chain (label 33) certificate chain");
    const chain: ParsedCertificate[] = [];
    for (const [i, der] of ders.entries()) {
        const cert = parseCertificate(der);
        if (!cert.ok) return fail("malformed", `x5chain[${i}] ${cert.failure.message}`);
        chain.push(cert.cert);
    }

    const algLabel = headers.get(LABEL.alg);
    const alg = checkAlg(typeof algLabel === "number" ? COSE_ALGS[algLabel] ?? `COSE algorithm ${algLabel}` : undefined, chain[0]);
    if (!alg.ok) return alg;
    const toBeSigned = encode(["Signature1", protectedBytes, Buffer.alloc(0), payload]);
    if (!verifySignature(alg.value, chain[0].node.publicKey, toBeSigned, signature)) {
        return fail("bad-signature", "the COSE signature does not verify with the signing certificate's key: the envelope was altered or signed by another key");
    }
    const target = parseTarget(payload);
    if (!target.ok) return target;
    return { ok: true, value: { format: "cose", alg: alg.value, chain, target: target.value, hasTimestamp: unprotected.has(H.timestampSignature), ...attrs.value } };
}
