/**
 * Signature verification end to end over an in-memory registry: Notation JWS signatures (trust
 * policy levels, certificate chain requirements, critical headers, target descriptor) and cosign
 * key-based signatures, every failure reason, and a registry that lies.
 */
import {
    Descriptor, Failure, ImageToVerify, parseSignatureConfig, SignatureConfig, SourceError, VerificationResult, verifyImageSignatures,
} from "../../../../core/signature";
import { KeyUsageFlags } from "@peculiar/asn1-x509";
import { MemoryRegistry } from "../../../support/signing-memory";
import {
    blob, cosignLayer, cosignManifest, cosignPayload, cosignSign, ecKey, IssuedCert, intermediateCa, issue, JwsOptions, LEAF_DN,
    notationCose, notationJws, notationManifest, OIDS, publicPem, rootCa, rsaKey, signingCert, testImage, testPki, SIGNING_USAGE,
} from "../../../support/signing";

const pki = testPki();
const REPO = "contoso.azurecr.io/app";
const IDENTITY = "x509.subject: C=US, ST=WA, O=Contoso, OU=Build";
const cosignEc = ecKey();
const cosignRsa = rsaKey();

function config(opts: { level?: string; identities?: string[]; scopes?: string[]; stores?: unknown[]; policyStores?: string[]; cosign?: string[]; limits?: Record<string, number>; notation?: boolean } = {}): SignatureConfig {
    const raw: Record<string, unknown> = { ...(opts.limits ?? {}) };
    if (opts.notation !== false) {
        raw.notation = {
            trustStores: opts.stores ?? [{ name: "contoso", certificates: [pki.root.pem] }],
            trustPolicies: [{ name: "app", registryScopes: opts.scopes ?? [REPO], trustStores: opts.policyStores ?? ["contoso"], trustedIdentities: opts.identities ?? [IDENTITY], level: opts.level ?? "strict" }],
        };
    }
    if (opts.cosign) raw.cosign = { keys: opts.cosign };
    const r = parseSignatureConfig(raw, { baseDir: __dirname });
    if (!r.ok) throw new Error(r.errors.join("\n"));
    return r.config;
}

const image = testImage("app");
const other = testImage("other");
const target = { mediaType: image.manifest.mediaType, digest: image.manifest.digest, size: image.manifest.size };
const toVerify: ImageToVerify = { repository: REPO, manifest: target };
const chain = [pki.leaf, pki.intermediate, pki.root];

function registry(): MemoryRegistry {
    return new MemoryRegistry().put(image.config, image.layer, image.manifest, other.config, other.layer, other.manifest);
}

/** Pushes a Notation signature of `image` (overridable) and returns the signature manifest's digest. */
function signNotation(reg: MemoryRegistry, jws: Partial<JwsOptions> = {}, opts: { envelopeType?: string; subject?: Record<string, unknown> } = {}): string {
    const c = jws.chain ?? chain;
    const envelope = blob(opts.envelopeType ?? "application/jose+json", notationJws({ target, chain: c, ...jws }));
    const manifest = notationManifest(opts.subject ?? image.manifest, envelope, c);
    reg.put(envelope, manifest);
    return manifest.digest;
}

async function verify(reg: MemoryRegistry, cfg: SignatureConfig, img: ImageToVerify = toVerify): Promise<VerificationResult> {
    return verifyImageSignatures(img, cfg, reg);
}

function reasons(r: VerificationResult): readonly Failure[] {
    if (r.verified) throw new Error(`expected a failure, got ${JSON.stringify(r)}`);
    return r.reasons;
}

async function expectFailure(reg: MemoryRegistry, cfg: SignatureConfig, code: Failure["code"], message?: RegExp): Promise<readonly Failure[]> {
    const rs = reasons(await verify(reg, cfg));
    expect(rs.map((x) => x.code)).toContain(code);
    if (message) expect(rs.find((x) => x.code === code)!.message).toMatch(message);
    return rs;
}

describe("Notation (JWS)", () => {
    test("a signature chaining to the trust store, by a trusted identity, verifies (ECDSA P-256)", async () => {
        const reg = registry();
        const sig = signNotation(reg);
        const r = await verify(reg, config());
        expect(r).toEqual({ verified: true, by: "notation", detail: { signature: sig, signer: expect.stringContaining("CN=contoso-ci"), trustPolicy: "app", level: "strict", logged: [] } });
    });

    test("RSA-PSS (PS256, RSA 2048) and ECDSA P-384 (ES384) signing keys verify", async () => {
        for (const key of [rsaKey(2048), ecKey("P-384")]) {
            const reg = registry();
            signNotation(reg, { chain: [signingCert(LEAF_DN, pki.intermediate, key), pki.intermediate, pki.root] });
            expect((await verify(reg, config())).verified).toBe(true);
        }
    });

    test("an unsigned image fails with no-signature", async () => {
        const rs = await expectFailure(registry(), config(), "no-signature", /contoso.azurecr.io\/app@sha256:[0-9a-f]{64} is not signed/);
        expect(rs).toHaveLength(1);
    });

    test("a signature whose payload names another digest, media type or size fails (wrong-digest)", async () => {
        const cases: [Partial<typeof target>, RegExp][] = [
            [{ digest: other.manifest.digest }, /the signature is for sha256:.* not for the image/],
            [{ mediaType: "application/vnd.docker.distribution.manifest.v2+json" }, /media type/],
            [{ size: target.size + 1 }, /bytes, but the image manifest is/],
        ];
        for (const [change, message] of cases) {
            const reg = registry();
            signNotation(reg, { target: { ...target, ...change } });
            await expectFailure(reg, config(), "wrong-digest", message);
        }
    });

    test("a chain from another root fails (untrusted-root), even at permissive", async () => {
        for (const level of ["strict", "permissive"]) {
            const reg = registry();
            signNotation(reg, { chain: [pki.otherLeaf, pki.otherRoot] });
            await expectFailure(reg, config({ level }), "untrusted-root", /ends at .*Fabrikam Root.*none of the trust stores/);
        }
    });

    test("audit enforces integrity only: an untrusted root is logged, a bad signature still fails", async () => {
        const reg = registry();
        signNotation(reg, { chain: [pki.otherLeaf, pki.otherRoot] });
        const r = await verify(reg, config({ level: "audit" }));
        expect(r.verified && r.detail.logged.map((l) => l.code)).toEqual(["untrusted-root"]);
        const tampered = registry();
        signNotation(tampered, { key: ecKey().privateKey });
        await expectFailure(tampered, config({ level: "audit" }), "bad-signature");
    });

    test("an expired signing certificate fails at strict and is logged at permissive", async () => {
        const reg = registry();
        signNotation(reg, { chain: [pki.expiredLeaf, pki.intermediate, pki.root], signingTime: new Date(Date.now() - 10 * 86_400_000) });
        await expectFailure(reg, config(), "expired-certificate", /had expired now/);
        const r = await verify(reg, config({ level: "permissive" }));
        expect(r.verified && r.detail.logged.map((l) => l.code)).toEqual(["expired-certificate"]);
    });

    test("notary.x509: the signer's claimed signing time is not used (the spec calls it untrusted; notation-go ignores it); the chain must be valid now", async () => {
        const reg = registry();
        // Claimed long before the certificates existed: Notation verifies this signature, and so does imagegate.
        signNotation(reg, { signingTime: new Date(Date.now() - 400 * 86_400_000) });
        expect((await verify(reg, config())).verified).toBe(true);
    });

    test("an expiry at or before the signing time is malformed (notation-core-go validateSigningAndExpiryTime)", async () => {
        const reg = registry();
        const t = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
        signNotation(reg, { signingTime: t, expiry: t });
        await expectFailure(reg, config({ level: "audit" }), "malformed", /expiry .* is not after the signing time/);
    });

    test("RSASSA-PSS: any salt length verifies, as notation-core-go (not only the hash length)", async () => {
        const rsaLeaf = signingCert(LEAF_DN, pki.intermediate, rsaKey());
        for (const saltLength of [0, 20, 32, 222]) {
            const reg = registry();
            signNotation(reg, { chain: [rsaLeaf, pki.intermediate, pki.root], pssSaltLength: saltLength });
            expect([saltLength, (await verify(reg, config())).verified]).toEqual([saltLength, true]);
        }
        // A signature by another key still fails, whatever the salt.
        const reg = registry();
        signNotation(reg, { chain: [rsaLeaf, pki.intermediate, pki.root], key: rsaKey().privateKey, pssSaltLength: 0 });
        await expectFailure(reg, config(), "bad-signature");
    });

    test("a chain ending at a certificate with a trusted root's name but another key says so", async () => {
        const impostorRoot = rootCa([["C", "US"], ["ST", "WA"], ["O", "Contoso"], ["CN", "Contoso Root CA"]]);
        const leaf = signingCert(LEAF_DN, impostorRoot);
        const reg = registry();
        signNotation(reg, { chain: [leaf, impostorRoot] });
        await expectFailure(reg, config(), "untrusted-root", /has the name of a trusted certificate .*CN=Contoso Root CA.* but a different key/);
    });

    test("a differently cased registry host does not escape its repository's trust policy into \"*\"", async () => {
        const reg = registry();
        signNotation(reg, { chain: [pki.otherLeaf, pki.otherRoot] });
        const cfg = parseSignatureConfig({
            notation: {
                trustStores: [{ name: "contoso", certificates: [pki.root.pem] }, { name: "other", certificates: [pki.otherRoot.pem] }],
                trustPolicies: [
                    { name: "strict-app", registryScopes: ["localhost:5000/team/app"], trustStores: ["contoso"], trustedIdentities: ["*"], level: "strict" },
                    { name: "anything", registryScopes: ["*"], trustStores: ["other"], trustedIdentities: ["*"], level: "audit" },
                ],
            },
        }, { baseDir: __dirname });
        if (!cfg.ok) throw new Error(cfg.errors.join("\n"));
        for (const repository of ["LOCALHOST:5000/team/app", "localhost:5000/team/app", "LocalHost:5000/team/app"]) {
            const r = await verify(reg, cfg.config, { repository, manifest: target });
            expect([repository, r.verified]).toEqual([repository, false]);
            expect(reasons(r).map((x) => x.code)).toContain("untrusted-root");
        }
        // Another repository falls to "*" as before.
        expect((await verify(reg, cfg.config, { repository: "localhost:5000/team/other", manifest: target })).verified).toBe(true);
    });

    test("a signer outside the trusted identities fails (identity-mismatch); \"*\" accepts any signer of the store", async () => {
        const reg = registry();
        signNotation(reg);
        await expectFailure(reg, config({ identities: ["x509.subject: C=US, ST=WA, O=Contoso, OU=Release"] }), "identity-mismatch", /matches none of the trusted identities/);
        expect((await verify(reg, config({ identities: ["*"] }))).verified).toBe(true);
    });

    test("a signature expiry in the past fails at strict and is logged at permissive", async () => {
        const reg = registry();
        signNotation(reg, { expiry: new Date(Date.now() - 1000) });
        await expectFailure(reg, config(), "expired-signature");
        const r = await verify(reg, config({ level: "permissive" }));
        expect(r.verified && r.detail.logged.map((l) => l.code)).toEqual(["expired-signature"]);
        const future = registry();
        signNotation(future, { expiry: new Date(Date.now() + 86_400_000) });
        expect((await verify(future, config())).verified).toBe(true);
    });

    test("certificates naming CRL endpoints cannot be revocation-checked: strict fails, permissive logs", async () => {
        const leaf = signingCert(LEAF_DN, pki.intermediate, ecKey(), { crlUrl: "http://crl.contoso.example/ca.crl" });
        const reg = registry();
        signNotation(reg, { chain: [leaf, pki.intermediate, pki.root] });
        await expectFailure(reg, config(), "revocation-unknown", /CRL or OCSP/);
        expect((await verify(reg, config({ level: "permissive" }))).verified).toBe(true);
    });

    test("an unknown critical header fails; so does a critical header missing from crit", async () => {
        const reg = registry();
        signNotation(reg, { extraHeaders: { "io.cncf.notary.verificationPlugin": "com.example.plugin" }, critical: ["io.cncf.notary.verificationPlugin"] });
        await expectFailure(reg, config({ level: "audit" }), "unknown-critical-header", /"io.cncf.notary.verificationPlugin"/);
        const noCrit = registry();
        signNotation(noCrit, { expiry: new Date(Date.now() + 86_400_000), mutateHeader: (h) => { h.crit = ["io.cncf.notary.signingScheme"]; } });
        await expectFailure(noCrit, config(), "malformed", /"io.cncf.notary.expiry" must be listed in crit/);
        const none = registry();
        signNotation(none, { mutateHeader: (h) => { delete h.crit; } });
        await expectFailure(none, config(), "malformed", /crit must be a non-empty list/);
    });

    test("algorithm substitution, tampered payloads and wrong content types are refused", async () => {
        const subst = registry();
        signNotation(subst, { alg: "ES384" });
        await expectFailure(subst, config(), "bad-signature", /requires ES256/);
        const cty = registry();
        signNotation(cty, { cty: "application/json" });
        await expectFailure(cty, config(), "malformed", /content type/);
        // Re-point a valid envelope's payload at another digest without re-signing.
        const reg = registry();
        const env = JSON.parse(notationJws({ target, chain }).toString());
        env.payload = Buffer.from(JSON.stringify({ targetArtifact: { ...target, digest: other.manifest.digest } })).toString("base64url");
        const envelope = blob("application/jose+json", JSON.stringify(env));
        reg.put(envelope, notationManifest(image.manifest, envelope, chain));
        await expectFailure(reg, config({ level: "audit" }), "bad-signature", /altered or signed by another key/);
    });

    test("truncated envelopes and envelopes over maxBlobBytes fail without being trusted or (when oversized) fetched", async () => {
        const reg = registry();
        const full = notationJws({ target, chain });
        const truncated = blob("application/jose+json", full.subarray(0, full.length - 40));
        reg.put(truncated, notationManifest(image.manifest, truncated, chain));
        await expectFailure(reg, config(), "malformed", /truncated/);

        const big = registry();
        signNotation(big);
        const before = big.fetches;
        const rs = await expectFailure(big, config({ limits: { maxBlobBytes: 1024 } }), "oversized", /over the limit of 1024/);
        expect(rs.find((x) => x.code === "oversized")!.signature).toMatch(/^sha256:/);
        expect(big.fetches - before).toBe(1); // the signature manifest, not the envelope
    });

    test("an envelope type that is neither JWS nor COSE is unsupported, not trusted", async () => {
        const reg = registry();
        signNotation(reg, {}, { envelopeType: "application/vnd.example.signature" });
        await expectFailure(reg, config(), "unsupported", /not a Notary Project envelope/);
    });

    test("only the flattened JWS JSON serialization is accepted", async () => {
        const reg = registry();
        const env = JSON.parse(notationJws({ target, chain }).toString());
        const general = blob("application/jose+json", JSON.stringify({ ...env, signatures: [] }));
        reg.put(general, notationManifest(image.manifest, general, chain));
        await expectFailure(reg, config(), "malformed", /only the flattened JSON serialization/);
    });

    describe("certificate requirements (signature specification)", () => {
        const root = pki.root;
        const cases: [string, () => IssuedCert[], RegExp][] = [
            ["a chain without its root", () => [pki.leaf, pki.intermediate], /not a self-signed root/],
            ["a misordered chain", () => [pki.leaf, pki.root, pki.intermediate], /not issued by the next certificate/],
            ["an unrelated certificate in the chain", () => [pki.leaf, pki.otherRoot, pki.intermediate, pki.root], /not issued by the next certificate/],
            ["a server-auth leaf", () => [signingCert(LEAF_DN, pki.intermediate, ecKey(), { eku: [OIDS.serverAuth] }), pki.intermediate, root], /must not contain serverAuth/],
            ["a non-critical key usage", () => [signingCert(LEAF_DN, pki.intermediate, ecKey(), { keyUsage: { flags: KeyUsageFlags.digitalSignature, critical: false } }), pki.intermediate, root], /critical keyUsage/],
            ["a leaf allowed to sign certificates", () => [signingCert(LEAF_DN, pki.intermediate, ecKey(), { keyUsage: { flags: KeyUsageFlags.digitalSignature | KeyUsageFlags.keyCertSign } }), pki.intermediate, root], /only digitalSignature/],
            ["a CA certificate as signer", () => [signingCert(LEAF_DN, pki.intermediate, ecKey(), { basicConstraints: { cA: true } }), pki.intermediate, root], /is a CA certificate/],
            ["an intermediate without basicConstraints", () => {
                const ca = intermediateCa([["C", "US"], ["ST", "WA"], ["O", "Contoso"], ["CN", "Weak CA"]], root, ecKey(), { basicConstraints: undefined });
                return [signingCert(LEAF_DN, ca), ca, root];
            }, /basicConstraints extension with cA=true/],
            ["a self-signed certificate repeated after the root ([leaf, intermediate, root, root])", () => [pki.leaf, pki.intermediate, root, root], /is self-signed but is not the last certificate/],
            ["a self-signed certificate before the root", () => {
                const selfCa = rootCa([["C", "US"], ["ST", "WA"], ["O", "Contoso"], ["CN", "Self CA"]]);
                return [signingCert(LEAF_DN, selfCa), selfCa, root];
            }, /is self-signed but is not the last certificate.*intermediate position 1/],
            ["an OCSP-signing leaf", () => [signingCert(LEAF_DN, pki.intermediate, ecKey(), { eku: [OIDS.codeSigning, "1.3.6.1.5.5.7.3.9"] }), pki.intermediate, root], /must not contain OCSPSigning/],
            ["a SHA-1 with ECDSA signed certificate", () => [signingCert(LEAF_DN, pki.intermediate, ecKey(), { hash: "sha1" }), pki.intermediate, root], /signed with SHA-1 with ECDSA \(1\.2\.840\.10045\.4\.1\), which is not allowed/],
            ["a pathLen violation", () => {
                const ca1 = intermediateCa([["C", "US"], ["ST", "WA"], ["O", "Contoso"], ["CN", "CA1"]], root, ecKey(), { basicConstraints: { cA: true, pathLen: 0 } });
                const ca2 = intermediateCa([["C", "US"], ["ST", "WA"], ["O", "Contoso"], ["CN", "CA2"]], ca1);
                return [signingCert(LEAF_DN, ca2), ca2, ca1, root];
            }, /pathLenConstraint 0 but 1 CA/],
            ["a SHA-1 signed certificate", () => {
                const rsaRoot = rootCa([["C", "US"], ["ST", "WA"], ["O", "Contoso"], ["CN", "RSA Root"]], rsaKey());
                return [signingCert(LEAF_DN, rsaRoot, ecKey(), { hash: "sha1" }), rsaRoot];
            }, /signed with SHA-1 with RSA \(1\.2\.840\.113549\.1\.1\.5\), which is not allowed/],
        ];
        test.each(cases)("%s fails (invalid-chain)", async (_name, build, message) => {
            const c = build();
            const reg = registry();
            signNotation(reg, { chain: c });
            // Trust the chain's own last certificate too, so that only the requirement under test can fail.
            const allRoots = [pki.root.pem, c[c.length - 1].pem];
            await expectFailure(reg, config({ stores: [{ name: "contoso", certificates: allRoots }], level: "permissive" }), "invalid-chain", message);
        });

        test("a lone self-signed signing certificate in the trust store verifies (judged as a leaf)", async () => {
            const self = issue({ subject: LEAF_DN, key: ecKey(), keyUsage: SIGNING_USAGE, eku: [OIDS.codeSigning] });
            const reg = registry();
            signNotation(reg, { chain: [self] });
            expect((await verify(reg, config({ stores: [{ name: "contoso", certificates: [self.pem] }] }))).verified).toBe(true);
        });

        test("an intermediate whose basicConstraints is not critical verifies, as in notation-core-go", async () => {
            const ca = intermediateCa([["C", "US"], ["ST", "WA"], ["O", "Contoso"], ["CN", "Non-critical CA"]], root, ecKey(), { basicConstraints: { cA: true, critical: false } });
            const reg = registry();
            signNotation(reg, { chain: [signingCert(LEAF_DN, ca), ca, root] });
            expect((await verify(reg, config())).verified).toBe(true);
        });

        test("an intermediate pinned in the trust store is accepted", async () => {
            const reg = registry();
            signNotation(reg);
            expect((await verify(reg, config({ stores: [{ name: "contoso", certificates: [pki.intermediate.pem] }] }))).verified).toBe(true);
        });
    });

    test("the signingAuthority scheme needs a signingAuthority store", async () => {
        const reg = registry();
        signNotation(reg, { scheme: "notary.x509.signingAuthority", mutateHeader: (h) => {
            h["io.cncf.notary.authenticSigningTime"] = h["io.cncf.notary.signingTime"];
            delete h["io.cncf.notary.signingTime"];
            (h.crit as string[]).push("io.cncf.notary.authenticSigningTime");
        } });
        await expectFailure(reg, config(), "untrusted-root", /no signingAuthority trust store/);
        expect((await verify(reg, config({ policyStores: ["signingAuthority:contoso"] }))).verified).toBe(true);
    });

    test("no trust policy for the repository fails (no-trust-policy), not no-signature", async () => {
        const reg = registry();
        signNotation(reg);
        const rs = await expectFailure(reg, config({ scopes: ["contoso.azurecr.io/other"] }), "no-trust-policy", /no Notation trust policy covers contoso.azurecr.io\/app/);
        expect(rs.map((x) => x.code)).not.toContain("no-signature");
    });

    test("every examined signature's reason is collected; a good one among bad ones verifies", async () => {
        const reg = registry();
        signNotation(reg, { chain: [pki.otherLeaf, pki.otherRoot] });
        signNotation(reg, { target: { ...target, digest: other.manifest.digest } });
        const rs = reasons(await verify(reg, config()));
        expect(rs.map((x) => x.code).sort()).toEqual(["untrusted-root", "wrong-digest"]);
        expect(rs.every((x) => /^sha256:/.test(x.signature ?? ""))).toBe(true);
        const good = signNotation(reg);
        const r = await verify(reg, config());
        expect(r.verified && r.detail.signature).toBe(good);
    });

    test("work is bounded by maxSignatures", async () => {
        const reg = registry();
        for (let i = 0; i < 4; i++) signNotation(reg, { chain: [pki.otherLeaf, pki.otherRoot], signingTime: new Date(Date.now() - 1000 * (i + 1)) });
        const rs = await expectFailure(reg, config({ limits: { maxSignatures: 2 } }), "too-many-signatures", /too many Notation signatures: 4, limit 2 \(maxSignatures\)/);
        expect(rs.filter((x) => x.code === "untrusted-root")).toHaveLength(2);
        expect(reg.fetches).toBe(4); // 2 manifests + 2 envelopes
    });
});

describe("Notation (COSE)", () => {
    function signCose(reg: MemoryRegistry, opts: Partial<Parameters<typeof notationCose>[0]> = {}, bytes?: Buffer): string {
        const c = opts.chain ?? chain;
        const envelope = blob("application/cose", bytes ?? notationCose({ target, chain: c, ...opts }));
        const manifest = notationManifest(image.manifest, envelope, c);
        reg.put(envelope, manifest);
        return manifest.digest;
    }

    test("COSE_Sign1 signatures verify (ES256 and PS256)", async () => {
        for (const key of [ecKey(), rsaKey()]) {
            const reg = registry();
            const sig = signCose(reg, { chain: [signingCert(LEAF_DN, pki.intermediate, key), pki.intermediate, pki.root] });
            expect(await verify(reg, config())).toMatchObject({ verified: true, by: "notation", detail: { signature: sig } });
        }
    });

    test("the same trust rules apply: wrong digest, untrusted root, expired certificate, identity", async () => {
        const cases: [Partial<Parameters<typeof notationCose>[0]>, Failure["code"], string[]?][] = [
            [{ target: { ...target, digest: other.manifest.digest } }, "wrong-digest"],
            [{ chain: [pki.otherLeaf, pki.otherRoot] }, "untrusted-root"],
            [{ chain: [pki.expiredLeaf, pki.intermediate, pki.root], signingTime: new Date(Date.now() - 10 * 86_400_000) }, "expired-certificate"],
            [{}, "identity-mismatch", ["x509.subject: C=US, ST=WA, O=Fabrikam"]],
        ];
        for (const [opts, code, identities] of cases) {
            const reg = registry();
            signCose(reg, opts);
            await expectFailure(reg, config(identities ? { identities } : {}), code);
        }
    });

    test("tampering, truncation, unknown critical headers and wrong structure fail", async () => {
        const good = notationCose({ target, chain });
        const tampered = Buffer.from(good);
        const at = tampered.indexOf(Buffer.from(target.digest.slice(7, 20)));
        tampered[at] = tampered[at] === 0x61 ? 0x62 : 0x61;
        const cases: [Buffer, Failure["code"], RegExp][] = [
            [tampered, "bad-signature", /COSE signature does not verify/],
            [good.subarray(0, good.length - 10), "malformed", /truncated/],
            [Buffer.concat([good, Buffer.from([0])]), "malformed", /not valid CBOR/],
            [notationCose({ target, chain, tag: 98 }), "malformed", /COSE_Sign1_Tagged/],
            [notationCose({ target, chain, alg: "ES384" }), "bad-signature", /requires ES256/],
            [notationCose({ target, chain, extraHeaders: { "io.cncf.notary.verificationPlugin": "x" }, critical: ["io.cncf.notary.verificationPlugin"] }), "unknown-critical-header", /verificationPlugin/],
            [notationCose({ target, chain, mutateCoseHeader: (h) => { (h.get(2) as unknown[]).push(258); h.set(258, -16); } }), "unknown-critical-header", /258/],
            [notationCose({ target, chain, mutateCoseHeader: (h) => { h.set("io.cncf.notary.signingTime", "2024-01-01T00:00:00Z"); } }), "malformed", /signingTime.*valid time/],
            [notationCose({ target, chain, mutateCoseHeader: (h) => { h.delete(2); } }), "malformed", /crit must be a non-empty list/],
        ];
        for (const [bytes, code, message] of cases) {
            const reg = registry();
            signCose(reg, {}, bytes);
            await expectFailure(reg, config({ level: "audit" }), code, message);
        }
    });
});

describe("a registry that lies", () => {
    test("a referrer whose subject is another image is refused", async () => {
        const reg = registry();
        const sig = signNotation(reg, {}, { subject: { mediaType: other.manifest.mediaType, digest: other.manifest.digest, size: other.manifest.size } });
        const bytes = reg.content.get(sig)!;
        reg.extraReferrers.push({ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: sig, size: bytes.length, artifactType: "application/vnd.cncf.notary.signature" });
        await expectFailure(reg, config({ level: "audit" }), "registry-lied", /listed this signature as a referrer of sha256:.*but its subject is/);
    });

    test("content that does not hash to its descriptor is refused (envelope and signature manifest)", async () => {
        const reg = registry();
        const sig = signNotation(reg);
        const manifest = JSON.parse(reg.content.get(sig)!.toString());
        reg.substitutions.set(manifest.layers[0].digest, notationJws({ target, chain }));
        await expectFailure(reg, config(), "registry-lied", /signature envelope hashes to sha256:/);

        const reg2 = registry();
        const sig2 = signNotation(reg2);
        reg2.substitutions.set(sig2, Buffer.from(reg2.content.get(sig2)!.toString().replace("image.created", "image.kreated")));
        await expectFailure(reg2, config(), "registry-lied", /signature manifest/);
    });

    test("a referrers listing that fails is a registry error, and cosign is still consulted", async () => {
        const reg = registry();
        reg.referrersError = new SourceError("registry-error", "HTTP 503 from contoso.azurecr.io");
        const payload = cosignPayload(image.manifest.digest);
        const layer = cosignLayer(payload, cosignSign(payload, cosignEc.privateKey));
        reg.put(layer.blob).tag(`${image.manifest.digest.replace(":", "-")}.sig`, cosignManifest([layer.descriptor]));
        const r = await verify(reg, config({ cosign: [publicPem(cosignEc)] }));
        expect(r.verified && r.by).toBe("cosign");
        const bare = registry();
        bare.referrersError = new SourceError("registry-error", "HTTP 503");
        const rs = reasons(await verify(bare, config()));
        expect(rs.map((x) => x.code)).toEqual(["no-signature", "registry-error"]);
    });
});

describe("cosign (key-based)", () => {
    const sigTag = `${image.manifest.digest.replace(":", "-")}.sig`;
    function signCosign(reg: MemoryRegistry, opts: { payload?: Buffer; key?: ReturnType<typeof ecKey>; signature?: string; referrer?: boolean } = {}): void {
        const payload = opts.payload ?? cosignPayload(image.manifest.digest);
        const layer = cosignLayer(payload, opts.signature ?? cosignSign(payload, (opts.key ?? cosignEc).privateKey));
        reg.put(layer.blob);
        if (opts.referrer) reg.put(cosignManifest([layer.descriptor], image.manifest));
        else reg.tag(sigTag, cosignManifest([layer.descriptor]));
    }
    const cosignOnly = (keys: unknown[] = [publicPem(cosignEc)], limits?: Record<string, number>) => config({ notation: false, cosign: keys as string[], ...(limits ? { limits } : {}) });

    test("an ECDSA P-256 signature under the .sig tag verifies", async () => {
        const reg = registry();
        signCosign(reg);
        const r = await verify(reg, cosignOnly());
        expect(r).toEqual({ verified: true, by: "cosign", detail: { signature: expect.stringMatching(/^sha256:/), signer: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), logged: [] } });
    });

    test("an RSA signature verifies with the RSA key among several", async () => {
        const reg = registry();
        signCosign(reg, { key: cosignRsa });
        expect((await verify(reg, cosignOnly([publicPem(cosignEc), publicPem(cosignRsa)]))).verified).toBe(true);
    });

    test("a signature by another key fails (wrong-key)", async () => {
        const reg = registry();
        signCosign(reg, { key: ecKey() });
        await expectFailure(reg, cosignOnly(), "wrong-key", /none of the 1 configured key/);
    });

    test("a validly signed payload for another digest fails (wrong-digest)", async () => {
        const reg = registry();
        signCosign(reg, { payload: cosignPayload(other.manifest.digest) });
        await expectFailure(reg, cosignOnly(), "wrong-digest", /is for "sha256:.*not for the image/);
    });

    test("a payload of another type, or an unreadable signature annotation, is malformed", async () => {
        const reg = registry();
        signCosign(reg, { payload: cosignPayload(image.manifest.digest, REPO, "atomic container signature") });
        await expectFailure(reg, cosignOnly(), "malformed", /critical.type/);
        const reg2 = registry();
        signCosign(reg2, { signature: "not base64!" });
        await expectFailure(reg2, cosignOnly(), "malformed", /is not base64/);
    });

    test("the OCI 1.1 referrer form verifies; a referrer with another subject is refused", async () => {
        const reg = registry();
        signCosign(reg, { referrer: true });
        expect((await verify(reg, cosignOnly()))).toMatchObject({ verified: true, by: "cosign" });

        const liar = registry();
        const payload = cosignPayload(image.manifest.digest);
        const layer = cosignLayer(payload, cosignSign(payload, cosignEc.privateKey));
        const m = cosignManifest([layer.descriptor], other.manifest);
        liar.put(layer.blob, m);
        liar.extraReferrers.push({ mediaType: m.mediaType, digest: m.digest, size: m.size, artifactType: "application/vnd.dev.cosign.artifact.sig.v1+json" });
        await expectFailure(liar, cosignOnly(), "registry-lied", /cosign signature as a referrer/);
    });

    test("a payload blob the registry swapped is refused", async () => {
        const reg = registry();
        signCosign(reg);
        const manifest = JSON.parse(reg.content.get(reg.tags.get(sigTag)!)!.toString());
        reg.substitutions.set(manifest.layers[0].digest, cosignPayload(image.manifest.digest, "evil.example/app"));
        await expectFailure(reg, cosignOnly(), "registry-lied", /cosign payload is \d+ bytes, but its descriptor says|cosign payload hashes to/);
    });

    test("a tag manifest that does not hash to its digest is refused", async () => {
        const reg = registry();
        signCosign(reg);
        reg.substitutions.set(reg.tags.get(sigTag)!, Buffer.from("{}"));
        await expectFailure(reg, cosignOnly(), "registry-lied", /manifest of tag sha256-.*\.sig hashes to/);
    });

    test("cosign signatures are bounded by maxSignatures too", async () => {
        const reg = registry();
        const layers = [0, 1, 2].map((i) => {
            const payload = cosignPayload(image.manifest.digest, `contoso.azurecr.io/app${i}`);
            const l = cosignLayer(payload, cosignSign(payload, ecKey().privateKey));
            reg.put(l.blob);
            return l.descriptor;
        });
        reg.tag(sigTag, cosignManifest(layers));
        const rs = await expectFailure(reg, cosignOnly(undefined, { maxSignatures: 2 }), "too-many-signatures");
        expect(rs.filter((x) => x.code === "wrong-key")).toHaveLength(2);
    });

    test("a flood of cosign referrers: at most maxSignatures manifests are fetched, and the verdict says how many were attached", async () => {
        const reg = registry();
        for (let i = 0; i < 40; i++) {
            const payload = cosignPayload(image.manifest.digest, `contoso.azurecr.io/app${i}`);
            const l = cosignLayer(payload, cosignSign(payload, ecKey().privateKey));
            reg.put(l.blob, cosignManifest([l.descriptor], image.manifest));
        }
        const before = reg.fetches;
        const rs = await expectFailure(reg, cosignOnly(undefined, { maxSignatures: 1 }), "too-many-signatures", /too many cosign signature manifests: 40, limit 1 \(maxSignatures\)/);
        expect(rs.filter((x) => x.code === "wrong-key")).toHaveLength(1);
        expect(reg.fetches - before).toBeLessThanOrEqual(2); // one manifest and its payload
    });

    describe("keys scoped to repositories (critical.identity.docker-reference)", () => {
        const scoped = (repositories: string[]) => [{ key: publicPem(cosignEc), repositories }];
        test("a payload made for a repository in scope verifies; prefixes match on a path boundary; hosts case-insensitively", async () => {
            for (const [reference, repositories] of [
                ["contoso.azurecr.io/app", ["contoso.azurecr.io/app"]],
                ["contoso.azurecr.io/team/app", ["contoso.azurecr.io/team/"]],
                ["CONTOSO.azurecr.io/app", ["contoso.azurecr.io/app"]],
                ["index.docker.io/library/nginx", ["docker.io/library/nginx"]],
            ] as const) {
                const reg = registry();
                signCosign(reg, { payload: cosignPayload(image.manifest.digest, reference) });
                expect([reference, (await verify(reg, cosignOnly(scoped([...repositories])))).verified]).toEqual([reference, true]);
            }
        });
        test("a payload made for another repository, a sibling prefix, or none is refused (identity-mismatch)", async () => {
            for (const reference of ["contoso.azurecr.io/other", "contoso.azurecr.io/app-evil", "contoso.azurecr.io/teamx/app", "evil.example/app"]) {
                const reg = registry();
                signCosign(reg, { payload: cosignPayload(image.manifest.digest, reference) });
                const rs = await expectFailure(reg, cosignOnly(scoped(["contoso.azurecr.io/app", "contoso.azurecr.io/team/"])), "identity-mismatch", /outside that scope/);
                expect(rs[0].message).toContain(JSON.stringify(reference));
            }
            const reg = registry();
            const payload = Buffer.from(JSON.stringify({ critical: { identity: {}, image: { "docker-manifest-digest": image.manifest.digest }, type: "cosign container image signature" }, optional: null }));
            const layer = cosignLayer(payload, cosignSign(payload, cosignEc.privateKey));
            reg.put(layer.blob).tag(sigTag, cosignManifest([layer.descriptor]));
            await expectFailure(reg, cosignOnly(scoped(["contoso.azurecr.io/app"])), "identity-mismatch", /names no critical.identity.docker-reference/);
        });
        test("an unscoped key (a plain string) keeps accepting any docker-reference", async () => {
            const reg = registry();
            signCosign(reg, { payload: cosignPayload(image.manifest.digest, "evil.example/app") });
            expect((await verify(reg, cosignOnly([publicPem(cosignEc)]))).verified).toBe(true);
        });
        test("bad scoped entries are config errors naming the key", () => {
            const r = parseSignatureConfig({ cosign: { keys: [{ key: publicPem(cosignEc), repositories: [] }, { key: publicPem(cosignEc), repositories: ["nginx"] }, { key: publicPem(cosignEc), repositories: ["contoso.azurecr.io/app"], extra: 1 }] } }, { baseDir: __dirname });
            expect(r.ok).toBe(false);
            const all = r.ok ? "" : r.errors.join("\n");
            expect(all).toMatch(/cosign\.keys\[0\]\.repositories must list/);
            expect(all).toMatch(/cosign\.keys\[1\]\.repositories\[0\]: "nginx" is ambiguous/);
            expect(all).toMatch(/cosign\.keys\[2\] has unknown keys: extra/);
        });
    });

    test("with both formats configured, a cosign signature verifies an image without Notation signatures", async () => {
        const reg = registry();
        signCosign(reg);
        const r = await verify(reg, config({ cosign: [publicPem(cosignEc)] }));
        expect(r.verified && r.by).toBe("cosign");
    });
});

test("descriptor type is what the policy passes in", () => {
    const d: Descriptor = target;
    expect(d.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
});
