/**
 * The environment program (infra/): its stack config, its trust settings, and the whole program
 * previewed through the pack as `npm start` does — the dev stack with zero mandatory violations,
 * ids flowing between components, and one registry list reaching the pack and the admission regex.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { allowedImagesRegex } from "../../../core/admission";
import { parseTrustEntries } from "../../../core/trust";
import { admissionRegistries, assertTrusted, loadPolicySettings, parsePolicySettings, requiresDigest } from "../../../components/image";
import { environmentConfigFrom, validateEnvironmentConfig } from "../../../infra/config";
import { createEnvironment } from "../../../infra/environment";
import { mockCall, mockResource } from "../../../cli/preview/mock-outputs";
import { capturePulumiLog, runUnderMocks, type RegisteredResource } from "../../support/mocks";
import { cli } from "../../support/cli";
import { REPO_ROOT } from "../../support/paths";

const ROOT = REPO_ROOT;


/** Pulumi.<stack>.yaml's `imagegate:` values, as the program reads them. */
function stackValues(stack: string): Record<string, unknown> {
    const doc = parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    return Object.fromEntries(Object.entries(doc.config).filter(([k]) => k.startsWith("imagegate:")).map(([k, v]) => [k.slice("imagegate:".length), v]));
}

describe("trust settings from the policy config", () => {
    const PACK = path.join(ROOT, "policies");
    it("reads the registry list, the digest rule and each gate's effective level as the pack would", () => {
        const s = parsePolicySettings({
            all: "mandatory",
            "trusted-registries": { registries: ["contoso.azurecr.io", "mcr.microsoft.com/oss/"] },
            "scanned-images": { enforcementLevel: "advisory", reports: ["../infra/evidence"] },
            "signed-images": "disabled",
        }, "/x/policy-config.json", PACK);
        expect(admissionRegistries(s)).toEqual(["contoso.azurecr.io", "mcr.microsoft.com/oss/"]);
        expect(requiresDigest(s)).toBe(true);
        expect(s.gates.scannedImages).toMatchObject({ level: "advisory", config: { reports: ["../infra/evidence"], failOn: "high", maxAgeDays: 7 } });
        expect(s.gates.signedImages.level).toBe("disabled");
        expect(s.gates.noLatestTag.level).toBe("mandatory");
        expect(requiresDigest(parsePolicySettings({ "trusted-registries": { registries: ["a.io"] }, "require-digest": "disabled" }, "p.json", PACK))).toBe(false);
        // Without "all", scanned-images and signed-images keep their default level: disabled.
        const defaults = parsePolicySettings({ "trusted-registries": { registries: ["a.io"] }, "scanned-images": { reports: ["../infra/evidence"], failOn: "low" } }, "p.json", PACK);
        expect([defaults.gates.scannedImages.level, defaults.gates.signedImages.level, defaults.gates.trustedRegistries.level]).toEqual(["disabled", "disabled", "mandatory"]);
        // A report path that does not exist is refused here as at the pack's Configure: one reading of the file.
        expect(() => parsePolicySettings({ "scanned-images": { reports: ["nowhere"] } }, "p.json", PACK)).toThrow(/p\.json: scanned-images: reports\[0\]: .*nowhere does not exist/);
    });

    it("refuses a config admission could not be generated from, naming the key", () => {
        expect(() => parsePolicySettings([], "p.json", PACK)).toThrow("p.json: must be a JSON object");
        expect(() => admissionRegistries(parsePolicySettings({}, "p.json", PACK))).toThrow("trusted-registries.registries must be a non-empty list");
        expect(() => admissionRegistries(parsePolicySettings({ "trusted-registries": "disabled" }, "p.json", PACK))).toThrow("trusted-registries is disabled");
        expect(() => parsePolicySettings({ "trusted-registries": { registries: ["contoso"] } }, "p.json", PACK)).toThrow(/p\.json: trusted-registries: registries\[0\]: .*contoso/);
        expect(() => loadPolicySettings(path.join(ROOT, "no-such.json"), PACK)).toThrow("no such file");
        const broken = path.join(ROOT, "test", "fixtures", "manifests", "broken.yaml");
        expect(() => loadPolicySettings(broken, PACK)).toThrow(/broken\.yaml: not valid JSON/);
    });

    it("says when the environment's own registry would be refused by its pack", () => {
        const s = parsePolicySettings({ "trusted-registries": { registries: ["contoso.azurecr.io/team/"] } }, "p.json", PACK);
        expect(() => assertTrusted(s, "contoso.azurecr.io", "team/app")).not.toThrow();
        expect(() => assertTrusted(s, "contoso.azurecr.io", "teamevil/app")).toThrow(/not trusted by p.json/);
        expect(() => assertTrusted(s, "fabrikam.azurecr.io", "team/app")).toThrow(/not trusted/);
    });
});

describe("stack config", () => {
    it("reads both bundled stacks", () => {
        const dev = environmentConfigFrom(stackValues("dev"), "dev");
        expect(dev).toMatchObject({ registryName: "imagegatedev", networking: "restricted-public", customerManagedKey: false, imageGate: "audit", policyConfigFile: "policy-config.json" });
        expect(dev.sampleApp.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
        const prod = environmentConfigFrom(stackValues("prod"), "prod");
        expect(prod).toMatchObject({ registryName: "imagegateprod", networking: "private", customerManagedKey: true, imageGate: "enforce", policyConfigFile: "policy-config.prod.json" });
    });

    it("names every wrong value", () => {
        const base = environmentConfigFrom(stackValues("dev"), "dev");
        const problems = validateEnvironmentConfig({
            ...base,
            registryName: "no-dashes",
            allowedIpRanges: ["0.0.0.0/0", "300.1.1.1", "10.0.0.0/8"],
            sampleApp: { ...base.sampleApp, tag: "latest", digest: "sha256:abc", replicas: 0, namespace: "Apps" },
        });
        expect(problems.join("\n")).toMatch(/registryName/);
        expect(problems).toContain('allowedIpRanges: the entries together admit 3,702,258,690 public IPv4 addresses (every public IPv4 address; widest: "0.0.0.0/0"), more than the 65,536 of one /16; list only the office and CI egress ranges');
        expect(problems).toContain('allowedIpRanges[1]: "300.1.1.1" is not an IP address or CIDR range');
        expect(problems.join("\n")).toMatch(/sampleApp.tag must be a tag other than latest/);
        expect(problems.join("\n")).toMatch(/sampleApp.digest/);
        expect(problems.join("\n")).toMatch(/sampleApp.replicas/);
        expect(problems.join("\n")).toMatch(/sampleApp.namespace/);
        expect(problems.join("\n")).not.toMatch(/10\.0\.0\.0\/8/);
        expect(() => environmentConfigFrom({ ...stackValues("dev"), networking: "open" }, "dev")).toThrow("imagegate:networking must be one of restricted-public, private");
        expect(() => environmentConfigFrom({ sampleApp: {} }, "dev")).toThrow("missing required imagegate:registryName, imagegate:redeployWebhookUri");
        expect(() => environmentConfigFrom({ ...stackValues("dev"), customerManagedKey: "yes" }, "dev")).toThrow('imagegate:customerManagedKey must be true or false (got "yes")');
        expect(() => environmentConfigFrom({ ...stackValues("dev"), allowedIpRanges: "10.0.0.0/8" }, "dev")).toThrow("imagegate:allowedIpRanges must be a list of IPv4 CIDRs");
        expect(() => environmentConfigFrom({ ...stackValues("dev"), sampleApp: "web" }, "dev")).toThrow("imagegate:sampleApp must be an object");
    });
});

interface JsonResource { type: string; name: string; urn: string; inputs: Record<string, any> }
interface JsonDiagnostic { policy: string; level: string; urn: string; message: string }

describe("the dev environment previewed through the pack (npm start)", () => {
    let doc: { resources: JsonResource[]; diagnostics: JsonDiagnostic[] };
    let code: number;
    const one = (type: string, name?: string) => {
        const found = doc.resources.filter((r) => r.type === type && (name === undefined || r.name === name));
        expect(found).toHaveLength(1);
        return found[0];
    };

    beforeAll(async () => {
        const r = await cli(["preview", "--policy-config", "policy-config.json", "--format", "json", "--include-inputs"]);
        code = r.code;
        doc = JSON.parse(r.stdout);
    }, 120_000);

    it("has zero mandatory violations", () => {
        expect(doc.diagnostics.filter((d) => d.level === "mandatory")).toEqual([]);
        expect(code).toBe(0);
    });

    it("declares the registry, Defender, the rebuild task and redeploy webhook, the cluster, admission and the sample workload", () => {
        const types = new Set(doc.resources.map((r) => r.type));
        for (const t of [
            "azure-native:resources:ResourceGroup", "azure-native:operationalinsights:Workspace", "azure-native:containerregistry:Registry",
            "azure-native:security:Pricing", "azure-native:containerregistry:Task", "azure-native:containerregistry:TaskRun",
            "azure-native:containerregistry:Webhook", "azure-native:containerservice:ManagedCluster", "azure-native:authorization:PolicyAssignment",
            "kubernetes:core/v1:Namespace", "kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Service", "imagegate:components:TrustedImage",
        ]) expect(types).toContain(t);
    });

    it("wires ids between components: the kubelet pulls from this registry only, the task pushes to it, admission is scoped to the cluster", () => {
        const acr = one("azure-native:containerregistry:Registry");
        const acrId = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-imagegate-dev/providers/Microsoft.ContainerRegistry/registries/imagegatedev";
        expect(acr.inputs.registryName).toBe("imagegatedev");
        const pulls = doc.resources.filter((r) => r.type === "azure-native:authorization:RoleAssignment" && r.inputs.roleDefinitionId?.endsWith("7f951dda-4ed3-4680-a7ca-43fe172d538d"));
        expect(pulls.map((p) => p.inputs.scope)).toEqual([acrId]);
        expect(pulls[0].inputs.principalId).toBe("33333333-3333-3333-3333-333333333333");
        const task = one("azure-native:containerregistry:Task");
        expect(task.inputs.registryName).toBe("imagegatedev");
        expect(task.inputs.trigger.baseImageTrigger.baseImageTriggerType).toBe("Runtime");
        const cluster = one("azure-native:containerservice:ManagedCluster");
        const assignment = one("azure-native:authorization:PolicyAssignment", "image-admission-allowed-images");
        expect(assignment.inputs.scope).toBe(`/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-imagegate-dev/providers/Microsoft.ContainerService/managedClusters/${cluster.inputs.resourceName ?? "aks"}`);
        const webhook = one("azure-native:containerregistry:Webhook");
        expect(webhook.inputs.scope).toBe("samples/web:*");
        expect(webhook.inputs.serviceUri).toBe("[secret]");
    });

    it("hands the same registry list to the pack and to the admission regex", () => {
        const settings = loadPolicySettings(path.join(ROOT, "policy-config.json"), path.join(ROOT, "policies"));
        const { entries } = parseTrustEntries(admissionRegistries(settings));
        const assignment = one("azure-native:authorization:PolicyAssignment", "image-admission-allowed-images");
        expect(assignment.inputs.parameters.allowedContainerImagesRegex.value).toBe(allowedImagesRegex(entries, { requireDigest: requiresDigest(settings) }).pattern);
        expect(assignment.inputs.policyDefinitionId).toBe("/providers/Microsoft.Authorization/policyDefinitions/febd0533-8e55-448f-b837-bd0e06f16469");
        expect(assignment.inputs.parameters.effect.value).toBe("Deny");
        const image: string = one("kubernetes:apps/v1:Deployment").inputs.spec.template.spec.containers[0].image;
        expect(new RegExp(assignment.inputs.parameters.allowedContainerImagesRegex.value).test(image)).toBe(true);
    });

    it("deploys the sample workload by the digest TrustedImage pinned", () => {
        const dev = environmentConfigFrom(stackValues("dev"), "dev");
        const image: string = one("kubernetes:apps/v1:Deployment").inputs.spec.template.spec.containers[0].image;
        expect(image).toBe(`imagegatedev.azurecr.io/samples/web:1.0.0@${dev.sampleApp.digest}`);
        expect(doc.diagnostics.filter((d) => d.urn.endsWith("kubernetes:apps/v1:Deployment::sample-web")).map((d) => d.policy)).not.toContain("trusted-registries");
    });
});

// TrustedImage audits the pinned sample image under mocks: its warnings are kept and asserted here.
const pulumiLog = capturePulumiLog();

describe("the prod environment under Pulumi mocks", () => {
    let resources: RegisteredResource[];
    const byType = (t: string) => resources.filter((r) => r.type === t);

    beforeAll(async () => {
        const config = { ...environmentConfigFrom(stackValues("prod"), "prod"), imageGate: "audit" as const };
        const trust = loadPolicySettings(path.join(ROOT, config.policyConfigFile), path.join(ROOT, "policies"));
        // No network in tests: the prod gates, with nothing to contact and signatures off.
        const gates = { ...trust.gates, scannedImages: { ...trust.gates.scannedImages, config: { ...trust.gates.scannedImages.config, defender: undefined, attestations: false, registries: [] } }, signedImages: { ...trust.gates.signedImages, level: "disabled" as const }, requireDigest: { ...trust.gates.requireDigest, config: { ...trust.gates.requireDigest.config, registries: [] } } };
        resources = await runUnderMocks(async () => {
            createEnvironment({ ...config, sampleApp: { ...config.sampleApp, digest: `sha256:${"b".repeat(64)}` } }, { ...trust, gates });
        }, {
            project: "imagegate",
            stack: "prod",
            newResource: (a) => mockResource(a.type, a.name, a.inputs as Record<string, unknown>),
            call: (a) => mockCall(a.token, a.inputs as Record<string, unknown>),
        });
    }, 60_000);

    it("is private: registry behind a private endpoint and DNS zone, private API server, nodes in the VNet, task agents in the VNet", () => {
        const acr = byType("azure-native:containerregistry:Registry")[0];
        expect(acr.inputs.publicNetworkAccess).toBe("Disabled");
        expect(acr.inputs.policies.exportPolicy.status).toBe("disabled");
        expect(byType("azure-native:network:PrivateEndpoint")).toHaveLength(1);
        expect(byType("azure-native:privatedns:PrivateZone")[0].inputs.privateZoneName).toBe("privatelink.azurecr.io");
        expect(byType("azure-native:privatedns:VirtualNetworkLink")[0].inputs.virtualNetwork.id).toContain("/virtualNetworks/");
        const cluster = byType("azure-native:containerservice:ManagedCluster")[0];
        expect(cluster.inputs.apiServerAccessProfile.enablePrivateCluster).toBe(true);
        expect(cluster.inputs.agentPoolProfiles[0].vnetSubnetID).toContain("/subnets/nodes");
        expect(byType("azure-native:containerregistry:AgentPool")).toHaveLength(1);
        expect(byType("azure-native:containerregistry:Task")[0].inputs.agentPoolName).toBeDefined();
    });

    it("encrypts the registry with a customer-managed key from a purge-protected vault", () => {
        const vault = byType("azure-native:keyvault:Vault")[0];
        expect(vault.inputs.properties).toMatchObject({ enablePurgeProtection: true, enableSoftDelete: true, enableRbacAuthorization: true });
        const acr = byType("azure-native:containerregistry:Registry")[0];
        expect(acr.inputs.encryption.status).toBe("enabled");
        expect(acr.inputs.encryption.keyVaultProperties.keyIdentifier).toBeDefined();
    });

    it("audit mode: the untrusted sample image is deployed with a warning that says why", () => {
        expect(pulumiLog).toContainEqual(expect.stringMatching(/^warning: \[runtime\] TrustedImage "sample-image": imagegateprod\.azurecr\.io\/samples\/web:1\.0\.0@sha256:b{64} is not trusted for deployment: [\s\S]+ \(mode audit: deploying anyway\)$/));
    });

    it("admits only the prod registry, by digest", () => {
        const a = byType("azure-native:authorization:PolicyAssignment")[0];
        const re = new RegExp(a.inputs.parameters.allowedContainerImagesRegex.value);
        expect(re.test(`imagegateprod.azurecr.io/samples/web@sha256:${"c".repeat(64)}`)).toBe(true);
        expect(re.test("imagegateprod.azurecr.io/samples/web:1.0.0")).toBe(false);
        expect(re.test(`imagegatedev.azurecr.io/samples/web@sha256:${"c".repeat(64)}`)).toBe(false);
    });
});

describe("the prod environment previewed through the pack, offline", () => {
    let project: string;
    let doc: { resources: JsonResource[]; diagnostics: JsonDiagnostic[] };

    /**
     * The real program and prod stack, with the two things an offline machine cannot do taken out:
     * the registry and Resource Graph (the image gates become advisory and contact nothing) and the
     * tag resolution (the sample image is pinned, TrustedImage audits). Everything else is prod's.
     */
    beforeAll(async () => {
        project = fs.mkdtempSync(path.join(ROOT, "test", ".tmp-prod-"));
        const config = JSON.parse(fs.readFileSync(path.join(ROOT, "policy-config.prod.json"), "utf8"));
        for (const gate of ["scanned-images", "signed-images"]) {
            const { registries: _r, defender: _d, attestations: _a, ...rest } = config[gate];
            config[gate] = { ...rest, enforcementLevel: "advisory" };
        }
        const configFile = path.join(project, "policy-config.json");
        fs.writeFileSync(configFile, JSON.stringify(config));
        fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: imagegate\nruntime: nodejs\nmain: ../../infra/\n");
        const stack = parse(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")) as { config: Record<string, unknown> };
        stack.config["imagegate:policyConfig"] = configFile;
        stack.config["imagegate:imageGate"] = "audit";
        (stack.config["imagegate:sampleApp"] as Record<string, unknown>).digest = `sha256:${"d".repeat(64)}`;
        fs.writeFileSync(path.join(project, "Pulumi.prod.yaml"), JSON.stringify(stack));
        const r = await cli(["preview", "--program", project, "--stack", "prod", "--policy-config", configFile, "--format", "json"]);
        doc = JSON.parse(r.stdout);
    }, 120_000);

    afterAll(() => {
        if (project) fs.rmSync(project, { recursive: true, force: true });
    });

    it("passes every hardening, stack and image-reference policy", () => {
        const blocking = doc.diagnostics.filter((d) => d.level === "mandatory");
        expect(blocking.map((d) => `${d.policy}: ${d.message.split("\n")[1]}`)).toEqual([]);
        const types = doc.resources.map((r) => r.type);
        expect(types).toEqual(expect.arrayContaining(["azure-native:network:PrivateEndpoint", "azure-native:keyvault:Key", "azure-native:containerregistry:AgentPool"]));
    });

    it("leaves only the image gates unable to reach the registry, saying so", () => {
        const gates = doc.diagnostics.filter((d) => d.level === "advisory" && (d.policy === "scanned-images" || d.policy === "signed-images"));
        expect(gates.map((d) => d.policy).sort()).toEqual(["scanned-images", "signed-images"]);
        expect(gates.find((d) => d.policy === "signed-images")!.message).toMatch(/not contactable/);
        expect(gates.find((d) => d.policy === "scanned-images")!.message).toMatch(/unscanned/);
    });
});

describe("signature admission in the environment (imagegate:signatureAdmission)", () => {
    const config = { ...environmentConfigFrom(stackValues("prod"), "prod"), imageGate: "audit" as const };
    const trust = loadPolicySettings(path.join(ROOT, config.policyConfigFile), path.join(ROOT, "policies"));
    // signed-images stays mandatory with prod's trust material; no registry to contact in tests.
    const gates = { ...trust.gates, scannedImages: { ...trust.gates.scannedImages, level: "disabled" as const }, signedImages: { ...trust.gates.signedImages, config: { ...trust.gates.signedImages.config, registries: [] } }, requireDigest: { ...trust.gates.requireDigest, config: { ...trust.gates.requireDigest.config, registries: [] } } };
    const run = (signatureAdmission: "image-integrity" | "ratify") => runUnderMocks(async () => {
        createEnvironment({ ...config, signatureAdmission, sampleApp: { ...config.sampleApp, digest: `sha256:${"b".repeat(64)}` } }, { ...trust, gates });
    }, {
        project: "imagegate",
        stack: "prod",
        newResource: (a) => mockResource(a.type, a.name, a.inputs as Record<string, unknown>),
        call: (a) => mockCall(a.token, a.inputs as Record<string, unknown>),
    });

    it("is off unless asked, and names a wrong value", () => {
        expect(environmentConfigFrom(stackValues("prod"), "prod").signatureAdmission).toBe("none");
        expect(() => environmentConfigFrom({ ...stackValues("prod"), signatureAdmission: "kyverno" }, "prod")).toThrow("imagegate:signatureAdmission must be one of none, image-integrity, ratify");
    });

    it("image-integrity: the component with a federated identity that may pull from this registry only", async () => {
        const rs = await run("image-integrity");
        expect(rs.filter((r) => r.type === "imagegate:components:ImageVerification")).toHaveLength(1);
        const fic = rs.find((r) => r.type === "azure-native:managedidentity:FederatedIdentityCredential")!;
        expect(fic.inputs).toMatchObject({ subject: "system:serviceaccount:gatekeeper-system:ratify-admin", audiences: ["api://AzureADTokenExchange"] });
        const pull = rs.find((r) => r.name === "ratify-acrpull")!;
        expect(pull.inputs.scope).toMatch(/\/registries\/imagegateprod$/);
        expect(pull.inputs.roleDefinitionId).toMatch(/7f951dda-4ed3-4680-a7ca-43fe172d538d$/);
        const ids = rs.filter((r) => r.type === "azure-native:authorization:PolicyAssignment").map((r) => r.inputs.policyDefinitionId);
        expect(ids).toEqual(expect.arrayContaining([expect.stringMatching(/5dc99dae-cfb2-42cc-8762-9aae02b74e27$/), expect.stringMatching(/cf426bb8-b320-4321-8545-1b784a5df3a4$/)]));
    }, 60_000);

    it("ratify: refused, because SecureCluster runs the Azure Policy add-on's Gatekeeper", async () => {
        const before = pulumiLog.length;
        await expect(run("ratify")).rejects.toThrow(/cannot run beside the Azure Policy add-on's/);
        // The sample image's TrustedImage was made before the refusal and still audits: its warning is
        // awaited (bounded) so nothing logs after this file has finished.
        for (let i = 0; i < 500 && pulumiLog.length === before; i++) await new Promise((r) => setTimeout(r, 20));
        expect(pulumiLog.slice(before)).toContainEqual(expect.stringMatching(/TrustedImage "sample-image": [\s\S]* \(mode audit: deploying anyway\)$/));
    }, 60_000);
});
