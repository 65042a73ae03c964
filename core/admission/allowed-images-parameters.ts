/**
 * The parameters of an allowed-images assignment, judged against what ImageAdmission assigns: deny,
 * every non-system namespace, every object and container, and a regex that accepts nothing the
 * generated one refuses. Works for the built-in definition and for imagegate's custom definition,
 * whether the values come straight from an assignment or through an initiative's parameters.
 *
 * The built-in's parameters, as Azure/azure-policy declares them
 * (built-in-policies/policyDefinitions/Kubernetes/ContainerAllowedImages.json, 9.3.0): effect
 * (audit/deny/disabled in either case, default Deny), excludedNamespaces (default kube-system,
 * gatekeeper-system, azure-arc, azure-extensions-usage-system), namespaces (default []), labelSelector
 * (default {}), allowedContainerImagesRegex (required), excludedContainers (default []), warn (default
 * false) and source (All, Generated, Original; default Original). It declares no excludedImages.
 */
import { SYSTEM_NAMESPACES } from "./azure-policy";
import { PropRead, Verdict, quote } from "./admission-judgement";
import { judgeAllowedRegex, regexProblem } from "./regex-judgement";
import type { AdmissionContext } from "./admission-judgement";
import type { ParamRead } from "./policy-assignments";


export interface AllowedImagesDefinition {
    /** For messages: "the built-in allowed-images definition", `custom definition "trusted-images"`. */
    readonly label: string;
    readonly regexParameter: string;
    /** Parameter names the definition declares. */
    readonly declared: readonly string[];
    /** The definition's default for a parameter the assignment leaves unset. */
    readonly defaultOf: (name: string) => PropRead;
}

export const BUILT_IN_PARAMETERS = ["effect", "excludedNamespaces", "namespaces", "labelSelector", "allowedContainerImagesRegex", "excludedContainers", "warn", "source"];

const BUILT_IN_DEFAULTS: Record<string, unknown> = {
    effect: "Deny",
    excludedNamespaces: [...SYSTEM_NAMESPACES],
    namespaces: [],
    labelSelector: {},
    excludedContainers: [],
    warn: false,
    source: "Original",
};

export const BUILT_IN_DEFINITION: AllowedImagesDefinition = {
    label: "the built-in allowed-images definition",
    regexParameter: "allowedContainerImagesRegex",
    declared: BUILT_IN_PARAMETERS,
    defaultOf: (name) => {
        const key = Object.keys(BUILT_IN_DEFAULTS).find((k) => k.toLowerCase() === name.toLowerCase());
        return key === undefined ? { state: "absent" } : { state: "value", value: BUILT_IN_DEFAULTS[key] };
    },
};

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const list = (vs: readonly string[]) => vs.map((s) => JSON.stringify(s)).join(", ");

/** The effective value of one parameter: set, else the definition's default. */
function effective(def: AllowedImagesDefinition, lookup: (name: string) => ParamRead, name: string, v: Verdict): { present: boolean; value?: unknown } | undefined {
    const r = lookup(name);
    if (r.state === "unresolvable") {
        v.problem(`its ${name} is the ARM expression ${quote(r.expression)}, which cannot be judged`);
        return undefined;
    }
    const got = v.value(r, `its ${name}`);
    if (got === undefined || got.present) return got;
    return v.value(def.defaultOf(name), `the default of ${name}`);
}

/**
 * Judges the parameters of one allowed-images assignment (or initiative member). `setNames` are the
 * parameter names the assignment or member sets, to catch ones the definition does not declare.
 */
export function judgeAllowedImagesParameters(def: AllowedImagesDefinition, lookup: (name: string) => ParamRead, setNames: readonly string[], v: Verdict, ctx: AdmissionContext): void {
    const declared = new Set(def.declared.map((n) => n.toLowerCase()));
    for (const n of setNames) {
        if (!declared.has(n.toLowerCase())) v.problem(`sets parameter ${JSON.stringify(n)}, which ${def.label} does not declare (Azure refuses such an assignment, or a newer definition narrows with it)`);
    }
    if (declared.has("effect")) {
        const e = effective(def, lookup, "effect", v);
        if (e?.present && !(typeof e.value === "string" && e.value.toLowerCase() === "deny")) {
            v.problem(`has effect ${quote(e.value)}, which ${typeof e.value === "string" && e.value.toLowerCase() === "disabled" ? "turns the policy off" : "reports but does not block"}`);
        }
    }
    if (declared.has("excludednamespaces")) {
        const e = effective(def, lookup, "excludedNamespaces", v);
        if (e?.present) {
            if (!Array.isArray(e.value) || !e.value.every((x) => typeof x === "string")) v.problem(`its excludedNamespaces is ${quote(e.value)}, not a list of namespaces`);
            else {
                const extra = (e.value as string[]).filter((ns) => !SYSTEM_NAMESPACES.includes(ns));
                if (extra.length) v.problem(`excludes namespace${extra.length > 1 ? "s" : ""} ${list(extra)} beyond the system namespaces (${SYSTEM_NAMESPACES.join(", ")}), so images there are not judged`);
            }
        }
    }
    if (declared.has("namespaces")) {
        const e = effective(def, lookup, "namespaces", v);
        if (e?.present && !(Array.isArray(e.value) && e.value.length === 0)) v.problem(`judges only namespaces ${quote(e.value)} (its namespaces parameter), so every other namespace is open`);
    }
    if (declared.has("labelselector")) {
        const e = effective(def, lookup, "labelSelector", v);
        if (e?.present && !(isObj(e.value) && Object.values(e.value).every((x) => x === undefined || x === null || (Array.isArray(x) && x.length === 0) || (isObj(x) && Object.keys(x).length === 0)))) {
            v.problem(`judges only objects matching labelSelector ${quote(e.value)}, so workloads without those labels are open`);
        }
    }
    for (const name of ["excludedContainers", "excludedImages"]) {
        if (!declared.has(name.toLowerCase())) continue;
        const e = effective(def, lookup, name, v);
        if (e?.present && !(Array.isArray(e.value) && e.value.length === 0)) {
            v.problem(name === "excludedContainers"
                ? `exempts containers named ${quote(e.value)} (excludedContainers); whoever writes a workload chooses its container names`
                : `exempts images ${quote(e.value)} (excludedImages)`);
        }
    }
    if (declared.has("source")) {
        const e = effective(def, lookup, "source", v);
        if (e?.present && typeof e.value === "string" && e.value.toLowerCase() === "generated") {
            v.problem(`has source "Generated", which judges only the objects Gatekeeper expansion generates, not the Pods that run`);
        }
    }
    const rx = effective(def, lookup, def.regexParameter, v);
    if (rx && !rx.present) v.problem(`does not set ${def.regexParameter}`);
    else if (rx?.present) {
        const problem = regexProblem(judgeAllowedRegex(rx.value, ctx.trust, ctx.regexLimits), `its ${def.regexParameter}`);
        if (problem) v.problem(problem);
    }
}
