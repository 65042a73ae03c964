/**
 * Builds a resource policy that judges every container image of every workload resource with one
 * rule from the core. Shared plumbing: config reading, per-image unknown handling, exemptions, and
 * turning any unexpected error into a violation instead of an aborted preview.
 */
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { ImageRule, evaluateResource } from "../../core/evaluate";
import { Exemption, parseExemptions } from "../../core/trust";
import { unwrapProxy } from "../../core/unknown";
import { ConfigReader, ConfigResult, ConfigSchema, PropertySchema } from "./config";
import { crashMessage, policyFields, type PolicyMeta } from "./metadata";
import { notApplicable } from "./not-applicable";

/** Config every image policy takes. */
export interface ImagePolicyBaseConfig {
    /** Exact normalized references, or prefixes ending in "/". Never container names. */
    readonly exemptImages: readonly Exemption[];
    /** What an image that is unknown at preview yields: an advisory note, or a violation at the policy's level. */
    readonly unknownImages: "advisory" | "enforce";
}

export const baseImageProperties: Record<string, PropertySchema> = {
    exemptImages: {
        type: "array",
        items: { type: "string", minLength: 1 },
        default: [],
        description: "Images this policy does not judge: exact references (\"docker.io/library/nginx:1.27\"; a bare repository exempts every tag and digest of it) or prefixes ending in \"/\" (\"mcr.microsoft.com/oss/\"). Matched after normalization; container names are never used.",
    },
    unknownImages: {
        type: "string",
        enum: ["advisory", "enforce"],
        default: "advisory",
        description: "An image that is an output of another resource is unknown at preview. \"advisory\" reports that it will be checked during `pulumi up`; \"enforce\" reports it at the policy's enforcement level.",
    },
};

/** What every image policy declares about itself (metadata and config), sync or async. */
export interface ImagePolicyMeta<C extends ImagePolicyBaseConfig> extends PolicyMeta {
    /** Policy-specific properties, merged with the base ones. */
    readonly properties?: Record<string, PropertySchema>;
    readonly required?: string[];
    /** Reads the policy-specific part of the config; base fields are read by the factory. */
    readonly readConfig: (reader: ConfigReader, base: ImagePolicyBaseConfig) => C;
}

export interface ImagePolicySpec<C extends ImagePolicyBaseConfig> extends ImagePolicyMeta<C> {
    readonly rule: (config: C) => ImageRule;
}

/** A policy plus the config reader the pack also runs when it is configured. */
export interface ImagePolicy<C> extends ResourceValidationPolicy {
    readonly parseConfig: (raw: Record<string, unknown>) => ConfigResult<C>;
}

export { DOCS_URL } from "./metadata";

/** The config schema of a policy: base properties plus its own. */
export function imagePolicySchema<C extends ImagePolicyBaseConfig>(spec: ImagePolicyMeta<C>): ConfigSchema {
    return {
        properties: { ...baseImageProperties, ...(spec.properties ?? {}) },
        ...(spec.required ? { required: spec.required } : {}),
    };
}

/** Parses a raw config: base fields here, the policy's own through `spec.readConfig`. */
export function imageConfigParser<C extends ImagePolicyBaseConfig>(spec: ImagePolicyMeta<C>, schema: ConfigSchema): (raw: Record<string, unknown>) => ConfigResult<C> {
    return (raw) => {
        const reader = new ConfigReader(raw ?? {}, schema);
        const parsed = parseExemptions(reader.stringArray("exemptImages"));
        reader.addItemErrors("exemptImages", parsed.errors);
        const base: ImagePolicyBaseConfig = {
            exemptImages: parsed.exemptions,
            unknownImages: reader.enumValue("unknownImages", ["advisory", "enforce"] as const),
        };
        const config = spec.readConfig(reader, base);
        return reader.result(config);
    };
}

/**
 * The SDK hands out a fresh config object for every resource; parsing it once per distinct config
 * keeps the per-resource cost to discovery and matching. Returns the result and the config's key.
 */
export function cachedConfigParser<C>(parse: (raw: Record<string, unknown>) => ConfigResult<C>): (raw: Record<string, unknown>) => { result: ConfigResult<C>; key: string } {
    let lastRaw: string | undefined;
    let lastResult: ConfigResult<C> | undefined;
    return (raw) => {
        const key = JSON.stringify(raw ?? {});
        if (key !== lastRaw || !lastResult) {
            lastResult = parse(raw);
            lastRaw = key;
        }
        return { result: lastResult, key };
    };
}

/** Reports one diagnostic: the policy's description, then the message; advisory ones carry their own level. */
export type Reporter = (message: string, advisory?: boolean) => void;

export function makeReporter(spec: { name: string; description: string }, reportViolation: ReportViolation): Reporter {
    // The SDK's reportViolation also takes a diagnostic object (server.js makeReportViolationFun),
    // which lets one diagnostic carry its own enforcement level; its typings only show the string form.
    const reportDiagnostic = reportViolation as unknown as (d: Record<string, unknown>) => void;
    return (message, advisory = false) =>
        reportDiagnostic({
            name: spec.name,
            description: spec.description,
            message: `${spec.description}\n${message}`,
            ...(advisory ? { enforcementLevel: "advisory" as const } : {}),
        });
}

export function invalidConfigMessage(policyName: string, errors: readonly string[]): string {
    return `The policy config is invalid, so no image can be judged: ${errors.join("; ")}. Fix the ${policyName} entry of the policy config.`;
}

export { crashMessage };

/** The metadata half of a ResourceValidationPolicy, shared by the sync and async factories. */
export function policyMetadata<C extends ImagePolicyBaseConfig>(spec: ImagePolicyMeta<C>, schema: ConfigSchema): Omit<ResourceValidationPolicy, "validateResource"> {
    return policyFields(spec, ["containers", "supply-chain"], schema);
}

export function imagePolicy<C extends ImagePolicyBaseConfig>(spec: ImagePolicySpec<C>): ImagePolicy<C> {
    const schema = imagePolicySchema(spec);
    const parseConfig = imageConfigParser(spec, schema);
    const cachedConfig = cachedConfigParser(parseConfig);

    const validateResource = (args: ResourceValidationArgs, reportViolation: ReportViolation): void => {
        const report = makeReporter(spec, reportViolation);
        try {
            const configResult = cachedConfig(args.getConfig<Record<string, unknown>>()).result;
            if (!configResult.ok) {
                report(invalidConfigMessage(spec.name, configResult.errors));
                return;
            }
            const config = configResult.config;
            const findings = evaluateResource(args.type, args.name, unwrapProxy(args.props), spec.rule(config), { exemptions: config.exemptImages });
            if (findings === undefined) {
                notApplicable(args, "the resource carries no container images");
                return;
            }
            for (const f of findings) report(f.message, f.kind === "unknown" && config.unknownImages === "advisory");
        } catch (e) {
            if (isNotApplicable(e)) throw e;
            report(crashMessage(e));
        }
    };

    return { ...policyMetadata(spec, schema), validateResource, parseConfig };
}

/** @pulumi/policy signals "not applicable" with an exception of its own class; let it through. */
export function isNotApplicable(e: unknown): boolean {
    return e instanceof Error && e.constructor.name === "NotApplicableError";
}
