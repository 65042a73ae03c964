/**
 * What a policy config file means: the one owner of it. The file is the one users write and pass to
 * `pulumi preview --policy-pack-config`; the same file is read by the imagegate CLI, the TrustedImage
 * component and the environment program. Reconciliation is the Pulumi CLI's
 * (pkg/resource/analyzer/config.go): schema defaults → the pack's initialConfig → `"all"` from the
 * config file → per-policy entries, then each policy's result validated against its configSchema
 * with an injected enforcementLevel enum. Errors read like the CLI's:
 * `validating policy config: <pack> <version>  <policy>: <field>: …`.
 */
import Ajv, { type ErrorObject } from "ajv";

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";
export const ENFORCEMENT_LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

/** One policy's config: its enforcement level and its properties (enforcementLevel excluded). */
export interface PolicyConfig {
    enforcementLevel: EnforcementLevel;
    properties: Record<string, unknown>;
}

/** What a pack declares about its policies, as far as config is concerned (AnalyzerInfo has it). */
export interface PackDeclaration {
    readonly name: string;
    readonly version: string;
    readonly policies: readonly PolicyDeclaration[];
    readonly initialConfig?: Readonly<Record<string, Partial<PolicyConfig>>>;
}

export interface PolicyDeclaration {
    readonly name: string;
    /** The policy's own default level (the pack's level when the policy sets none). */
    readonly enforcementLevel: EnforcementLevel;
    readonly configSchema?: { readonly properties: Record<string, unknown>; readonly required?: readonly string[] };
}

/** The `--policy-config` file: `{"all": level, "<policy>": level | {enforcementLevel?, ...props}}`. */
export type PolicyConfigFile = Record<string, unknown>;

export type ReconciledConfig = Record<string, PolicyConfig>;

export class PolicyConfigError extends Error {
    constructor(public readonly problems: string[], prefix: string) {
        super(`${prefix}  ${problems.join("  ")}`);
        this.name = "PolicyConfigError";
    }
}

function isLevel(v: unknown): v is EnforcementLevel {
    return typeof v === "string" && (ENFORCEMENT_LEVELS as readonly string[]).includes(v);
}

function levelProblem(where: string, v: unknown): string {
    return `${where}: enforcement level ${JSON.stringify(v)} is not one of ${ENFORCEMENT_LEVELS.join(", ")}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Default values declared at the top level of a config schema. */
export function schemaDefaults(properties: Record<string, unknown> | undefined): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, s] of Object.entries(properties ?? {})) {
        if (isPlainObject(s) && "default" in s) out[k] = structuredClone(s.default);
    }
    return out;
}

/**
 * The config the CLI would send in Configure, one entry per policy of the pack.
 * Throws PolicyConfigError listing every problem (unknown policies, bad levels, schema violations).
 */
export function reconcilePolicyConfig(info: PackDeclaration, file: PolicyConfigFile = {}): ReconciledConfig {
    const prefix = `validating policy config: ${info.name} ${info.version}`;
    const problems: string[] = [];
    if (!isPlainObject(file)) throw new PolicyConfigError(["(root): the policy config must be a JSON object"], prefix);

    const config: ReconciledConfig = {};
    for (const p of info.policies) {
        config[p.name] = { enforcementLevel: p.enforcementLevel, properties: schemaDefaults(p.configSchema?.properties) };
    }
    for (const [name, initial] of Object.entries(info.initialConfig ?? {})) {
        const c = config[name];
        if (!c) continue; // the SDK only lets a pack ship initial config for its own policies
        if (initial.enforcementLevel) c.enforcementLevel = initial.enforcementLevel;
        Object.assign(c.properties, initial.properties ?? {});
    }
    if ("all" in file) {
        const all = file.all;
        const level = isPlainObject(all) ? all.enforcementLevel : all;
        if (isPlainObject(all) && Object.keys(all).some((k) => k !== "enforcementLevel")) {
            problems.push(`all: only an enforcement level can be set for all policies`);
        }
        if (!isLevel(level)) problems.push(levelProblem("all", level));
        else for (const c of Object.values(config)) c.enforcementLevel = level;
    }
    for (const [name, entry] of Object.entries(file)) {
        if (name === "all") continue;
        const c = config[name];
        if (!c) {
            problems.push(`${name}: the pack has no policy named ${JSON.stringify(name)}`);
            continue;
        }
        if (typeof entry === "string") {
            if (isLevel(entry)) c.enforcementLevel = entry;
            else problems.push(levelProblem(name, entry));
        } else if (isPlainObject(entry)) {
            const { enforcementLevel, ...props } = entry;
            if (enforcementLevel !== undefined) {
                if (isLevel(enforcementLevel)) c.enforcementLevel = enforcementLevel;
                else problems.push(levelProblem(`${name}: enforcementLevel`, enforcementLevel));
            }
            Object.assign(c.properties, props);
        } else {
            problems.push(`${name}: expected an enforcement level string or an object, given: ${jsonType(entry)}`);
        }
    }
    if (problems.length) throw new PolicyConfigError(problems, prefix);

    for (const p of info.policies) problems.push(...validatePolicyConfig(p.name, p.configSchema, config[p.name]));
    if (problems.length) throw new PolicyConfigError(problems, prefix);
    return config;
}

const ajv = new Ajv({ allErrors: true, strict: false });

/** Schema problems of one policy's config, in gojsonschema's wording (`<policy>: <field>: …`). */
export function validatePolicyConfig(
    policyName: string,
    schema: PolicyDeclaration["configSchema"],
    config: PolicyConfig,
): string[] {
    const full = {
        type: "object",
        properties: {
            ...(schema?.properties ?? {}),
            enforcementLevel: { type: "string", enum: [...ENFORCEMENT_LEVELS] },
        },
        required: [...(schema?.required ?? [])],
    };
    let validate;
    try {
        validate = ajv.compile(full);
    } catch (e) {
        return [`${policyName}: the policy's config schema is invalid: ${(e as Error).message}`];
    }
    const value = { ...config.properties, enforcementLevel: config.enforcementLevel };
    if (validate(value)) return [];
    return (validate.errors ?? []).map((err) => `${policyName}: ${describe(err, value)}`);
}

function jsonType(v: unknown): string {
    if (v === null) return "null";
    if (Array.isArray(v)) return "array";
    if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
    return typeof v;
}

function valueAt(root: unknown, pointer: string): unknown {
    let cur = root;
    for (const seg of pointer.split("/").slice(1)) {
        const key = seg.replace(/~1/g, "/").replace(/~0/g, "~");
        cur = cur === null || typeof cur !== "object" ? undefined : (cur as Record<string, unknown>)[key];
    }
    return cur;
}

/** One ajv error in gojsonschema's words, the field as a dotted path or `(root)`. */
function describe(err: ErrorObject, root: unknown): string {
    const field = err.instancePath ? err.instancePath.slice(1).split("/").join(".") : "(root)";
    const p = err.params as Record<string, unknown>;
    switch (err.keyword) {
        case "type": {
            const expected = Array.isArray(p.type) ? p.type.join(",") : String(p.type);
            return `${field}: Invalid type. Expected: ${expected}, given: ${jsonType(valueAt(root, err.instancePath))}`;
        }
        case "required":
            return `${field}: ${p.missingProperty} is required`;
        case "enum": {
            const allowed = (p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ");
            return `${field}: ${field} must be one of the following: ${allowed}`;
        }
        case "additionalProperties":
            return `${field}: Additional property ${p.additionalProperty} is not allowed`;
        case "minItems":
            return `${field}: Array must have at least ${p.limit} items`;
        case "maxItems":
            return `${field}: Array must have at most ${p.limit} items`;
        case "minLength":
            return `${field}: String length must be greater than or equal to ${p.limit}`;
        case "pattern":
            return `${field}: Does not match pattern '${p.pattern}'`;
        case "format":
            return `${field}: Does not match format '${p.format}'`;
        default:
            return `${field}: ${err.message ?? err.keyword}`;
    }
}
