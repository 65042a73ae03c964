/**
 * The platform of one environment: the network, the registry that scans and rebuilds, Defender, the
 * cluster that admits only trusted images, and the roles the workload stack deploys with. Nothing
 * here reads the registry or the cluster's API, so a first `pulumi up` (and its preview) works with
 * nothing existing yet; workloads, the sample included, deploy from workloads/ once it has run.
 */
import * as pulumi from "@pulumi/pulumi";
import * as azure from "@pulumi/azure-native";
import * as k8s from "@pulumi/kubernetes";
import type { DefenderCoverage } from "../core/defender-coverage";
import { roleDefinitionIdOutput } from "../components/shared/builtin-roles";
import { ImageAdmission, ImageVerification, SecureCluster } from "../components/cluster";
import { nonInteractiveKubeconfig } from "../components/cluster/non-interactive-kubeconfig";
import { DefenderForContainers, ImageBuildTask, RedeployWebhook, SecureRegistry } from "../components/registry";
import type { EnvironmentConfig } from "./config";
import { admissionRegistries, assertTrusted, requiresDigest, type PolicySettings } from "../components/image";
import { createNetwork, type Network } from "./network";
import { createEncryptionKey } from "./encryption";

/** What the platform stack exports; the workload stack reads these through a StackReference. */
export interface EnvironmentOutputs {
    resourceGroupName: pulumi.Output<string>;
    registryLoginServer: pulumi.Output<string>;
    registryId: pulumi.Output<string>;
    clusterName: pulumi.Output<string>;
    clusterId: pulumi.Output<string>;
    /** Where the workload stack's self-hosted agents run (they reach the private endpoints from there). */
    runnerSubnetId: pulumi.Output<string>;
    buildTaskId: pulumi.Output<string>;
    /** The sample the build task builds: repository and tag, for the workload stack to resolve. */
    sampleRepository: string;
    sampleTag: string;
    /** What the scheduled audit job needs to rebuild the sample image (docs/redeploy-loop.md). */
    buildTaskName: pulumi.Output<string>;
    registryName: pulumi.Output<string>;
    buildTaskRunCommand: pulumi.Output<string>;
    trustedRegistries: readonly string[];
    /** The Defender for Containers coverage record, when this stack declares the plan. */
    defenderForContainers?: pulumi.Output<DefenderCoverage>;
}

/** `<name>.azurecr.io`: ACR's login server is fixed by its name, so it is known at preview. */
export function loginServerOf(registryName: string): string {
    return `${registryName.toLowerCase()}.azurecr.io`;
}

export function createEnvironment(config: EnvironmentConfig, trust: PolicySettings): EnvironmentOutputs {
    const registries = admissionRegistries(trust);
    const loginServer = loginServerOf(config.registryName);
    // The environment's own images must pass its own gate; say so before declaring anything.
    assertTrusted(trust, loginServer, config.sampleApp.repository);

    const tags = { environment: config.stack, "managed-by": "imagegate" };
    const client = azure.authorization.getClientConfigOutput();
    const rg = new azure.resources.ResourceGroup("rg", { resourceGroupName: config.resourceGroupName, location: config.location, tags });

    const logs = new azure.operationalinsights.Workspace("logs", {
        resourceGroupName: rg.name,
        location: rg.location,
        sku: { name: "PerGB2018" },
        retentionInDays: 30,
        tags,
    });

    // Both modes run nodes and task agents in a VNet that reaches the registry through its private
    // endpoint: ACR Tasks are no longer a trusted service that passes the firewall, and the nodes'
    // egress addresses are not known in advance.
    const network: Network = createNetwork(rg, tags);
    const isPrivate = config.networking === "private";
    const endpoint = { subnetId: network.endpointsSubnetId, dns: { virtualNetworkIds: [network.vnetId] } };
    const encryption = config.customerManagedKey ? createEncryptionKey(rg, client.tenantId, tags) : undefined;

    const acr = new SecureRegistry("acr", {
        resourceGroupName: rg.name,
        location: rg.location,
        registryName: config.registryName,
        tags,
        network: isPrivate
            ? { mode: "private", privateEndpoint: endpoint }
            : { mode: "firewall", ipRules: [...config.allowedIpRanges], privateEndpoint: endpoint },
        // Azure disables the export policy only when public network access is disabled, so a
        // firewalled (public) registry must keep it; SecureRegistry refuses the combination otherwise.
        ...(isPrivate ? {} : { allowExport: true }),
        auditLogs: { logAnalyticsWorkspaceId: logs.id },
        ...(encryption ? { encryption: { keyIdentifier: encryption.keyUri, identity: { create: true as const, keyVaultId: encryption.vaultId } } } : {}),
        taskAgentPool: { subnetId: network.tasksSubnetId },
    }, { dependsOn: network.subnets });

    // Subscription-wide: declared by one stack per subscription, read by the others.
    const defender = config.defenderForContainers
        ? new DefenderForContainers("defender", { subscriptionId: client.subscriptionId, acknowledgeSubscriptionWide: true, containerSensor: true }).coverage
        : undefined;
    if (config.defenderCoverageStack) new pulumi.StackReference("defender-coverage", { name: config.defenderCoverageStack });

    const app = config.sampleApp;
    const build = new ImageBuildTask("sample-build", {
        registry: { id: acr.id, name: acr.name, loginServer: acr.loginServer, resourceGroupName: rg.name, location: rg.location },
        repository: app.repository,
        contextPath: app.context,
        build: { kind: "docker", dockerFilePath: app.dockerfile, extraTags: [app.tag] },
        baseImageTrigger: "Runtime",
        ...(config.rebuildSchedule ? { timerTrigger: { schedule: config.rebuildSchedule } } : {}),
        ...(acr.taskAgentPoolName ? { agentPoolName: acr.taskAgentPoolName } : {}),
        tags,
    });

    // Every push of a rebuilt image calls the deployment pipeline, which runs `pulumi up` of the
    // workload stack: TrustedImage there resolves the new digest and the workload rolls.
    new RedeployWebhook("sample-redeploy", {
        registry: { name: acr.name, resourceGroupName: rg.name, location: rg.location },
        repository: app.repository,
        serviceUri: config.redeployWebhookUri,
        tags,
    });

    const cluster = new SecureCluster("aks", {
        resourceGroupName: rg.name,
        location: rg.location,
        tenantId: client.tenantId,
        adminGroupObjectIds: [...config.adminGroupObjectIds],
        apiServer: isPrivate ? { mode: "private" } : { mode: "authorizedIpRanges", authorizedIpRanges: [...config.allowedIpRanges] },
        vnetSubnetId: network.nodesSubnetId,
        logAnalyticsWorkspaceId: logs.id,
        acrPullRegistryIds: [acr.id],
        tags,
    }, { dependsOn: network.subnets });

    // The cluster refuses what preview refuses: the same registry list, the same digest rule.
    const admission = new ImageAdmission("image-admission", {
        clusterId: cluster.clusterId,
        registries,
        requireDigest: requiresDigest(trust),
    });

    // The workload stack's runner: fetch the user kubeconfig, and deploy through Azure RBAC for
    // Kubernetes (local accounts are off, so nothing else can authorize it).
    const deployers = config.deployers.length ? config.deployers.map((d) => ({ objectId: pulumi.output(d.objectId), principalType: d.principalType as string | undefined }))
        : [{ objectId: client.objectId, principalType: undefined }];
    const deployerGrants = deployers.flatMap((d, i) => (["AksClusterUser", "AksRbacClusterAdmin"] as const).map((role) => new azure.authorization.RoleAssignment(`deployer-${i}-${role === "AksClusterUser" ? "credentials" : "cluster-admin"}`, {
        scope: cluster.clusterId,
        principalId: d.objectId,
        ...(d.principalType ? { principalType: d.principalType } : {}),
        roleDefinitionId: roleDefinitionIdOutput(cluster.clusterId, role),
        description: "imagegate workload stack deploys to this cluster",
    })));

    if (config.signatureAdmission !== "none") {
        // The only Kubernetes resources the platform declares, and only when asked: they need the
        // cluster's API, so this `up` runs where it is reachable (the runner subnet for prod).
        const kubeconfig = azure.containerservice
            .listManagedClusterUserCredentialsOutput({ resourceGroupName: rg.name, resourceName: cluster.clusterName })
            .apply((c) => {
                const value = c.kubeconfigs?.[0]?.value;
                if (!value) throw new Error("AKS returned no user kubeconfig for the cluster");
                return nonInteractiveKubeconfig(Buffer.from(value, "base64").toString("utf8"), { login: "azurecli" });
            });
        const provider = new k8s.Provider("aks", { kubeconfig: pulumi.secret(kubeconfig), enableServerSideApply: true }, { dependsOn: [admission, ...deployerGrants] });
        // Ratify reads signatures from the registry as a user-assigned identity (AcrPull on this
        // registry only), federated with its service account through the cluster's OIDC issuer.
        const identity = new azure.managedidentity.UserAssignedIdentity("ratify-identity", { resourceGroupName: rg.name, location: rg.location, tags });
        new azure.authorization.RoleAssignment("ratify-acrpull", {
            scope: acr.id,
            principalId: identity.principalId,
            principalType: "ServicePrincipal",
            roleDefinitionId: roleDefinitionIdOutput(acr.id, "AcrPull"),
        });
        new azure.managedidentity.FederatedIdentityCredential("ratify-federation", {
            resourceGroupName: rg.name,
            resourceName: identity.name,
            issuer: cluster.oidcIssuerUrl.apply((u) => u ?? ""),
            subject: "system:serviceaccount:gatekeeper-system:ratify-admin",
            audiences: ["api://AzureADTokenExchange"],
        });
        new ImageVerification("signature-admission", {
            path: config.signatureAdmission,
            azurePolicyAddon: true, // SecureCluster runs the add-on
            policy: trust,
            workloadIdentityClientId: identity.clientId,
            clusterId: cluster.clusterId,
            location: rg.location,
        }, { provider });
    }


    return {
        resourceGroupName: rg.name,
        registryLoginServer: acr.loginServer,
        registryId: acr.id,
        clusterName: cluster.clusterName,
        clusterId: cluster.clusterId,
        runnerSubnetId: network.runnersSubnetId,
        buildTaskId: build.taskId,
        sampleRepository: app.repository,
        sampleTag: app.tag,
        buildTaskName: build.taskName,
        registryName: build.registryName,
        buildTaskRunCommand: build.runCommand,
        trustedRegistries: registries,
        ...(defender ? { defenderForContainers: defender } : {}),
    };
}
