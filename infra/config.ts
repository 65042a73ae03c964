/**
 * The platform stack's config (Pulumi.<stack>.yaml, namespace `imagegate`), read into one typed
 * object and validated up front: a wrong value stops the program before any resource is declared,
 * with the key named. Workloads have their own program and config (workloads/).
 */
import * as pulumi from "@pulumi/pulumi";
import { readStackValues } from "../components/shared/stack-values";
import { DEFAULT_EXPOSURE_LIMITS, judgeRangeList } from "../core/ip-ranges";

export type Networking =
    /**
     * Public endpoints restricted to `allowedIpRanges` (ACR firewall, AKS authorized IP ranges), plus
     * the registry's private endpoint in the VNet, where the nodes and the task agents run.
     */
    | "restricted-public"
    /** A VNet with private endpoints: no public ACR access, private AKS API server. */
    | "private";

/**
 * Signature verification at admission (ImageVerification): "none", AKS Image Integrity (audit only,
 * preview), or self-managed Ratify (needs a cluster without the Azure Policy add-on, which
 * SecureCluster enables, so ImageVerification refuses it here until the cluster can go without it).
 * Anything but "none" applies documents through the cluster's API, so the platform `pulumi up` must
 * then run where the API server is reachable (docs/redeploy-loop.md); "none" keeps the first run free
 * of Kubernetes.
 */
export type SignatureAdmission = "none" | "image-integrity" | "ratify";

/** The sample image the platform builds; the workload stack deploys it (workloads/). */
export interface SampleAppConfig {
    /** Repository in the environment's registry, e.g. `samples/web`. */
    readonly repository: string;
    readonly tag: string;
    /** Build context of the ImageBuildTask (git URL `https://…git#branch:dir`): samples/web of this repository. */
    readonly context: string;
    readonly dockerfile: string;
}

/** An Entra ID principal that deploys workloads to the cluster (the workload stack's runner). */
export interface Deployer {
    readonly objectId: string;
    readonly principalType: "User" | "Group" | "ServicePrincipal";
}

export interface EnvironmentConfig {
    readonly stack: string;
    readonly location: string;
    readonly resourceGroupName: string;
    /** ACR name: its login server is `<name>.azurecr.io`, which must be trusted by the policy config. */
    readonly registryName: string;
    readonly networking: Networking;
    readonly allowedIpRanges: readonly string[];
    readonly customerManagedKey: boolean;
    /**
     * This stack declares the subscription-wide Defender for Containers plan (and exports its
     * coverage). Only one stack per subscription may: the others set false and name it in
     * `defenderCoverageStack`.
     */
    readonly defenderForContainers: boolean;
    /** `org/project/stack` whose `defenderForContainers` coverage output this stack relies on. */
    readonly defenderCoverageStack?: string;
    /**
     * Granted "Azure Kubernetes Service Cluster User Role" and "Azure Kubernetes Service RBAC Cluster
     * Admin" on the cluster, so the workload stack can fetch credentials and deploy. Default: the
     * identity running this `pulumi up`.
     */
    readonly deployers: readonly Deployer[];
    readonly adminGroupObjectIds: readonly string[];
    readonly policyConfigFile: string;
    readonly signatureAdmission: SignatureAdmission;
    readonly redeployWebhookUri: string;
    readonly rebuildSchedule?: string;
    readonly sampleApp: SampleAppConfig;
}

const NAME = /^[a-zA-Z0-9]{5,50}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STACK_NAME = /^[\w.-]+\/[\w.-]+\/[\w.-]+$/;

/** Pure validation of a raw config object; returns every problem, each naming its key. */
export function validateEnvironmentConfig(c: EnvironmentConfig): string[] {
    const problems: string[] = [];
    if (!NAME.test(c.registryName)) problems.push(`registryName must be 5–50 letters or digits (got ${JSON.stringify(c.registryName)})`);
    if (c.networking === "restricted-public") {
        if (c.allowedIpRanges.length === 0) problems.push("allowedIpRanges: restricted-public networking needs at least one IPv4 address or CIDR");
        // The same judgement SecureRegistry, SecureCluster and the pack make (core/ip-ranges).
        const j = judgeRangeList(c.allowedIpRanges.map((value, index) => ({ index, value })), DEFAULT_EXPOSURE_LIMITS, { families: ["IPv4"] });
        for (const p of j.entryProblems) problems.push(`allowedIpRanges[${p.index}]: ${p.problem}`);
        if (j.listProblem) problems.push(`allowedIpRanges: ${j.listProblem}; list only the office and CI egress ranges`);
    }
    const app = c.sampleApp;
    if (!/^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/.test(app.repository)) problems.push(`sampleApp.repository ${JSON.stringify(app.repository)} is not a repository path`);
    if (!/^[\w][\w.-]{0,127}$/.test(app.tag) || app.tag === "latest") problems.push(`sampleApp.tag must be a tag other than latest (got ${JSON.stringify(app.tag)})`);
    if (!/^https:\/\/\S+$/.test(app.context)) problems.push(`sampleApp.context must be an https:// git context (got ${JSON.stringify(app.context)})`);
    for (const [i, d] of c.deployers.entries()) {
        if (!GUID.test(d.objectId)) problems.push(`deployers[${i}].objectId must be an Entra ID object ID (a GUID)`);
        if (!["User", "Group", "ServicePrincipal"].includes(d.principalType)) problems.push(`deployers[${i}].principalType must be User, Group or ServicePrincipal`);
    }
    if (c.defenderCoverageStack !== undefined && !STACK_NAME.test(c.defenderCoverageStack)) problems.push("defenderCoverageStack must be a fully qualified stack name, org/project/stack");
    if (c.defenderForContainers && c.defenderCoverageStack !== undefined) problems.push("defenderCoverageStack: this stack declares the Defender plan itself (defenderForContainers: true); name another stack's coverage only when it does not");
    return problems;
}

/** Raw stack values by key (without the `imagegate:` namespace), as the config file holds them. */
export type ConfigValues = Readonly<Record<string, unknown>>;

function oneOf<T extends string>(values: ConfigValues, key: string, allowed: readonly T[], fallback: T): T {
    const v = values[key] ?? fallback;
    if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) throw new Error(`imagegate:${key} must be one of ${allowed.join(", ")} (got ${JSON.stringify(v)})`);
    return v as T;
}

function typed<T>(values: ConfigValues, key: string, check: (v: unknown) => boolean, what: string): T | undefined {
    const v = values[key];
    if (v === undefined) return undefined;
    if (!check(v)) throw new Error(`imagegate:${key} must be ${what} (got ${JSON.stringify(v)})`);
    return v as T;
}

const isString = (v: unknown) => typeof v === "string" && v.length > 0;
const isBool = (v: unknown) => typeof v === "boolean";
const isStrings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === "string");
const isObject = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);

/** Builds and validates the environment config from raw values; every problem names its key. */
export function environmentConfigFrom(values: ConfigValues, stack: string, location = "westeurope"): EnvironmentConfig {
    const registryName = typed<string>(values, "registryName", isString, "a registry name");
    const redeployWebhookUri = typed<string>(values, "redeployWebhookUri", isString, "an https:// URL");
    const app = typed<Partial<SampleAppConfig>>(values, "sampleApp", isObject, "an object");
    const missing = [["registryName", registryName], ["redeployWebhookUri", redeployWebhookUri], ["sampleApp", app]].filter(([, v]) => v === undefined).map(([k]) => `imagegate:${k}`);
    if (missing.length) throw new Error(`stack ${stack} config: missing required ${missing.join(", ")}`);
    const config: EnvironmentConfig = {
        stack,
        location,
        resourceGroupName: typed<string>(values, "resourceGroupName", isString, "a name") ?? `rg-imagegate-${stack}`,
        registryName: registryName!,
        networking: oneOf<Networking>(values, "networking", ["restricted-public", "private"], "private"),
        allowedIpRanges: typed<string[]>(values, "allowedIpRanges", isStrings, "a list of IPv4 CIDRs") ?? [],
        customerManagedKey: typed<boolean>(values, "customerManagedKey", isBool, "true or false") ?? false,
        defenderForContainers: typed<boolean>(values, "defenderForContainers", isBool, "true or false") ?? true,
        ...(values.defenderCoverageStack !== undefined ? { defenderCoverageStack: typed<string>(values, "defenderCoverageStack", isString, "a stack name") } : {}),
        deployers: (typed<Record<string, unknown>[]>(values, "deployers", (v) => Array.isArray(v) && v.every(isObject), "a list of { objectId, principalType }") ?? [])
            .map((d) => ({ objectId: String(d.objectId ?? ""), principalType: String(d.principalType ?? "") as Deployer["principalType"] })),
        adminGroupObjectIds: typed<string[]>(values, "adminGroupObjectIds", isStrings, "a list of object IDs") ?? [],
        policyConfigFile: typed<string>(values, "policyConfig", isString, "a file path") ?? "policy-config.json",
        signatureAdmission: oneOf<SignatureAdmission>(values, "signatureAdmission", ["none", "image-integrity", "ratify"], "none"),
        redeployWebhookUri: redeployWebhookUri!,
        rebuildSchedule: typed<string>(values, "rebuildSchedule", isString, "a cron expression"),
        sampleApp: {
            repository: app!.repository ?? "",
            tag: app!.tag ?? "",
            context: app!.context ?? "",
            dockerfile: app!.dockerfile ?? "Dockerfile",
        },
    };
    const problems = validateEnvironmentConfig(config);
    if (problems.length) throw new Error(`stack ${stack} config: ${problems.join("; ")}`);
    return config;
}

const KEYS = ["registryName", "redeployWebhookUri", "sampleApp", "resourceGroupName", "networking", "allowedIpRanges", "customerManagedKey",
    "defenderForContainers", "defenderCoverageStack", "deployers", "adminGroupObjectIds", "policyConfig", "signatureAdmission", "rebuildSchedule"] as const;

/** Reads the stack's `imagegate:*` config through the Pulumi SDK (values arrive as strings or JSON). */
export function readEnvironmentConfig(cfg = new pulumi.Config("imagegate"), stack = pulumi.getStack()): EnvironmentConfig {
    const values = readStackValues(cfg, KEYS);
    return environmentConfigFrom(values, stack, new pulumi.Config("azure-native").get("location") ?? "westeurope");
}
