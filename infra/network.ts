/**
 * The network of an environment: nodes, the registry's private endpoint and ACR task agents in one
 * VNet. Subnets are created one after another: ARM rejects concurrent subnet writes on one VNet
 * (AnotherOperationInProgress), which a parallel first `pulumi up` would otherwise hit.
 */
import * as pulumi from "@pulumi/pulumi";
import * as azure from "@pulumi/azure-native";

export interface Network {
    vnetId: pulumi.Output<string>;
    nodesSubnetId: pulumi.Output<string>;
    endpointsSubnetId: pulumi.Output<string>;
    tasksSubnetId: pulumi.Output<string>;
    runnersSubnetId: pulumi.Output<string>;
    /** In creation order, each depending on the one before. */
    subnets: azure.network.Subnet[];
}

export function createNetwork(rg: azure.resources.ResourceGroup, tags: Record<string, string>): Network {
    const vnet = new azure.network.VirtualNetwork("vnet", {
        resourceGroupName: rg.name,
        location: rg.location,
        addressSpace: { addressPrefixes: ["10.40.0.0/16"] },
        tags,
    }, { ignoreChanges: ["subnets"] }); // subnets are their own resources below
    let previous: azure.network.Subnet | undefined;
    const subnet = (name: string, prefix: string) => {
        previous = new azure.network.Subnet(name, {
            resourceGroupName: rg.name,
            virtualNetworkName: vnet.name,
            addressPrefix: prefix,
            privateEndpointNetworkPolicies: "Enabled",
        }, previous ? { dependsOn: [previous] } : {});
        return previous;
    };
    const nodes = subnet("nodes", "10.40.0.0/20");
    const endpoints = subnet("endpoints", "10.40.16.0/24");
    const tasks = subnet("acr-tasks", "10.40.17.0/24");
    // For the self-hosted agents that run the workload stack: inside the VNet they resolve and reach
    // the private API server and the registry's private endpoint (docs/redeploy-loop.md).
    const runners = subnet("runners", "10.40.18.0/24");
    return { vnetId: vnet.id, nodesSubnetId: nodes.id, endpointsSubnetId: endpoints.id, tasksSubnetId: tasks.id, runnersSubnetId: runners.id, subnets: [nodes, endpoints, tasks, runners] };
}
