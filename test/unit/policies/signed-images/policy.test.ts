/**
 * signed-images through @pulumi/policy's argument shape (run-policy.ts), where no registry is needed:
 * config checks (naming the field), missing trust material, registries not contactable, exemptions
 * and unknowns. Verification against a real registry is in signed-images.registry.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { UNKNOWN_STRING } from "../../../../core/unknown";
import { resetPolicyContexts } from "../../../../policies/lib/lookups";
import { signedImages } from "../../../../policies/signed-images/policy";
import { ecKey, publicPem, testPki } from "../../../support/signing";
import { runResourcePolicy } from "../../../support/run-policy";

const DIGEST = `sha256:${"d".repeat(64)}`;
const pki = testPki();
const key = ecKey();
const notation = {
    trustStores: [{ name: "contoso", certificates: [pki.root.pem] }],
    trustPolicies: [{ name: "app", registryScopes: ["contoso.azurecr.io/web"], trustStores: ["ca:contoso"], trustedIdentities: ["x509.subject: C=US, ST=WA, O=Contoso, OU=Build"], level: "strict" }],
};
const pod = (...images: string[]) => ({ spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) } });
const run = (props: Record<string, unknown>, config: Record<string, unknown>) => runResourcePolicy(signedImages, "kubernetes:core/v1:Pod", props, config, "p");

let dir: string;
beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "signed-images-"));
    writeFileSync(join(dir, "cosign.pub"), publicPem(key));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => resetPolicyContexts());

describe("signed-images config", () => {
    test("notation trust stores/policies and cosign keys (inline PEM or file path) are accepted", () => {
        const r = signedImages.parseConfig({ notation, cosign: { keys: [publicPem(key), join(dir, "cosign.pub")] }, registries: ["contoso.azurecr.io"] });
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(r.config.signature?.cosign?.keys).toHaveLength(2);
        expect(r.config.signature?.notation?.trustPolicies[0]).toMatchObject({ name: "app", level: "strict" });
        expect(r.config.registries).toEqual([{ host: "contoso.azurecr.io", auth: { type: "anonymous" } }]);
    });

    test("every invalid field is named", () => {
        const r = signedImages.parseConfig({
            notation: { ...notation, trustPolicies: [{ ...notation.trustPolicies[0], level: "lenient" }] },
            cosign: { keys: [join(dir, "missing.pub")] },
            registries: [{ host: "contoso.azurecr.io", auth: { type: "basic", username: "ci", password: "inline-secret" } }],
            maxSignatures: 0,
        });
        expect(r.ok).toBe(false);
        const text = !r.ok ? r.errors.join("\n") : "";
        expect(text).toContain("notation.trustPolicies[0] (\"app\").level must be one of strict, permissive, audit");
        expect(text).toContain("cosign.keys[0]");
        expect(text).toContain("registries[0].auth");
        expect(text).toContain("maxSignatures");
        expect(text).not.toContain("inline-secret");
    });

    test("the policy is off until configured, and its defaults are a valid config", () => {
        expect(signedImages.enforcementLevel).toBe("disabled");
        expect(signedImages.parseConfig({}).ok).toBe(true);
    });
});

describe("signed-images without a registry to ask", () => {
    test("no trust material: every image fails saying what to configure", async () => {
        const r = await run(pod(`contoso.azurecr.io/web@${DIGEST}`), {});
        expect(r.diagnostics).toHaveLength(1);
        expect(r.diagnostics[0].message).toContain("fails because signed-images has no trust material configured, so no signature can be trusted. Fix: configure signed-images' notation");
    });

    test("an invalid config fails each resource closed with the field", async () => {
        const r = await run(pod(`contoso.azurecr.io/web@${DIGEST}`), { cosign: { keys: ["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"] } });
        expect(r.diagnostics[0].message).toMatch(/The policy config is invalid, so this resource's images cannot be judged: cosign\.keys\[0\]/);
    });

    test("a registry not in registries: signatures cannot be fetched (no network is attempted)", async () => {
        const r = await run(pod(`contoso.azurecr.io/web@${DIGEST}`, "contoso.azurecr.io/web:1.0"), { notation });
        expect(r.diagnostics).toHaveLength(2);
        for (const d of r.diagnostics) expect(d.message).toContain("fails because its registry contoso.azurecr.io is not contactable (not in signed-images' registries)");
        expect(r.diagnostics[0].message).toContain("Fix: add contoso.azurecr.io to signed-images' registries");
    });

    test("exempt images pass; unknown images are an advisory note while known ones are judged", async () => {
        expect((await run(pod(`mcr.microsoft.com/oss/kubernetes/pause@${DIGEST}`), { notation, exemptImages: ["mcr.microsoft.com/oss/"] })).diagnostics).toEqual([]);
        const r = await run(pod(UNKNOWN_STRING, `contoso.azurecr.io/web@${DIGEST}`), { notation });
        expect(r.diagnostics.map((d) => d.enforcementLevel ?? "policy")).toEqual(["advisory", "policy"]);
    });
});
