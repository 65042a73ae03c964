/**
 * Nothing passes by accident: any change to the signed parts of a valid Notation envelope or cosign
 * payload fails verification, and arbitrary bytes never verify and never throw.
 */
import fc from "fast-check";
import { parseSignatureConfig, SignatureConfig } from "../../../../core/signature";
import { verifyCosignPayload } from "../../../../core/signature/cosign";
import { selectTrustPolicy, verifyNotationEnvelope } from "../../../../core/signature/notation";
import { cosignPayload, cosignSign, ecKey, notationCose, notationJws, publicPem, testImage, testPki } from "../../../support/signing";

const pki = testPki();
const image = testImage("prop");
const target = { mediaType: image.manifest.mediaType, digest: image.manifest.digest, size: image.manifest.size };
const cfg = parseSignatureConfig({
    notation: {
        trustStores: [{ name: "s", certificates: [pki.root.pem] }],
        trustPolicies: [{ name: "p", registryScopes: ["*"], trustStores: ["s"], trustedIdentities: ["*"], level: "audit" }],
    },
}, { baseDir: __dirname });
if (!cfg.ok) throw new Error(cfg.errors.join());
const config = cfg.config as SignatureConfig;
const ctx = { image: target, policy: selectTrustPolicy(config.notation!, "x/y")!, config: config.notation!, now: new Date() };
const envelope = JSON.parse(notationJws({ target, chain: [pki.leaf, pki.intermediate, pki.root] }).toString());
const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

const verifyJson = (env: unknown) => verifyNotationEnvelope("application/jose+json", Buffer.from(JSON.stringify(env)), ctx);

test("the untouched envelope verifies (audit: integrity only)", () => {
    expect(verifyJson(envelope).ok).toBe(true);
});

test("changing any character of the protected header, payload or signature fails", () => {
    fc.assert(fc.property(
        fc.constantFrom("protected", "payload", "signature"), fc.nat(), fc.nat(),
        (field, pos, pick) => {
            const s: string = envelope[field];
            // The last signature character carries unused padding bits: it is excluded, not a weakness of the check.
            const i = pos % (field === "signature" ? s.length - 1 : s.length);
            const alternatives = B64URL.replace(s[i], "");
            const mutated = s.slice(0, i) + alternatives[pick % alternatives.length] + s.slice(i + 1);
            return verifyJson({ ...envelope, [field]: mutated }).ok === false;
        },
    ), { numRuns: 300 });
});

test("arbitrary bytes and arbitrary JSON never verify and never throw", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => verifyNotationEnvelope("application/jose+json", bytes, ctx).ok === false), { numRuns: 200 });
    fc.assert(fc.property(fc.jsonValue(), (v) => verifyJson(v).ok === false), { numRuns: 200 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => verifyNotationEnvelope("application/cose", bytes, ctx).ok === false), { numRuns: 200 });
    fc.assert(fc.property(fc.dictionary(fc.constantFrom("payload", "protected", "header", "signature"), fc.jsonValue()), (v) => verifyJson(v).ok === false), { numRuns: 200 });
});

test("COSE: flipping any byte of the signed region (protected header, payload, signature) fails", () => {
    const cose = notationCose({ target, chain: [pki.leaf, pki.intermediate, pki.root] });
    expect(verifyNotationEnvelope("application/cose", cose, ctx).ok).toBe(true);
    // The unprotected header (certificates, signing agent) sits between the protected header and the payload.
    const payloadAt = cose.indexOf(Buffer.from('{"targetArtifact"'));
    const protectedEnd = cose.indexOf(Buffer.from("application/vnd.cncf.notary.payload.v1+json")) + 60;
    fc.assert(fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(), (pos, x, inProtected) => {
        const changed = Buffer.from(cose);
        const i = inProtected ? 4 + (pos % (protectedEnd - 4)) : payloadAt + (pos % (cose.length - payloadAt));
        changed[i] ^= x;
        return verifyNotationEnvelope("application/cose", changed, ctx).ok === false;
    }), { numRuns: 300 });
});

test("cosign: flipping any payload byte or using any other key fails", () => {
    const key = ecKey();
    const keys = parseSignatureConfig({ cosign: { keys: [publicPem(key)] } }, { baseDir: __dirname });
    if (!keys.ok) throw new Error(keys.errors.join());
    const payload = cosignPayload(image.manifest.digest);
    const sig = cosignSign(payload, key.privateKey);
    expect(verifyCosignPayload(payload, sig, image.manifest.digest, keys.config.cosign!.keys).ok).toBe(true);
    fc.assert(fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (pos, x) => {
        const changed = Buffer.from(payload);
        changed[pos % changed.length] ^= x;
        return verifyCosignPayload(changed, sig, image.manifest.digest, keys.config.cosign!.keys).ok === false;
    }), { numRuns: 200 });
});
