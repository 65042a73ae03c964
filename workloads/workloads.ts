/**
 * Workloads on an imagegate platform: the sample web app, its image resolved to a digest by
 * TrustedImage and judged with the policy config the pack uses, deployed through a Kubernetes
 * provider whose kubeconfig logs in without a person (kubelogin azurecli/workloadidentity/spn/msi).
 * Everything about the platform (registry, cluster, what the build task builds) comes from the
 * platform stack's outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import * as azure from "@pulumi/azure-native";
import * as k8s from "@pulumi/kubernetes";
import { nonInteractiveKubeconfig } from "../components/cluster/non-interactive-kubeconfig";
import { TrustedImage, type PolicySettings } from "../components/image";
import type { WorkloadConfig } from "./config";

/** The platform outputs this program reads (infra/index.ts exports them). */
export interface PlatformOutputs {
    resourceGroupName: pulumi.Input<string>;
    clusterName: pulumi.Input<string>;
    registryLoginServer: pulumi.Input<string>;
    sampleRepository: pulumi.Input<string>;
    sampleTag: pulumi.Input<string>;
}

/** The platform's outputs through a StackReference; a missing one fails the run, naming it. */
export function platformOutputs(stack: string): PlatformOutputs {
    const ref = new pulumi.StackReference("platform", { name: stack });
    const out = (key: string) => ref.requireOutput(key).apply((v) => {
        if (typeof v !== "string" || v === "") throw new Error(`platform stack ${stack}: output ${key} is not a non-empty string`);
        return v;
    });
    return {
        resourceGroupName: out("resourceGroupName"),
        clusterName: out("clusterName"),
        registryLoginServer: out("registryLoginServer"),
        sampleRepository: out("sampleRepository"),
        sampleTag: out("sampleTag"),
    };
}

/** The cluster's user kubeconfig, converted so the provider never prompts. */
export function clusterKubeconfig(platform: PlatformOutputs, login: WorkloadConfig["kubeLogin"]): pulumi.Output<string> {
    return azure.containerservice
        .listManagedClusterUserCredentialsOutput({ resourceGroupName: platform.resourceGroupName, resourceName: platform.clusterName })
        .apply((c) => {
            const value = c.kubeconfigs?.[0]?.value;
            if (!value) throw new Error("AKS returned no user kubeconfig for the cluster");
            return nonInteractiveKubeconfig(Buffer.from(value, "base64").toString("utf8"), login);
        });
}

export interface WorkloadOutputs {
    sampleImage: pulumi.Output<string>;
}

export function createWorkloads(config: WorkloadConfig, trust: PolicySettings, platform: PlatformOutputs): WorkloadOutputs {
    const provider = new k8s.Provider("aks", { kubeconfig: pulumi.secret(clusterKubeconfig(platform, config.kubeLogin)), enableServerSideApply: true });

    // Pinned to whatever digest the tag names now; a rebuild followed by `pulumi up` rolls it.
    const image = new TrustedImage("sample-image", {
        registry: platform.registryLoginServer,
        repository: platform.sampleRepository,
        tag: platform.sampleTag,
        policy: trust,
        mode: config.imageGate,
    });

    const app = config.sampleApp;
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
                    // A numeric user, as the image declares: runAsNonRoot alone cannot be verified
                    // by the kubelet for an image whose USER is a name.
                    securityContext: { runAsNonRoot: true, runAsUser: app.runAsUser, runAsGroup: app.runAsUser, seccompProfile: { type: "RuntimeDefault" } },
                    containers: [{
                        name: "web",
                        image: image.reference,
                        ports: [{ containerPort: app.port }],
                        env: [{ name: "PORT", value: String(app.port) }],
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
    return { sampleImage: image.reference };
}
