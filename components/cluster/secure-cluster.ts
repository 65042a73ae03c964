/**
 * SecureCluster: an AKS cluster hardened by default for running only trusted images — Azure Policy
 * add-on (so ImageAdmission can enforce), Entra ID with Azure RBAC and no local accounts, workload
 * identity, image cleaner, Defender sensor, automatic patching, a private or IP-restricted API
 * server, network policy, a zone-spread system pool, and AcrPull for the kubelet identity on the
 * given registries only. Invalid arguments fail at construction (secure-cluster-validation.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as authorization from "@pulumi/azure-native/authorization";
import { roleDefinitionIdForChildOutput, roleDefinitionIdOutput } from "../shared/builtin-roles";
import { requireResourceId } from "../shared/arm-id";
import { checked } from "../shared/inputs";
import { ApiServerAccess, NetworkPolicyChoice, SystemPoolOptions, secureClusterProblems } from "./secure-cluster-validation";

export const SECURE_CLUSTER_TYPE = "imagegate:components:SecureCluster";
const REGISTRY_TYPE = "Microsoft.ContainerRegistry/registries";

export interface SecureClusterArgs {
    resourceGroupName: pulumi.Input<string>;
    location?: pulumi.Input<string>;
    /** Default: the AKS default version for the region. */
    kubernetesVersion?: pulumi.Input<string>;
    /** DNS prefix of the API server; default the component name. */
    dnsPrefix?: pulumi.Input<string>;
    /** Entra ID tenant; default the deployment's tenant. */
    tenantId?: pulumi.Input<string>;
    /** Entra ID groups given cluster-admin through Azure RBAC. */
    adminGroupObjectIds?: pulumi.Input<string>[];
    apiServer: ApiServerAccess;
    /** Default "cilium" (Azure CNI powered by Cilium). */
    networkPolicy?: NetworkPolicyChoice;
    /** Subnet for nodes (Azure CNI overlay); default an AKS-managed VNet. */
    vnetSubnetId?: pulumi.Input<string>;
    systemPool?: SystemPoolOptions;
    /** How often the image cleaner removes unused images from nodes. Default 24. */
    imageCleanerIntervalHours?: number;
    /** Log Analytics workspace the Defender sensor reports to. */
    logAnalyticsWorkspaceId: pulumi.Input<string>;
    /** Registries the kubelet identity may pull from (AcrPull on each registry, nothing wider). */
    acrPullRegistryIds: pulumi.Input<string>[];
    /** Default "Standard" (uptime SLA). */
    skuTier?: "Standard" | "Premium";
    /**
     * Who runs Gatekeeper. Default "azure-policy-addon": the Azure Policy add-on installs and
     * manages it (what ImageAdmission needs). "self-managed": the add-on is off, so a Gatekeeper you
     * install yourself (GatekeeperImageConstraints) is the only one; Azure supports one or the other.
     */
    gatekeeper?: GatekeeperOwner;
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export type GatekeeperOwner = "azure-policy-addon" | "self-managed";

export const SECURE_CLUSTER_DEFAULTS = {
    networkPolicy: "cilium" as NetworkPolicyChoice,
    systemPool: { count: 3, vmSize: "Standard_D4ds_v5", availabilityZones: ["1", "2", "3"] },
    imageCleanerIntervalHours: 24,
    skuTier: "Standard" as const,
};

function requireRegistryId(id: string, i: number): void {
    requireResourceId(id, REGISTRY_TYPE, `acrPullRegistryIds[${i}]`);
}

export class SecureCluster extends pulumi.ComponentResource {
    readonly cluster: containerservice.ManagedCluster;
    readonly clusterId: pulumi.Output<string>;
    readonly clusterName: pulumi.Output<string>;
    /** Object ID of the kubelet identity (the one that pulls images). */
    readonly kubeletObjectId: pulumi.Output<string>;
    readonly oidcIssuerUrl: pulumi.Output<string | undefined>;
    readonly acrPullAssignments: authorization.RoleAssignment[];
    /** Who runs Gatekeeper in this cluster (GatekeeperImageConstraints refuses the add-on's). */
    readonly gatekeeper: GatekeeperOwner;
    /** Network Contributor for the cluster identity on its custom node subnet, when one is given. */
    readonly subnetAssignment?: authorization.RoleAssignment;

    constructor(name: string, args: SecureClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super(SECURE_CLUSTER_TYPE, name, {}, opts);
        const networkPolicy = args.networkPolicy ?? SECURE_CLUSTER_DEFAULTS.networkPolicy;
        const systemPool = { ...SECURE_CLUSTER_DEFAULTS.systemPool, ...(args.systemPool ?? {}) };
        const imageCleanerIntervalHours = args.imageCleanerIntervalHours ?? SECURE_CLUSTER_DEFAULTS.imageCleanerIntervalHours;
        const problems = secureClusterProblems({ apiServer: args.apiServer, networkPolicy, systemPool, imageCleanerIntervalHours });
        if (!Array.isArray(args.acrPullRegistryIds) || args.acrPullRegistryIds.length === 0) {
            problems.push("acrPullRegistryIds: at least one registry is required (the kubelet identity pulls only from these)");
        }
        if (args.logAnalyticsWorkspaceId === undefined || args.logAnalyticsWorkspaceId === "") {
            problems.push("logAnalyticsWorkspaceId: the Defender sensor needs a Log Analytics workspace ID");
        }
        const gatekeeper = args.gatekeeper ?? "azure-policy-addon";
        if (gatekeeper !== "azure-policy-addon" && gatekeeper !== "self-managed") problems.push(`gatekeeper must be "azure-policy-addon" or "self-managed" (got ${JSON.stringify(gatekeeper)})`);
        this.gatekeeper = gatekeeper;
        if (problems.length) throw new Error(`SecureCluster "${name}": ${problems.join("; ")}`);
        // Plain registry IDs are checked now, Output ones when they resolve (through the role
        // definition ID alone, so a bad ID fails the deployment once rather than per property).
        const checkedIds = args.acrPullRegistryIds.map((id, i) => checked(id, (v) => requireRegistryId(v, i)));

        const api = args.apiServer;
        const apiServerAccessProfile = api.mode === "private"
            ? { enablePrivateCluster: true, enablePrivateClusterPublicFQDN: false, ...(api.privateDnsZone ? { privateDNSZone: api.privateDnsZone } : {}) }
            : { enablePrivateCluster: false, authorizedIPRanges: [...api.authorizedIpRanges] };

        this.cluster = new containerservice.ManagedCluster(name, {
            resourceGroupName: args.resourceGroupName,
            location: args.location,
            kubernetesVersion: args.kubernetesVersion,
            dnsPrefix: args.dnsPrefix ?? name,
            sku: { name: "Base", tier: args.skuTier ?? SECURE_CLUSTER_DEFAULTS.skuTier },
            identity: { type: "SystemAssigned" },
            enableRBAC: true,
            disableLocalAccounts: true,
            aadProfile: {
                managed: true,
                enableAzureRBAC: true,
                ...(args.tenantId ? { tenantID: args.tenantId } : {}),
                ...(args.adminGroupObjectIds ? { adminGroupObjectIDs: args.adminGroupObjectIds } : {}),
            },
            apiServerAccessProfile,
            addonProfiles: { azurepolicy: { enabled: gatekeeper === "azure-policy-addon" } },
            oidcIssuerProfile: { enabled: true },
            securityProfile: {
                workloadIdentity: { enabled: true },
                imageCleaner: { enabled: true, intervalHours: imageCleanerIntervalHours },
                defender: { logAnalyticsWorkspaceResourceId: args.logAnalyticsWorkspaceId, securityMonitoring: { enabled: true } },
            },
            autoUpgradeProfile: { upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" },
            networkProfile: {
                networkPlugin: "azure",
                networkPluginMode: "overlay",
                networkPolicy,
                networkDataplane: networkPolicy === "cilium" ? "cilium" : "azure",
                loadBalancerSku: "standard",
            },
            agentPoolProfiles: [{
                name: "system",
                mode: "System",
                type: "VirtualMachineScaleSets",
                osType: "Linux",
                osSKU: "AzureLinux",
                count: systemPool.count,
                vmSize: systemPool.vmSize,
                availabilityZones: [...systemPool.availabilityZones],
                enableNodePublicIP: false,
                ...(args.vnetSubnetId ? { vnetSubnetID: args.vnetSubnetId } : {}),
            }],
            tags: args.tags,
        }, { parent: this });

        this.clusterId = this.cluster.id;
        this.clusterName = this.cluster.name;
        this.oidcIssuerUrl = this.cluster.oidcIssuerProfile.apply((p) => p?.issuerURL);
        this.kubeletObjectId = this.cluster.identityProfile.apply((p) => {
            const objectId = p?.["kubeletidentity"]?.objectId;
            if (!objectId) throw new Error(`SecureCluster "${name}": the cluster reports no kubelet identity object ID, so AcrPull cannot be granted`);
            return objectId;
        });

        this.acrPullAssignments = checkedIds.map((checkedId, i) => new authorization.RoleAssignment(`${name}-acrpull-${i}`, {
            scope: args.acrPullRegistryIds[i],
            principalId: this.kubeletObjectId,
            principalType: "ServicePrincipal",
            roleDefinitionId: roleDefinitionIdOutput(checkedId, "AcrPull"),
            description: "AKS kubelet identity pulls images from this registry (imagegate SecureCluster)",
        }, { parent: this }));

        // A system-assigned cluster identity on a custom subnet needs Network Contributor there to
        // manage load balancers and node NICs (AKS "use your own VNet" guidance).
        if (args.vnetSubnetId !== undefined) {
            const principalId = this.cluster.identity.apply((i) => {
                if (!i?.principalId) throw new Error(`SecureCluster "${name}": the cluster reports no identity principal, so Network Contributor on its subnet cannot be granted`);
                return i.principalId;
            });
            this.subnetAssignment = new authorization.RoleAssignment(`${name}-subnet-network`, {
                scope: args.vnetSubnetId,
                principalId,
                principalType: "ServicePrincipal",
                roleDefinitionId: roleDefinitionIdForChildOutput(args.vnetSubnetId, "NetworkContributor", "vnetSubnetId"),
                description: "AKS cluster identity manages load balancers and NICs in its node subnet (imagegate SecureCluster)",
            }, { parent: this });
        }

        this.registerOutputs({
            clusterId: this.clusterId,
            clusterName: this.clusterName,
            kubeletObjectId: this.kubeletObjectId,
            oidcIssuerUrl: this.oidcIssuerUrl,
        });
    }
}
