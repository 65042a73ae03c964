/**
 * Self-managed Gatekeeper constraints that may enforce image admission in one cluster, judged by
 * content: the constraint's ConstraintTemplate must be the one imagegate generates (its CEL code
 * compared with `constraintTemplate()`), and the constraint must deny (`enforcementAction` deny, the
 * default), match every kind the generated constraint matches, exclude no namespace beyond the
 * system ones, narrow by nothing else, and carry a regex that accepts nothing the trust config refuses.
 */
import { parseTypeToken } from "../discovery";
import { StackNode, transitiveDependencies } from "../stack-graph";
import { AdmissionContext, CandidateVerdict, StackView, Verdict, canonical, firstDifference, quote } from "./admission-judgement";
import { SYSTEM_NAMESPACES } from "./azure-policy";
import { WORKLOAD_KINDS, constraintTemplate } from "./gatekeeper-cel";
import { judgeAllowedRegex, regexProblem } from "./regex-judgement";

function isGatekeeper(n: StackNode, group: string): boolean {
    const t = parseTypeToken(n.type);
    return t !== undefined && t.pkg === "kubernetes" && t.module === group;
}

/** Whether a Kubernetes resource is applied to `cluster`: its provider (or itself) depends on the cluster, or it is the only cluster. */
export function appliedTo(n: StackNode, cluster: StackNode, clusters: number, view: StackView): boolean {
    const provider = n.providerUrn ? view.byUrn.get(n.providerUrn) : undefined;
    if (provider && transitiveDependencies(provider, view.byUrn).has(cluster.urn)) return true;
    if (transitiveDependencies(n, view.byUrn).has(cluster.urn)) return true;
    return clusters === 1;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === "string") ? v as string[] : undefined);

/** Whether the template's code is the generated template's for its kind. */
function templateState(t: StackNode, kind: string, ctx: AdmissionContext): { state: "generated" } | { state: "other"; where: string } | { state: "unknown" } {
    const targets = ctx.read(t.props, "spec.targets");
    if (targets.state === "unknown") return { state: "unknown" };
    let generated;
    try {
        generated = constraintTemplate({ kind }).spec.targets;
    } catch {
        return { state: "other", where: "its kind" };
    }
    const value = targets.state === "value" ? targets.value : undefined;
    if (canonical(value) === canonical(generated)) return { state: "generated" };
    const d = firstDifference(value, generated) ?? "";
    return { state: "other", where: `spec.targets${d.startsWith("[") ? d : d === "(the whole value)" ? "" : `.${d}`}` };
}

/** The constraint's `spec.match`, judged against the generated constraint's reach. */
function judgeMatch(c: StackNode, v: Verdict, ctx: AdmissionContext): void {
    const match = v.value(ctx.read(c.props, "spec.match"), "its spec.match");
    if (!match?.present) return; // no match: every object
    if (!isObj(match.value)) {
        v.problem(`its spec.match is ${quote(match.value)}, not an object`);
        return;
    }
    const m = match.value;
    if (Array.isArray(m.kinds) && m.kinds.length > 0) {
        const covers = (group: string, kind: string) => (m.kinds as unknown[]).some((k) => isObj(k)
            && (strings(k.apiGroups) ?? []).some((g) => g === "*" || g === group)
            && (strings(k.kinds) ?? []).some((x) => x === "*" || x === kind));
        const missing = WORKLOAD_KINDS.filter((k) => !covers(k.apiGroup, k.kind)).map((k) => k.kind);
        if (missing.length) v.problem(`does not match ${missing.join(", ")} (spec.match.kinds), which the generated constraint judges`);
    }
    if (m.excludedNamespaces !== undefined) {
        const ns = strings(m.excludedNamespaces);
        const extra = ns ? ns.filter((x) => !SYSTEM_NAMESPACES.includes(x)) : undefined;
        if (!ns) v.problem(`its spec.match.excludedNamespaces is ${quote(m.excludedNamespaces)}, not a list of namespaces`);
        else if (extra!.length) v.problem(`excludes namespace${extra!.length > 1 ? "s" : ""} ${extra!.map((x) => JSON.stringify(x)).join(", ")} beyond the system namespaces (${SYSTEM_NAMESPACES.join(", ")}), so images there are not judged`);
    }
    if (m.namespaces !== undefined && !(Array.isArray(m.namespaces) && m.namespaces.length === 0)) v.problem(`judges only namespaces ${quote(m.namespaces)} (spec.match.namespaces), so every other namespace is open`);
    for (const sel of ["labelSelector", "namespaceSelector"]) {
        if (m[sel] !== undefined && !(isObj(m[sel]) && Object.keys(m[sel] as object).length === 0)) v.problem(`judges only objects matching spec.match.${sel} ${quote(m[sel])}`);
    }
    if (m.name !== undefined) v.problem(`judges only objects named ${quote(m.name)} (spec.match.name)`);
    if (typeof m.scope === "string" && m.scope !== "*" && m.scope !== "Namespaced") v.problem(`has spec.match.scope ${quote(m.scope)}, which leaves Pods out`);
    if (typeof m.source === "string" && m.source.toLowerCase() === "generated") v.problem(`has spec.match.source "Generated", which judges only the objects Gatekeeper expansion generates`);
}

function judgeConstraint(c: StackNode, v: Verdict, ctx: AdmissionContext): void {
    const action = v.value(ctx.read(c.props, "spec.enforcementAction"), "its enforcementAction");
    if (action?.present && !(typeof action.value === "string" && action.value.toLowerCase() === "deny")) {
        v.problem(`has enforcementAction ${quote(action.value)}, which does not block`);
    }
    judgeMatch(c, v, ctx);
    const rx = v.value(ctx.read(c.props, "spec.parameters.allowedImagesRegex"), "its allowedImagesRegex");
    // Without a regex the generated template refuses every image: stricter, so it still counts.
    if (rx?.present) {
        const problem = regexProblem(judgeAllowedRegex(rx.value, ctx.trust, ctx.regexLimits), "its spec.parameters.allowedImagesRegex");
        if (problem) v.problem(problem);
    }
}

/** Every Gatekeeper constraint applied to `cluster` that may enforce image admission, judged. */
export function judgeGatekeeperConstraints(cluster: StackNode, clusters: number, view: StackView, ctx: AdmissionContext): CandidateVerdict[] {
    const templates = new Map<string, StackNode[]>();
    for (const t of view.nodes) {
        if (!isGatekeeper(t, "templates.gatekeeper.sh") || parseTypeToken(t.type)?.kind !== "ConstraintTemplate" || !appliedTo(t, cluster, clusters, view)) continue;
        const k = ctx.read(t.props, "spec.crd.spec.names.kind");
        if (k.state === "value" && typeof k.value === "string") templates.set(k.value, [...(templates.get(k.value) ?? []), t]);
    }
    const out: CandidateVerdict[] = [];
    for (const c of view.nodes) {
        if (!isGatekeeper(c, "constraints.gatekeeper.sh") || !appliedTo(c, cluster, clusters, view)) continue;
        const kind = parseTypeToken(c.type)!.kind;
        const v = new Verdict(`Gatekeeper ${kind} "${c.name}"`, c.urn);
        const named = ctx.constraintKinds.includes(kind);
        const ts = templates.get(kind) ?? [];
        const states = ts.map((t) => ({ t, s: templateState(t, kind, ctx) }));
        const generated = states.find((x) => x.s.state === "generated");
        if (!generated) {
            if (states.some((x) => x.s.state === "unknown")) v.unknown(`its ConstraintTemplate's code is not known yet`);
            else if (!named) continue; // another kind of constraint (labels, resources…)
            else if (ts.length === 0) v.problem("its ConstraintTemplate is not in the stack, so what it admits cannot be judged");
            else {
                const other = states.find((x) => x.s.state === "other")!;
                v.problem(`its ConstraintTemplate "${other.t.name}" is not the one imagegate generates (it differs at ${(other.s as { where: string }).where}), so what it admits cannot be judged`);
            }
            out.push(v.done());
            continue;
        }
        judgeConstraint(c, v, ctx);
        out.push(v.done());
    }
    return out;
}
