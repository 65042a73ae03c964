/**
 * Builds a stack policy (AnalyzeStack) over plain views of the stack's resources: raw properties
 * (unknown sentinels kept, so each relationship can be judged on its own), URNs of parent,
 * dependencies, per-property dependencies and provider. Config reading, advisory unknowns and
 * errors-become-violations are shared with resource-policy.ts.
 */
import type { PolicyResource, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { unwrapProxy } from "../../core/unknown";
import { ConfigReader, ConfigResult, ConfigSchema, PropertySchema } from "./config";
import { policyFields, type PolicyMeta } from "./metadata";
import { notApplicable } from "./not-applicable";

/** One resource of the stack, as stack checks see it. */
export interface StackResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    /** Outputs (at preview: inputs, with unknowns for what is computed). */
    readonly props: unknown;
    readonly parentUrn?: string;
    readonly dependencies: readonly string[];
    /** Property name → URNs of the resources its value came from. */
    readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
    readonly providerUrn?: string;
}

export interface StackFinding {
    readonly kind: "violation" | "unknown";
    /** The resource the finding is about; undefined for the stack as a whole. */
    readonly urn?: string;
    readonly message: string;
}

export interface StackPolicyBaseConfig {
    readonly unknownValues: "advisory" | "enforce";
}

export interface StackPolicySpec<C extends StackPolicyBaseConfig> extends PolicyMeta {
    readonly properties?: Record<string, PropertySchema>;
    readonly readConfig?: (reader: ConfigReader, base: StackPolicyBaseConfig) => C;
    /** Findings, or a string saying why the policy does not apply to this stack. */
    readonly evaluate: (resources: readonly StackResource[], config: C) => StackFinding[] | string;
}

export interface StackPolicy<C> extends StackValidationPolicy {
    readonly parseConfig: (raw: Record<string, unknown>) => ConfigResult<C>;
}

const unknownValuesProperty: PropertySchema = {
    type: "string",
    enum: ["advisory", "enforce"],
    default: "advisory",
    description: "A relationship that depends on values unknown at preview (a scope, an ID). \"advisory\" reports that it will be checked during `pulumi up`; \"enforce\" reports it at the policy's enforcement level.",
};

/** The SDK's PolicyResource as a plain view (props unwrapped from the SDK's unknown-checking proxy). */
export function toStackResource(r: PolicyResource): StackResource {
    const propertyDependencies: Record<string, string[]> = {};
    for (const [k, deps] of Object.entries(r.propertyDependencies ?? {})) propertyDependencies[k] = (deps ?? []).map((d) => d.urn);
    return {
        type: r.type,
        name: r.name,
        urn: r.urn,
        props: unwrapProxy(r.props),
        ...(r.parent ? { parentUrn: r.parent.urn } : {}),
        dependencies: (r.dependencies ?? []).map((d) => d.urn),
        propertyDependencies,
        ...(r.provider ? { providerUrn: r.provider.urn } : {}),
    };
}

export function stackPolicy<C extends StackPolicyBaseConfig>(spec: StackPolicySpec<C>): StackPolicy<C> {
    const schema: ConfigSchema = { properties: { unknownValues: unknownValuesProperty, ...(spec.properties ?? {}) } };
    const parseConfig = (raw: Record<string, unknown>): ConfigResult<C> => {
        const reader = new ConfigReader(raw ?? {}, schema);
        const base: StackPolicyBaseConfig = { unknownValues: reader.enumValue("unknownValues", ["advisory", "enforce"] as const) };
        const config = spec.readConfig ? spec.readConfig(reader, base) : (base as C);
        return reader.result(config);
    };

    const validateStack = (args: StackValidationArgs, reportViolation: unknown): void => {
        const reportDiagnostic = reportViolation as (d: Record<string, unknown>) => void;
        const report = (message: string, urn?: string, advisory = false): void =>
            reportDiagnostic({
                name: spec.name,
                description: spec.description,
                message: `${spec.description}\n${message}`,
                ...(urn ? { urn } : {}),
                ...(advisory ? { enforcementLevel: "advisory" as const } : {}),
            });
        let outcome: StackFinding[] | string;
        let config: C;
        try {
            const configResult = parseConfig(args.getConfig<Record<string, unknown>>());
            if (!configResult.ok) {
                report(`The policy config is invalid, so the stack cannot be judged: ${configResult.errors.join("; ")}. Fix the ${spec.name} entry of the policy config.`);
                return;
            }
            config = configResult.config;
            outcome = spec.evaluate(args.resources.map(toStackResource), config);
        } catch (e) {
            report(`The policy failed while judging the stack, so it is not allowed through: ${(e as Error)?.message ?? String(e)}`);
            return;
        }
        if (typeof outcome === "string") notApplicable(args, outcome);
        for (const f of outcome) report(f.message, f.urn, f.kind === "unknown" && config.unknownValues === "advisory");
    };

    return {
        ...policyFields(spec, ["azure", "hardening", "stack"], schema),
        validateStack: validateStack as StackValidationPolicy["validateStack"],
        parseConfig,
    };
}
