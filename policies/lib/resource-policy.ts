/**
 * Builds a resource policy that judges Azure resource settings (ACR, AKS, Defender) with a list of
 * named checks. Shared plumbing, like image-policy.ts for images: type-token matching (plain and
 * versioned `azure-native:containerregistry/v20230701:Registry`), property reads that tell "unset"
 * from "unknown at preview" from "set twice in different casing", config reading, one diagnostic per
 * failed check, unknown properties reported as advisory "checked during `pulumi up`", and any
 * unexpected error turned into a violation instead of an aborted preview.
 */
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { isAzureType } from "../../core/discovery";
import { isUnknown, unwrapProxy } from "../../core/unknown";
import { ConfigReader, ConfigResult, ConfigSchema, PropertySchema } from "./config";
import { crashMessage, policyFields, type PolicyMeta } from "./metadata";
import { notApplicable } from "./not-applicable";

// ---------------------------------------------------------------------------------------------
// Property reads
// ---------------------------------------------------------------------------------------------

/** The outcome of reading one property path of a resource's raw inputs. */
export type Read =
    | { readonly state: "value"; readonly path: string; readonly value: unknown }
    /** The property (or an object on the way to it) is not set. */
    | { readonly state: "absent"; readonly path: string }
    /** The property (or an object on the way) is an output of another resource: unknown at preview. */
    | { readonly state: "unknown"; readonly path: string }
    /** Two keys differing only in case name the same property; Azure reads keys case-insensitively. */
    | { readonly state: "ambiguous"; readonly path: string; readonly keys: readonly string[] };

type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** Keys of `obj` equal to `key` ignoring case (ARM property names and add-on keys are case-insensitive). */
export function keysIgnoringCase(obj: Obj, key: string): string[] {
    const lower = key.toLowerCase();
    return Object.keys(obj).filter((k) => k.toLowerCase() === lower);
}

/**
 * Reads a dotted path (`addonProfiles.azurepolicy.enabled`) from raw props. Every segment is
 * matched case-insensitively: the SDK spells `enableAzureRBAC`, ARM `enableAzureRbac`, the add-on
 * key is `azurepolicy` in ARM and `azurePolicy` in PSRule and many programs. The returned path uses
 * the keys as the program wrote them, so messages point at what the user typed.
 */
export function read(root: unknown, path: string): Read {
    let cur: unknown = root;
    let walked = "";
    for (const segment of path.split(".")) {
        if (isUnknown(cur)) return { state: "unknown", path: walked || segment };
        if (!isObj(cur)) return { state: "absent", path: walked ? `${walked}.${segment}` : segment };
        const keys = keysIgnoringCase(cur, segment);
        if (keys.length > 1) return { state: "ambiguous", path: walked ? `${walked}.${segment}` : segment, keys };
        const key = keys[0] ?? segment;
        walked = walked ? `${walked}.${key}` : key;
        cur = keys.length === 1 ? cur[key] : undefined;
        if (cur === undefined || cur === null) return { state: "absent", path: walked };
    }
    if (isUnknown(cur)) return { state: "unknown", path: walked };
    return { state: "value", path: walked, value: cur };
}

/** `"Enabled"`, `true`, `["a"]` for messages. */
export function show(v: unknown): string {
    try {
        const s = JSON.stringify(v);
        return s === undefined ? String(v) : s.length > 120 ? `${s.slice(0, 117)}...` : s;
    } catch {
        return String(v);
    }
}

/** Case-insensitive string comparison for enum values (`"Disabled"` / `"disabled"`). */
export function sameText(v: unknown, expected: string): boolean {
    return typeof v === "string" && v.toLowerCase() === expected.toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

/** What one check found. Nothing returned means the check passes. */
export type CheckResult =
    | { readonly kind: "violation"; readonly path: string; readonly problem: string; readonly fix: string }
    /** A property the check needs is unknown at preview. */
    | { readonly kind: "unknown"; readonly path: string; readonly what: string };

export interface CheckContext<C> {
    /** Raw inputs (unknown sentinels in place, secrets unwrapped). */
    readonly props: unknown;
    /** Kind from the type token (`Registry`, `ManagedCluster`, …). */
    readonly kind: string;
    readonly name: string;
    readonly type: string;
    readonly config: C;
    read(path: string): Read;
}

export interface ResourceCheck<C> {
    /** Kebab-case, unique within the policy; the value of `skipChecks`. */
    readonly id: string;
    /** One line for docs and the config schema. */
    readonly title: string;
    /** Kinds the check applies to; default every kind of the policy. */
    readonly kinds?: readonly string[];
    evaluate(ctx: CheckContext<C>): CheckResult[];
}

export const violation = (path: string, problem: string, fix: string): CheckResult => ({ kind: "violation", path, problem, fix });
export const unknownResult = (path: string, what: string): CheckResult => ({ kind: "unknown", path, what });

/** The non-value outcomes of a read as check results (unknown → unknown, ambiguous → violation). */
export function unreadable(r: Read, what: string): CheckResult[] | undefined {
    if (r.state === "unknown") return [unknownResult(r.path, what)];
    if (r.state === "ambiguous") {
        return [violation(r.path, `is set more than once with different casing (${r.keys.join(", ")}); Azure treats these keys as one, so which value applies is undefined`, `keep exactly one ${r.keys[0]} key`)];
    }
    return undefined;
}

export interface ExpectOptions {
    /** The secure values (strings compared case-insensitively). */
    readonly accept: readonly unknown[];
    /** What Azure does when the property is unset: it passes only if this is one of `accept`. */
    readonly azureDefault?: unknown;
    /** Words for the setting in messages ("the admin user"). */
    readonly what: string;
    readonly fix: string;
    /** Extra words after the shown value ("(the admin user has full push/pull rights)"). */
    readonly why?: string;
}

function accepted(v: unknown, accept: readonly unknown[]): boolean {
    return accept.some((a) => (typeof a === "string" ? sameText(v, a) : v === a));
}

/** The common check: one property must hold one of the accepted values. */
export function expectValue(ctx: CheckContext<unknown>, path: string, o: ExpectOptions): CheckResult[] {
    const r = ctx.read(path);
    const bad = unreadable(r, o.what);
    if (bad) return bad;
    const why = o.why ? ` ${o.why}` : "";
    if (r.state === "absent") {
        if (o.azureDefault !== undefined && accepted(o.azureDefault, o.accept)) return [];
        if (o.azureDefault === undefined) return [violation(r.path, `${o.what} is not set${why}`, o.fix)];
        // One parenthesis for the default and the reason: `(Azure's default is "none"; NetworkPolicy objects …)`.
        const reason = o.why && /^\(.*\)$/.test(o.why) ? `; ${o.why.slice(1, -1)}` : "";
        const after = o.why && !reason ? why : "";
        return [violation(r.path, `${o.what} is not set (Azure's default is ${show(o.azureDefault)}${reason})${after}`, o.fix)];
    }
    if (r.state !== "value" || accepted(r.value, o.accept)) return [];
    return [violation(r.path, `${o.what} is ${show(r.value)}${why}`, o.fix)];
}

// ---------------------------------------------------------------------------------------------
// The factory
// ---------------------------------------------------------------------------------------------

/** Config every resource policy takes. */
export interface ResourcePolicyBaseConfig {
    /** What a setting that is unknown at preview yields: an advisory note, or a finding at the policy's level. */
    readonly unknownValues: "advisory" | "enforce";
    /** Check IDs this policy does not run. */
    readonly skipChecks: readonly string[];
}

/** An azure-native resource type, matched in every API version. */
export interface AzureKind {
    readonly module: string;
    readonly kind: string;
}

export interface ResourcePolicySpec<C extends ResourcePolicyBaseConfig> extends PolicyMeta {
    readonly appliesTo: readonly AzureKind[];
    readonly checks: readonly ResourceCheck<C>[];
    /** Policy-specific properties, merged with the base ones. */
    readonly properties?: Record<string, PropertySchema>;
    /** Reads the policy-specific part of the config; base fields are read by the factory. */
    readonly readConfig?: (reader: ConfigReader, base: ResourcePolicyBaseConfig) => C;
}

/** A policy plus the config reader the pack runs at Configure, and its checks for docs and tests. */
export interface ResourcePolicy<C> extends ResourceValidationPolicy {
    readonly parseConfig: (raw: Record<string, unknown>) => ConfigResult<C>;
    readonly hardeningChecks: readonly { readonly id: string; readonly title: string; readonly kinds?: readonly string[] }[];
    readonly appliesTo: readonly AzureKind[];
}

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

/** Kind of `type` when it is one of `kinds` (any API version), else undefined. */
export function matchAzureKind(type: string, kinds: readonly AzureKind[]): string | undefined {
    return kinds.find((k) => isAzureType(type, k.module, k.kind))?.kind;
}

/** The diagnostic text of one check result. */
export function formatResult(kind: string, name: string, checkId: string, r: CheckResult): string {
    const where = `${kind} "${name}" ${r.path}`;
    if (r.kind === "unknown") {
        return `${where}: ${r.what} is not known until another resource is created, so it cannot be verified at preview; it will be checked during \`pulumi up\`. [${checkId}]`;
    }
    return `${where}: ${r.problem}. Fix: ${r.fix}. [${checkId}]`;
}

/** Runs the checks of a policy on one resource's raw props (the pure core of validateResource). */
export function runChecks<C extends ResourcePolicyBaseConfig>(checks: readonly ResourceCheck<C>[], type: string, kind: string, name: string, props: unknown, config: C): { checkId: string; result: CheckResult }[] {
    const ctx: CheckContext<C> = { props, kind, name, type, config, read: (p) => read(props, p) };
    const out: { checkId: string; result: CheckResult }[] = [];
    for (const check of checks) {
        if (config.skipChecks.includes(check.id)) continue;
        if (check.kinds && !check.kinds.includes(kind)) continue;
        let results: CheckResult[];
        try {
            results = check.evaluate(ctx);
        } catch (e) {
            // A check that throws must not let the resource through.
            results = [violation("(check)", `the check failed while reading this resource (${(e as Error)?.message ?? String(e)}), so it is not allowed through`, "report this as an imagegate bug; meanwhile lower this policy's enforcement level or skip the check in its config")];
        }
        for (const result of results) out.push({ checkId: check.id, result });
    }
    return out;
}

export function resourcePolicy<C extends ResourcePolicyBaseConfig>(spec: ResourcePolicySpec<C>): ResourcePolicy<C> {
    const checkIds = spec.checks.map((c) => c.id);
    const schema: ConfigSchema = { properties: { ...baseResourceProperties(checkIds), ...(spec.properties ?? {}) } };

    const parseConfig = (raw: Record<string, unknown>): ConfigResult<C> => {
        const reader = new ConfigReader(raw ?? {}, schema);
        const base = readBaseConfig(reader, checkIds);
        const config = spec.readConfig ? spec.readConfig(reader, base) : (base as C);
        return reader.result(config);
    };

    // The SDK hands out a fresh config object for every resource: parse each distinct config once.
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

    const kindsText = spec.appliesTo.map((k) => `${k.module}:${k.kind}`).join(", ");

    const validateResource = (args: ResourceValidationArgs, reportViolation: unknown): void => {
        const kind = matchAzureKind(args.type, spec.appliesTo);
        if (kind === undefined) notApplicable(args, `applies to azure-native ${kindsText}`);
        // The SDK's reportViolation also takes a diagnostic object (server.js makeReportViolationFun),
        // which lets one diagnostic carry its own enforcement level.
        const reportDiagnostic = reportViolation as (d: Record<string, unknown>) => void;
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
                report(`The policy config is invalid, so this resource cannot be judged: ${configResult.errors.join("; ")}. Fix the ${spec.name} entry of the policy config.`);
                return;
            }
            const config = configResult.config;
            for (const { checkId, result } of runChecks(spec.checks, args.type, kind!, args.name, unwrapProxy(args.props), config)) {
                report(formatResult(kind!, args.name, checkId, result), result.kind === "unknown" && config.unknownValues === "advisory");
            }
        } catch (e) {
            report(crashMessage(e));
        }
    };

    return {
        ...policyFields(spec, ["azure", "hardening"], schema),
        validateResource: validateResource as ResourceValidationPolicy["validateResource"],
        parseConfig,
        hardeningChecks: spec.checks.map((c) => ({ id: c.id, title: c.title, ...(c.kinds ? { kinds: c.kinds } : {}) })),
        appliesTo: spec.appliesTo,
    };
}
