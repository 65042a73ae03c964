/**
 * SecureCluster under Pulumi's mocks: the ManagedCluster's security settings, AcrPull granted to the
 * kubelet identity on exactly the given registries (role definition in the registry's subscription),
 * and invalid arguments failing at construction with messages naming the argument.
 */
import * as pulumi from "@pulumi/pulumi";
import { RegisteredResource, ofType, runUnderMocks } from "../../../support/mocks";
import type { SecureClusterArgs } from "../../../../components/cluster/secure-cluster";

const SUB_A = "11111111-1111-1111-1111-111111111111";
const SUB_B = "22222222-2222-2222-2222-222222222222";
const REGISTRY_A = `/subscriptions/${SUB_A}/resourceGroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/contosoacr`;
const REGISTRY_B = `/subscriptions/${SUB_B}/resourceGroups/rg-shared/providers/Microsoft.ContainerRegistry/registries/sharedacr`;
const WORKSPACE = `/subscriptions/${SUB_A}/resourceGroups/rg-ops/providers/Microsoft.OperationalInsights/workspaces/ops`;
const KUBELET_OBJECT_ID = "33333333-3333-3333-3333-333333333333";
const ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d";

const baseArgs: SecureClusterArgs = {
    resourceGroupName: "rg-aks",
    location: "westeurope",
    apiServer: { mode: "private" },
    logAnalyticsWorkspaceId: WORKSPACE,
    acrPullRegistryIds: [REGISTRY_A, REGISTRY_B],
    adminGroupObjectIds: ["44444444-4444-4444-4444-444444444444"],
};

/** The cluster reports a kubelet identity and an ARM id, as AKS does. */
function clusterState(args: pulumi.runtime.MockResourceArgs) {
    if (args.type !== "azure-native:containerservice:ManagedCluster") return undefined;
    return {
        id: `/subscriptions/${SUB_A}/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/${args.name}`,
        state: {
            name: args.name,
            identity: { type: "SystemAssigned", principalId: "55555555-5555-5555-5555-555555555555" },
            identityProfile: { kubeletidentity: { objectId: KUBELET_OBJECT_ID, clientId: "c", resourceId: "r" } },
            oidcIssuerProfile: { enabled: true, issuerURL: "https://oidc.example/" },
        },
    };
}

async function build(args: Partial<SecureClusterArgs> & Record<string, unknown>, name = "aks"): Promise<RegisteredResource[]> {
    return runUnderMocks(async () => {
        const { SecureCluster } = await import("../../../../components/cluster/secure-cluster");
        new SecureCluster(name, { ...baseArgs, ...args } as SecureClusterArgs);
    }, { newResource: clusterState });
}

async function constructionError(args: Record<string, unknown>): Promise<string> {
    try {
        await build(args);
    } catch (e) {
        return e instanceof Error ? e.message : String(e);
    }
    throw new Error("expected SecureCluster to refuse these arguments");
}

describe("SecureCluster", () => {
    let resources: RegisteredResource[];
    beforeAll(async () => {
        resources = await build({});
    });

    it("registers the component, one cluster and one AcrPull assignment per registry, nothing else", () => {
        expect(resources.map((r) => r.type).sort()).toEqual([
            "azure-native:authorization:RoleAssignment",
            "azure-native:authorization:RoleAssignment",
            "azure-native:containerservice:ManagedCluster",
            "imagegate:components:SecureCluster",
        ]);
        const cluster = ofType(resources, "azure-native:containerservice:ManagedCluster")[0];
        expect(cluster.parentType).toBe("imagegate:components:SecureCluster");
    });

    it("hardens the cluster", () => {
        const c = ofType(resources, "azure-native:containerservice:ManagedCluster")[0].inputs;
        expect(c.addonProfiles).toEqual({ azurepolicy: { enabled: true } });
        expect(c.enableRBAC).toBe(true);
        expect(c.disableLocalAccounts).toBe(true);
        expect(c.aadProfile).toEqual({ managed: true, enableAzureRBAC: true, adminGroupObjectIDs: ["44444444-4444-4444-4444-444444444444"] });
        expect(c.oidcIssuerProfile).toEqual({ enabled: true });
        expect(c.securityProfile).toEqual({
            workloadIdentity: { enabled: true },
            imageCleaner: { enabled: true, intervalHours: 24 },
            defender: { logAnalyticsWorkspaceResourceId: WORKSPACE, securityMonitoring: { enabled: true } },
        });
        expect(c.autoUpgradeProfile).toEqual({ upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" });
        expect(c.apiServerAccessProfile).toEqual({ enablePrivateCluster: true, enablePrivateClusterPublicFQDN: false });
        expect(c.networkProfile).toMatchObject({ networkPlugin: "azure", networkPolicy: "cilium", networkDataplane: "cilium" });
        expect(c.identity).toEqual({ type: "SystemAssigned" });
        expect(c.servicePrincipalProfile).toBeUndefined();
        expect(c.agentPoolProfiles).toHaveLength(1);
        expect(c.agentPoolProfiles[0]).toMatchObject({ mode: "System", count: 3, availabilityZones: ["1", "2", "3"], enableNodePublicIP: false });
    });

    it("grants AcrPull to the kubelet identity on each registry only, with the role in the registry's subscription", () => {
        const grants = ofType(resources, "azure-native:authorization:RoleAssignment").map((r) => r.inputs);
        expect(grants.map((g) => g.scope).sort()).toEqual([REGISTRY_A, REGISTRY_B].sort());
        for (const g of grants) {
            const sub = g.scope === REGISTRY_A ? SUB_A : SUB_B;
            expect(g.roleDefinitionId).toBe(`/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL}`);
            expect(g.principalId).toBe(KUBELET_OBJECT_ID);
            expect(g.principalType).toBe("ServicePrincipal");
        }
    });

    it("grants the cluster identity Network Contributor on a custom node subnet, and only then", async () => {
        const subnet = `/subscriptions/${SUB_A}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/nodes`;
        const r = await build({ vnetSubnetId: subnet });
        const grants = ofType(r, "azure-native:authorization:RoleAssignment").filter((a) => a.inputs.roleDefinitionId.endsWith("4d97b98b-1d4f-4787-a291-c67834d212e7"));
        expect(grants.map((g) => [g.inputs.scope, g.inputs.principalId, g.inputs.roleDefinitionId])).toEqual([
            [subnet, "55555555-5555-5555-5555-555555555555", `/subscriptions/${SUB_A}/providers/Microsoft.Authorization/roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7`],
        ]);
        expect(ofType(resources, "azure-native:authorization:RoleAssignment").filter((a) => a.inputs.roleDefinitionId.endsWith("4d97b98b-1d4f-4787-a291-c67834d212e7"))).toEqual([]);
    });

    it("turns the Azure Policy add-on off only for a self-managed Gatekeeper", async () => {
        const r = await build({ gatekeeper: "self-managed" });
        expect(ofType(r, "azure-native:containerservice:ManagedCluster")[0].inputs.addonProfiles).toEqual({ azurepolicy: { enabled: false } });
        expect(await constructionError({ gatekeeper: "both" })).toMatch('gatekeeper must be "azure-policy-addon" or "self-managed" (got "both")');
    });

    it("restricts a public API server to the authorized ranges, with Azure network policy when asked", async () => {
        const r = await build({ apiServer: { mode: "authorizedIpRanges", authorizedIpRanges: ["203.0.113.0/24", "198.51.100.7"] }, networkPolicy: "azure", imageCleanerIntervalHours: 168, systemPool: { count: 5, availabilityZones: ["1", "2"] } });
        const c = ofType(r, "azure-native:containerservice:ManagedCluster")[0].inputs;
        expect(c.apiServerAccessProfile).toEqual({ enablePrivateCluster: false, authorizedIPRanges: ["203.0.113.0/24", "198.51.100.7"] });
        expect(c.networkProfile).toMatchObject({ networkPolicy: "azure", networkDataplane: "azure" });
        expect(c.securityProfile.imageCleaner).toEqual({ enabled: true, intervalHours: 168 });
        expect(c.agentPoolProfiles[0]).toMatchObject({ count: 5, availabilityZones: ["1", "2"] });
    });

    it("accepts ranges that admit at most a /16 of public addresses together; private ranges count for nothing", async () => {
        const ranges = ["20.1.0.0/17", "20.2.0.0/17", "10.0.0.0/8", "192.168.0.0/16", "100.64.0.0/10"];
        const r = await build({ apiServer: { mode: "authorizedIpRanges", authorizedIpRanges: ranges } });
        expect(ofType(r, "azure-native:containerservice:ManagedCluster")[0].inputs.apiServerAccessProfile.authorizedIPRanges).toEqual(ranges);
    });

    it("accepts registry IDs that are Outputs and scopes the grant to them", async () => {
        const r = await build({ acrPullRegistryIds: [pulumi.output(REGISTRY_B)] });
        const grants = ofType(r, "azure-native:authorization:RoleAssignment");
        expect(grants).toHaveLength(1);
        expect(grants[0].inputs.scope).toBe(REGISTRY_B);
        expect(grants[0].inputs.roleDefinitionId).toBe(`/subscriptions/${SUB_B}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL}`);
    });

    it.each([
        ["no API server choice", { apiServer: undefined }, /apiServer: choose/],
        ["an unknown API server mode", { apiServer: { mode: "public" } }, /apiServer: choose/],
        ["empty authorized ranges", { apiServer: { mode: "authorizedIpRanges", authorizedIpRanges: [] } }, /at least one CIDR/],
        ["an open authorized range", { apiServer: { mode: "authorizedIpRanges", authorizedIpRanges: ["0.0.0.0/0"] } }, /apiServer\.authorizedIpRanges: the entries together admit 3,702,258,690 public IPv4 addresses \(every public IPv4 address; widest: "0\.0\.0\.0\/0"\), more than the 65,536 of one \/16; list only the admin and CI egress ranges/],
        ["the internet in two halves", { apiServer: { mode: "authorizedIpRanges", authorizedIpRanges: ["0.0.0.0/1", "128.0.0.0/1"] } }, /every public IPv4 address; widest: "0\.0\.0\.0\/1", "128\.0\.0\.0\/1"/],
        ["many small public ranges that add up to more than a /16", { apiServer: { mode: "authorizedIpRanges", authorizedIpRanges: ["20.1.0.0/17", "20.2.0.0/17", "20.3.0.0/24"] } }, /admit 65,792 public IPv4 addresses/],
        ["a malformed range", { apiServer: { mode: "authorizedIpRanges", authorizedIpRanges: ["10.0.0.0/33"] } }, /apiServer\.authorizedIpRanges\[0\]: "10\.0\.0\.0\/33" is not an IP address or CIDR range/],
        ["a service tag", { apiServer: { mode: "authorizedIpRanges", authorizedIpRanges: ["AzureCloud.westeurope"] } }, /"AzureCloud\.westeurope" is an Azure service tag: it stands for public addresses shared by every customer/],
        ["an IPv6 range", { apiServer: { mode: "authorizedIpRanges", authorizedIpRanges: ["2001:db8::/48"] } }, /"2001:db8::\/48" is an IPv6 range, and only IPv4 is accepted here/],
        ["fewer than 3 nodes", { systemPool: { count: 2 } }, /systemPool.count: at least 3 nodes/],
        ["a single zone", { systemPool: { availabilityZones: ["1", "1"] } }, /at least 2 distinct zones/],
        ["a bad zone", { systemPool: { availabilityZones: ["1", "4"] } }, /zones are "1", "2" or "3"/],
        ["no network policy", { networkPolicy: "none" }, /networkPolicy: must be "cilium" or "azure"/],
        ["an image cleaner interval under a day", { imageCleanerIntervalHours: 12 }, /imageCleanerIntervalHours: must be a whole number of hours from 24 to 2160/],
        ["no registries", { acrPullRegistryIds: [] }, /acrPullRegistryIds: at least one registry/],
        ["a registry ID that is not a registry", { acrPullRegistryIds: [WORKSPACE] }, /acrPullRegistryIds\[0\] must be the ID of a Microsoft.ContainerRegistry\/registries resource/],
        ["no Log Analytics workspace", { logAnalyticsWorkspaceId: "" }, /logAnalyticsWorkspaceId: the Defender sensor needs/],
    ])("refuses %s at construction", async (_what, args, message) => {
        const err = await constructionError(args as Record<string, unknown>);
        expect(err).toMatch(message);
        expect(err).toMatch(/^SecureCluster "aks": |acrPullRegistryIds\[0\]/);
    });

    it("reports every problem at once", async () => {
        const err = await constructionError({ systemPool: { count: 1, availabilityZones: ["2"] }, imageCleanerIntervalHours: 5000 });
        expect(err).toMatch(/systemPool.count/);
        expect(err).toMatch(/availabilityZones/);
        expect(err).toMatch(/imageCleanerIntervalHours/);
    });
});
