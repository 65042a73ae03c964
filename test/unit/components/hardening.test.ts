/**
 * The repo's own components, run under Pulumi's mocks, produce resources that pass every hardening
 * rule: each resource through every resource policy, and the whole program (IDs resolved, as
 * AnalyzeStack sees it after `pulumi up`) through the stack policies.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { hardeningResourcePolicies, hardeningStackPolicies } from "../../../policies/hardening";
import { RegisteredResource, runUnderMocks } from "../../support/mocks";
import { runResourcePolicy } from "../../support/run-policy";
import { StackEntry, runStackPolicy, withTrust } from "../../support/hardening";

const SUB = "11111111-2222-3333-4444-555555555555";
const RG = "rg-supply";
const arm = (type: string, name: string) => `/subscriptions/${SUB}/resourceGroups/${RG}/providers/${type}/${name}`;
const WORKSPACE_ID = arm("Microsoft.OperationalInsights/workspaces", "audit");
const SUBNET_ID = `/subscriptions/${SUB}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/hub/subnets/pe`;
const VNET_ID = `/subscriptions/${SUB}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/hub`;

/** Outputs shaped like Azure's: ARM IDs, login server, kubelet identity. */
function outputs(args: pulumi.runtime.MockResourceArgs): { id?: string; state?: Record<string, unknown> } | undefined {
    switch (args.type) {
        case "azure-native:containerregistry:Registry": {
            const n = String(args.inputs.registryName ?? args.name);
            return { id: arm("Microsoft.ContainerRegistry/registries", n), state: { name: n, loginServer: `${n}.azurecr.io` } };
        }
        case "azure-native:containerservice:ManagedCluster":
            return { id: arm("Microsoft.ContainerService/managedClusters", args.name), state: { name: args.name, identityProfile: { kubeletidentity: { objectId: "33333333-3333-3333-3333-333333333333" } } } };
        default:
            return { id: arm(`Mock.${args.type.split(":")[1]}/${args.type.split(":")[2]}`, args.name) };
    }
}

async function program(): Promise<{ resources: RegisteredResource[]; ids: Map<string, string> }> {
    const ids = new Map<string, string>();
    const resources = await runUnderMocks(async () => {
        const { SecureRegistry } = await import("../../../components/registry/secure-registry");
        const { DefenderForContainers } = await import("../../../components/registry/defender-for-containers");
        const { SecureCluster } = await import("../../../components/cluster/secure-cluster");
        const { ImageAdmission } = await import("../../../components/cluster/image-admission");
        const registry = new SecureRegistry("acr", {
            resourceGroupName: RG,
            location: "westeurope",
            registryName: "appacr",
            auditLogs: { logAnalyticsWorkspaceId: WORKSPACE_ID },
            network: { mode: "private", privateEndpoint: { subnetId: SUBNET_ID, dns: { virtualNetworkIds: [VNET_ID] } } },
            quarantine: { scannerEndpoint: "https://scanner.example.com/hook", scannerPrincipalId: "44444444-4444-4444-4444-444444444444" },
        });
        new DefenderForContainers("defender", { subscriptionId: SUB, acknowledgeSubscriptionWide: true });
        const cluster = new SecureCluster("aks", {
            resourceGroupName: RG,
            location: "westeurope",
            apiServer: { mode: "private" },
            logAnalyticsWorkspaceId: WORKSPACE_ID,
            acrPullRegistryIds: [registry.id],
        });
        new ImageAdmission("admission", { clusterId: cluster.clusterId, registries: ["appacr.azurecr.io"] });
    }, {
        newResource: (args) => {
            const o = outputs(args);
            if (o?.id) ids.set(args.name, o.id);
            return o;
        },
    });
    return { resources, ids };
}

describe("the repo's components pass every hardening rule", () => {
    it("each resource passes every resource policy", async () => {
        const { resources } = await program();
        const custom = resources.filter((r) => r.custom);
        // The judged kinds are all there, so a pass is not a pass by absence.
        for (const t of ["azure-native:containerregistry:Registry", "azure-native:containerregistry:Webhook", "azure-native:containerservice:ManagedCluster", "azure-native:security:Pricing"]) {
            expect(custom.map((r) => r.type)).toContain(t);
        }
        const failures: string[] = [];
        for (const r of custom) {
            for (const p of hardeningResourcePolicies) {
                const res = await runResourcePolicy(p as ResourceValidationPolicy, r.type, r.inputs, {}, r.name);
                failures.push(...res.diagnostics.map((d) => `${p.name} on ${r.type} ${r.name}: ${d.message}`));
            }
        }
        expect(failures).toEqual([]);
    });

    it("the whole program passes every stack policy", async () => {
        const { resources, ids } = await program();
        const entries: StackEntry[] = resources.filter((r) => r.custom).map((r) => ({ type: r.type, name: r.name, props: { ...r.inputs, ...(ids.has(r.name) ? { id: ids.get(r.name) } : {}) } }));
        expect(entries.filter((e) => e.type === "azure-native:authorization:RoleAssignment").length).toBeGreaterThan(0);
        for (const p of hardeningStackPolicies) {
            // Admission is judged against the trust entries ImageAdmission was given.
            const res = await withTrust({ registries: ["appacr.azurecr.io"] }, () => runStackPolicy(p, entries, {}));
            // Signature admission applies only where signed-images blocks; this trust config leaves it disabled.
            const notApplicable = p.name === "stack-image-verification" ? "signed-images is disabled, so admission need not verify signatures" : undefined;
            expect({ policy: p.name, diagnostics: res.diagnostics, notApplicable: res.notApplicable }).toEqual({ policy: p.name, diagnostics: [], notApplicable });
        }
    });

    it("a workload stack's registry is covered by the coverage a platform stack exports (StackReference), in the same subscription only", async () => {
        let coverage: unknown;
        await runUnderMocks(async () => {
            const { DefenderForContainers } = await import("../../../components/registry/defender-for-containers");
            new DefenderForContainers("defender", { subscriptionId: SUB, acknowledgeSubscriptionWide: true }).coverage.apply((c) => { coverage = c; });
        });
        const scanning = hardeningStackPolicies.find((p) => p.name === "stack-registry-scanning")!;
        const stack = (registrySub: string): StackEntry[] => [
            { type: "azure-native:containerregistry:Registry", name: "acr", props: { id: `/subscriptions/${registrySub}/resourceGroups/${RG}/providers/Microsoft.ContainerRegistry/registries/appacr`, publicNetworkAccess: "Disabled", networkRuleBypassOptions: "AzureServices" } },
            { type: "pulumi:pulumi:StackReference", name: "platform", props: { name: "contoso/platform/prod", outputs: { registryId: "x", defenderForContainers: coverage }, secretOutputNames: [] } },
        ];
        expect((await runStackPolicy(scanning, stack(SUB))).diagnostics).toEqual([]);
        const other = "99999999-8888-7777-6666-555555555555";
        expect((await runStackPolicy(scanning, stack(other))).diagnostics.map((d) => d.message)).toEqual([
            expect.stringContaining(`Registry "acr": it is in subscription ${other}, and the Defender for Containers plan exported by stack "contoso/platform/prod" (output "defenderForContainers") is for subscription ${SUB}, so images pushed there are deployed unscanned.`),
        ]);
    });
});
