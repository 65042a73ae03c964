/** Mock outputs shaped like Azure's, so components that read ids, login servers and identities can be run under mocks. */
import type * as pulumi from "@pulumi/pulumi";
import { runUnderMocks, type MockOptions, type RegisteredResource } from "./mocks";

export const SUB = "11111111-2222-3333-4444-555555555555";
export const OTHER_SUB = "99999999-8888-7777-6666-555555555555";
export const RG = "rg-supply";
export const WORKSPACE_ID = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.OperationalInsights/workspaces/audit`;
export const SUBNET_ID = `/subscriptions/${SUB}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/hub/subnets/pe`;
export const VNET_ID = `/subscriptions/${SUB}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/hub`;
export const KEY_VAULT_ID = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.KeyVault/vaults/kv1`;
export const KEY_URI = "https://kv1.vault.azure.net/keys/acr-cmk";
export const registryId = (name: string, sub = SUB) => `/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.ContainerRegistry/registries/${name}`;
export const roleDef = (guid: string, sub = SUB) => `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;

export function outputsFor(args: pulumi.runtime.MockResourceArgs): { id?: string; state?: Record<string, unknown> } | undefined {
    const n = (args.inputs.registryName as string | undefined) ?? args.name;
    switch (args.type) {
        case "azure-native:containerregistry:Registry":
            return { id: registryId(n), state: { name: n, loginServer: `${n}.azurecr.io`, location: args.inputs.location ?? "westeurope" } };
        case "azure-native:containerregistry:Task":
            return {
                id: `${registryId("appacr")}/tasks/${args.name}`,
                state: { name: args.name, identity: { ...args.inputs.identity, principalId: `principal-of-${args.name}` } },
            };
        case "azure-native:managedidentity:UserAssignedIdentity":
            return {
                id: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${args.name}`,
                state: { principalId: `principal-of-${args.name}`, clientId: `client-of-${args.name}` },
            };
        case "azure-native:containerregistry:AgentPool":
            return { id: `${registryId("appacr")}/agentPools/${args.inputs.agentPoolName}`, state: { name: args.inputs.agentPoolName } };
        case "azure-native:network:PrivateEndpoint":
            return { id: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/privateEndpoints/${args.name}`, state: { name: args.name } };
        case "azure-native:privatedns:PrivateZone":
            return { id: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/privateDnsZones/${args.inputs.privateZoneName}`, state: { name: args.inputs.privateZoneName } };
        default:
            return undefined;
    }
}

export function run(fn: () => void, opts: MockOptions = {}): Promise<RegisteredResource[]> {
    return runUnderMocks(fn, { newResource: outputsFor, ...opts });
}

/** The one resource of a type (fails when there are several), or the one with that name. */
export function one(rs: readonly RegisteredResource[], type: string, name?: string): RegisteredResource {
    const found = rs.filter((r) => r.type === type && (name === undefined || r.name === name));
    if (found.length !== 1) throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${rs.map((r) => `${r.type}/${r.name}`).join(", ")}`);
    return found[0];
}

export const typesOf = (rs: readonly RegisteredResource[]) => rs.map((r) => r.type).sort();
