/**
 * Plausible outputs for resources and invokes under Pulumi's mocks: what the cloud would return,
 * close enough for policies that read outputs (ARM ids, ACR login servers). Pure functions.
 */
import { parseTypeToken } from "../../core/discovery";

export const MOCK_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
export const MOCK_TENANT = "11111111-1111-1111-1111-111111111111";
const MOCK_PRINCIPAL = "22222222-2222-2222-2222-222222222222";
const MOCK_KUBELET = "33333333-3333-3333-3333-333333333333";
/**
 * A kubeconfig like the one AKS returns for an Entra ID cluster: kubelogin with the interactive
 * devicecode login, which programs must convert (components/cluster/non-interactive-kubeconfig).
 */
const MOCK_KUBECONFIG = [
    "apiVersion: v1",
    "kind: Config",
    "clusters: [{name: aks, cluster: {server: 'https://aks.hcp.westeurope.azmk8s.io:443'}}]",
    "contexts: [{name: aks, context: {cluster: aks, user: aks-user}}]",
    "current-context: aks",
    "users: [{name: aks-user, user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: kubelogin, args: [get-token, --environment, AzurePublicCloud, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630, --client-id, 80faf920-1908-4b52-b5ef-a8e7bedfc67a, --tenant-id, 11111111-1111-1111-1111-111111111111, --login, devicecode]}}}]",
    "",
].join("\n");

/** ARM provider namespace and collection of azure-native `<module>:<Type>` tokens. */
const ARM_TYPES: Record<string, [string, string]> = {
    "containerregistry:Registry": ["Microsoft.ContainerRegistry", "registries"],
    "containerservice:ManagedCluster": ["Microsoft.ContainerService", "managedClusters"],
    "app:ContainerApp": ["Microsoft.App", "containerApps"],
    "app:Job": ["Microsoft.App", "jobs"],
    "app:ManagedEnvironment": ["Microsoft.App", "managedEnvironments"],
    "containerinstance:ContainerGroup": ["Microsoft.ContainerInstance", "containerGroups"],
    "web:WebApp": ["Microsoft.Web", "sites"],
    "managedidentity:UserAssignedIdentity": ["Microsoft.ManagedIdentity", "userAssignedIdentities"],
    "operationalinsights:Workspace": ["Microsoft.OperationalInsights", "workspaces"],
    "keyvault:Vault": ["Microsoft.KeyVault", "vaults"],
};

/** The `<x>Name` input azure-native uses for the resource's own name (registryName, resourceName…). */
function azureName(kind: string, inputs: Record<string, unknown>, logical: string): string {
    const own = `${kind[0].toLowerCase()}${kind.slice(1)}Name`;
    for (const k of [own, "resourceName", "name"]) {
        if (typeof inputs[k] === "string") return inputs[k] as string;
    }
    return logical;
}

export function armId(type: string, name: string, inputs: Record<string, unknown>): string | undefined {
    const t = parseTypeToken(type);
    if (!t || t.pkg !== "azure-native") return undefined;
    const sub = `/subscriptions/${MOCK_SUBSCRIPTION}`;
    const own = azureName(t.kind, inputs, name);
    if (t.module === "resources" && t.kind === "ResourceGroup") return `${sub}/resourceGroups/${own}`;
    // Subscription-scope resources have no resource group in their id.
    if (t.module === "authorization" && t.kind === "PolicyDefinition") return `${sub}/providers/Microsoft.Authorization/policyDefinitions/${own}`;
    if (t.module === "security" && t.kind === "Pricing") return `${sub}/providers/Microsoft.Security/pricings/${own}`;
    const rg = typeof inputs.resourceGroupName === "string" ? inputs.resourceGroupName : "rg";
    // Subnets are children of their VNet, as in ARM.
    if (t.module === "network" && t.kind === "Subnet" && typeof inputs.virtualNetworkName === "string") {
        return `${sub}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/${inputs.virtualNetworkName}/subnets/${own}`;
    }
    const [ns, coll] = ARM_TYPES[`${t.module}:${t.kind}`] ?? [
        `Microsoft.${t.module[0].toUpperCase()}${t.module.slice(1)}`,
        `${t.kind[0].toLowerCase()}${t.kind.slice(1)}s`,
    ];
    return `${sub}/resourceGroups/${rg}/providers/${ns}/${coll}/${own}`;
}

export interface MockResult {
    id: string;
    state: Record<string, unknown>;
}

/** The engine's wire value for "not known during preview" (@pulumi/pulumi runtime/rpc unknownValue). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Outputs = inputs, plus the id and the few computed outputs policies and programs read. */
export function mockResource(type: string, name: string, inputs: Record<string, unknown>): MockResult {
    // Another stack's outputs cannot be read offline: they stay unknown, so whatever depends on
    // them (a workload's image, its kubeconfig) is judged as "known only at `pulumi up`".
    if (type === "pulumi:pulumi:StackReference") {
        return { id: String(inputs.name ?? name), state: { ...inputs, outputs: UNKNOWN, secretOutputNames: UNKNOWN } };
    }
    const t = parseTypeToken(type);
    const state: Record<string, unknown> = { ...inputs };
    let id = armId(type, name, inputs);
    if (t?.pkg === "azure-native") {
        const own = azureName(t.kind, inputs, name);
        state.name ??= own;
        if (t.module === "containerregistry" && t.kind === "Registry") state.loginServer = `${own.toLowerCase()}.azurecr.io`;
        if (t.module === "managedidentity" && t.kind === "UserAssignedIdentity") {
            state.principalId = MOCK_PRINCIPAL;
            state.clientId = MOCK_PRINCIPAL;
            state.tenantId = MOCK_TENANT;
        }
        if (t.module === "containerservice" && t.kind === "ManagedCluster") {
            state.fqdn = `${own}.hcp.westeurope.azmk8s.io`;
            // AKS creates the kubelet identity and the OIDC issuer; programs grant AcrPull to the former.
            state.identityProfile = {
                kubeletidentity: { objectId: MOCK_KUBELET, clientId: MOCK_KUBELET, resourceId: `${id}-agentpool` },
            };
            if ((inputs.oidcIssuerProfile as { enabled?: boolean } | undefined)?.enabled) {
                state.oidcIssuerProfile = { enabled: true, issuerURL: `https://westeurope.oic.prod-aks.azure.com/${MOCK_TENANT}/${own}/` };
            }
        }
        if (t.module === "keyvault" && t.kind === "Key" && typeof inputs.vaultName === "string") {
            state.keyUri = `https://${inputs.vaultName}.vault.azure.net/keys/${own}`;
            state.keyUriWithVersion = `${state.keyUri}/${"0".repeat(32)}`;
        }
        // A system-assigned identity gets a principal when the resource is created.
        const identity = inputs.identity as { type?: unknown } | undefined;
        if (typeof identity?.type === "string" && identity.type.includes("SystemAssigned")) {
            state.identity = { ...identity, principalId: MOCK_PRINCIPAL, tenantId: MOCK_TENANT };
        }
    } else if (t?.pkg === "kubernetes") {
        const meta = (inputs.metadata ?? {}) as Record<string, unknown>;
        const ns = typeof meta.namespace === "string" ? meta.namespace : "default";
        id = `${ns}/${typeof meta.name === "string" ? meta.name : name}`;
    }
    state.id = id ?? `${name}-id`;
    return { id: id ?? `${name}-id`, state };
}

/** Results of invokes: the client config has fixed ids; anything else echoes its arguments. */
export function mockCall(token: string, inputs: Record<string, unknown>): Record<string, unknown> {
    if (token === "azure-native:authorization:getClientConfig") {
        return { clientId: MOCK_PRINCIPAL, objectId: MOCK_PRINCIPAL, subscriptionId: MOCK_SUBSCRIPTION, tenantId: MOCK_TENANT };
    }
    if (token === "azure-native:containerservice:listManagedClusterUserCredentials") {
        return { kubeconfigs: [{ name: "clusterUser", value: Buffer.from(MOCK_KUBECONFIG).toString("base64") }] };
    }
    return inputs;
}
