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
    cluster: "azure-native:containerservice:ManagedCluster",
    agentPool: "azure-native:containerservice:AgentPool",
    pricing: "azure-native:security:Pricing",
};

interface Diag extends Recorded { policy: string }

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
        ["Webhook", T.webhook, { registryName: "contosoacr", serviceUri: "https://scanner.example.com/hook", actions: ["quarantine"] }],
        ["AgentPool", T.agentPool, { resourceName: "aks1", mode: "User", enableNodePublicIP: false }],
        ["firewalled Registry (public access on, default Deny)", T.registry, withValue(withValue(hardenedRegistry(), "publicNetworkAccess", "Enabled"), "networkRuleSet.ipRules", [{ iPAddressOrRange: "203.0.113.0/24", action: "Allow" }])],
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
    ["default Deny with an all-addresses rule", T.registry, withValue(withValue(hardenedRegistry(), "publicNetworkAccess", "Enabled"), "networkRuleSet.ipRules", [{ iPAddressOrRange: "0.0.0.0/0", action: "Allow" }]), "acr-network", "public-network-restricted", "admits every address"],
    ["export enabled", T.registry, withValue(hardenedRegistry(), "policies.exportPolicy.status", "enabled"), "acr-network", "export-disabled", 'the export policy is "enabled"'],
    ["shared data endpoint", T.registry, withValue(hardenedRegistry(), "dataEndpointEnabled", false), "acr-network", "dedicated-data-endpoints", "dedicated data endpoints is false"],
    ["no zone redundancy", T.registry, withValue(hardenedRegistry(), "zoneRedundancy", "Disabled"), "acr-zone-redundancy", "zone-redundancy", 'zone redundancy is "Disabled"'],
    ["replica without zone redundancy", T.replication, { location: "northeurope" }, "acr-zone-redundancy", "zone-redundancy", "zone redundancy is not set"],
    ["retention off", T.registry, withValue(hardenedRegistry(), "policies.retentionPolicy.status", "disabled"), "acr-untagged-retention", "untagged-retention", 'is "disabled"'],
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
    ["API server open to 0.0.0.0/0", T.cluster, withValue(hardenedCluster(), "apiServerAccessProfile", { authorizedIPRanges: ["203.0.113.0/24", "0.0.0.0/0"] }), "aks-api-server-access", "private-or-authorized-ips", "authorizedIPRanges[1]: the authorized range \"0.0.0.0/0\" admits every address"],
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
        ["acr-network/public-network-restricted", T.registry, hardenedRegistry(), "publicNetworkAccess"],
        ["acr-network/export-disabled", T.registry, hardenedRegistry(), "policies.exportPolicy.status"],
        ["acr-network/dedicated-data-endpoints", T.registry, hardenedRegistry(), "dataEndpointEnabled"],
        ["acr-zone-redundancy/zone-redundancy", T.registry, hardenedRegistry(), "zoneRedundancy"],
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
