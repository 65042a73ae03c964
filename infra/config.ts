/**
 * The environment's stack config (Pulumi.<stack>.yaml, namespace `imagegate`), read into one typed
 * object and validated up front: a wrong value stops the program before any resource is declared,
 * with the key named.
 */
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_EXPOSURE_LIMITS, judgeRangeList } from "../core/ip-ranges";

export type Networking =
    /** Public endpoints restricted to `allowedIpRanges` (ACR firewall, AKS authorized IP ranges). */
    | "restricted-public"
    /** A VNet with private endpoints: no public ACR access, private AKS API server. */
    | "private";

/**
 * Signature verification at admission (ImageVerification): "none", AKS Image Integrity (audit only,
 * preview), or self-managed Ratify (needs a cluster without the Azure Policy add-on, which
 * SecureCluster enables, so ImageVerification refuses it here until the cluster can go without it).
 */
export type SignatureAdmission = "none" | "image-integrity" | "ratify";

/** How TrustedImage treats an image without passing evidence: refuse (enforce) or warn (audit). */
export type ImageGateMode = "enforce" | "audit";

export interface SampleAppConfig {
    /** Repository in the environment's registry, e.g. `samples/web`. */
    readonly repository: string;
    readonly tag: string;
    /** Pin to this digest instead of resolving the tag at deploy time. */
    readonly digest?: string;
    /** Build context of the ImageBuildTask (git URL `https://…git#branch:dir`). */
    readonly context: string;
    readonly dockerfile: string;
    readonly namespace: string;
    readonly replicas: number;
    readonly port: number;
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
    /** Enables the subscription-wide Defender for Containers plan (a deliberate opt-in). */
    readonly defenderForContainers: boolean;
    readonly adminGroupObjectIds: readonly string[];
    readonly policyConfigFile: string;
    readonly imageGate: ImageGateMode;
    readonly signatureAdmission: SignatureAdmission;
    readonly redeployWebhookUri: string;
    readonly rebuildSchedule?: string;
    readonly sampleApp: SampleAppConfig;
}

const NAME = /^[a-zA-Z0-9]{5,50}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

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
    if (app.digest !== undefined && !DIGEST.test(app.digest)) problems.push("sampleApp.digest must be sha256: and 64 lowercase hex digits");
    if (!Number.isInteger(app.replicas) || app.replicas < 1) problems.push("sampleApp.replicas must be a positive integer");
    if (!Number.isInteger(app.port) || app.port < 1 || app.port > 65535) problems.push("sampleApp.port must be a TCP port");
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(app.namespace)) problems.push("sampleApp.namespace must be a DNS label");
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
        adminGroupObjectIds: typed<string[]>(values, "adminGroupObjectIds", isStrings, "a list of object IDs") ?? [],
        policyConfigFile: typed<string>(values, "policyConfig", isString, "a file path") ?? "policy-config.json",
        imageGate: oneOf<ImageGateMode>(values, "imageGate", ["enforce", "audit"], "enforce"),
        signatureAdmission: oneOf<SignatureAdmission>(values, "signatureAdmission", ["none", "image-integrity", "ratify"], "none"),
        redeployWebhookUri: redeployWebhookUri!,
        rebuildSchedule: typed<string>(values, "rebuildSchedule", isString, "a cron expression"),
        sampleApp: {
            repository: app!.repository ?? "",
            tag: app!.tag ?? "",
            ...(app!.digest !== undefined ? { digest: app!.digest } : {}),
            context: app!.context ?? "",
            dockerfile: app!.dockerfile ?? "Dockerfile",
            namespace: app!.namespace ?? "apps",
            replicas: app!.replicas ?? 2,
            port: app!.port ?? 8080,
        },
    };
    const problems = validateEnvironmentConfig(config);
    if (problems.length) throw new Error(`stack ${stack} config: ${problems.join("; ")}`);
    return config;
}

const KEYS = ["registryName", "redeployWebhookUri", "sampleApp", "resourceGroupName", "networking", "allowedIpRanges", "customerManagedKey",
    "defenderForContainers", "adminGroupObjectIds", "policyConfig", "imageGate", "signatureAdmission", "rebuildSchedule"] as const;

/** Reads the stack's `imagegate:*` config through the Pulumi SDK (values arrive as strings or JSON). */
export function readEnvironmentConfig(cfg = new pulumi.Config("imagegate"), stack = pulumi.getStack()): EnvironmentConfig {
    const values: Record<string, unknown> = {};
    for (const key of KEYS) {
        const raw = cfg.get(key);
        if (raw === undefined) continue;
        // Objects, lists and booleans arrive JSON-encoded; plain strings stay strings.
        try {
            const parsed: unknown = JSON.parse(raw);
            values[key] = typeof parsed === "number" ? raw : parsed;
        } catch {
            values[key] = raw;
        }
    }
    return environmentConfigFrom(values, stack, new pulumi.Config("azure-native").get("location") ?? "westeurope");
}
