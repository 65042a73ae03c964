/**
 * Stack policies (AnalyzeStack): relationships between the stack's resources, judged over plain
 * views (shell.ts `StackResource`: raw properties with unknowns kept, URNs of parent, dependencies,
 * per-property dependencies and provider). The factory adds the base config (`unknownValues`).
 */
import { ConfigReader, type ConfigResult, type ConfigSchema, type PropertySchema } from "../../core/config/reader";
import type { PolicyMeta } from "./metadata";
import { stackShell, type Peers, type ShellStackPolicy, type StackResource } from "./shell";

export type { Peers, StackResource } from "./shell";

export interface StackFinding {
    readonly kind: "violation" | "unknown";
    /** The resource the finding is about; undefined for the stack as a whole. */
    readonly urn?: string;
    readonly message: string;
}

/**
 * Findings for clusters whose admission a stack policy must judge against gate settings it could not
 * read (the pack was not configured with them, or they are invalid and their own policy says so):
 * never a pass. `what` names what cannot be judged, `settings` the settings that are missing.
 */
export function unjudgedClusters(clusters: readonly StackResource[], what: string, settings: string): StackFinding[] {
    return clusters.map((c) => ({
        kind: "violation" as const,
        urn: c.urn,
        message: `ManagedCluster "${c.name}": ${what} cannot be judged: ${settings} not known (the pack was not configured with them, or they are invalid and their own policy reports it). Fix: configure the pack with a valid policy config.`,
    }));
}

export interface StackPolicyBaseConfig {
    readonly unknownValues: "advisory" | "enforce";
}

export interface StackPolicySpec<C extends StackPolicyBaseConfig> extends PolicyMeta {
    readonly properties?: Record<string, PropertySchema>;
    readonly readConfig?: (reader: ConfigReader, base: StackPolicyBaseConfig) => C;
    /** Findings, or a string saying why the policy does not apply to this stack. */
    readonly evaluate: (resources: readonly StackResource[], config: C, peers: Peers) => StackFinding[] | string;
}

export type StackPolicy<C> = ShellStackPolicy<C>;

const unknownValuesProperty: PropertySchema = {
    type: "string",
    enum: ["advisory", "enforce"],
    default: "advisory",
    description: "A relationship that depends on values unknown at preview (a scope, an ID). \"advisory\" reports that it will be checked during `pulumi up`; \"enforce\" reports it at the policy's enforcement level.",
};

export function stackPolicy<C extends StackPolicyBaseConfig>(spec: StackPolicySpec<C>): StackPolicy<C> {
    const schema: ConfigSchema = { properties: { unknownValues: unknownValuesProperty, ...(spec.properties ?? {}) } };
    const parseConfig = (raw: Record<string, unknown>): ConfigResult<C> => {
        const reader = new ConfigReader(raw ?? {}, schema);
        const base: StackPolicyBaseConfig = { unknownValues: reader.enumValue("unknownValues", ["advisory", "enforce"] as const) };
        return reader.result(spec.readConfig ? spec.readConfig(reader, base) : (base as C));
    };
    return stackShell<C>({
        meta: spec,
        baseTags: ["azure", "hardening", "stack"],
        schema,
        parseConfig,
        check: (resources, config, report, peers) => {
            const outcome = spec.evaluate(resources, config, peers);
            if (typeof outcome === "string") return { notApplicable: outcome };
            for (const f of outcome) report(f.message, { ...(f.urn ? { urn: f.urn } : {}), advisory: f.kind === "unknown" && config.unknownValues === "advisory" });
            return undefined;
        },
    });
}
