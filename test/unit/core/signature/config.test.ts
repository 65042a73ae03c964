import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyPairSync } from "node:crypto";
import { parseSignatureConfig, selectTrustPolicy, SignatureConfig } from "../../../../core/signature";
import { identitiesOverlap, identityMatches, parseDn } from "../../../../core/signature/dn";
import { ecKey, publicPem, rsaKey, testPki } from "../../../support/signing";

const pki = testPki();
const ID = "x509.subject: C=US, ST=WA, O=Contoso";
let dir: string;
beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "sigcfg-"));
    writeFileSync(join(dir, "root.pem"), pki.root.pem + pki.otherRoot.pem);
    writeFileSync(join(dir, "root.der"), pki.root.der);
    writeFileSync(join(dir, "cosign.pub"), publicPem(ecKey()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function policy(extra: Record<string, unknown> = {}) {
    return { name: "app", registryScopes: ["contoso.azurecr.io/app"], trustStores: ["contoso"], trustedIdentities: [ID], level: "strict", ...extra };
}
function parse(raw: unknown) {
    return parseSignatureConfig(raw, { baseDir: dir });
}
function errors(raw: unknown): string[] {
    const r = parse(raw);
    if (r.ok) throw new Error("expected config errors");
    return r.errors;
}
function ok(raw: unknown): SignatureConfig {
    const r = parse(raw);
    if (!r.ok) throw new Error(r.errors.join("\n"));
    return r.config;
}
const notation = (policies: unknown[], stores: unknown[] = [{ name: "contoso", certificates: [pki.root.pem] }]) => ({ notation: { trustStores: stores, trustPolicies: policies } });

describe("signature config", () => {
    test("inline PEM, PEM files with several certificates, DER files and cosign key files load", () => {
        const c = ok({
            ...notation([policy(), policy({ name: "all", registryScopes: ["*"], trustedIdentities: ["*"], level: "audit", trustStores: ["ca:files"] })],
                [{ name: "contoso", certificates: [pki.root.pem] }, { name: "files", certificates: ["root.pem", join(dir, "root.der")] }]),
            cosign: { keys: ["cosign.pub", publicPem(rsaKey())] },
            maxSignatures: 5,
        });
        expect(c.notation!.trustStores.get("files")!.certificates).toHaveLength(3);
        expect(c.notation!.trustPolicies[1].trustedIdentities).toBe("*");
        expect(c.cosign!.keys.map((k) => k.fingerprint)).toEqual([expect.stringMatching(/^sha256:[0-9a-f]{64}$/), expect.stringMatching(/^sha256:/)]);
        expect(c.limits).toEqual({ maxSignatures: 5, maxBlobBytes: 256 * 1024, maxManifestBytes: 4 * 1024 * 1024 });
    });

    test("nothing to trust is an error", () => {
        expect(errors({}).join()).toMatch(/needs `notation`.*or `cosign`/);
    });

    test("trust policy fields are validated with messages naming the field", () => {
        const e = errors(notation([
            policy({ level: "skip" }),
            policy({ name: "b", registryScopes: ["registry"], level: "lenient" }),
            policy({ name: "c", registryScopes: ["contoso.azurecr.io/app:1.0"] }),
            policy({ name: "d", registryScopes: ["*", "contoso.azurecr.io/x"] }),
            policy({ name: "e", registryScopes: ["contoso.azurecr.io/*"] }),
            policy({ name: "f", registryScopes: ["contoso.azurecr.io/f"], trustStores: ["missing", "tsa:contoso"] }),
            policy({ name: "g", registryScopes: ["contoso.azurecr.io/g"], trustedIdentities: ["x509.subject: CN=ci, O=Contoso"] }),
            policy({ name: "h", registryScopes: ["contoso.azurecr.io/h"], trustedIdentities: [ID, "x509.subject: C=US, ST=WA, O=Contoso, OU=Build"] }),
            policy({ name: "i", registryScopes: ["contoso.azurecr.io/i"], trustedIdentities: ["*", ID] }),
            policy({ name: "j", registryScopes: ["contoso.azurecr.io/j"], trustedIdentities: ["CN=ci"] }),
        ]));
        const all = e.join("\n");
        expect(all).toMatch(/\("app"\)\.level "skip" is not supported/);
        expect(all).toMatch(/\("b"\)\.level must be one of strict, permissive, audit, got "lenient"/);
        expect(all).toMatch(/\("b"\)\.registryScopes\[0\] "registry" must be fully qualified.*write "docker.io\/library\/registry"/);
        expect(all).toMatch(/\("c"\)\.registryScopes\[0\] .*without tag or digest/);
        expect(all).toMatch(/\("d"\)\.registryScopes: the global scope "\*" must be the only value/);
        expect(all).toMatch(/\("e"\)\.registryScopes\[0\] .*must not contain "\*"/);
        expect(all).toMatch(/\("f"\)\.trustStores\[0\] "missing" names no store/);
        expect(all).toMatch(/\("f"\)\.trustStores\[1\] "tsa:contoso": timestamp authority stores are not supported/);
        expect(all).toMatch(/\("g"\)\.trustedIdentities\[0\] must name C, ST, O \(missing C, ST\)/);
        expect(all).toMatch(/\("h"\)\.trustedIdentities\[1\] overlaps "C=US, ST=WA, O=Contoso"/);
        expect(all).toMatch(/\("i"\)\.trustedIdentities: "\*" must be the only value/);
        expect(all).toMatch(/\("j"\)\.trustedIdentities\[0\] must start with "x509.subject:"/);
    });

    test("one policy per repository and one global policy", () => {
        const all = errors(notation([
            policy(), policy({ name: "again" }),
            policy({ name: "g1", registryScopes: ["*"] }), policy({ name: "g2", registryScopes: ["*"] }),
        ])).join("\n");
        expect(all).toMatch(/registry scope "contoso.azurecr.io\/app" is in both "app" and "again"/);
        expect(all).toMatch(/only one policy may have the global scope "\*" \("g1" and "g2"/);
    });

    test("bad certificates and keys name the entry and the reason", () => {
        const all = errors({
            ...notation([policy()], [{ name: "contoso", certificates: ["missing.pem", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"] }]),
            cosign: { keys: [publicPem(generateKeyPairSync("ed25519")), publicPem(rsaKey(1024)), pki.root.pem, 42] },
            maxBlobBytes: 10,
        }).join("\n");
        expect(all).toMatch(/notation\.trustStores\[0\]\.certificates\[0\] file .*missing\.pem does not exist/);
        expect(all).toMatch(/certificates\[1\] is PEM text but holds no BEGIN CERTIFICATE block/);
        expect(all).toMatch(/certificates\[2\] inline PEM: certificate 1 is not a valid X.509 certificate/);
        expect(all).toMatch(/cosign\.keys\[0\] \(inline PEM\) is a ed25519 key/);
        expect(all).toMatch(/cosign\.keys\[1\] \(inline PEM\) is a 1024-bit RSA key/);
        expect(all).toMatch(/cosign\.keys\[2\] is PEM text but holds no BEGIN PUBLIC KEY block/);
        expect(all).toMatch(/cosign\.keys\[3\] must be PEM text or a file path, got 42/);
        expect(all).toMatch(/maxBlobBytes must be a whole number from 1024/);
    });

    test("unknown keys inside notation/cosign are refused (typos must not weaken the policy)", () => {
        const all = errors({ notation: { trustStores: [{ name: "contoso", certificates: [pki.root.pem] }], trustPolicies: [policy({ signatureVerification: { level: "strict" } })] }, cosign: { key: "x", keys: ["cosign.pub"] } }).join("\n");
        expect(all).toMatch(/\("app"\) has unknown keys: signatureVerification/);
        expect(all).toMatch(/cosign has unknown keys: key/);
    });

    test("trust policy selection: exact repository scope before the global policy, none without one", () => {
        const c = ok(notation([policy(), policy({ name: "all", registryScopes: ["*"] })])).notation!;
        expect(selectTrustPolicy(c, "contoso.azurecr.io/app")!.name).toBe("app");
        expect(selectTrustPolicy(c, "contoso.azurecr.io/app/sub")!.name).toBe("all");
        const only = ok(notation([policy()])).notation!;
        expect(selectTrustPolicy(only, "contoso.azurecr.io/other")).toBeUndefined();
    });
});

describe("distinguished names", () => {
    const dn = (s: string) => {
        const r = parseDn(s);
        if (!r.ok) throw new Error(r.failure.message);
        return r.dn;
    };
    test("RFC 4514 escapes and long attribute names", () => {
        expect([...dn("C=US, ST=WA, O=Contoso\\, Inc., CN=\\ lead\\\\trail\\ ")]).toEqual([["C", "US"], ["ST", "WA"], ["O", "Contoso, Inc."], ["CN", " lead\\trail "]]);
        expect([...dn("countryName=US;stateOrProvinceName=WA+organizationName=A\\2Cb")]).toEqual([["C", "US"], ["ST", "WA"], ["O", "A,b"]]);
        expect(parseDn("C=US, C=CA")).toEqual({ ok: false, failure: { code: "invalid-dn", message: expect.stringMatching(/C appears more than once/) } });
        expect(parseDn("C=US, garbage")).toEqual({ ok: false, failure: { code: "invalid-dn", message: expect.stringMatching(/not an ATTRIBUTE=value pair/) } });
    });
    test("an identity matches a subject holding all of its attributes with equal values", () => {
        const subject = dn("C=US, ST=WA, L=Seattle, O=Contoso, CN=ci");
        expect(identityMatches(dn("C=US, ST=WA, O=Contoso"), subject)).toBe(true);
        expect(identityMatches(dn("C=US, ST=WA, O=Contoso, CN=ci"), subject)).toBe(true);
        expect(identityMatches(dn("C=US, ST=WA, O=Contoso, OU=Build"), subject)).toBe(false);
        expect(identityMatches(dn("C=US, ST=WA, O=contoso"), subject)).toBe(false);
    });
    test("overlap: one identity is a subset of the other (notation-go validateOverlappingDNs)", () => {
        expect(identitiesOverlap(dn("C=US, ST=WA, O=A"), dn("C=US, ST=WA, O=A, CN=y"))).toBe(true);
        expect(identitiesOverlap(dn("C=US, ST=WA, O=A, CN=y"), dn("C=US, ST=WA, O=A"))).toBe(true);
        // Notation accepts identities that only a certificate with both attributes would match.
        expect(identitiesOverlap(dn("C=US, ST=WA, O=A, OU=x"), dn("C=US, ST=WA, O=A, CN=y"))).toBe(false);
        expect(identitiesOverlap(dn("C=US, ST=WA, O=A, OU=x"), dn("C=US, ST=WA, O=A, OU=y"))).toBe(false);
        expect(identitiesOverlap(dn("C=US, ST=WA, O=A"), dn("C=US, ST=WA, O=B"))).toBe(false);
    });
});
