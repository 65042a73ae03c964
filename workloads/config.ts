/**
 * The workload stack's config (workloads/Pulumi.<stack>.yaml, namespace `imagegate-workloads`),
 * typed and validated up front; every problem names its key. The image to deploy is not here: its
 * repository and tag are the platform's outputs and TrustedImage pins the digest at each run.
 */
import * as pulumi from "@pulumi/pulumi";
import { readStackValues } from "../components/shared/stack-values";
import { NON_INTERACTIVE_LOGINS, type KubeloginOptions } from "../components/cluster/non-interactive-kubeconfig";

export type ImageGateMode = "enforce" | "audit";

export interface WorkloadConfig {
    /** The platform stack, `org/imagegate/<stack>`, whose outputs name the registry and cluster. */
    readonly platformStack: string;
    readonly policyConfigFile: string;
    /** How TrustedImage treats an image without passing evidence: refuse (enforce) or warn (audit). */
    readonly imageGate: ImageGateMode;
    readonly kubeLogin: KubeloginOptions;
    readonly sampleApp: { readonly namespace: string; readonly replicas: number; readonly port: number; readonly runAsUser: number };
}

const STACK_NAME = /^[\w.-]+\/[\w.-]+\/[\w.-]+$/;

/** Builds and validates the config from raw values (JSON-decoded where the file holds objects). */
export function workloadConfigFrom(values: Readonly<Record<string, unknown>>): WorkloadConfig {
    const problems: string[] = [];
    const str = (key: string, fallback?: string): string => {
        const v = values[key] ?? fallback;
        if (typeof v !== "string" || v === "") problems.push(`imagegate-workloads:${key} must be a non-empty string`);
        return typeof v === "string" ? v : "";
    };
    const platformStack = str("platformStack");
    if (platformStack && !STACK_NAME.test(platformStack)) problems.push("imagegate-workloads:platformStack must be a fully qualified stack name, org/project/stack");
    const imageGate = str("imageGate", "enforce");
    if (imageGate !== "enforce" && imageGate !== "audit") problems.push(`imagegate-workloads:imageGate must be enforce or audit (got ${JSON.stringify(imageGate)})`);
    const login = str("kubeLogin", "azurecli");
    if (!(NON_INTERACTIVE_LOGINS as readonly string[]).includes(login)) problems.push(`imagegate-workloads:kubeLogin must be one of ${NON_INTERACTIVE_LOGINS.join(", ")} (got ${JSON.stringify(login)})`);
    const clientId = values.kubeLoginClientId;
    if (clientId !== undefined && typeof clientId !== "string") problems.push("imagegate-workloads:kubeLoginClientId must be a string");
    const app = (values.sampleApp ?? {}) as Record<string, unknown>;
    if (typeof app !== "object" || Array.isArray(app)) problems.push("imagegate-workloads:sampleApp must be an object");
    const sampleApp = {
        namespace: app.namespace ?? "apps",
        replicas: app.replicas ?? 2,
        port: app.port ?? 8080,
        // The sample image's USER (samples/web/Dockerfile).
        runAsUser: app.runAsUser ?? 65532,
    };
    if (typeof sampleApp.namespace !== "string" || !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(sampleApp.namespace)) problems.push("sampleApp.namespace must be a DNS label");
    if (!Number.isInteger(sampleApp.replicas) || (sampleApp.replicas as number) < 1) problems.push("sampleApp.replicas must be a positive integer");
    if (!Number.isInteger(sampleApp.port) || (sampleApp.port as number) < 1 || (sampleApp.port as number) > 65535) problems.push("sampleApp.port must be a TCP port");
    if (!Number.isInteger(sampleApp.runAsUser) || (sampleApp.runAsUser as number) < 1) problems.push("sampleApp.runAsUser must be a non-root user ID (a positive integer)");
    if (problems.length) throw new Error(`workload stack config: ${problems.join("; ")}`);
    return {
        platformStack,
        policyConfigFile: str("policyConfig", "policy-config.json"),
        imageGate: imageGate as ImageGateMode,
        kubeLogin: { login: login as KubeloginOptions["login"], ...(typeof clientId === "string" ? { clientId } : {}) },
        sampleApp: sampleApp as WorkloadConfig["sampleApp"],
    };
}

const KEYS = ["platformStack", "policyConfig", "imageGate", "kubeLogin", "kubeLoginClientId", "sampleApp"] as const;

/** Reads `imagegate-workloads:*` through the Pulumi SDK (objects arrive JSON-encoded). */
export function readWorkloadConfig(cfg = new pulumi.Config("imagegate-workloads")): WorkloadConfig {
    return workloadConfigFrom(readStackValues(cfg, KEYS));
}
