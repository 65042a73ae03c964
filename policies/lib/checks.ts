/**
 * Named checks of a hardening policy and their results: one result per failing check, unknown
 * properties as their own kind (advisory unless the policy enforces them), and the common
 * "this property must hold one of these values" check.
 */
import { read, show, sameText, type Read } from "./properties";

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

/** Runs the checks of a policy on one resource's raw props; a check that throws fails the resource. */
export function runChecks<C extends { readonly skipChecks: readonly string[] }>(checks: readonly ResourceCheck<C>[], type: string, kind: string, name: string, props: unknown, config: C): { checkId: string; result: CheckResult }[] {
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

/** The diagnostic text of one check result. */
export function formatResult(kind: string, name: string, checkId: string, r: CheckResult): string {
    const where = `${kind} "${name}" ${r.path}`;
    if (r.kind === "unknown") {
        return `${where}: ${r.what} is not known until another resource is created, so it cannot be verified at preview; it will be checked during \`pulumi up\`. [${checkId}]`;
    }
    return `${where}: ${r.problem}. Fix: ${r.fix}. [${checkId}]`;
}
