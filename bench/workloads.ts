/**
 * Synthetic workload resources for the throughput benchmark: Deployments, Pods, CronJobs and Azure
 * Container Apps, as the engine would send their inputs, with a realistic mix of images (trusted
 * and pinned, tagged, latest, untrusted, and outputs not known at preview).
 */
import { UNKNOWN } from "../cli/harness/properties";
import type { AnalyzeStackResource } from "../cli/harness/types";

const DIGEST = (i: number) => `sha256:${i.toString(16).padStart(64, "0")}`;

function image(i: number): string {
    switch (i % 6) {
        case 0:
        case 1:
            return `contoso.azurecr.io/team${i % 7}/svc${i}@${DIGEST(i)}`;
        case 2:
            return `contoso.azurecr.io/team${i % 7}/svc${i}:1.${i % 50}.0`;
        case 3:
            return `docker.io/library/nginx:latest`;
        case 4:
            return `ghcr.io/example/tool${i % 13}:v2`;
        default:
            return i % 12 === 5 ? UNKNOWN : `mcr.microsoft.com/oss/app${i % 5}@${DIGEST(i + 1)}`;
    }
}

function containers(i: number): Record<string, unknown>[] {
    const main = { name: "app", image: image(i), ports: [{ containerPort: 8080 }], resources: { limits: { cpu: "500m", memory: "256Mi" } } };
    return i % 4 === 0 ? [main, { name: "sidecar", image: image(i + 1) }] : [main];
}

function podSpec(i: number): Record<string, unknown> {
    return { containers: containers(i), ...(i % 5 === 0 ? { initContainers: [{ name: "init", image: image(i + 2) }] } : {}) };
}

export function workload(i: number, stack = "bench", project = "bench"): AnalyzeStackResource {
    const meta = { name: `w${i}`, namespace: `ns${i % 20}`, labels: { app: `w${i}` } };
    let type: string;
    let properties: Record<string, unknown>;
    switch (i % 4) {
        case 0:
            type = "kubernetes:apps/v1:Deployment";
            properties = { apiVersion: "apps/v1", kind: "Deployment", metadata: meta, spec: { replicas: 2, selector: { matchLabels: meta.labels }, template: { metadata: { labels: meta.labels }, spec: podSpec(i) } } };
            break;
        case 1:
            type = "kubernetes:core/v1:Pod";
            properties = { apiVersion: "v1", kind: "Pod", metadata: meta, spec: podSpec(i) };
            break;
        case 2:
            type = "kubernetes:batch/v1:CronJob";
            properties = { apiVersion: "batch/v1", kind: "CronJob", metadata: meta, spec: { schedule: "*/5 * * * *", jobTemplate: { spec: { template: { spec: { ...podSpec(i), restartPolicy: "OnFailure" } } } } } };
            break;
        default:
            type = "azure-native:app:ContainerApp";
            properties = {
                containerAppName: `ca${i}`,
                resourceGroupName: "rg-bench",
                managedEnvironmentId: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bench/providers/Microsoft.App/managedEnvironments/env",
                configuration: { ingress: { external: true, targetPort: 8080 }, registries: [{ server: "contoso.azurecr.io", identity: "system" }] },
                template: { containers: containers(i).map((c) => ({ name: c.name, image: c.image, resources: { cpu: 0.5, memory: "1Gi" } })), scale: { minReplicas: 1, maxReplicas: 3 } },
            };
    }
    return { type, name: `w${i}`, urn: `urn:pulumi:${stack}::${project}::${type}::w${i}`, properties };
}

export function workloads(n: number): AnalyzeStackResource[] {
    return Array.from({ length: n }, (_, i) => workload(i));
}
