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
import { runUnderMocks, type RegisteredResource } from "../../support/mocks";
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
        expect(dev).toMatchObject({ registryName: "imagegatedev", networking: "restricted-public", customerManagedKey: false, policyConfigFile: "policy-config.json", defenderForContainers: true, deployers: [] });
        // No digest is committed: the workload stack pins whatever the tag names when it runs.
        expect(Object.keys(dev.sampleApp).sort()).toEqual(["context", "dockerfile", "repository", "tag"]);
        expect(dev.sampleApp.context).toMatch(/#main:samples\/web$/);
        const prod = environmentConfigFrom(stackValues("prod"), "prod");
        expect(prod).toMatchObject({ registryName: "imagegateprod", networking: "private", customerManagedKey: true, policyConfigFile: "policy-config.prod.json" });
        // The subscription-wide Defender plan is declared by one stack only.
        expect([dev.defenderForContainers, prod.defenderForContainers, prod.defenderCoverageStack]).toEqual([true, false, "organization/imagegate/dev"]);
        expect(prod.deployers).toEqual([{ objectId: expect.stringMatching(/^[0-9a-f-]{36}$/), principalType: "ServicePrincipal" }]);
    });

    it("names every wrong value", () => {
        const base = environmentConfigFrom(stackValues("dev"), "dev");
        const problems = validateEnvironmentConfig({
            ...base,
            registryName: "no-dashes",
            allowedIpRanges: ["0.0.0.0/0", "300.1.1.1", "10.0.0.0/8"],
            sampleApp: { ...base.sampleApp, tag: "latest", context: "git@github.com:x/y.git" },
            deployers: [{ objectId: "me", principalType: "Robot" as never }],
            defenderCoverageStack: "prod",
        });
        expect(problems.join("\n")).toMatch(/registryName/);
        expect(problems).toContain('allowedIpRanges: the entries together admit 3,702,258,690 public IPv4 addresses (every public IPv4 address; widest: "0.0.0.0/0"), more than the 65,536 of one /16; list only the office and CI egress ranges');
        expect(problems).toContain('allowedIpRanges[1]: "300.1.1.1" is not an IP address or CIDR range');
        expect(problems.join("\n")).toMatch(/sampleApp.tag must be a tag other than latest/);
        expect(problems.join("\n")).toMatch(/sampleApp.context must be an https:\/\/ git context/);
        expect(problems).toEqual(expect.arrayContaining(["deployers[0].objectId must be an Entra ID object ID (a GUID)", "deployers[0].principalType must be User, Group or ServicePrincipal",
            "defenderCoverageStack must be a fully qualified stack name, org/project/stack"]));
        expect(problems.join("\n")).toMatch(/this stack declares the Defender plan itself/);
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

describe("the dev platform previewed through the pack (npm start)", () => {
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

    it("declares the registry, Defender, the rebuild task and redeploy webhook, the cluster and admission, and no workload", () => {
        const types = new Set(doc.resources.map((r) => r.type));
        for (const t of [
            "azure-native:resources:ResourceGroup", "azure-native:operationalinsights:Workspace", "azure-native:containerregistry:Registry",
            "azure-native:security:Pricing", "azure-native:containerregistry:Task", "azure-native:containerregistry:TaskRun",
            "azure-native:containerregistry:Webhook", "azure-native:containerservice:ManagedCluster", "azure-native:authorization:PolicyAssignment",
        ]) expect(types).toContain(t);
        // Nothing that needs the cluster's API or the registry's content: a first run has neither.
        expect([...types].filter((t) => t.startsWith("kubernetes:") || t === "imagegate:components:TrustedImage")).toEqual([]);
    });

    it("lets ACR Tasks and the nodes reach the firewalled registry: an agent pool and nodes in the VNet, a private endpoint", () => {
        const acr = one("azure-native:containerregistry:Registry");
        expect(acr.inputs.publicNetworkAccess).toBe("Enabled");
        expect(acr.inputs.networkRuleSet.defaultAction).toBe("Deny");
        expect(one("azure-native:network:PrivateEndpoint").inputs.subnet.id).toContain("/subnets/endpoints");
        expect(one("azure-native:containerregistry:AgentPool").inputs.virtualNetworkSubnetResourceId).toContain("/subnets/acr-tasks");
        expect(one("azure-native:containerregistry:Task").inputs.agentPoolName).toBe(one("azure-native:containerregistry:AgentPool").inputs.agentPoolName);
        expect(one("azure-native:containerservice:ManagedCluster").inputs.agentPoolProfiles[0].vnetSubnetID).toContain("/subnets/nodes");
    });

    it("builds the sample from this repository's Dockerfile, which runs as a numeric non-root user", () => {
        const task = one("azure-native:containerregistry:Task");
        expect(JSON.stringify(task.inputs)).toContain("https://github.com/imagegate/imagegate.git#main:samples/web");
        const dockerfile = fs.readFileSync(path.join(ROOT, "samples", "web", "Dockerfile"), "utf8");
        const users = dockerfile.split("\n").filter((l) => /^USER\s/.test(l));
        expect(users).toEqual([expect.stringMatching(/^USER [1-9][0-9]*(:[0-9]+)?$/)]);
        for (const copied of dockerfile.split("\n").filter((l) => /^COPY /.test(l)).map((l) => l.split(/\s+/)[1])) expect(fs.existsSync(path.join(ROOT, "samples", "web", copied))).toBe(true);
    });

    it("grants the deployer cluster credentials and Kubernetes data-plane access on the cluster", () => {
        const cluster = one("azure-native:containerservice:ManagedCluster");
        const grants = doc.resources.filter((r) => r.type === "azure-native:authorization:RoleAssignment" && r.name.startsWith("deployer-"));
        expect(grants.map((g) => g.inputs.roleDefinitionId.split("/").pop()).sort()).toEqual(["4abbcc35-e782-43d8-92c5-2d3f1bd2253f", "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b"]);
        for (const g of grants) {
            expect(g.inputs.scope).toMatch(new RegExp(`/managedClusters/${cluster.inputs.resourceName ?? "aks"}$`));
            expect(g.inputs.principalId).toBe("22222222-2222-2222-2222-222222222222"); // the client config's objectId
        }
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
        expect(new RegExp(assignment.inputs.parameters.allowedContainerImagesRegex.value).test(`imagegatedev.azurecr.io/samples/web:1.0.0@sha256:${"a".repeat(64)}`)).toBe(true);
    });
});

describe("the prod environment under Pulumi mocks", () => {
    let resources: RegisteredResource[];
    const byType = (t: string) => resources.filter((r) => r.type === t);

    beforeAll(async () => {
        const config = environmentConfigFrom(stackValues("prod"), "prod");
        const trust = loadPolicySettings(path.join(ROOT, config.policyConfigFile), path.join(ROOT, "policies"));
        // No network in tests: the prod gates, with nothing to contact and signatures off.
        const gates = { ...trust.gates, scannedImages: { ...trust.gates.scannedImages, config: { ...trust.gates.scannedImages.config, defender: undefined, attestations: false, registries: [] } }, signedImages: { ...trust.gates.signedImages, level: "disabled" as const }, requireDigest: { ...trust.gates.requireDigest, config: { ...trust.gates.requireDigest.config, registries: [] } } };
        resources = await runUnderMocks(async () => {
            createEnvironment(config, { ...trust, gates });
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

    it("creates the subnets one after another, and gives the cluster identity Network Contributor on its subnet", () => {
        expect(byType("azure-native:network:Subnet").map((s) => s.name)).toEqual(["nodes", "endpoints", "acr-tasks", "runners"]);
        const grant = byType("azure-native:authorization:RoleAssignment").filter((a) => a.inputs.roleDefinitionId.endsWith("4d97b98b-1d4f-4787-a291-c67834d212e7"));
        expect(grant).toHaveLength(1);
        expect(grant[0].inputs.scope).toContain("/subnets/nodes");
    });

    it("reads the Defender coverage of the stack that declares it instead of declaring the subscription plan again", () => {
        expect(byType("azure-native:security:Pricing")).toEqual([]);
        expect(byType("pulumi:pulumi:StackReference").map((r) => r.inputs.name)).toEqual(["organization/imagegate/dev"]);
    });

    it("grants the configured deployer (the VNet agents' identity) cluster access", () => {
        const grants = byType("azure-native:authorization:RoleAssignment").filter((a) => /b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b|4abbcc35-e782-43d8-92c5-2d3f1bd2253f/.test(a.inputs.roleDefinitionId));
        expect(grants.map((g) => [g.inputs.principalId, g.inputs.principalType])).toEqual([
            ["5f1c7a9e-2b4d-4e6f-8a0b-1c2d3e4f5a6b", "ServicePrincipal"], ["5f1c7a9e-2b4d-4e6f-8a0b-1c2d3e4f5a6b", "ServicePrincipal"]]);
    });

    it("encrypts the registry with a customer-managed key from a purge-protected vault whose name is generated", () => {
        const vault = byType("azure-native:keyvault:Vault")[0];
        // A fixed name would be held by the soft-deleted vault for the retention period after a destroy.
        expect(vault.inputs.vaultName).toBeUndefined();
        expect(vault.inputs.properties).toMatchObject({ enablePurgeProtection: true, enableSoftDelete: true, enableRbacAuthorization: true });
        const acr = byType("azure-native:containerregistry:Registry")[0];
        expect(acr.inputs.encryption.status).toBe("enabled");
        expect(acr.inputs.encryption.keyVaultProperties.keyIdentifier).toBeDefined();
    });

    it("admits only the prod registry, by digest", () => {
        const a = byType("azure-native:authorization:PolicyAssignment")[0];
        const re = new RegExp(a.inputs.parameters.allowedContainerImagesRegex.value);
        expect(re.test(`imagegateprod.azurecr.io/samples/web@sha256:${"c".repeat(64)}`)).toBe(true);
        expect(re.test("imagegateprod.azurecr.io/samples/web:1.0.0")).toBe(false);
        expect(re.test(`imagegatedev.azurecr.io/samples/web@sha256:${"c".repeat(64)}`)).toBe(false);
    });
});

describe("the prod platform previewed through the pack, offline, as on a first run", () => {
    let doc: { resources: JsonResource[]; diagnostics: JsonDiagnostic[] };
    let code: number;

    // The real program, stack and policy config: nothing in the platform needs the registry or the
    // cluster to exist, so nothing is taken out.
    beforeAll(async () => {
        const r = await cli(["preview", "--stack", "prod", "--policy-config", "policy-config.prod.json", "--format", "json", "--include-inputs"]);
        code = r.code;
        doc = JSON.parse(r.stdout);
    }, 120_000);

    it("exits 0; the one finding is the advisory that signatures are not yet verified at admission", () => {
        // prod keeps stack-image-verification advisory (policy-config.prod.json): its cluster runs the
        // add-on's Gatekeeper, beside which Ratify cannot block (docs/admission.md), so the gap is shown.
        expect(doc.diagnostics.map((d) => `${d.policy} ${d.level}`)).toEqual(["stack-image-verification advisory"]);
        expect(doc.diagnostics[0].message).toContain("does not verify signatures at admission");
        expect(code).toBe(0);
        const types = doc.resources.map((r) => r.type);
        expect(types).toEqual(expect.arrayContaining(["azure-native:network:PrivateEndpoint", "azure-native:keyvault:Key", "azure-native:containerregistry:AgentPool"]));
        expect(types.filter((t) => t.startsWith("kubernetes:"))).toEqual([]);
    });
});

describe("signature admission in the environment (imagegate:signatureAdmission)", () => {
    const config = environmentConfigFrom(stackValues("prod"), "prod");
    const trust = loadPolicySettings(path.join(ROOT, config.policyConfigFile), path.join(ROOT, "policies"));
    // signed-images stays mandatory with prod's trust material; no registry to contact in tests.
    const gates = { ...trust.gates, scannedImages: { ...trust.gates.scannedImages, level: "disabled" as const }, signedImages: { ...trust.gates.signedImages, config: { ...trust.gates.signedImages.config, registries: [] } }, requireDigest: { ...trust.gates.requireDigest, config: { ...trust.gates.requireDigest.config, registries: [] } } };
    const run = (signatureAdmission: "image-integrity" | "ratify") => runUnderMocks(async () => {
        createEnvironment({ ...config, signatureAdmission }, { ...trust, gates });
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

    it("image-integrity: the component with a federated identity that may pull from this registry only, applied through a kubeconfig that never prompts", async () => {
        const rs = await run("image-integrity");
        const provider = rs.find((r) => r.type === "pulumi:providers:kubernetes")!;
        expect(String(provider.inputs.kubeconfig)).toMatch(/azurecli/);
        expect(String(provider.inputs.kubeconfig)).not.toMatch(/devicecode/);
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
        await expect(run("ratify")).rejects.toThrow(/cannot run beside the Azure Policy add-on's/);
    }, 60_000);
});
