/**
 * Hardening policies: named checks over one azure-native resource kind (ACR, AKS, Defender), matched
 * in every API version. Built on the shell (shell.ts): the factory adds the kinds, the base config
 * (`unknownValues`, `skipChecks`) and one diagnostic per failed check.
 */
import { ConfigReader, type ConfigResult, type ConfigSchema, type PropertySchema } from "../../core/config/reader";
import { type AzureKind, matchAzureKind } from "./azure-kinds";
import { formatResult, runChecks, type ResourceCheck } from "./checks";
import type { PolicyMeta } from "./metadata";
import { resourceShell, type ShellResourcePolicy } from "./shell";

/** Config every resource policy takes. */
export interface ResourcePolicyBaseConfig {
    /** What a setting that is unknown at preview yields: an advisory note, or a finding at the policy's level. */
    readonly unknownValues: "advisory" | "enforce";
    /** Check IDs this policy does not run. */
    readonly skipChecks: readonly string[];
}

export interface ResourcePolicySpec<C extends ResourcePolicyBaseConfig> extends PolicyMeta {
    readonly appliesTo: readonly AzureKind[];
    readonly checks: readonly ResourceCheck<C>[];
    /** Policy-specific properties, merged with the base ones. */
    readonly properties?: Record<string, PropertySchema>;
    /** Reads the policy-specific part of the config; base fields are read by the factory. */
    readonly readConfig?: (reader: ConfigReader, base: ResourcePolicyBaseConfig) => C;
}

/** A hardening policy, with its checks and kinds for docs and tests. */
export type ResourcePolicy<C> = ShellResourcePolicy<C> & {
    readonly hardeningChecks: readonly { readonly id: string; readonly title: string; readonly kinds?: readonly string[] }[];
    readonly appliesTo: readonly AzureKind[];
};

export function baseResourceProperties(checkIds: readonly string[]): Record<string, PropertySchema> {
    return {
        unknownValues: {
            type: "string",
            enum: ["advisory", "enforce"],
            default: "advisory",
            description: "A setting that is an output of another resource is unknown at preview. \"advisory\" reports that it will be checked during `pulumi up`; \"enforce\" reports it at the policy's enforcement level.",
        },
        skipChecks: {
            type: "array",
            items: { type: "string", enum: [...checkIds] },
            default: [],
            description: `Checks of this policy not to run (${checkIds.join(", ")}). Prefer a lower enforcement level to skipping.`,
        },
    };
}

/** Reads the base config fields, refusing unknown check IDs. */
export function readBaseConfig(reader: ConfigReader, checkIds: readonly string[]): ResourcePolicyBaseConfig {
    const skip = reader.stringArray("skipChecks");
    skip.forEach((id, i) => {
        if (!checkIds.includes(id)) reader.fail(`skipChecks[${i}]`, `"${id}" is not a check of this policy (checks: ${checkIds.join(", ")})`);
    });
    return { unknownValues: reader.enumValue("unknownValues", ["advisory", "enforce"] as const), skipChecks: skip };
}

export function resourcePolicy<C extends ResourcePolicyBaseConfig>(spec: ResourcePolicySpec<C>): ResourcePolicy<C> {
    const checkIds = spec.checks.map((c) => c.id);
    const schema: ConfigSchema = { properties: { ...baseResourceProperties(checkIds), ...(spec.properties ?? {}) } };
    const parseConfig = (raw: Record<string, unknown>): ConfigResult<C> => {
        const reader = new ConfigReader(raw ?? {}, schema);
        const base = readBaseConfig(reader, checkIds);
        return reader.result(spec.readConfig ? spec.readConfig(reader, base) : (base as C));
    };
    const kindsText = spec.appliesTo.map((k) => `${k.module}:${k.kind}`).join(", ");
    const policy = resourceShell<C>({
        meta: spec,
        baseTags: ["azure", "hardening"],
        subject: "this resource",
        schema,
        parseConfig,
        notApplicableToType: (type) => (matchAzureKind(type, spec.appliesTo) === undefined ? `applies to azure-native ${kindsText}` : undefined),
        check: (r, config, report) => {
            const kind = matchAzureKind(r.type, spec.appliesTo)!;
            for (const { checkId, result } of runChecks(spec.checks, r.type, kind, r.name, r.props, config)) {
                report(formatResult(kind, r.name, checkId, result), { advisory: result.kind === "unknown" && config.unknownValues === "advisory" });
            }
        },
    });
    return {
        ...policy,
        hardeningChecks: spec.checks.map((c) => ({ id: c.id, title: c.title, ...(c.kinds ? { kinds: c.kinds } : {}) })),
        appliesTo: spec.appliesTo,
    };
}
