/**
 * Fixtures and a stack runner for the hardening tests. The stack runner builds StackValidationArgs
 * as @pulumi/policy's server.js builds them for AnalyzeStack: props behind the SDK's own
 * unknown-checking proxy, parent / dependencies / propertyDependencies resolved to resource objects,
 * getConfig returning the policy's config and notApplicable throwing.
 */
import { unknownCheckingProxy } from "@pulumi/policy";
import type { PolicyResource, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import type { Recorded } from "./run-policy";
import { recordConfigured } from "../../policies/lib/sdk";

/**
 * Runs `f` with the pack configured as the seam records it: trusted-registries listing `registries`
 * (require-digest on unless `requireDigest` is false), the other image gates at their defaults —
 * what stack policies read through `peers`. `registries` undefined leaves the pack unconfigured.
 */
export async function withTrust<T>(trust: { registries?: readonly string[]; requireDigest?: boolean }, f: () => Promise<T>): Promise<T> {
    if (trust.registries === undefined) return f();
    recordConfigured({
        "trusted-registries": { enforcementLevel: "mandatory", properties: { registries: [...trust.registries] } },
        "require-digest": { enforcementLevel: trust.requireDigest === false ? "disabled" : "mandatory", properties: {} },
        "no-latest-tag": { enforcementLevel: "mandatory", properties: {} },
        "scanned-images": { enforcementLevel: "disabled", properties: {} },
        "signed-images": { enforcementLevel: "disabled", properties: {} },
    });
    try {
        return await f();
    } finally {
        recordConfigured({});
    }
}

export const SUB = "11111111-1111-1111-1111-111111111111";
export const RG_ID = `/subscriptions/${SUB}/resourceGroups/rg-acr`;
export const REGISTRY_ID = `${RG_ID}/providers/Microsoft.ContainerRegistry/registries/contosoacr`;
export const CLUSTER_ID = `/subscriptions/${SUB}/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks1`;
export const WORKSPACE_ID = `/subscriptions/${SUB}/resourceGroups/rg-ops/providers/Microsoft.OperationalInsights/workspaces/ops`;
export const ACR_PULL_DEF = `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d`;
export const ALLOWED_IMAGES_DEF = "/providers/Microsoft.Authorization/policyDefinitions/febd0533-8e55-448f-b837-bd0e06f16469";

/** A registry as SecureRegistry (private mode) sends it. */
export const hardenedRegistry = (): Record<string, unknown> => ({
    resourceGroupName: "rg-acr",
    registryName: "contosoacr",
    location: "westeurope",
    sku: { name: "Premium" },
    adminUserEnabled: false,
    anonymousPullEnabled: false,
    publicNetworkAccess: "Disabled",
    networkRuleSet: { defaultAction: "Deny", ipRules: [] },
    networkRuleBypassOptions: "AzureServices",
    dataEndpointEnabled: true,
    zoneRedundancy: "Enabled",
    policies: {
        trustPolicy: { status: "disabled", type: "Notary" },
        quarantinePolicy: { status: "enabled" },
        retentionPolicy: { status: "disabled", days: 7 },
        exportPolicy: { status: "disabled" },
        azureADAuthenticationAsArmPolicy: { status: "disabled" },
    },
});

/** A cluster as SecureCluster sends it. */
export const hardenedCluster = (): Record<string, unknown> => ({
    resourceGroupName: "rg-aks",
    resourceName: "aks1",
    dnsPrefix: "aks1",
    sku: { name: "Base", tier: "Standard" },
    identity: { type: "SystemAssigned" },
    enableRBAC: true,
    disableLocalAccounts: true,
    aadProfile: { managed: true, enableAzureRBAC: true },
    apiServerAccessProfile: { enablePrivateCluster: true, enablePrivateClusterPublicFQDN: false },
    addonProfiles: { azurepolicy: { enabled: true } },
    oidcIssuerProfile: { enabled: true },
    securityProfile: {
        workloadIdentity: { enabled: true },
        imageCleaner: { enabled: true, intervalHours: 24 },
        defender: { logAnalyticsWorkspaceResourceId: WORKSPACE_ID, securityMonitoring: { enabled: true } },
    },
    autoUpgradeProfile: { upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" },
    networkProfile: { networkPlugin: "azure", networkPluginMode: "overlay", networkPolicy: "cilium", networkDataplane: "cilium", loadBalancerSku: "standard" },
    agentPoolProfiles: [{ name: "system", mode: "System", count: 3, vmSize: "Standard_D4ds_v5", enableNodePublicIP: false }],
});

/** The Containers plan as DefenderForContainers sends it. */
export const hardenedPricing = (): Record<string, unknown> => ({
    pricingName: "Containers",
    scopeId: `/subscriptions/${SUB}`,
    pricingTier: "Standard",
    extensions: [
        { name: "ContainerRegistriesVulnerabilityAssessments", isEnabled: "True" },
        { name: "AgentlessDiscoveryForKubernetes", isEnabled: "True" },
        { name: "ContainerSensor", isEnabled: "False" },
        { name: "AgentlessVmScanning", isEnabled: "False" },
    ],
});

/**
 * A copy of `obj` with `path` (dots, `[i]` for array items) set to `value`; `undefined` deletes the
 * property. Missing objects on the way are created.
 */
export function withValue<T>(obj: T, path: string, value: unknown): T {
    // A JSON copy: structuredClone would build objects of another realm under jest, which are not plain here.
    const copy = JSON.parse(JSON.stringify(obj)) as Record<string, unknown>;
    const steps = path.split(/\.|\[(\d+)\]/).filter((s) => s !== undefined && s !== "");
    let cur: Record<string, unknown> = copy;
    steps.slice(0, -1).forEach((s) => {
        if (cur[s] === undefined || cur[s] === null || typeof cur[s] !== "object") cur[s] = {};
        cur = cur[s] as Record<string, unknown>;
    });
    const last = steps[steps.length - 1];
    if (value === undefined) delete cur[last];
    else cur[last] = value;
    return copy as unknown as T;
}

/** A resource of a stack, as the test describes it. */
export interface StackEntry {
    type: string;
    name: string;
    props: Record<string, unknown>;
    parent?: string;
    dependencies?: string[];
    /** property → names of resources (in this stack) its value came from. */
    propertyDependencies?: Record<string, string[]>;
    /** Name of a provider resource in this stack. */
    provider?: string;
}

export const urnOf = (type: string, name: string) => `urn:pulumi:dev::p::${type}::${name}`;

export async function runStackPolicy(policy: StackValidationPolicy, entries: StackEntry[], config: Record<string, unknown> = {}): Promise<{ diagnostics: (Recorded & { urn?: string })[]; notApplicable?: string }> {
    const byName = new Map<string, PolicyResource>();
    const resources: PolicyResource[] = entries.map((e) => {
        const props = unknownCheckingProxy(e.props);
        const r = {
            type: e.type,
            props,
            urn: urnOf(e.type, e.name),
            name: e.name,
            opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
            dependencies: [],
            propertyDependencies: {},
            isType: () => false,
            asType: () => undefined,
        } as unknown as PolicyResource;
        byName.set(e.name, r);
        return r;
    });
    const find = (n: string): PolicyResource => {
        const r = byName.get(n);
        if (!r) throw new Error(`stack fixture: no resource named ${n}`);
        return r;
    };
    entries.forEach((e, i) => {
        const r = resources[i] as unknown as Record<string, unknown>;
        if (e.parent) r.parent = find(e.parent);
        r.dependencies = (e.dependencies ?? []).map(find);
        const pd: Record<string, PolicyResource[]> = {};
        for (const [k, v] of Object.entries(e.propertyDependencies ?? {})) pd[k] = v.map(find);
        r.propertyDependencies = pd;
        if (e.provider) {
            const p = find(e.provider);
            r.provider = { type: p.type, props: p.props, urn: p.urn, name: p.name };
        }
    });
    const diagnostics: (Recorded & { urn?: string })[] = [];
    class NotApplicableError extends Error {}
    const args = {
        resources,
        stackTags: new Map(),
        getConfig: () => config,
        notApplicable: (reason?: string) => {
            throw new NotApplicableError(reason);
        },
    } as unknown as StackValidationArgs;
    const report = (m: unknown) => diagnostics.push(typeof m === "string" ? { message: m } : (m as Recorded));
    try {
        await policy.validateStack(args, report as never);
    } catch (e) {
        if (e instanceof NotApplicableError) return { diagnostics, notApplicable: e.message };
        throw e;
    }
    return { diagnostics };
}
