/**
 * The Notary Project JWS envelope (`application/jose+json`, specs/signature-envelope-jws.md): flattened
 * JSON serialization with exactly `payload`, `protected`, `header`, `signature`; protected headers
 * `alg` (matching the signing certificate's key), `cty`, `crit` and the signed attributes; `x5c` in the
 * unprotected header. This module checks integrity only — well-formed, and the signature verifies
 * with the leaf certificate's key. Trust decisions are in notation.ts.
 *
 * The signature is checked with node:crypto (RFC 7518 §3.4/§3.5). jose 6 would do the same, but it is
 * an ES module that CommonJS cannot require on Node < 20.19 nor under jest.
 */
import { decodeBase64, decodeBase64Url, decodeJson, isRecord, parseRfc3339 } from "./json";
import { checkAlg, fail, H, NotaryEnvelope, parseTarget, readSignedAttributes, Step, verifySignature } from "./notation-envelope";
import { parseCertificate, ParsedCertificate } from "./x509";

export const JWS_MEDIA_TYPE = "application/jose+json";
const REGISTERED_HEADERS = new Set(["alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit"]);

/** Parses a JWS envelope and checks its integrity (well-formedness and signature). Never throws. */
export function openJwsEnvelope(bytes: Uint8Array): Step<NotaryEnvelope> {
    const json = decodeJson(bytes);
    if (!json.ok) return fail("malformed", `the JWS envelope ${json.failure.message}`);
    const env = json.value;
    if (!isRecord(env)) return fail("malformed", "the JWS envelope is not a JSON object");
    const extra = Object.keys(env).filter((k) => !["payload", "protected", "header", "signature"].includes(k));
    if (extra.length > 0) {
        return fail("malformed", `the JWS envelope has fields ${extra.join(", ")}: only the flattened JSON serialization (payload, protected, header, signature) is allowed`);
    }
    for (const k of ["payload", "protected", "signature"]) {
        if (typeof env[k] !== "string") return fail("malformed", `the JWS envelope's "${k}" is missing or not a string`);
    }
    if (!isRecord(env.header)) return fail("malformed", "the JWS envelope has no unprotected \"header\" object (it carries the x5c certificate chain)");

    const protectedBytes = decodeBase64Url(env.protected);
    if (!protectedBytes.ok) return fail("malformed", `the protected header ${protectedBytes.failure.message}`);
    const ph = decodeJson(protectedBytes.value);
    if (!ph.ok || !isRecord(ph.value)) return fail("malformed", `the protected header ${ph.ok ? "is not a JSON object" : ph.failure.message}`);
    const headers = ph.value;
    const duplicated = Object.keys(env.header).filter((k) => k in headers);
    if (duplicated.length > 0) return fail("malformed", `headers ${duplicated.join(", ")} appear both protected and unprotected (RFC 7515 §7.2.1)`);

    const crit = headers.crit;
    const attrs = readSignedAttributes({
        crit: Array.isArray(crit) && crit.every((c) => typeof c === "string") ? crit : undefined,
        isRegistered: (c) => REGISTERED_HEADERS.has(String(c)),
        has: (name) => name in headers,
        cty: headers.cty,
        scheme: headers[H.signingScheme],
        time: (name) => (name in headers ? parseRfc3339(headers[name]) ?? "invalid" : undefined),
    });
    if (!attrs.ok) return attrs;

    const x5c = env.header.x5c;
    if (!Array.isArray(x5c) || x5c.length === 0) return fail("malformed", "the unprotected header has no x5c certificate chain");
    const chain: ParsedCertificate[] = [];
    for (const [i, entry] of x5c.entries()) {
        const der = decodeBase64(entry);
        if (!der.ok) return fail("malformed", `x5c[${i}] ${der.failure.message}`);
        const cert = parseCertificate(der.value);
        if (!cert.ok) return fail("malformed", `x5c[${i}] ${cert.failure.message}`);
        chain.push(cert.cert);
    }

    const alg = checkAlg(typeof headers.alg === "string" ? headers.alg : undefined, chain[0]);
    if (!alg.ok) return alg;
    const sig = decodeBase64Url(env.signature);
    if (!sig.ok) return fail("malformed", `the signature ${sig.failure.message}`);
    if (!verifySignature(alg.value, chain[0].node.publicKey, Buffer.from(`${env.protected}.${env.payload}`, "ascii"), sig.value)) {
        return fail("bad-signature", "the JWS signature does not verify with the signing certificate's key: the envelope was altered or signed by another key");
    }

    const payloadBytes = decodeBase64Url(env.payload);
    if (!payloadBytes.ok) return fail("malformed", `the payload ${payloadBytes.failure.message}`);
    const target = parseTarget(payloadBytes.value);
    if (!target.ok) return target;
    return { ok: true, value: { format: "jws", alg: alg.value, chain, target: target.value, hasTimestamp: H.timestampSignature in env.header, ...attrs.value } };
}
