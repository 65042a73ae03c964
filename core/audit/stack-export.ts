/**
 * `pulumi stack export` JSON (apitype.UntypedDeployment: `{ version, deployment: DeploymentV3 }`,
 * github.com/pulumi/pulumi sdk/go/common/apitype/core.go) → the resources a stack runs, with their
 * outputs (what the provider reported back: what actually runs). Pure; the caller reads the file.
 *
 * Secret values (the `{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", …}`
 * envelope, ciphertext or plaintext) are opaque: each becomes the engine's unknown sentinel, so
 * discovery reports an image inside one as "could not be judged" and its value is never read or
 * printed.
 */
import { isRecord } from "../evidence/json";
import { UNKNOWN_STRING } from "../unknown";
import { fail, type Failed } from "../result";

export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** The deployment schema versions Pulumi writes today (apitype DeploymentSchemaVersionCurrent = 3). */
const SUPPORTED_VERSIONS = new Set([1, 2, 3]);

export interface StackExportLimits {
    /** Resources read per stack. */
    readonly maxResources: number;
    /** Nesting depth of an output value; deeper values become unknown (discovery reports them). */
    readonly maxDepth: number;
}
export const DEFAULT_STACK_EXPORT_LIMITS: StackExportLimits = { maxResources: 50_000, maxDepth: 64 };

export interface DeployedResource {
    readonly urn: string;
    readonly type: string;
    /** The resource's logical name (last URN segment). */
    readonly name: string;
    readonly custom: boolean;
    readonly parent?: string;
    /** Outputs with secrets replaced by the unknown sentinel. */
    readonly outputs: Readonly<Record<string, unknown>>;
    /** Marked for deletion after a replace: it still exists until the next update finishes. */
    readonly pendingDelete: boolean;
}

export interface DeployedStack {
    /** Stack and project from the URNs (`urn:pulumi:<stack>::<project>::…`). */
    readonly stack: string;
    readonly project: string;
    /** The file it was read from, for messages. */
    readonly source: string;
    readonly resources: readonly DeployedResource[];
}

/** Why a state file was refused: not an export (`not-an-export`), or over a limit (`too-large`). */
export type StackExportFailureCode = "not-an-export" | "too-large";

export type StackExportResult = { ok: true; stack: DeployedStack } | Failed<StackExportFailureCode>;

/** Secret envelopes → unknown; depth bounded. */
function opaque(v: unknown, depth: number, maxDepth: number): unknown {
    if (depth > maxDepth) return UNKNOWN_STRING;
    if (Array.isArray(v)) return v.map((x) => opaque(x, depth + 1, maxDepth));
    if (isRecord(v)) {
        if (v[SECRET_SIG_KEY] === SECRET_SIG) return UNKNOWN_STRING;
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) out[k] = opaque(x, depth + 1, maxDepth);
        return out;
    }
    return v;
}

export function parseUrn(urn: string): { stack: string; project: string; qualifiedType: string; name: string } | undefined {
    const parts = urn.split("::");
    if (parts.length < 4 || !parts[0].startsWith("urn:pulumi:")) return undefined;
    const stack = parts[0].slice("urn:pulumi:".length);
    if (!stack || !parts[1] || !parts[2]) return undefined;
    return { stack, project: parts[1], qualifiedType: parts[2], name: parts.slice(3).join("::") };
}

/** Validates the export's shape; every refusal says what is wrong. Never throws. */
export function parseStackExport(doc: unknown, source: string, limits: StackExportLimits = DEFAULT_STACK_EXPORT_LIMITS): StackExportResult {
    const refuse = (what: string): StackExportResult => fail("not-an-export", `${source}: not a \`pulumi stack export\` document: ${what}`);
    if (!isRecord(doc)) return refuse("the top level is not a JSON object");
    if (typeof doc.version !== "number" || !SUPPORTED_VERSIONS.has(doc.version)) {
        return refuse(`version ${JSON.stringify(doc.version)} is not a deployment schema version this tool reads (1, 2, 3)`);
    }
    const dep = doc.deployment;
    if (!isRecord(dep)) return refuse("it has no deployment object");
    const raw = dep.resources ?? [];
    if (!Array.isArray(raw)) return refuse("deployment.resources is not a list");
    if (raw.length > limits.maxResources) return fail("too-large", `${source}: ${raw.length} resources, over the limit of ${limits.maxResources} per stack`);
    const resources: DeployedResource[] = [];
    let stack: string | undefined, project: string | undefined;
    for (const [i, r] of raw.entries()) {
        if (!isRecord(r)) return refuse(`deployment.resources[${i}] is not an object`);
        if (typeof r.urn !== "string" || typeof r.type !== "string") return refuse(`deployment.resources[${i}] has no urn or type`);
        const parsed = parseUrn(r.urn);
        if (!parsed) return refuse(`deployment.resources[${i}].urn ${JSON.stringify(r.urn.slice(0, 200))} is not a Pulumi URN`);
        if (stack === undefined) { stack = parsed.stack; project = parsed.project; }
        else if (parsed.stack !== stack || parsed.project !== project) return refuse(`resources of more than one stack (${stack} and ${parsed.stack})`);
        const outputs = r.outputs === undefined || r.outputs === null ? {} : r.outputs;
        if (!isRecord(outputs)) return refuse(`deployment.resources[${i}].outputs is not an object`);
        resources.push({
            urn: r.urn, type: r.type, name: parsed.name, custom: r.custom === true,
            ...(typeof r.parent === "string" && r.parent ? { parent: r.parent } : {}),
            outputs: opaque(outputs, 0, limits.maxDepth) as Record<string, unknown>,
            pendingDelete: r.delete === true,
        });
    }
    if (stack === undefined) return refuse("it has no resources (an empty or never-deployed stack)");
    return { ok: true, stack: { stack, project: project!, source, resources } };
}
