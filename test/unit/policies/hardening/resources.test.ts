/**
 * The ACR, AKS and Defender resource policies through SDK-faithful args (test/support/run-policy):
 * hardened resources pass every policy, each misconfiguration fails exactly its check, unknown
 * values are advisory, versioned type tokens and add-on key casing are matched, config is checked.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { hardeningResourcePolicies } from "../../../../policies/hardening";
import { runResourcePolicy, Recorded } from "../../../support/run-policy";
import { hardenedCluster, hardenedPricing, hardenedRegistry, withValue } from "../../../support/hardening";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const T = {
    registry: "azure-native:containerregistry:Registry",
    replication: "azure-native:containerregistry:Replication",
    webhook: "azure-native:containerregistry:Webhook",
    cacheRule: "azure-native:containerregistry:CacheRule",
    token: "azure-native:containerregistry:Token",
    scopeMap: "azure-native:containerregistry:ScopeMap",
    cluster: "azure-native:containerservice:ManagedCluster",
    agentPool: "azure-native:containerservice:AgentPool",
    pricing: "azure-native:security:Pricing",
};

interface Diag extends Recorded { policy: string }

/** A registry with public access on behind a default-Deny firewall (what SecureRegistry's firewall mode sends). */
const firewalled = () => withValue(withValue(hardenedRegistry(), "publicNetworkAccess", "Enabled"), "networkRuleSet.ipRules", [{ iPAddressOrRange: "203.0.113.0/24", action: "Allow" }]);

/** Every hardening resource policy on one resource; the diagnostics tagged with the policy name. */
async function runAll(type: string, props: Record<string, unknown>, config: Record<string, Record<string, unknown>> = {}): Promise<Diag[]> {
    const out: Diag[] = [];
    for (const p of hardeningResourcePolicies) {
        const r = await runResourcePolicy(p as ResourceValidationPolicy, type, props, config[p.name] ?? {});
        out.push(...r.diagnostics.map((d) => ({ ...d, policy: p.name })));
    }
    return out;
}

const policy = (name: string) => {
    const p = hardeningResourcePolicies.find((x) => x.name === name);
    if (!p) throw new Error(`no policy ${name}`);
    return p as ResourceValidationPolicy;
};

describe("hardened resources pass every hardening policy", () => {
    it.each([
        ["Registry", T.registry, hardenedRegistry()],
        ["ManagedCluster", T.cluster, hardenedCluster()],
        ["Pricing (Containers plan)", T.pricing, hardenedPricing()],
        ["Replication", T.replication, { registryName: "contosoacr", location: "northeurope", zoneRedundancy: "Enabled" }],
        ["Replication in a zone region, zoneRedundancy left at Disabled (Azure makes it zone-redundant anyway)", T.replication, { registryName: "contosoacr", location: "North Europe", zoneRedundancy: "Disabled" }],
        ["Registry with a private endpoint and no dedicated data endpoints set (the private endpoint provides them)", T.registry, withValue(hardenedRegistry(), "dataEndpointEnabled", undefined)],
        ["disabled repository-scoped token", T.token, { registryName: "contosoacr", tokenName: "ci", scopeMapId: "/x/scopeMaps/pull", status: "disabled" }],
        ["ScopeMap (grants nothing without a token)", T.scopeMap, { registryName: "contosoacr", actions: ["repositories/app/content/read"] }],
        ["firewall rules that are private or add up to exactly a /16", T.registry, withValue(firewalled(), "networkRuleSet.ipRules", [{ iPAddressOrRange: "20.1.0.0/17" }, { iPAddressOrRange: "20.1.128.0/17" }, { iPAddressOrRange: "10.0.0.0/8" }, { value: "100.64.0.0/10" }])],
        ["cluster with private and public authorized ranges within a /16", T.cluster, withValue(hardenedCluster(), "apiServerAccessProfile", { authorizedIPRanges: ["192.168.0.0/16", "172.16.0.0/12", "203.0.113.0/24", "2001:db8::/32", "20.0.0.0/17"] })],
        ["Webhook", T.webhook, { registryName: "contosoacr", serviceUri: "https://scanner.example.com/hook", actions: ["quarantine"] }],
        ["AgentPool", T.agentPool, { resourceName: "aks1", mode: "User", enableNodePublicIP: false }],
        ["firewalled Registry (public access on, default Deny)", T.registry, firewalled()],
        ["cluster with authorized IP ranges", T.cluster, withValue(hardenedCluster(), "apiServerAccessProfile", { authorizedIPRanges: ["203.0.113.0/24"] })],
        ["Pricing of another plan", T.pricing, { pricingName: "VirtualMachines", pricingTier: "Free", scopeId: "/subscriptions/x" }],
    ])("%s", async (_n, type, props) => {
        expect(await runAll(type, props)).toEqual([]);
    });
});

/** [label, type, props, policy, check id, text the message contains] */
const misconfigurations: [string, string, Record<string, unknown>, string, string, string][] = [
    ["Standard SKU", T.registry, withValue(hardenedRegistry(), "sku.name", "Standard"), "acr-premium-sku", "premium-sku", 'the SKU is "Standard"'],
    ["admin user on", T.registry, withValue(hardenedRegistry(), "adminUserEnabled", true), "acr-authentication", "admin-user-disabled", "the admin user is true"],
    ["anonymous pull on", T.registry, withValue(hardenedRegistry(), "anonymousPullEnabled", true), "acr-authentication", "anonymous-pull-disabled", "anonymous pull is true"],
    ["ARM-audience tokens left at Azure's default", T.registry, withValue(hardenedRegistry(), "policies.azureADAuthenticationAsArmPolicy", undefined), "acr-authentication", "arm-audience-tokens-disabled", "is not set (Azure's default is \"enabled\"; any token issued for Azure Resource Manager"],
    ["public access on, firewall Allow", T.registry, withValue(withValue(hardenedRegistry(), "publicNetworkAccess", "Enabled"), "networkRuleSet.defaultAction", "Allow"), "acr-network", "public-network-restricted", 'publicNetworkAccess is "Enabled" and networkRuleSet.defaultAction is "Allow"'],
    ["no network settings at all", T.registry, withValue(withValue(hardenedRegistry(), "publicNetworkAccess", undefined), "networkRuleSet", undefined), "acr-network", "public-network-restricted", "Azure's default is \"Allow\""],
    ["default Deny with an all-addresses rule", T.registry, withValue(firewalled(), "networkRuleSet.ipRules", [{ iPAddressOrRange: "0.0.0.0/0", action: "Allow" }]), "acr-network", "public-network-restricted", 'Registry "res" networkRuleSet.ipRules: the entries together admit 3,702,258,690 public IPv4 addresses (every public IPv4 address; widest: "0.0.0.0/0"), more than the 65,536 of one /16. Fix: list only the egress addresses'],
    ["default Deny with the internet in two /1 rules", T.registry, withValue(firewalled(), "networkRuleSet.ipRules", [{ iPAddressOrRange: "0.0.0.0/1" }, { iPAddressOrRange: "128.0.0.0/1" }]), "acr-network", "public-network-restricted", '(every public IPv4 address; widest: "0.0.0.0/1", "128.0.0.0/1")'],
    ["firewall rules that add up to more than a /16", T.registry, withValue(firewalled(), "networkRuleSet.ipRules", [{ iPAddressOrRange: "20.1.0.0/17" }, { iPAddressOrRange: "20.2.0.0/17" }, { iPAddressOrRange: "20.3.0.1" }]), "acr-network", "public-network-restricted", "admit 65,537 public IPv4 addresses"],
    ["a firewall rule that is a service tag", T.registry, withValue(firewalled(), "networkRuleSet.ipRules", [{ iPAddressOrRange: "AzureCloud" }]), "acr-network", "public-network-restricted", 'networkRuleSet.ipRules[0].iPAddressOrRange: "AzureCloud" is an Azure service tag'],
    ["a firewall rule without an address", T.registry, withValue(firewalled(), "networkRuleSet.ipRules", [{ action: "Allow" }]), "acr-network", "public-network-restricted", "networkRuleSet.ipRules[0].iPAddressOrRange: a missing value is not an IP address or CIDR range"],
    ["export enabled", T.registry, withValue(hardenedRegistry(), "policies.exportPolicy.status", "enabled"), "acr-network", "export-disabled", 'the export policy is "enabled"'],
    ["shared data endpoint on a public registry", T.registry, withValue(firewalled(), "dataEndpointEnabled", false), "acr-network", "dedicated-data-endpoints", "dataEndpointEnabled: dedicated data endpoints is false (public network access is on, and without them clients on the public endpoint download layers from a shared *.blob.core.windows.net host"],
    ["registry in a region without availability zones", T.registry, withValue(hardenedRegistry(), "location", "westus"), "acr-zone-redundancy", "zone-redundancy", 'Registry "res" location: the region "westus" has no availability zones, so the registry is not zone-redundant and an outage of its datacenter stops image pulls. Fix: create the registry in a region with availability zones'],
    ["replica in a region without availability zones (display name)", T.replication, { location: "UK West", zoneRedundancy: "Enabled" }, "acr-zone-redundancy", "zone-redundancy", 'the region "UK West" has no availability zones, so the replica is not zone-redundant'],
    ["registry without a location", T.registry, withValue(hardenedRegistry(), "location", undefined), "acr-zone-redundancy", "zone-redundancy", "no location is set, so the region the registry lands in (the resource group's), and whether it has availability zones, cannot be judged"],
    ["registry in a region the list does not know", T.registry, withValue(hardenedRegistry(), "location", "atlantiscentral"), "acr-zone-redundancy", "zone-redundancy", '"atlantiscentral" is not a region known to have availability zones'],
    ["untagged retention on while deployments pin digests", T.registry, withValue(hardenedRegistry(), "policies.retentionPolicy", { status: "enabled", days: 7 }), "acr-untagged-retention", "untagged-retention", "policies.retentionPolicy.status: the retention policy deletes every untagged manifest after 7 days, and deployments pull by digest (require-digest)"],
    ["repository-scoped token enabled", T.token, { registryName: "contosoacr", scopeMapId: "/x/scopeMaps/push", status: "enabled" }, "acr-authentication", "repository-tokens-disabled", 'Token "res" status: the status of this repository-scoped access token is "enabled" (a token is a password-based credential that no Entra identity owns'],
    ["repository-scoped token without a status", T.token, { registryName: "contosoacr", scopeMapId: "/x/scopeMaps/push" }, "acr-authentication", "repository-tokens-disabled", "is not set (Azure's default is \"enabled\"; a token is a password-based credential"],
    ["Docker Content Trust on", T.registry, withValue(hardenedRegistry(), "policies.trustPolicy.status", "enabled"), "acr-no-content-trust", "content-trust-not-used", "deprecated since 2025-03-31"],
    ["plain-HTTP webhook", T.webhook, { serviceUri: "http://scanner.example.com/hook?token=s3cret", actions: ["push"] }, "acr-webhook-https", "https-service-uri", "uses http://"],
    ["webhook URI that is not a URL", T.webhook, { serviceUri: "scanner/hook", actions: ["push"] }, "acr-webhook-https", "https-service-uri", "not a valid absolute URL"],
    ["cache rule (no upstream trusted by default)", T.cacheRule, { sourceRepository: "docker.io/library/nginx", targetRepository: "nginx" }, "acr-cache-rules", "trusted-upstream", "trusted upstreams: none configured"],
    ["Azure Policy add-on off", T.cluster, withValue(hardenedCluster(), "addonProfiles.azurepolicy.enabled", false), "aks-azure-policy-addon", "azure-policy-addon", "the Azure Policy add-on is false"],
    ["no add-ons", T.cluster, withValue(hardenedCluster(), "addonProfiles", undefined), "aks-azure-policy-addon", "azure-policy-addon", "the Azure Policy add-on is not set"],
    ["RBAC off", T.cluster, withValue(hardenedCluster(), "enableRBAC", false), "aks-access-control", "rbac-enabled", "Kubernetes RBAC is false"],
    ["Entra ID without Azure RBAC", T.cluster, withValue(hardenedCluster(), "aadProfile.enableAzureRBAC", false), "aks-access-control", "entra-azure-rbac", "aadProfile.enableAzureRBAC: Azure RBAC"],
    ["no managed Entra ID", T.cluster, withValue(hardenedCluster(), "aadProfile.managed", undefined), "aks-access-control", "entra-azure-rbac", "aadProfile.managed: Entra ID"],
    ["local accounts on", T.cluster, withValue(hardenedCluster(), "disableLocalAccounts", false), "aks-access-control", "local-accounts-disabled", "disabling local accounts is false"],
    ["service principal instead of managed identity", T.cluster, withValue(withValue(hardenedCluster(), "identity", undefined), "servicePrincipalProfile", { clientId: "app", secret: "x" }), "aks-access-control", "managed-identity", "no managed identity is set"],
    ["OIDC issuer off", T.cluster, withValue(hardenedCluster(), "oidcIssuerProfile.enabled", false), "aks-workload-identity", "oidc-issuer", "the OIDC issuer is false"],
    ["workload identity off", T.cluster, withValue(hardenedCluster(), "securityProfile.workloadIdentity", undefined), "aks-workload-identity", "workload-identity", "workload identity is not set"],
    ["AAD pod identity on", T.cluster, withValue(hardenedCluster(), "podIdentityProfile", { enabled: true }), "aks-workload-identity", "no-pod-identity", "deprecated AAD pod identity"],
    ["image cleaner off", T.cluster, withValue(hardenedCluster(), "securityProfile.imageCleaner.enabled", false), "aks-image-cleaner", "image-cleaner", "the image cleaner is false"],
    ["image cleaner every 3 weeks", T.cluster, withValue(hardenedCluster(), "securityProfile.imageCleaner.intervalHours", 504), "aks-image-cleaner", "image-cleaner", "504 hours, longer than the accepted 168"],
    ["Defender sensor off", T.cluster, withValue(hardenedCluster(), "securityProfile.defender.securityMonitoring.enabled", false), "aks-defender-profile", "defender-sensor", "the Defender sensor is false"],
    ["Defender sensor without workspace", T.cluster, withValue(hardenedCluster(), "securityProfile.defender.logAnalyticsWorkspaceResourceId", undefined), "aks-defender-profile", "defender-sensor", "no Log Analytics workspace"],
    ["upgrade channel none", T.cluster, withValue(hardenedCluster(), "autoUpgradeProfile.upgradeChannel", "none"), "aks-auto-upgrade", "upgrade-channel", 'the cluster upgrade channel is "none"'],
    ["upgrade channel unset", T.cluster, withValue(hardenedCluster(), "autoUpgradeProfile.upgradeChannel", undefined), "aks-auto-upgrade", "upgrade-channel", "Azure's default is \"none\""],
    ["node OS channel Unmanaged", T.cluster, withValue(hardenedCluster(), "autoUpgradeProfile.nodeOSUpgradeChannel", "Unmanaged"), "aks-auto-upgrade", "node-os-upgrade-channel", 'is "Unmanaged"'],
    ["public API server", T.cluster, withValue(hardenedCluster(), "apiServerAccessProfile", { enablePrivateCluster: false }), "aks-api-server-access", "private-or-authorized-ips", "accepts connections from every address"],
    ["API server open to 0.0.0.0/0", T.cluster, withValue(hardenedCluster(), "apiServerAccessProfile", { authorizedIPRanges: ["203.0.113.0/24", "0.0.0.0/0"] }), "aks-api-server-access", "private-or-authorized-ips", 'ManagedCluster "res" apiServerAccessProfile.authorizedIPRanges: the entries together admit 3,702,258,690 public IPv4 addresses (every public IPv4 address; widest: "0.0.0.0/0"), more than the 65,536 of one /16. Fix: list only the admin and CI egress CIDRs'],
    ["API server open to the internet in two halves", T.cluster, withValue(hardenedCluster(), "apiServerAccessProfile", { authorizedIPRanges: ["0.0.0.0/1", "128.0.0.0/1"] }), "aks-api-server-access", "private-or-authorized-ips", '(every public IPv4 address; widest: "0.0.0.0/1", "128.0.0.0/1")'],
    ["API server open to all of IPv6", T.cluster, withValue(hardenedCluster(), "apiServerAccessProfile", { authorizedIPRanges: ["203.0.113.0/24", "2000::/3"] }), "aks-api-server-access", "private-or-authorized-ips", "the entries together admit over 2^124 public IPv6 addresses (every public IPv6 address; widest: \"2000::/3\"), more than the 2^80 of one /48"],
    ["API server authorized for an Azure service tag", T.cluster, withValue(hardenedCluster(), "apiServerAccessProfile", { authorizedIPRanges: ["AzureCloud.westeurope"] }), "aks-api-server-access", "private-or-authorized-ips", 'authorizedIPRanges[0]: "AzureCloud.westeurope" is an Azure service tag: it stands for public addresses shared by every customer of that Microsoft service, not yours'],
    ["API server authorized for Internet", T.cluster, withValue(hardenedCluster(), "apiServerAccessProfile", { authorizedIPRanges: ["Internet"] }), "aks-api-server-access", "private-or-authorized-ips", 'authorizedIPRanges[0]: "Internet" admits every address'],
    ["API server authorized range that is not a range", T.cluster, withValue(hardenedCluster(), "apiServerAccessProfile", { authorizedIPRanges: ["10.0.0.0/33"] }), "aks-api-server-access", "private-or-authorized-ips", 'authorizedIPRanges[0]: "10.0.0.0/33" is not an IP address or CIDR range'],
    ["network policy none", T.cluster, withValue(hardenedCluster(), "networkProfile.networkPolicy", "none"), "aks-network-policy", "network-policy", 'the network policy engine is "none"'],
    ["network policy unset", T.cluster, withValue(hardenedCluster(), "networkProfile.networkPolicy", undefined), "aks-network-policy", "network-policy", "is not set"],
    ["node public IPs in the cluster's pool", T.cluster, withValue(hardenedCluster(), "agentPoolProfiles[0].enableNodePublicIP", true), "aks-node-public-ip", "no-node-public-ip", "agentPoolProfiles[0].enableNodePublicIP: every node"],
    ["node public IPs in an AgentPool", T.agentPool, { enableNodePublicIP: true }, "aks-node-public-ip", "no-node-public-ip", "enableNodePublicIP: every node"],
    ["HTTP application routing on", T.cluster, withValue(hardenedCluster(), "addonProfiles.httpApplicationRouting", { enabled: true }), "aks-no-insecure-addons", "http-application-routing-disabled", "HTTP application routing add-on is enabled"],
    ["dashboard on", T.cluster, withValue(hardenedCluster(), "addonProfiles.kubeDashboard", { enabled: true }), "aks-no-insecure-addons", "kube-dashboard-disabled", "Kubernetes dashboard add-on is enabled"],
    ["Containers plan on Free", T.pricing, withValue(hardenedPricing(), "pricingTier", "Free"), "defender-containers-plan", "containers-plan-standard", 'the Containers plan tier is "Free"'],
    ["registry assessment off", T.pricing, withValue(hardenedPricing(), "extensions[0].isEnabled", "False"), "defender-containers-plan", "registry-vulnerability-assessment", 'ContainerRegistriesVulnerabilityAssessments is "False"'],
    ["registry assessment not listed", T.pricing, withValue(hardenedPricing(), "extensions", [{ name: "ContainerSensor", isEnabled: "True" }]), "defender-containers-plan", "registry-vulnerability-assessment", "is not among the listed extensions"],
    ["no extensions listed", T.pricing, withValue(hardenedPricing(), "extensions", undefined), "defender-containers-plan", "registry-vulnerability-assessment", "left to the service's default"],
    ["legacy ContainerRegistry plan", T.pricing, { pricingName: "ContainerRegistry", pricingTier: "Standard" }, "defender-containers-plan", "no-legacy-plan", '"ContainerRegistry" is a legacy Defender plan'],
    ["legacy KubernetesService plan", T.pricing, { pricingName: "KubernetesService", pricingTier: "Standard" }, "defender-containers-plan", "no-legacy-plan", '"KubernetesService" is a legacy Defender plan'],
];

describe("each misconfiguration fails exactly its check", () => {
    it.each(misconfigurations)("%s", async (_label, type, props, policyName, check, text) => {
        const ds = await runAll(type, props);
        expect(ds.map((d) => [d.policy, d.message.match(/\[([a-z-]+)\]$/)?.[1]])).toEqual([[policyName, check]]);
        expect(ds[0].message).toContain(text);
        expect(ds[0].message).toContain("Fix: ");
        expect(ds[0].enforcementLevel).toBeUndefined();
    });

    it("names only the scheme of a webhook URI, never the URI (it may carry a token)", async () => {
        const ds = await runAll(T.webhook, { serviceUri: "http://scanner.example.com/hook?token=s3cret" });
        expect(ds).toHaveLength(1);
        expect(ds[0].message).not.toContain("s3cret");
        expect(ds[0].message).not.toContain("scanner.example.com");
    });

    it("reports every failing check of one resource, each on its own", async () => {
        let weak = withValue(hardenedRegistry(), "sku.name", "Basic");
        weak = withValue(weak, "adminUserEnabled", true);
        weak = withValue(weak, "publicNetworkAccess", "Enabled");
        weak = withValue(weak, "networkRuleSet", undefined);
        const ds = await runAll(T.registry, weak);
        expect(ds.map((d) => d.message.match(/\[([a-z-]+)\]$/)?.[1]).sort()).toEqual(["admin-user-disabled", "premium-sku", "public-network-restricted"]);
    });
});

describe("add-on keys and property names in any casing", () => {
    it.each(["azurepolicy", "azurePolicy", "AzurePolicy", "AZUREPOLICY"])("addonProfiles.%s counts as the Azure Policy add-on", async (key) => {
        const props = withValue(hardenedCluster(), "addonProfiles", { [key]: { enabled: true } });
        expect((await runResourcePolicy(policy("aks-azure-policy-addon"), T.cluster, props)).diagnostics).toEqual([]);
        const off = withValue(hardenedCluster(), "addonProfiles", { [key]: { enabled: false } });
        expect((await runResourcePolicy(policy("aks-azure-policy-addon"), T.cluster, off)).diagnostics[0].message).toContain(`addonProfiles.${key}.enabled: the Azure Policy add-on is false`);
    });

    it("refuses the same add-on twice in different casing (Azure reads one, which is undefined)", async () => {
        const props = withValue(hardenedCluster(), "addonProfiles", { azurepolicy: { enabled: true }, azurePolicy: { enabled: false } });
        const r = await runResourcePolicy(policy("aks-azure-policy-addon"), T.cluster, props);
        expect(r.diagnostics).toHaveLength(1);
        expect(r.diagnostics[0].message).toContain("is set more than once with different casing (azurepolicy, azurePolicy)");
    });

    it("catches the HTTP application routing add-on in ARM casing too", async () => {
        const props = withValue(hardenedCluster(), "addonProfiles.httpapplicationrouting", { enabled: true });
        expect((await runAll(T.cluster, props)).map((d) => d.policy)).toEqual(["aks-no-insecure-addons"]);
    });

    it("reads ARM-cased property names (enableAzureRbac) and enum values in any case", async () => {
        let props = withValue(hardenedCluster(), "aadProfile", { managed: true, enableAzureRbac: true });
        props = withValue(props, "autoUpgradeProfile", { upgradeChannel: "Patch", nodeOSUpgradeChannel: "securitypatch" });
        expect(await runAll(T.cluster, props)).toEqual([]);
        const reg = withValue(withValue(hardenedRegistry(), "publicNetworkAccess", "disabled"), "sku.name", "premium");
        expect(await runAll(T.registry, reg)).toEqual([]);
    });
});

describe("versioned type tokens", () => {
    it.each([
        ["azure-native:containerregistry/v20230701:Registry", hardenedRegistry(), withValue(hardenedRegistry(), "adminUserEnabled", true), "acr-authentication"],
        ["azure-native:containerregistry/v20250601preview:Registry", hardenedRegistry(), withValue(hardenedRegistry(), "sku.name", "Basic"), "acr-premium-sku"],
        ["azure-native:containerservice/v20250901:ManagedCluster", hardenedCluster(), withValue(hardenedCluster(), "disableLocalAccounts", false), "aks-access-control"],
        ["azure-native:containerservice/v20240702preview:ManagedCluster", hardenedCluster(), withValue(hardenedCluster(), "networkProfile.networkPolicy", "none"), "aks-network-policy"],
        ["azure-native:security/v20240101:Pricing", hardenedPricing(), withValue(hardenedPricing(), "pricingTier", "Free"), "defender-containers-plan"],
        ["azure-native:containerregistry/v20241101preview:Webhook", { serviceUri: "https://a.example/h" }, { serviceUri: "http://a.example/h" }, "acr-webhook-https"],
        ["azure-native:containerservice/v20250901:AgentPool", { enableNodePublicIP: false }, { enableNodePublicIP: true }, "aks-node-public-ip"],
    ])("%s", async (type, good, bad, policyName) => {
        expect(await runAll(type, good)).toEqual([]);
        expect((await runAll(type, bad)).map((d) => d.policy)).toEqual([policyName]);
    });

    it.each([
        ["the classic azure provider", "azure:containerservice/kubernetesCluster:KubernetesCluster"],
        ["another module", "azure-native:containerinstance:ContainerGroup"],
        ["a look-alike module", "azure-native:containerregistryx:Registry"],
        ["a malformed token", "containerregistry:Registry"],
    ])("does not apply to %s", async (_n, type) => {
        const r = await runResourcePolicy(policy("acr-authentication"), type, { adminUserEnabled: true });
        expect(r.notApplicable).toContain("applies to azure-native containerregistry:Registry");
        expect(r.diagnostics).toEqual([]);
    });
});

describe("unknown values at preview", () => {
    it("an unknown property is an advisory note for its check; known checks of the same resource are still judged", async () => {
        const props = withValue(withValue(hardenedRegistry(), "sku.name", UNKNOWN), "adminUserEnabled", true);
        const ds = await runAll(T.registry, props);
        expect(ds.map((d) => [d.policy, d.enforcementLevel])).toEqual([["acr-premium-sku", "advisory"], ["acr-authentication", undefined]]);
        expect(ds[0].message).toContain('Registry "res" sku.name: the SKU is not known until another resource is created');
        expect(ds[0].message).toContain("it will be checked during `pulumi up`. [premium-sku]");
    });

    it("an unknown parent object makes every check below it advisory, not a pass and not a violation", async () => {
        const ds = await runAll(T.registry, withValue(hardenedRegistry(), "policies", UNKNOWN));
        expect(ds.every((d) => d.enforcementLevel === "advisory")).toBe(true);
        expect(ds.map((d) => d.message.match(/\[([a-z-]+)\]$/)?.[1]).sort()).toEqual(["arm-audience-tokens-disabled", "content-trust-not-used", "export-disabled", "untagged-retention"]);
    });

    it.each([
        ["addonProfiles", T.cluster, withValue(hardenedCluster(), "addonProfiles", UNKNOWN), ["azure-policy-addon", "http-application-routing-disabled", "kube-dashboard-disabled"]],
        ["authorized IP range", T.cluster, withValue(hardenedCluster(), "apiServerAccessProfile", { authorizedIPRanges: [UNKNOWN] }), ["private-or-authorized-ips"]],
        ["firewall default action", T.registry, withValue(withValue(hardenedRegistry(), "publicNetworkAccess", "Enabled"), "networkRuleSet.defaultAction", UNKNOWN), ["public-network-restricted"]],
        ["public network access", T.registry, withValue(hardenedRegistry(), "publicNetworkAccess", UNKNOWN), ["public-network-restricted"]],
        ["Defender workspace", T.cluster, withValue(hardenedCluster(), "securityProfile.defender.logAnalyticsWorkspaceResourceId", UNKNOWN), ["defender-sensor"]],
        ["node pools", T.cluster, withValue(hardenedCluster(), "agentPoolProfiles", UNKNOWN), ["no-node-public-ip"]],
        ["webhook URI", T.webhook, { serviceUri: UNKNOWN }, ["https-service-uri"]],
        ["cache rule upstream", T.cacheRule, { sourceRepository: UNKNOWN }, ["trusted-upstream"]],
        ["plan name", T.pricing, withValue(hardenedPricing(), "pricingName", UNKNOWN), ["containers-plan-standard"]],
        ["plan extension state", T.pricing, withValue(hardenedPricing(), "extensions[0].isEnabled", UNKNOWN), ["registry-vulnerability-assessment"]],
    ])("unknown %s", async (_n, type, props, checks) => {
        const ds = await runAll(type, props);
        expect(ds.map((d) => d.enforcementLevel)).toEqual(checks.map(() => "advisory"));
        expect(ds.map((d) => d.message.match(/\[([a-z-]+)\]$/)?.[1])).toEqual(checks);
    });

    it("unknownValues: enforce reports an unknown at the policy's level", async () => {
        const props = withValue(hardenedRegistry(), "sku.name", UNKNOWN);
        const r = await runResourcePolicy(policy("acr-premium-sku"), T.registry, props, { unknownValues: "enforce" });
        expect(r.diagnostics).toHaveLength(1);
        expect(r.diagnostics[0].enforcementLevel).toBeUndefined();
    });
});

describe("config", () => {
    it("skipChecks turns off one check and keeps the others", async () => {
        const props = withValue(withValue(hardenedRegistry(), "adminUserEnabled", true), "anonymousPullEnabled", true);
        const r = await runResourcePolicy(policy("acr-authentication"), T.registry, props, { skipChecks: ["admin-user-disabled"] });
        expect(r.diagnostics.map((d) => d.message.match(/\[([a-z-]+)\]$/)?.[1])).toEqual(["anonymous-pull-disabled"]);
    });

    it("an invalid config fails closed with the field named, and is refused at Configure", async () => {
        const r = await runResourcePolicy(policy("acr-authentication"), T.registry, hardenedRegistry(), { skipChecks: ["admin-user"] });
        expect(r.diagnostics).toHaveLength(1);
        expect(r.diagnostics[0].message).toContain('skipChecks[0]: "admin-user" is not a check of this policy');
        const cache = hardeningResourcePolicies.find((p) => p.name === "acr-cache-rules")!;
        expect(cache.parseConfig({ trustedUpstreams: ["nginx"], colour: "red" })).toEqual({ ok: false, errors: [expect.stringContaining("colour: unknown property"), expect.stringContaining('trustedUpstreams[0]: "nginx" is ambiguous')] });
        const cleaner = hardeningResourcePolicies.find((p) => p.name === "aks-image-cleaner")!;
        expect(cleaner.parseConfig({ maxIntervalHours: 12 })).toEqual({ ok: false, errors: [expect.stringContaining("maxIntervalHours: must be between 24 and 2160")] });
    });

    it("image cleaner interval limit follows maxIntervalHours", async () => {
        const props = withValue(hardenedCluster(), "securityProfile.imageCleaner.intervalHours", 504);
        expect((await runResourcePolicy(policy("aks-image-cleaner"), T.cluster, props, { maxIntervalHours: 720 })).diagnostics).toEqual([]);
    });

    it.each([
        [["mcr.microsoft.com"], "mcr.microsoft.com/dotnet/aspnet", true],
        [["docker.io/library/"], "docker.io/library/nginx", true],
        [["docker.io/library/"], "docker.io/library/*", true],
        [["docker.io/library/"], "docker.io/*", false],
        [["docker.io"], "docker.io/*", true],
        [["docker.io/library/"], "docker.io/bitnami/redis", false],
        [["mcr.microsoft.com/oss/"], "mcr.microsoft.com/ossevil/x", false],
        [["mcr.microsoft.com"], "mcr.microsoft.com.evil.io/x", false],
        [["mcr.microsoft.com"], "mcr.microsoft.com/dotnet/aspnet:8.0", false],
    ])("cache rule upstreams %j: %s trusted = %s", async (trustedUpstreams, source, ok) => {
        const r = await runResourcePolicy(policy("acr-cache-rules"), T.cacheRule, { sourceRepository: source, targetRepository: "x" }, { trustedUpstreams });
        expect(r.diagnostics.length === 0).toBe(ok);
    });
});

describe("every rule, generically", () => {
    const allChecks = hardeningResourcePolicies.flatMap((p) => p.hardeningChecks.map((c) => `${p.name}/${c.id}`)).sort();

    it("every check has a misconfiguration case above", () => {
        expect([...new Set(misconfigurations.map(([, , , p, c]) => `${p}/${c}`))].sort()).toEqual(allChecks);
    });

    /** `azure-native:containerregistry:Registry` → `azure-native:containerregistry/v20991231preview:Registry` */
    const versioned = (type: string) => type.replace(/^azure-native:([a-z]+):/, "azure-native:$1/v20991231preview:");

    it.each(misconfigurations)("%s: the same finding under a versioned type token", async (_label, type, props, policyName, check) => {
        const ds = await runAll(versioned(type), props);
        expect(ds.map((d) => [d.policy, d.message.match(/\[([a-z-]+)\]$/)?.[1]])).toEqual([[policyName, check]]);
    });

    /** [policy/check, type, hardened props, path set to unknown] */
    const unknownCases: [string, string, Record<string, unknown>, string][] = [
        ["acr-premium-sku/premium-sku", T.registry, hardenedRegistry(), "sku.name"],
        ["acr-authentication/admin-user-disabled", T.registry, hardenedRegistry(), "adminUserEnabled"],
        ["acr-authentication/anonymous-pull-disabled", T.registry, hardenedRegistry(), "anonymousPullEnabled"],
        ["acr-authentication/arm-audience-tokens-disabled", T.registry, hardenedRegistry(), "policies.azureADAuthenticationAsArmPolicy"],
        ["acr-authentication/repository-tokens-disabled", T.token, { status: "disabled" }, "status"],
        ["acr-network/public-network-restricted", T.registry, hardenedRegistry(), "publicNetworkAccess"],
        ["acr-network/export-disabled", T.registry, hardenedRegistry(), "policies.exportPolicy.status"],
        ["acr-network/dedicated-data-endpoints", T.registry, firewalled(), "dataEndpointEnabled"],
        ["acr-zone-redundancy/zone-redundancy", T.registry, hardenedRegistry(), "location"],
        ["acr-untagged-retention/untagged-retention", T.registry, hardenedRegistry(), "policies.retentionPolicy"],
        ["acr-no-content-trust/content-trust-not-used", T.registry, hardenedRegistry(), "policies.trustPolicy.status"],
        ["acr-webhook-https/https-service-uri", T.webhook, { serviceUri: "https://a.example/h" }, "serviceUri"],
        ["acr-cache-rules/trusted-upstream", T.cacheRule, { sourceRepository: "docker.io/library/nginx" }, "sourceRepository"],
        ["aks-azure-policy-addon/azure-policy-addon", T.cluster, hardenedCluster(), "addonProfiles.azurepolicy.enabled"],
        ["aks-access-control/rbac-enabled", T.cluster, hardenedCluster(), "enableRBAC"],
        ["aks-access-control/entra-azure-rbac", T.cluster, hardenedCluster(), "aadProfile.enableAzureRBAC"],
        ["aks-access-control/local-accounts-disabled", T.cluster, hardenedCluster(), "disableLocalAccounts"],
        ["aks-access-control/managed-identity", T.cluster, hardenedCluster(), "identity.type"],
        ["aks-workload-identity/oidc-issuer", T.cluster, hardenedCluster(), "oidcIssuerProfile"],
        ["aks-workload-identity/workload-identity", T.cluster, hardenedCluster(), "securityProfile.workloadIdentity.enabled"],
        ["aks-workload-identity/no-pod-identity", T.cluster, hardenedCluster(), "podIdentityProfile"],
        ["aks-image-cleaner/image-cleaner", T.cluster, hardenedCluster(), "securityProfile.imageCleaner.intervalHours"],
        ["aks-defender-profile/defender-sensor", T.cluster, hardenedCluster(), "securityProfile.defender.securityMonitoring.enabled"],
        ["aks-auto-upgrade/upgrade-channel", T.cluster, hardenedCluster(), "autoUpgradeProfile.upgradeChannel"],
        ["aks-auto-upgrade/node-os-upgrade-channel", T.cluster, hardenedCluster(), "autoUpgradeProfile.nodeOSUpgradeChannel"],
        ["aks-api-server-access/private-or-authorized-ips", T.cluster, hardenedCluster(), "apiServerAccessProfile.enablePrivateCluster"],
        ["aks-network-policy/network-policy", T.cluster, hardenedCluster(), "networkProfile"],
        ["aks-node-public-ip/no-node-public-ip", T.cluster, hardenedCluster(), "agentPoolProfiles[0].enableNodePublicIP"],
        ["aks-no-insecure-addons/http-application-routing-disabled", T.cluster, withValue(hardenedCluster(), "addonProfiles.httpApplicationRouting", { enabled: false }), "addonProfiles.httpApplicationRouting.enabled"],
        ["aks-no-insecure-addons/kube-dashboard-disabled", T.cluster, withValue(hardenedCluster(), "addonProfiles.kubeDashboard", { enabled: false }), "addonProfiles.kubeDashboard"],
        ["defender-containers-plan/containers-plan-standard", T.pricing, hardenedPricing(), "pricingTier"],
        ["defender-containers-plan/registry-vulnerability-assessment", T.pricing, hardenedPricing(), "extensions"],
        ["defender-containers-plan/no-legacy-plan", T.pricing, { pricingName: "ContainerRegistry", pricingTier: "Standard" }, "pricingName"],
    ];

    it("every check has an unknown-value case", () => {
        expect(unknownCases.map(([c]) => c).sort()).toEqual(allChecks);
    });

    it.each(unknownCases)("%s: an unknown value is advisory, never a pass or a violation", async (id, type, props, path) => {
        const [policyName, check] = id.split("/");
        const ds = await runAll(type, withValue(props, path, UNKNOWN));
        const mine = ds.filter((d) => d.policy === policyName);
        // The plan name being unknown hides which checks apply: reported once, by the first check.
        const expected = id === "defender-containers-plan/no-legacy-plan" ? "containers-plan-standard" : check;
        expect(mine.map((d) => [d.message.match(/\[([a-z-]+)\]$/)?.[1], d.enforcementLevel])).toEqual([[expected, "advisory"]]);
        expect(ds.every((d) => d.enforcementLevel === "advisory")).toBe(true);
    });
});

describe("rules that follow today's Azure (issue 17)", () => {
    const checkIds = (ds: Diag[]) => ds.map((d) => [d.policy, d.message.match(/\[([a-z-]+)\]$/)?.[1], d.enforcementLevel]);

    it("an unknown range is advisory, unless the known ranges already admit too much", async () => {
        const some = withValue(hardenedCluster(), "apiServerAccessProfile", { authorizedIPRanges: ["203.0.113.0/24", UNKNOWN] });
        expect(checkIds(await runAll(T.cluster, some))).toEqual([["aks-api-server-access", "private-or-authorized-ips", "advisory"]]);
        const wide = withValue(hardenedCluster(), "apiServerAccessProfile", { authorizedIPRanges: ["0.0.0.0/1", UNKNOWN, "128.0.0.0/1"] });
        const ds = await runAll(T.cluster, wide);
        expect(checkIds(ds)).toEqual([["aks-api-server-access", "private-or-authorized-ips", undefined]]);
        expect(ds[0].message).toContain("apiServerAccessProfile.authorizedIPRanges: the entries together admit 3,702,258,690 public IPv4 addresses");
        const rule = withValue(firewalled(), "networkRuleSet.ipRules", [{ iPAddressOrRange: UNKNOWN }]);
        const r = await runAll(T.registry, rule);
        expect(checkIds(r)).toEqual([["acr-network", "public-network-restricted", "advisory"]]);
        expect(r[0].message).toContain("networkRuleSet.ipRules[0].iPAddressOrRange: a firewall IP rule is not known until another resource is created");
    });

    it("dedicated data endpoints: not needed when public access is off, even if their setting is unknown; unknown when public access is unknown", async () => {
        expect(await runAll(T.registry, withValue(hardenedRegistry(), "dataEndpointEnabled", UNKNOWN))).toEqual([]);
        const ds = await runAll(T.registry, withValue(withValue(hardenedRegistry(), "publicNetworkAccess", UNKNOWN), "dataEndpointEnabled", false));
        expect(checkIds(ds)).toEqual([["acr-network", "public-network-restricted", "advisory"], ["acr-network", "dedicated-data-endpoints", "advisory"]]);
        // dataEndpointEnabled true is enough whatever public access turns out to be.
        expect(checkIds(await runAll(T.registry, withValue(withValue(hardenedRegistry(), "publicNetworkAccess", UNKNOWN), "dataEndpointEnabled", true)))).toEqual([["acr-network", "public-network-restricted", "advisory"]]);
    });

    it("exposure limits are config: a wider total passes when allowed, never wider than a /8; the entry count is bounded", async () => {
        const api = (ranges: string[]) => withValue(hardenedCluster(), "apiServerAccessProfile", { authorizedIPRanges: ranges });
        const aks = policy("aks-api-server-access");
        expect((await runResourcePolicy(aks, T.cluster, api(["20.0.0.0/12"]), { maxPublicIpv4Prefix: 12 })).diagnostics).toEqual([]);
        expect((await runResourcePolicy(aks, T.cluster, api(["20.0.0.0/12"]))).diagnostics[0].message).toContain("admit 1,048,576 public IPv4 addresses");
        expect((await runResourcePolicy(aks, T.cluster, api(["2001:4860::/32"]), { maxPublicIpv6Prefix: 32 })).diagnostics).toEqual([]);
        const many = Array.from({ length: 5 }, (_, i) => `20.0.${i}.1`);
        const limited = await runResourcePolicy(aks, T.cluster, api(many), { maxRangeEntries: 4 });
        expect(limited.diagnostics.map((d) => d.message)).toEqual([expect.stringContaining("apiServerAccessProfile.authorizedIPRanges: the list has 5 entries, more than the 4 that are judged, so what it admits is not judged")]);
        const acr = hardeningResourcePolicies.find((p) => p.name === "acr-network")!;
        expect(acr.parseConfig({ maxPublicIpv4Prefix: 4 })).toEqual({ ok: false, errors: ["maxPublicIpv4Prefix: must be between 8 and 32, given 4"] });
        expect(acr.parseConfig({ maxPublicIpv6Prefix: 8 })).toEqual({ ok: false, errors: ["maxPublicIpv6Prefix: must be between 16 and 128, given 8"] });
    });

    it("retention: refused while images are pulled by digest (the default), required when digestPinned is false", async () => {
        const p = policy("acr-untagged-retention");
        const on = withValue(hardenedRegistry(), "policies.retentionPolicy", { status: "enabled", days: 30 });
        const off = withValue(hardenedRegistry(), "policies.retentionPolicy", { status: "disabled" });
        expect((await runResourcePolicy(p, T.registry, off)).diagnostics).toEqual([]);
        expect((await runResourcePolicy(p, T.registry, withValue(hardenedRegistry(), "policies", undefined))).diagnostics).toEqual([]);
        expect((await runResourcePolicy(p, T.registry, on)).diagnostics[0].message).toContain("after 30 days, and deployments pull by digest");
        expect((await runResourcePolicy(p, T.registry, on, { digestPinned: false })).diagnostics).toEqual([]);
        const required = await runResourcePolicy(p, T.registry, off, { digestPinned: false });
        expect(required.diagnostics[0].message).toContain('policies.retentionPolicy.status: the retention policy for untagged manifests is "disabled" (superseded images stay pullable by digest forever). Fix: set policies.retentionPolicy to { status: "enabled", days: 7 }');
    });

    it("zones: the region decides, zoneRedundancy does not; regions that gained zones can be added", async () => {
        const p = policy("acr-zone-redundancy");
        expect((await runResourcePolicy(p, T.registry, withValue(hardenedRegistry(), "zoneRedundancy", "Disabled"))).diagnostics).toEqual([]);
        expect((await runResourcePolicy(p, T.registry, withValue(withValue(hardenedRegistry(), "location", "westus"), "zoneRedundancy", "Enabled"))).diagnostics).toHaveLength(1);
        const added = withValue(hardenedRegistry(), "location", "Atlantis Central");
        expect((await runResourcePolicy(p, T.registry, added, { regionsWithZones: ["atlantiscentral"] })).diagnostics).toEqual([]);
        expect(hardeningResourcePolicies.find((x) => x.name === "acr-zone-redundancy")!.enforcementLevel).toBe("advisory");
    });
});
