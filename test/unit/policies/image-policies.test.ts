import { noLatestTag } from "../../../policies/no-latest-tag/policy";
import { requireDigest } from "../../../policies/require-digest/policy";
import { trustedRegistries } from "../../../policies/trusted-registries/policy";
import { UNKNOWN_STRING } from "../../../core/unknown";
import { runResourcePolicy } from "../../support/run-policy";

const D = `sha256:${"d".repeat(64)}`;
const TRUST = { registries: ["contoso.azurecr.io", "mcr.microsoft.com/oss/"] };
const deployment = (...images: unknown[]) => ({
    metadata: { name: "web" },
    spec: { template: { spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) } } },
});

describe("trusted-registries", () => {
    it("passes trusted images, reports each untrusted one on its own line with where, why and fix", async () => {
        const { diagnostics } = await runResourcePolicy(trustedRegistries, "kubernetes:apps/v1:Deployment",
            deployment(`contoso.azurecr.io/app@${D}`, "contoso.azurecr.io.evil.com/x:1", "mcr.microsoft.com/oss/nginx:1", "nginx"), TRUST, "web");
        expect(diagnostics).toHaveLength(2);
        expect(diagnostics[0].enforcementLevel).toBeUndefined(); // the policy's own level
        expect(diagnostics[0].message).toBe(
            "Container images must come from a trusted registry or repository.\n" +
            'Deployment "web" spec.template.spec.containers[1].image (container "c1"): image "contoso.azurecr.io.evil.com/x:1" fails because ' +
            "contoso.azurecr.io.evil.com/x is not in a trusted registry (trusted: contoso.azurecr.io, mcr.microsoft.com/oss/). " +
            "Fix: push the image to a trusted registry and reference it there, or add its registry or repository to trusted-registries' registries.",
        );
        expect(diagnostics[1].message).toMatch(/containers\[3\]\.image \(container "c3"\): image "nginx" fails because docker.io\/library\/nginx is not in a trusted registry/);
    });

    it("a reference that does not parse is a violation saying why", async () => {
        const { diagnostics } = await runResourcePolicy(trustedRegistries, "kubernetes:core/v1:Pod",
            { spec: { containers: [{ name: "a", image: "contoso.azurecr.io/App:1" }, { name: "b", image: 7 }, { name: "c" }] } }, TRUST);
        expect(diagnostics.map((d) => d.message.split("\n")[1])).toEqual([
            expect.stringMatching(/image "contoso.azurecr.io\/App:1" is not a valid reference: repository name "App" must be lowercase/),
            expect.stringMatching(/image number 7 is not a valid reference: image must be a string/),
            expect.stringMatching(/containers\[2\]\.image \(container "c"\): no image is set/),
        ]);
    });

    it("an unknown image gets an advisory note while a known bad image in the same resource is still enforced", async () => {
        const { diagnostics } = await runResourcePolicy(trustedRegistries, "kubernetes:apps/v1:Deployment", deployment(UNKNOWN_STRING, "evil.com/x:1"), TRUST);
        expect(diagnostics).toEqual([
            { name: "trusted-registries", description: expect.any(String), enforcementLevel: "advisory", message: expect.stringMatching(/cannot be verified at preview; it will be checked during `pulumi up`/) },
            { name: "trusted-registries", description: expect.any(String), message: expect.stringMatching(/evil.com\/x is not in a trusted registry/) },
        ]);
    });

    it("unknownImages: enforce reports unknown images at the policy's level", async () => {
        const { diagnostics } = await runResourcePolicy(trustedRegistries, "kubernetes:apps/v1:Deployment", deployment(UNKNOWN_STRING), { ...TRUST, unknownImages: "enforce" });
        expect(diagnostics).toHaveLength(1);
        expect(diagnostics[0].enforcementLevel).toBeUndefined();
    });

    it("exemptions are by normalized reference or prefix, never by container name", async () => {
        const cfg = { ...TRUST, exemptImages: ["docker.io/library/busybox", "ghcr.io/acme/"] };
        const { diagnostics } = await runResourcePolicy(trustedRegistries, "kubernetes:apps/v1:Deployment",
            deployment("busybox:1.36", "index.docker.io/library/busybox", "ghcr.io/acme/tool:1", "ghcr.io/acmeevil/tool:1", "busybox-evil"), cfg);
        expect(diagnostics.map((d) => d.message)).toEqual([
            expect.stringMatching(/ghcr.io\/acmeevil\/tool/),
            expect.stringMatching(/busybox-evil/),
        ]);
    });

    it("invalid config is a violation naming the field, not a pass", async () => {
        const { diagnostics } = await runResourcePolicy(trustedRegistries, "kubernetes:apps/v1:Deployment", deployment(`contoso.azurecr.io/a@${D}`),
            { registries: ["contoso.azurecr.io", "nginx", 5], exemptImages: ["x*"], bogus: true });
        expect(diagnostics).toHaveLength(1);
        expect(diagnostics[0].message).toMatch(/policy config is invalid/);
        expect(diagnostics[0].message).toMatch(/registries\[1\]: "nginx" is ambiguous/);
        expect(diagnostics[0].message).toMatch(/registries\[2\]: expected a string, given number/);
        expect(diagnostics[0].message).toMatch(/exemptImages\[0\]: "x\*": wildcards are not allowed/);
        expect(diagnostics[0].message).toMatch(/bogus: unknown property/);
    });

    it("with no registries configured every image is untrusted (fail closed)", async () => {
        const { diagnostics } = await runResourcePolicy(trustedRegistries, "kubernetes:core/v1:Pod", { spec: { containers: [{ name: "a", image: `contoso.azurecr.io/a@${D}` }] } }, {});
        expect(diagnostics[0].message).toMatch(/none configured/);
    });

    it("resources without images are not applicable", async () => {
        const r = await runResourcePolicy(trustedRegistries, "azure-native:resources:ResourceGroup", { location: "westeurope" }, TRUST);
        expect(r).toEqual({ diagnostics: [], notApplicable: "the resource carries no container images" });
    });

    it("judges Azure workloads: Container Apps (versioned token), Container Instances, App Service", async () => {
        const ca = await runResourcePolicy(trustedRegistries, "azure-native:app/v20250101:ContainerApp", { template: { containers: [{ name: "a", image: "nginx" }], initContainers: [{ name: "i", image: "evil.io/i" }] } }, TRUST);
        expect(ca.diagnostics).toHaveLength(2);
        const aci = await runResourcePolicy(trustedRegistries, "azure-native:containerinstance:ContainerGroup", { containers: [{ name: "a", image: "nginx" }] }, TRUST);
        expect(aci.diagnostics).toHaveLength(1);
        const web = await runResourcePolicy(trustedRegistries, "azure-native:web:WebAppSlot", { siteConfig: { linuxFxVersion: "DOCKER|nginx:1" } }, TRUST);
        expect(web.diagnostics[0].message).toMatch(/WebAppSlot "res" siteConfig.linuxFxVersion: image "nginx:1"/);
    });
});

describe("require-digest", () => {
    it("tag+digest counts as pinned; tags and implied latest do not", async () => {
        const { diagnostics } = await runResourcePolicy(requireDigest, "kubernetes:batch/v1:CronJob",
            { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: "a", image: `app:1@${D}` }, { name: "b", image: "app:1" }], initContainers: [{ name: "i", image: "app" }] } } } } } });
        expect(diagnostics.map((d) => d.message.split("\n")[1])).toEqual([
            expect.stringMatching(/containers\[1\]\.image \(container "b"\): image "app:1" fails because it is not pinned by digest \(tag "1"/),
            expect.stringMatching(/initContainers\[0\]\.image \(container "i"\): image "app" fails because it is not pinned by digest \(tag "latest"/),
        ]);
    });
});

describe("no-latest-tag", () => {
    it("explicit latest, implied latest and a port that is not a tag", async () => {
        const { diagnostics } = await runResourcePolicy(noLatestTag, "kubernetes:core/v1:Pod",
            { spec: { containers: [{ name: "a", image: "app:latest" }, { name: "b", image: "myreg:5000/app" }, { name: "c", image: "app:1.2" }, { name: "d", image: `app@${D}` }], ephemeralContainers: [{ name: "dbg", image: "busybox" }] } });
        expect(diagnostics.map((d) => d.message.split("\n")[1].split(":")[0])).toEqual([
            'Pod "res" spec.containers[0].image (container "a")',
            'Pod "res" spec.containers[1].image (container "b")',
            'Pod "res" spec.ephemeralContainers[0].image (container "dbg")',
        ]);
    });
});

describe("config parsing", () => {
    it("applies schema defaults when the config is missing", () => {
        expect(trustedRegistries.parseConfig({})).toEqual({ ok: true, config: { registries: [], exemptImages: [], unknownImages: "advisory" } });
    });
    it("rejects bad enum values naming the field", () => {
        expect(requireDigest.parseConfig({ unknownImages: "ignore" })).toEqual({ ok: false, errors: ['unknownImages: must be one of advisory, enforce, given "ignore"'] });
    });
    it("every schema property has a description and a default", () => {
        for (const p of [trustedRegistries, requireDigest, noLatestTag]) {
            for (const [k, v] of Object.entries(p.configSchema!.properties)) {
                expect([k, typeof v.description, v.default !== undefined]).toEqual([k, "string", true]);
            }
        }
    });
});
