/**
 * One environment: the registry that scans and rebuilds, the cluster that admits only trusted
 * images, and a sample workload deployed by digest through TrustedImage — every practice of the
 * AKS image-security guidance wired together, each trust decision taken from the policy config.
 */
import * as pulumi from "@pulumi/pulumi";
import * as azure from "@pulumi/azure-native";
import * as k8s from "@pulumi/kubernetes";
import { ImageAdmission, ImageVerification, SecureCluster } from "../components/cluster";
import { roleDefinitionIdOutput } from "../components/shared/builtin-roles";
import { DefenderForContainers, ImageBuildTask, RedeployWebhook, SecureRegistry } from "../components/registry";
import type { EnvironmentConfig } from "./config";
import { TrustedImage, admissionRegistries, assertTrusted, requiresDigest, type PolicySettings } from "../components/image";
import { createNetwork, type Network } from "./network";
import { createEncryptionKey } from "./encryption";

export interface EnvironmentOutputs {
    resourceGroupName: pulumi.Output<string>;
    registryLoginServer: pulumi.Output<string>;
    registryId: pulumi.Output<string>;
    clusterName: pulumi.Output<string>;
    buildTaskId: pulumi.Output<string>;
    /** What the scheduled audit job needs to rebuild the sample image (docs/redeploy-loop.md). */
    buildTaskName: pulumi.Output<string>;
    registryName: pulumi.Output<string>;
    buildTaskRunCommand: pulumi.Output<string>;
    sampleImage: pulumi.Output<string>;
    trustedRegistries: readonly string[];
    admissionAssignments: pulumi.Output<string>[];
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

    const network: Network | undefined = config.networking === "private" ? createNetwork(rg, tags) : undefined;
    const encryption = config.customerManagedKey ? createEncryptionKey(config, rg, client.tenantId, tags) : undefined;

    const acr = new SecureRegistry("acr", {
        resourceGroupName: rg.name,
        location: rg.location,
        registryName: config.registryName,
        tags,
        network: network
            ? { mode: "private", privateEndpoint: { subnetId: network.endpointsSubnetId, dns: { virtualNetworkIds: [network.vnetId] } } }
            : { mode: "firewall", ipRules: [...config.allowedIpRanges] },
        // Azure disables the export policy only when public network access is disabled, so a
        // firewalled (public) registry must keep it; SecureRegistry refuses the combination otherwise.
        ...(network ? {} : { allowExport: true }),
        auditLogs: { logAnalyticsWorkspaceId: logs.id },
        ...(encryption ? { encryption: { keyIdentifier: encryption.keyUri, identity: { create: true as const, keyVaultId: encryption.vaultId } } } : {}),
        ...(network ? { taskAgentPool: { subnetId: network.tasksSubnetId } } : {}),
    });

    if (config.defenderForContainers) {
        new DefenderForContainers("defender", { subscriptionId: client.subscriptionId, acknowledgeSubscriptionWide: true, containerSensor: true });
    }

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

    // Every push of a rebuilt image calls the deployment pipeline, which runs `pulumi up` again:
    // TrustedImage then resolves the new digest and the workload rolls.
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
        apiServer: network ? { mode: "private" } : { mode: "authorizedIpRanges", authorizedIpRanges: [...config.allowedIpRanges] },
        ...(network ? { vnetSubnetId: network.nodesSubnetId } : {}),
        logAnalyticsWorkspaceId: logs.id,
        acrPullRegistryIds: [acr.id],
        tags,
    });

    // The cluster refuses what preview refuses: the same registry list, the same digest rule.
    const admission = new ImageAdmission("image-admission", {
        clusterId: cluster.clusterId,
        registries,
        requireDigest: requiresDigest(trust),
    });

    const image = new TrustedImage("sample-image", {
        registry: loginServer,
        repository: app.repository,
        tag: app.tag,
        ...(app.digest ? { digest: app.digest } : {}),
        policy: trust,
        mode: config.imageGate,
    }, { dependsOn: [build] });

    const kubeconfig = azure.containerservice
        .listManagedClusterUserCredentialsOutput({ resourceGroupName: rg.name, resourceName: cluster.clusterName })
        .apply((c) => {
            const value = c.kubeconfigs?.[0]?.value;
            if (!value) throw new Error("AKS returned no user kubeconfig for the cluster");
            return Buffer.from(value, "base64").toString("utf8");
        });
    const provider = new k8s.Provider("aks", { kubeconfig: pulumi.secret(kubeconfig), enableServerSideApply: true }, { dependsOn: admission.assignments });

    if (config.signatureAdmission !== "none") {
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

    const labels = { app: "sample-web" };
    const ns = new k8s.core.v1.Namespace("apps", {
        metadata: { name: app.namespace, labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
    }, { provider });
    new k8s.apps.v1.Deployment("sample-web", {
        metadata: { name: "sample-web", namespace: ns.metadata.name, labels },
        spec: {
            replicas: app.replicas,
            selector: { matchLabels: labels },
            template: {
                metadata: { labels },
                spec: {
                    automountServiceAccountToken: false,
                    securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                    containers: [{
                        name: "web",
                        image: image.reference,
                        ports: [{ containerPort: app.port }],
                        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
                    }],
                },
            },
        },
    }, { provider });
    new k8s.core.v1.Service("sample-web", {
        metadata: { name: "sample-web", namespace: ns.metadata.name, labels },
        spec: { selector: labels, ports: [{ port: 80, targetPort: app.port }] },
    }, { provider });

    return {
        resourceGroupName: rg.name,
        registryLoginServer: acr.loginServer,
        registryId: acr.id,
        clusterName: cluster.clusterName,
        buildTaskId: build.taskId,
        buildTaskName: build.taskName,
        registryName: build.registryName,
        buildTaskRunCommand: build.runCommand,
        sampleImage: image.reference,
        trustedRegistries: registries,
        admissionAssignments: admission.assignments.map((a) => a.id),
    };
}
