/**
 * The pack's Analyze/AnalyzeStack fast path (policies/lib/sdk.ts) against @pulumi/policy's own
 * handlers: the compiled pack launched twice as the Pulumi CLI launches it, once with the fast path
 * and once with `IMAGEGATE_SDK_FAST_PATH=0`, sent the same Configure, ConfigureStack, Analyze and
 * AnalyzeStack requests. Every answer must be identical — diagnostics (text, level, severity, URN,
 * order) and not-applicable entries (policy, reason, order). An SDK upgrade that changes what the
 * fast path mirrors fails here.
 */
import * as fs from "fs";
import * as path from "path";
import { AnalyzerHarness, UNKNOWN, secret, type AnalyzeResource, type PolicyConfigFile, type AnalyzeStackResource } from "../../../cli/harness";
import { workloads } from "../../../bench/workloads";
import { CLUSTER_ID, REGISTRY_ID, hardenedCluster, hardenedRegistry, withValue } from "../../support/hardening";
import { PACK_DIR, REPO_ROOT } from "../../support/paths";

const res = (type: string, name: string, properties: Record<string, unknown>, extra: Partial<AnalyzeResource> = {}): AnalyzeStackResource => ({
    type,
    name,
    urn: `urn:pulumi:dev::p::${type}::${name}`,
    properties,
    ...extra,
});

function corpus(): AnalyzeStackResource[] {
    const registry = res("azure-native:containerregistry:Registry", "acr", { ...hardenedRegistry(), id: REGISTRY_ID });
    const weakRegistry = res("azure-native:containerregistry/v20230701:Registry", "weak", withValue(withValue(hardenedRegistry(), "adminUserEnabled", true), "publicNetworkAccess", UNKNOWN));
    const cluster = res("azure-native:containerservice:ManagedCluster", "aks", { ...hardenedCluster(), id: CLUSTER_ID });
    const weakCluster = res("azure-native:containerservice:ManagedCluster", "weak-aks", withValue(hardenedCluster(), "addonProfiles", {}));
    const assignment = res("azure-native:authorization:PolicyAssignment", "allowed-images", {
        scope: UNKNOWN,
        policyDefinitionId: "/providers/Microsoft.Authorization/policyDefinitions/febd0533-8e55-448f-b837-bd0e06f16469",
        parameters: { allowedContainerImagesRegex: { value: "^contoso\\.azurecr\\.io/.+$" } },
    }, { propertyDependencies: { scope: [cluster.urn] } } as Partial<AnalyzeStackResource>);
    const role = res("azure-native:authorization:RoleAssignment", "pull", { scope: `/subscriptions/11111111-1111-1111-1111-111111111111`, roleDefinitionId: "/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d", principalId: UNKNOWN });
    const configMap = res("kubernetes:core/v1:ConfigMap", "cm", { data: { image: "docker.io/library/nginx:latest" } });
    const secretPod = res("kubernetes:core/v1:Pod", "secret-pod", { spec: { containers: [{ name: "app", image: secret("docker.io/library/redis:7") }] } }, {
        options: { parent: "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev", protect: true, ignoreChanges: ["spec"] },
        provider: { type: "pulumi:providers:kubernetes", name: "k8s", urn: "urn:pulumi:dev::p::pulumi:providers:kubernetes::k8s", properties: { kubeconfig: secret("…") } },
    });
    const unknownSpec = res("kubernetes:apps/v1:Deployment", "unknown-spec", { spec: UNKNOWN });
    const custom = res("kubernetes:argoproj.io/v1alpha1:Rollout", "rollout", { spec: { template: { spec: { containers: [{ name: "a", image: "ghcr.io/example/a:1" }] } } } });
    const badImage = res("kubernetes:core/v1:Pod", "bad", { spec: { containers: [{ name: "x", image: "Not A Reference" }, { name: "y" }, 42] } });
    return [registry, weakRegistry, cluster, weakCluster, assignment, role, configMap, secretPod, unknownSpec, custom, badImage, ...workloads(48)];
}

const CONFIGS: [string, PolicyConfigFile][] = [
    ["the defaults", {}],
    ["every policy mandatory, gates without evidence or trust material", {
        all: "mandatory",
        "trusted-registries": { registries: ["contoso.azurecr.io", "mcr.microsoft.com/oss/"], unknownImages: "enforce" },
        "scanned-images": { enforcementLevel: "advisory" },
    }],
    ["levels mixed and checks skipped", {
        all: "advisory",
        "require-digest": "disabled",
        "no-latest-tag": "remediate",
        "acr-network": { enforcementLevel: "mandatory", unknownValues: "enforce" },
        "aks-azure-policy-addon": "disabled",
        "stack-aks-image-admission": { enforcementLevel: "mandatory", unknownValues: "enforce" },
        "signed-images": { enforcementLevel: "mandatory", exemptImages: ["ghcr.io/example/"] },
    }],
];

describe("the Analyzer fast path answers exactly as @pulumi/policy's own handlers", () => {
    let fast: AnalyzerHarness;
    let sdk: AnalyzerHarness;
    beforeAll(async () => {
        if (!fs.existsSync(path.join(REPO_ROOT, "dist", "policies", "index.js"))) throw new Error("dist/policies/index.js is missing: run `npm run build` first");
        [fast, sdk] = await Promise.all([
            AnalyzerHarness.launch({ packDir: PACK_DIR, env: { IMAGEGATE_SDK_FAST_PATH: "1" } }),
            AnalyzerHarness.launch({ packDir: PACK_DIR, env: { IMAGEGATE_SDK_FAST_PATH: "0" } }),
        ]);
    }, 120_000);
    afterAll(async () => {
        await Promise.all([fast?.close(), sdk?.close()]);
    });

    it("the fast pack serves on the fast path (otherwise this suite would compare the SDK with itself)", async () => {
        await fast.getPluginInfo();
        expect(fast.stderr()).toMatch(/imagegate: Analyze fast path serving \(@pulumi\/policy v?\d+\.\d+\.\d+\)/);
        expect(sdk.stderr()).not.toContain("fast path");
    });

    it.each(CONFIGS)("with %s", async (_name, file) => {
        const info = await fast.getAnalyzerInfo();
        expect(await sdk.getAnalyzerInfo()).toEqual(info);
        await Promise.all([fast.configureFromFile(file, info), sdk.configureFromFile(file, info)]);
        const tags = { stack: "dev", project: "p", organization: "o", dryRun: true, tags: { team: "platform" } };
        await Promise.all([fast.configureStack(tags), sdk.configureStack(tags)]);

        const resources = corpus();
        let diagnostics = 0;
        let notApplicable = 0;
        for (const r of resources) {
            const [a, b] = await Promise.all([fast.analyze(r), sdk.analyze(r)]);
            expect({ urn: r.urn, ...a }).toEqual({ urn: r.urn, ...b });
            diagnostics += a.diagnostics.length;
            notApplicable += a.notApplicable.length;
        }
        // The corpus exercises both signals, whatever the config.
        expect(diagnostics).toBeGreaterThanOrEqual(resources.length / 2);
        expect(notApplicable).toBeGreaterThanOrEqual(resources.length);

        const [s1, s2] = await Promise.all([fast.analyzeStack(resources), sdk.analyzeStack(resources)]);
        expect(s1).toEqual(s2);
        expect(s1.diagnostics.length + s1.notApplicable.length).toBeGreaterThanOrEqual(1);
    }, 120_000);

    it("both refuse an invalid config at Configure with the same error", async () => {
        const info = await fast.getAnalyzerInfo();
        const bad = { "trusted-registries": { registries: ["contoso"] } };
        const errors = await Promise.all([fast, sdk].map((h) => h.configureFromFile(bad, info).then(() => "accepted", (e: Error) => e.message)));
        expect(errors[0]).toContain("invalid policy config: trusted-registries: registries[0]");
        expect(errors[1]).toBe(errors[0]);
    });
});
