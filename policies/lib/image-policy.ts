/**
 * Builds a resource policy that judges every container image of every workload resource with one
 * rule from the core. Shared plumbing: config reading, per-image unknown handling, exemptions, and
 * turning any unexpected error into a violation instead of an aborted preview.
 */
import type { EnforcementLevel, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity } from "@pulumi/policy";
import { ImageRule, evaluateResource } from "../../core/evaluate";
import { Exemption, parseExemptions } from "../../core/trust";
import { unwrapProxy } from "../../core/unknown";
import { ConfigReader, ConfigResult, ConfigSchema, PropertySchema } from "./config";

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

export interface ImagePolicySpec<C extends ImagePolicyBaseConfig> {
    readonly name: string;
    readonly displayName: string;
    readonly description: string;
    readonly severity: Severity;
    readonly remediationSteps: string;
    readonly enforcementLevel?: EnforcementLevel;
    readonly tags?: string[];
    /** Policy-specific properties, merged with the base ones. */
    readonly properties?: Record<string, PropertySchema>;
    readonly required?: string[];
    /** Reads the policy-specific part of the config; base fields are read by the factory. */
    readonly readConfig: (reader: ConfigReader, base: ImagePolicyBaseConfig) => C;
    readonly rule: (config: C) => ImageRule;
}

/** A policy plus the config reader the pack also runs when it is configured. */
export interface ImagePolicy<C> extends ResourceValidationPolicy {
    readonly parseConfig: (raw: Record<string, unknown>) => ConfigResult<C>;
}

export const DOCS_URL = "https://github.com/imagegate/imagegate/blob/main/policies";

export function imagePolicy<C extends ImagePolicyBaseConfig>(spec: ImagePolicySpec<C>): ImagePolicy<C> {
    const schema: ConfigSchema = {
        properties: { ...baseImageProperties, ...(spec.properties ?? {}) },
        ...(spec.required ? { required: spec.required } : {}),
    };

    const parseConfig = (raw: Record<string, unknown>): ConfigResult<C> => {
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

    // The SDK hands out a fresh config object for every resource; parsing it once per distinct
    // config keeps the per-resource cost to discovery and matching.
    let lastRaw: string | undefined;
    let lastResult: ConfigResult<C> | undefined;
    const cachedConfig = (raw: Record<string, unknown>): ConfigResult<C> => {
        const key = JSON.stringify(raw ?? {});
        if (key !== lastRaw || !lastResult) {
            lastResult = parseConfig(raw);
            lastRaw = key;
        }
        return lastResult;
    };

    const validateResource = (args: ResourceValidationArgs, reportViolation: ReportViolation): void => {
        // The SDK's reportViolation also takes a diagnostic object (server.js makeReportViolationFun),
        // which lets one diagnostic carry its own enforcement level; its typings only show the string form.
        const reportDiagnostic = reportViolation as unknown as (d: Record<string, unknown>) => void;
        const report = (message: string, advisory = false): void =>
            reportDiagnostic({
                name: spec.name,
                description: spec.description,
                message: `${spec.description}\n${message}`,
                ...(advisory ? { enforcementLevel: "advisory" as const } : {}),
            });
        try {
            const configResult = cachedConfig(args.getConfig<Record<string, unknown>>());
            if (!configResult.ok) {
                report(`The policy config is invalid, so no image can be judged: ${configResult.errors.join("; ")}. Fix the ${spec.name} entry of the policy config.`);
                return;
            }
            const config = configResult.config;
            const findings = evaluateResource(args.type, args.name, unwrapProxy(args.props), spec.rule(config), { exemptions: config.exemptImages });
            if (findings === undefined) {
                args.notApplicable("the resource carries no container images");
                return;
            }
            for (const f of findings) report(f.message, f.kind === "unknown" && config.unknownImages === "advisory");
        } catch (e) {
            if (isNotApplicable(e)) throw e;
            report(`The policy failed while judging this resource, so it is not allowed through: ${(e as Error)?.message ?? String(e)}`);
        }
    };

    return {
        name: spec.name,
        displayName: spec.displayName,
        description: spec.description,
        enforcementLevel: spec.enforcementLevel ?? "mandatory",
        severity: spec.severity,
        remediationSteps: spec.remediationSteps,
        url: `${DOCS_URL}/${spec.name}/README.md`,
        tags: ["containers", "supply-chain", ...(spec.tags ?? [])],
        configSchema: schema as ResourceValidationPolicy["configSchema"],
        validateResource,
        parseConfig,
    };
}

/** @pulumi/policy signals "not applicable" with an exception of its own class; let it through. */
function isNotApplicable(e: unknown): boolean {
    return e instanceof Error && e.constructor.name === "NotApplicableError";
}
