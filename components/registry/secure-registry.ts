/**
 * SecureRegistry: a Premium Azure Container Registry locked down by default. Every weaker setting
 * is an explicit option, and contradictory options fail at construction (see validateSecureRegistryArgs).
 */
import * as pulumi from "@pulumi/pulumi";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";
import * as monitor from "@pulumi/azure-native/monitor";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as authorization from "@pulumi/azure-native/authorization";
import { roleDefinitionIdOutput } from "../shared/builtin-roles";
import { alphanumericName } from "../shared/inputs";
import { validateSecureRegistryArgs } from "./secure-registry-validation";

export const SECURE_REGISTRY_TYPE = "imagegate:components:SecureRegistry";
/** The private DNS zone ACR private endpoints resolve through (public cloud). */
export const ACR_PRIVATE_DNS_ZONE = "privatelink.azurecr.io";
/** Diagnostic log categories sent to Log Analytics: who logged in, what was pushed/pulled/deleted. */
export const ACR_AUDIT_LOG_CATEGORIES = ["ContainerRegistryLoginEvents", "ContainerRegistryRepositoryEvents"] as const;

/** Private endpoint into the registry, with the DNS that makes `<name>.azurecr.io` resolve to it. */
export interface PrivateEndpointOptions {
    /** Subnet the endpoint's NICs get their IPs from. */
    subnetId: pulumi.Input<string>;
    /** Defaults to the registry's resource group / location. */
    resourceGroupName?: pulumi.Input<string>;
    location?: pulumi.Input<string>;
    /**
     * Either create the `privatelink.azurecr.io` zone here and link it to these VNets, or register
     * the endpoint in an existing (e.g. hub) zone.
     */
    dns: { virtualNetworkIds: pulumi.Input<string>[] } | { existingZoneId: pulumi.Input<string> };
}

export type RegistryNetwork =
    /** Public network access disabled; reachable through private endpoints (and trusted Azure services). */
    | { mode: "private"; privateEndpoint?: PrivateEndpointOptions }
    /**
     * Weaker: public endpoint stays on, default action Deny, only these IPv4 addresses/CIDRs allowed.
     * A private endpoint may be added for what runs in a VNet (cluster nodes, task agent pools),
     * whose egress addresses are not known in advance.
     */
    | { mode: "firewall"; ipRules: string[]; privateEndpoint?: PrivateEndpointOptions };

export interface CustomerManagedKeyOptions {
    /** Key Vault key URI; versionless (no /<version>) so the registry follows key rotation. */
    keyIdentifier: pulumi.Input<string>;
    /**
     * The user-assigned identity the registry reads the key with: an existing one, or one created
     * here and granted "Key Vault Crypto Service Encryption User" on `keyVaultId`.
     */
    identity: { resourceId: pulumi.Input<string>; clientId: pulumi.Input<string> } | { create: true; keyVaultId: pulumi.Input<string> };
}

export interface QuarantineOptions {
    /** HTTPS endpoint of the scanner, called by a `quarantine` webhook on every push. */
    scannerEndpoint: pulumi.Input<string>;
    /** Headers for the scanner call (e.g. Authorization), stored as secrets. */
    scannerHeaders?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Principal (object) ID of the scanner's identity: granted AcrQuarantineWriter on this registry. */
    scannerPrincipalId?: pulumi.Input<string>;
    /** Alphanumeric, 5–50 chars; derived from the component name when omitted. */
    webhookName?: string;
}

/** Dedicated ACR Tasks agents in a VNet subnet: how tasks reach a registry with no public access. */
export interface TaskAgentPoolOptions {
    subnetId: pulumi.Input<string>;
    /** 3–20 letters, digits or '-'; default "tasks". */
    name?: string;
    /** S1 (2 vCPU, default), S2 (4), S3 (8), I6 (64, isolated). */
    tier?: "S1" | "S2" | "S3" | "I6";
    /** Agent count, default 1. */
    count?: number;
}

export interface SecureRegistryArgs {
    resourceGroupName: pulumi.Input<string>;
    location?: pulumi.Input<string>;
    /** Globally unique, alphanumeric, 5–50 chars. Provider auto-naming when omitted. */
    registryName?: string;
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Default `{ mode: "private" }`: no public network access at all. */
    network?: RegistryNetwork;
    /** Login and repository events to Log Analytics; "disabled" is an explicit opt-out. Required. */
    auditLogs: { logAnalyticsWorkspaceId: pulumi.Input<string> } | "disabled";
    /**
     * Delete untagged manifests after this many days (0–365). Default `"disabled"`: workloads pull
     * by digest (require-digest), and ACR's docs warn that retention then deletes images still in
     * use once their tag moves on. Turn it on only for registries nothing pulls by digest.
     */
    untaggedRetention?: { days: number } | "disabled";
    /** Default false: export policy disabled (no `az acr import`/transfer out). Firewall mode needs true. */
    allowExport?: boolean;
    /** Default false: only ACR-audience Entra tokens are accepted, not ARM-audience ones. */
    allowArmAudienceTokens?: boolean;
    /**
     * Sent as `zoneRedundancy` (default true). Azure now makes every registry in a region with
     * availability zones zone-redundant whatever this says, and none elsewhere: the region decides
     * (acr-zone-redundancy judges it). Set false in a region without availability zones.
     */
    zoneRedundancy?: boolean;
    /** Default true: per-region data endpoints, so firewall rules can name exact hosts. */
    dedicatedDataEndpoints?: boolean;
    /** Customer-managed key encryption (create-time only). */
    encryption?: CustomerManagedKeyOptions;
    /** Quarantine every push until the scanner marks it passed. */
    quarantine?: QuarantineOptions;
    /** A VNet agent pool for ACR Tasks (pass `taskAgentPoolName` to ImageBuildTask). */
    taskAgentPool?: TaskAgentPoolOptions;
}

export class SecureRegistry extends pulumi.ComponentResource {
    public readonly registry: containerregistry.Registry;
    public readonly id: pulumi.Output<string>;
    public readonly name: pulumi.Output<string>;
    public readonly loginServer: pulumi.Output<string>;
    public readonly resourceGroupName: pulumi.Output<string>;
    public readonly location: pulumi.Output<string>;
    public readonly privateEndpointId?: pulumi.Output<string>;
    public readonly quarantineWebhookId?: pulumi.Output<string>;
    public readonly taskAgentPoolName?: pulumi.Output<string>;

    constructor(name: string, args: SecureRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        super(SECURE_REGISTRY_TYPE, name, {}, opts);
        const v = validateSecureRegistryArgs(args);
        const parent = { parent: this };

        // CMK identity first: the registry must be able to read the key when it is created.
        let cmk: { resourceId: pulumi.Input<string>; clientId: pulumi.Input<string> } | undefined;
        const registryDependsOn: pulumi.Resource[] = [];
        if (args.encryption) {
            const identity = args.encryption.identity;
            if ("create" in identity) {
                const uai = new managedidentity.UserAssignedIdentity(`${name}-cmk`, {
                    resourceGroupName: args.resourceGroupName,
                    location: args.location,
                    tags: args.tags,
                }, parent);
                const grant = new authorization.RoleAssignment(`${name}-cmk-key-access`, {
                    scope: identity.keyVaultId,
                    principalId: uai.principalId,
                    principalType: authorization.PrincipalType.ServicePrincipal,
                    roleDefinitionId: roleDefinitionIdOutput(identity.keyVaultId, "KeyVaultCryptoServiceEncryptionUser"),
                    description: "imagegate SecureRegistry: registry reads its customer-managed key",
                }, parent);
                registryDependsOn.push(grant);
                cmk = { resourceId: uai.id, clientId: uai.clientId };
            } else {
                cmk = identity;
            }
        }

        const net = v.network;
        const firewall = net.mode === "firewall";
        this.registry = new containerregistry.Registry(name, {
            resourceGroupName: args.resourceGroupName,
            location: args.location,
            registryName: args.registryName,
            tags: args.tags,
            sku: { name: containerregistry.SkuName.Premium },
            adminUserEnabled: false,
            anonymousPullEnabled: false,
            publicNetworkAccess: firewall ? containerregistry.PublicNetworkAccess.Enabled : containerregistry.PublicNetworkAccess.Disabled,
            // Deny is set in private mode too, so re-enabling public access by hand still denies by default.
            networkRuleSet: {
                defaultAction: containerregistry.DefaultAction.Deny,
                ipRules: net.mode === "firewall" ? net.ipRules.map((ip) => ({ iPAddressOrRange: ip, action: containerregistry.Action.Allow })) : [],
            },
            // Trusted services (Defender vulnerability assessment) still reach a closed registry.
            networkRuleBypassOptions: containerregistry.NetworkRuleBypassOptions.AzureServices,
            dataEndpointEnabled: args.dedicatedDataEndpoints ?? true,
            zoneRedundancy: (args.zoneRedundancy ?? true) ? containerregistry.ZoneRedundancy.Enabled : containerregistry.ZoneRedundancy.Disabled,
            policies: {
                // Docker Content Trust is deprecated (removed from ACR 2028-03-31): sign with Notation.
                trustPolicy: { status: containerregistry.PolicyStatus.Disabled, type: containerregistry.TrustPolicyType.Notary },
                quarantinePolicy: { status: args.quarantine ? containerregistry.PolicyStatus.Enabled : containerregistry.PolicyStatus.Disabled },
                retentionPolicy: v.retentionDays === undefined
                    ? { status: containerregistry.PolicyStatus.Disabled }
                    : { status: containerregistry.PolicyStatus.Enabled, days: v.retentionDays },
                exportPolicy: { status: args.allowExport ? containerregistry.ExportPolicyStatus.Enabled : containerregistry.ExportPolicyStatus.Disabled },
                azureADAuthenticationAsArmPolicy: {
                    status: args.allowArmAudienceTokens
                        ? containerregistry.AzureADAuthenticationAsArmPolicyStatus.Enabled
                        : containerregistry.AzureADAuthenticationAsArmPolicyStatus.Disabled,
                },
            },
            ...(cmk ? {
                identity: {
                    type: containerregistry.ResourceIdentityType.UserAssigned,
                    userAssignedIdentities: pulumi.output(cmk.resourceId).apply((id) => ({ [id]: {} })),
                },
                encryption: {
                    status: containerregistry.EncryptionStatus.Enabled,
                    keyVaultProperties: { keyIdentifier: v.keyIdentifier!, identity: cmk.clientId },
                },
            } : {}),
        }, { parent: this, dependsOn: registryDependsOn });

        this.id = this.registry.id;
        this.name = this.registry.name;
        this.loginServer = this.registry.loginServer;
        this.location = this.registry.location;
        this.resourceGroupName = pulumi.output(args.resourceGroupName);

        if (v.network.privateEndpoint) {
            this.privateEndpointId = this.createPrivateEndpoint(name, args, v.network.privateEndpoint);
        }

        if (args.auditLogs !== "disabled") {
            new monitor.DiagnosticSetting(`${name}-audit`, {
                name: "imagegate-registry-audit",
                resourceUri: this.registry.id,
                workspaceId: args.auditLogs.logAnalyticsWorkspaceId,
                // Resource-specific tables (ContainerRegistryLoginEvents, …) rather than AzureDiagnostics.
                logAnalyticsDestinationType: "Dedicated",
                logs: ACR_AUDIT_LOG_CATEGORIES.map((category) => ({ category, enabled: true })),
            }, parent);
        }

        if (args.quarantine) {
            const q = args.quarantine;
            const hook = new containerregistry.Webhook(`${name}-quarantine`, {
                resourceGroupName: args.resourceGroupName,
                registryName: this.registry.name,
                location: this.registry.location,
                webhookName: q.webhookName ?? alphanumericName(name, "quarantine"),
                actions: [containerregistry.WebhookAction.Quarantine],
                status: containerregistry.WebhookStatus.Enabled,
                // The URL may carry a token: keep it encrypted in the state.
                serviceUri: pulumi.secret(v.scannerEndpoint!),
                ...(q.scannerHeaders ? { customHeaders: pulumi.secret(q.scannerHeaders) } : {}),
                tags: args.tags,
            }, parent);
            this.quarantineWebhookId = hook.id;
            if (q.scannerPrincipalId !== undefined) {
                new authorization.RoleAssignment(`${name}-scanner-quarantine-writer`, {
                    scope: this.registry.id,
                    principalId: q.scannerPrincipalId,
                    principalType: authorization.PrincipalType.ServicePrincipal,
                    roleDefinitionId: roleDefinitionIdOutput(this.registry.id, "AcrQuarantineWriter"),
                    description: "imagegate SecureRegistry: scanner reads quarantined images and sets their state",
                }, parent);
            }
        }

        if (args.taskAgentPool) {
            const pool = new containerregistry.AgentPool(`${name}-tasks`, {
                resourceGroupName: args.resourceGroupName,
                registryName: this.registry.name,
                location: this.registry.location,
                agentPoolName: v.agentPool!.name,
                tier: v.agentPool!.tier,
                count: v.agentPool!.count,
                os: containerregistry.OS.Linux,
                virtualNetworkSubnetResourceId: args.taskAgentPool.subnetId,
                tags: args.tags,
            }, parent);
            this.taskAgentPoolName = pool.name;
        }

        this.registerOutputs({
            id: this.id,
            name: this.name,
            loginServer: this.loginServer,
            privateEndpointId: this.privateEndpointId,
            quarantineWebhookId: this.quarantineWebhookId,
            taskAgentPoolName: this.taskAgentPoolName,
        });
    }

    private createPrivateEndpoint(name: string, args: SecureRegistryArgs, pe: PrivateEndpointOptions): pulumi.Output<string> {
        const parent = { parent: this };
        const resourceGroupName = pe.resourceGroupName ?? args.resourceGroupName;
        const endpoint = new network.PrivateEndpoint(`${name}-pe`, {
            resourceGroupName,
            location: pe.location ?? args.location,
            subnet: { id: pe.subnetId },
            privateLinkServiceConnections: [{
                name: `${name}-registry`,
                privateLinkServiceId: this.registry.id,
                // "registry" covers the login server and, with dedicated data endpoints, the data hosts.
                groupIds: ["registry"],
            }],
            tags: args.tags,
        }, parent);

        let zoneId: pulumi.Input<string>;
        if ("existingZoneId" in pe.dns) {
            zoneId = pe.dns.existingZoneId;
        } else {
            const zone = new privatedns.PrivateZone(`${name}-dns`, {
                resourceGroupName,
                privateZoneName: ACR_PRIVATE_DNS_ZONE,
                location: "global",
                tags: args.tags,
            }, parent);
            pe.dns.virtualNetworkIds.forEach((vnetId, i) => {
                new privatedns.VirtualNetworkLink(`${name}-dns-link-${i}`, {
                    resourceGroupName,
                    privateZoneName: zone.name,
                    location: "global",
                    virtualNetwork: { id: vnetId },
                    registrationEnabled: false,
                    tags: args.tags,
                }, parent);
            });
            zoneId = zone.id;
        }
        new network.PrivateDnsZoneGroup(`${name}-pe-dns`, {
            resourceGroupName,
            privateEndpointName: endpoint.name,
            privateDnsZoneGroupName: "default",
            privateDnsZoneConfigs: [{ name: "privatelink-azurecr-io", privateDnsZoneId: zoneId }],
        }, parent);
        return endpoint.id;
    }
}

