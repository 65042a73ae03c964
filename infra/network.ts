/** The private network of an environment: nodes, private endpoints and ACR task agents in one VNet. */
import * as pulumi from "@pulumi/pulumi";
import * as azure from "@pulumi/azure-native";

export interface Network {
    vnetId: pulumi.Output<string>;
    nodesSubnetId: pulumi.Output<string>;
    endpointsSubnetId: pulumi.Output<string>;
    tasksSubnetId: pulumi.Output<string>;
}

export function createNetwork(rg: azure.resources.ResourceGroup, tags: Record<string, string>): Network {
    const vnet = new azure.network.VirtualNetwork("vnet", {
        resourceGroupName: rg.name,
        location: rg.location,
        addressSpace: { addressPrefixes: ["10.40.0.0/16"] },
        tags,
    }, { ignoreChanges: ["subnets"] }); // subnets are their own resources below
    const subnet = (name: string, prefix: string) =>
        new azure.network.Subnet(name, {
            resourceGroupName: rg.name,
            virtualNetworkName: vnet.name,
            addressPrefix: prefix,
            privateEndpointNetworkPolicies: "Enabled",
        });
    const nodes = subnet("nodes", "10.40.0.0/20");
    const endpoints = subnet("endpoints", "10.40.16.0/24");
    const tasks = subnet("acr-tasks", "10.40.17.0/24");
    return { vnetId: vnet.id, nodesSubnetId: nodes.id, endpointsSubnetId: endpoints.id, tasksSubnetId: tasks.id };
}
