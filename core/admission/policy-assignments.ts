/**
 * Azure Policy assignments that reach one AKS cluster, for any family of Kubernetes policy
 * definitions (allowed images today; image integrity later): assignments at any scope that contains
 * the cluster (the cluster, its resource group, its subscription, a management group declared to
 * hold that subscription), of one of the family's exact built-in IDs, of a custom definition the
 * family recognises by content, or of an initiative with such a member (its parameters mapped
 * through the initiative's). What switches them off or narrows their reach — enforcement mode,
 * effect overrides, resource selectors, notScopes, exemptions, a cluster without the Azure Policy
 * add-on — is recorded on each; judging the definition's own parameters is the family's job.
 */
import { isAzureType } from "../discovery";
import { propertyDependsOn, propertySources, StackNode } from "../stack-graph";
import { PropRead, PropReader, StackView, Verdict, quote } from "./admission-judgement";
import { ManagementGroupMembers, ResourceLocation, describeScope, parseArmScope, scopeContains } from "./arm-scope";

export const MANAGED_CLUSTER_ARM_TYPE = "Microsoft.ContainerService/managedClusters";

/** A parameter's value as the add-on will see it; `unresolvable` is an ARM expression that cannot be evaluated here. */
export type ParamRead = PropRead | { readonly state: "unresolvable"; readonly expression: string };

export interface AssignmentContext {
    readonly read: PropReader;
    readonly managementGroups: ManagementGroupMembers;
}

export type CustomJudgement<D> =
    | { readonly kind: "member"; readonly def: D }
    /** Not of the family: ignored. */
    | { readonly kind: "unrelated" }
    /** Looks like the family but is not one of its definitions: named. */
    | { readonly kind: "problem"; readonly what: string }
    | { readonly kind: "unknown"; readonly what: string };

/** A family of policy definitions an assignment may use. */
export interface DefinitionFamily<D> {
    /** For messages: "the built-in allowed-images definition". */
    readonly name: string;
    /** The family's built-in definitions: exact IDs (compared ignoring case, as ARM does). */
    readonly builtIns: readonly { readonly id: string; readonly def: D }[];
    /** GUIDs of built-in initiatives known to contain a member: named, since their parameter mapping is not in the stack. */
    readonly builtInInitiatives: readonly string[];
    /** Recognises a custom definition in the stack by its content. */
    readonly custom: (node: StackNode, ctx: AssignmentContext) => CustomJudgement<D>;
}

/** One assignment (or initiative member) that reaches the cluster. */
export interface AssignmentReach<D> {
    /** Label, and the problems and unknowns found so far (scope, settings, exemptions, definition). */
    readonly verdict: Verdict;
    /** The definition to judge parameters against; undefined when it could not be resolved. */
    readonly def?: D;
    /** The effective value of one of the definition's parameters (undefined → its default is the family's to supply). */
    readonly parameter: (name: string) => ParamRead;
    /** Parameter names the assignment or member sets. */
    readonly parameterNames: readonly string[];
}

const is = (n: StackNode, kind: string, module = "authorization") => isAzureType(n.type, module, kind);
const isDefinition = (n: StackNode) => is(n, "PolicyDefinition") || is(n, "PolicyDefinitionAtManagementGroup");
const isSet = (n: StackNode) => is(n, "PolicySetDefinition") || is(n, "PolicySetDefinitionAtManagementGroup");
const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** What a cluster is, as far as scopes go. */
export function clusterLocation(cluster: StackNode, ctx: AssignmentContext): ResourceLocation {
    const str = (path: string) => {
        const r = ctx.read(cluster.props, path);
        return r.state === "value" && typeof r.value === "string" ? r.value : undefined;
    };
    const id = str("id");
    const name = str("name") ?? str("resourceName");
    const rg = str("resourceGroupName");
    return { armType: MANAGED_CLUSTER_ARM_TYPE, ...(id ? { id } : {}), ...(name ? { name } : {}), ...(rg ? { resourceGroup: rg } : {}) };
}

function idOf(n: StackNode, ctx: AssignmentContext): string | undefined {
    const r = ctx.read(n.props, "id");
    return r.state === "value" && typeof r.value === "string" ? r.value.toLowerCase() : undefined;
}

type Containing = { state: "contains"; where: string } | { state: "outside" } | { state: "unknown"; why: string } | { state: "problem"; what: string };

/**
 * Whether the ARM scope in `prop` of `node` contains the cluster. At preview an unknown scope is
 * traced through per-property dependencies: computed from the cluster, or from the resource group
 * the cluster is in.
 */
function containsCluster(node: StackNode, prop: string, cluster: StackNode, view: StackView, ctx: AssignmentContext): Containing {
    const r = ctx.read(node.props, prop);
    const sources = propertySources(node, prop, view.byUrn);
    const rg = sources.find((s) => is(s, "ResourceGroup", "resources"));
    if (r.state === "value" && typeof r.value === "string") {
        const c = fromScope(r.value, cluster, ctx);
        if (c.state !== "unknown") return c;
        // The cluster's ID is not known yet, the scope is: what it was computed from decides.
        const level = parseArmScope(r.value);
        if (level.level === "resource" && level.id.includes(`/providers/${MANAGED_CLUSTER_ARM_TYPE.toLowerCase()}/`) && sources.some((s) => s.urn === cluster.urn)) {
            return { state: "contains", where: "the cluster" };
        }
        if (level.level === "resource group" && rg && clusterInGroup(cluster, rg, ctx)) return { state: "contains", where: describeScope(r.value) };
        return c;
    }
    if (r.state === "unknown") {
        if (sources.some((s) => s.urn === cluster.urn)) return { state: "contains", where: "the cluster (its ID, at preview)" };
        if (rg && clusterInGroup(cluster, rg, ctx)) return { state: "contains", where: `resource group "${rg.name}" (its ID, at preview)` };
        const from = sources.length ? `: it is computed from ${sources.map((s) => `${s.type} "${s.name}"`).join(", ")}` : "";
        return { state: "unknown", why: `its ${prop} is not known yet${from}` };
    }
    if (r.state === "ambiguous") return { state: "problem", what: `its ${prop} is set twice in different casing (${r.keys.join(", ")})` };
    return { state: "problem", what: `has no ${prop}` };
}

function fromScope(scope: string, cluster: StackNode, ctx: AssignmentContext): Containing {
    const c = scopeContains(scope, clusterLocation(cluster, ctx), ctx.managementGroups);
    switch (c.state) {
        case "contains": return { state: "contains", where: c.level === "resource" ? "the cluster" : describeScope(scope) };
        case "outside": return { state: "outside" };
        case "unknown": return { state: "unknown", why: `whether ${describeScope(scope)} contains the cluster is not known yet: ${c.why}` };
        case "undeclared": return { state: "problem", what: `is assigned at management group "${c.managementGroup}", and which subscriptions it holds is not in the stack: list them under managementGroups in the policy config to have it judged` };
        case "unrecognized": return { state: "problem", what: `has scope ${quote(scope)}, which is not a management group, subscription, resource group or resource ID` };
    }
}

/** Whether the cluster is in resource group `rg` (its resourceGroupName computed from it, or the same name). */
function clusterInGroup(cluster: StackNode, rg: StackNode, ctx: AssignmentContext): boolean {
    if (propertyDependsOn(cluster, "resourceGroupName", rg)) return true;
    const a = ctx.read(cluster.props, "resourceGroupName");
    const names = ["name", "resourceGroupName"].map((p) => ctx.read(rg.props, p));
    return a.state === "value" && typeof a.value === "string"
        && names.some((b) => b.state === "value" && typeof b.value === "string" && b.value.toLowerCase() === (a.value as string).toLowerCase());
}

type Resolved<D> =
    | { kind: "built-in"; def: D }
    | { kind: "custom"; node: StackNode }
    | { kind: "set"; node: StackNode }
    | { kind: "impostor"; id: string; builtIn: string }
    | { kind: "built-in initiative"; id: string }
    | { kind: "unknown"; why: string };

/** What a policyDefinitionId names; undefined when it is unrelated to the family. */
function resolveDefinition<D>(idRead: PropRead, holder: StackNode, prop: string, family: DefinitionFamily<D>, view: StackView, ctx: AssignmentContext, setsAllowed: boolean): Resolved<D> | undefined {
    const inStack = (n: StackNode) => isDefinition(n) || (setsAllowed && isSet(n));
    const asDefinition = (n: StackNode): Resolved<D> => (isSet(n) ? { kind: "set", node: n } : { kind: "custom", node: n });
    if (idRead.state === "unknown") {
        const sources = propertySources(holder, prop, view.byUrn).filter(inStack);
        if (sources.length === 1) return asDefinition(sources[0]);
        return { kind: "unknown", why: `its ${prop} is not known yet` };
    }
    if (idRead.state !== "value" || typeof idRead.value !== "string") return undefined;
    const id = idRead.value.toLowerCase().replace(/\/+$/, "");
    // ARM compares IDs case-insensitively; anything else holding a built-in's GUID is a look-alike.
    const exact = family.builtIns.find((b) => b.id.toLowerCase() === id);
    if (exact) return { kind: "built-in", def: exact.def };
    const byId = view.nodes.find((n) => inStack(n) && idOf(n, ctx) === id);
    if (byId) return asDefinition(byId);
    const lookAlike = family.builtIns.find((b) => id.includes(b.id.split("/").pop()!.toLowerCase()));
    if (lookAlike) return { kind: "impostor", id: idRead.value, builtIn: lookAlike.id };
    const guid = id.split("/").pop()!;
    if (/\/providers\/microsoft\.authorization\/policysetdefinitions\//.test(id) && family.builtInInitiatives.includes(guid)) {
        return { kind: "built-in initiative", id: idRead.value };
    }
    return undefined;
}

/** The definition to judge parameters against, recording a custom definition's problem; undefined when unrelated. */
function definitionFor<D>(r: Resolved<D>, family: DefinitionFamily<D>, v: Verdict, ctx: AssignmentContext): { def?: D } | undefined {
    if (r.kind === "built-in") return { def: r.def };
    if (r.kind !== "custom") return {};
    const c = family.custom(r.node, ctx);
    if (c.kind === "unrelated") return undefined;
    if (c.kind === "problem") v.problem(c.what);
    if (c.kind === "unknown") v.unknown(c.what);
    return c.kind === "member" ? { def: c.def } : {};
}

/** Parameter names set in `obj.parameters`, or undefined when they cannot be listed. */
function parameterNames(obj: unknown, ctx: AssignmentContext): string[] {
    const r = ctx.read(obj, "parameters");
    return r.state === "value" && isObj(r.value) ? Object.keys(r.value) : [];
}

const PARAMETER_REF = /^\[parameters\('([^']+)'\)\]$/;

/** A member's parameter value, with `[parameters('x')]` resolved through the set's parameters. */
function memberParameter(member: unknown, set: StackNode, assignment: StackNode, name: string, ctx: AssignmentContext): ParamRead {
    const r = ctx.read(member, `parameters.${name}.value`);
    if (r.state !== "value" || typeof r.value !== "string") return r;
    if (r.value.startsWith("[[")) return { state: "value", value: r.value.slice(1) }; // ARM's escape for a literal "["
    if (!r.value.startsWith("[")) return r;
    const m = PARAMETER_REF.exec(r.value);
    if (!m) return { state: "unresolvable", expression: r.value };
    const fromAssignment = ctx.read(assignment.props, `parameters.${m[1]}.value`);
    if (fromAssignment.state !== "absent") return fromAssignment;
    const fromSet = ctx.read(set.props, `parameters.${m[1]}.defaultValue`);
    return fromSet.state === "absent" ? { state: "unresolvable", expression: `${r.value} (the assignment sets no ${m[1]} and the initiative declares no default)` } : fromSet;
}

/** Exemptions in the stack that exempt the cluster from `assignment` (or from `memberRef` of it). */
function judgeExemptions(assignment: StackNode, memberRef: string | undefined, cluster: StackNode, view: StackView, v: Verdict, ctx: AssignmentContext): void {
    const aid = idOf(assignment, ctx);
    for (const e of view.nodes.filter((n) => is(n, "PolicyExemption"))) {
        const target = ctx.read(e.props, "policyAssignmentId");
        const linked = propertyDependsOn(e, "policyAssignmentId", assignment)
            || (target.state === "value" && typeof target.value === "string" && aid !== undefined && target.value.toLowerCase() === aid);
        if (!linked) {
            if (target.state === "unknown" && propertySources(e, "policyAssignmentId", view.byUrn).length === 0) v.unknown(`PolicyExemption "${e.name}" may exempt it (its policyAssignmentId is not known yet)`);
            continue;
        }
        const refs = ctx.read(e.props, "policyDefinitionReferenceIds");
        if (memberRef !== undefined && refs.state === "value" && Array.isArray(refs.value) && refs.value.length > 0
            && !refs.value.some((x) => typeof x === "string" && x.toLowerCase() === memberRef.toLowerCase())) continue;
        const c = containsCluster(e, "scope", cluster, view, ctx);
        if (c.state === "contains") v.problem(`is exempted for the cluster by PolicyExemption "${e.name}" at ${c.where}`);
        else if (c.state === "unknown") v.unknown(`PolicyExemption "${e.name}" may exempt the cluster (${c.why})`);
        else if (c.state === "problem") v.problem(`PolicyExemption "${e.name}" ${c.what}, so whether it exempts the cluster cannot be judged`);
    }
}

/** Settings of the assignment itself that turn enforcement off or narrow its reach. */
function judgeAssignmentSettings(a: StackNode, cluster: StackNode, view: StackView, v: Verdict, ctx: AssignmentContext): void {
    const addon = v.value(ctx.read(cluster.props, "addonProfiles.azurepolicy.enabled"), "whether the cluster runs the Azure Policy add-on");
    if (addon && addon.value !== true) v.problem("reaches no Pod: the cluster does not run the Azure Policy add-on (addonProfiles.azurepolicy.enabled), which enforces assignments in the cluster");
    const mode = v.value(ctx.read(a.props, "enforcementMode"), "its enforcementMode");
    if (mode?.present && !(typeof mode.value === "string" && mode.value.toLowerCase() === "default")) {
        v.problem(`has enforcementMode ${quote(mode.value)}, so nothing is blocked`);
    }
    const overrides = v.value(ctx.read(a.props, "overrides"), "its overrides");
    if (overrides?.present && Array.isArray(overrides.value)) {
        for (const o of overrides.value) {
            if (!isObj(o) || typeof o.kind !== "string" || o.kind.toLowerCase() !== "policyeffect") continue;
            if (!(typeof o.value === "string" && o.value.toLowerCase() === "deny")) v.problem(`overrides the effect to ${quote(o.value)}${o.selectors ? ` for ${quote(o.selectors)}` : ""}, which does not block`);
        }
    }
    const selectors = v.value(ctx.read(a.props, "resourceSelectors"), "its resourceSelectors");
    if (selectors?.present && !(Array.isArray(selectors.value) && selectors.value.length === 0)) {
        v.problem(`narrows its reach with resourceSelectors ${quote(selectors.value)}, so whether it applies to the cluster cannot be judged`);
    }
    const notScopes = ctx.read(a.props, "notScopes");
    if (notScopes.state === "unknown") v.unknown("its notScopes are not known yet");
    else if (notScopes.state === "value" && Array.isArray(notScopes.value)) {
        notScopes.value.forEach((ns, i) => {
            if (typeof ns !== "string") {
                v.unknown(`its notScopes[${i}] is not known yet`);
                return;
            }
            const c = fromScope(ns, cluster, ctx);
            if (c.state === "contains") v.problem(`excludes the cluster through notScopes (${describeScope(ns)})`);
            else if (c.state === "unknown") v.unknown(`whether its notScopes ${describeScope(ns)} excludes the cluster is not known yet`);
            else if (c.state === "problem") v.problem(`its notScopes entry ${quote(ns)} cannot be judged: it ${c.what}`);
        });
    }
}

/** One assignment, for one cluster: a reach per relevant definition (one per initiative member); none when it concerns neither. */
function reachesOf<D>(a: StackNode, cluster: StackNode, family: DefinitionFamily<D>, view: StackView, ctx: AssignmentContext): AssignmentReach<D>[] {
    const resolved = resolveDefinition(ctx.read(a.props, "policyDefinitionId"), a, "policyDefinitionId", family, view, ctx, true);
    if (resolved === undefined) return [];
    const scope = containsCluster(a, "scope", cluster, view, ctx);
    if (scope.state === "outside") return [];
    const where = scope.state === "contains" ? ` at ${scope.where}` : "";
    const base = (suffix: string) => {
        const v = new Verdict(`PolicyAssignment "${a.name}"${suffix}${where}`, a.urn);
        if (scope.state === "unknown") v.unknown(scope.why);
        if (scope.state === "problem") v.problem(scope.what);
        return v;
    };
    const direct = (v: Verdict, def?: D): AssignmentReach<D> => ({
        verdict: v, ...(def !== undefined ? { def } : {}),
        parameter: (n) => ctx.read(a.props, `parameters.${n}.value`),
        parameterNames: parameterNames(a.props, ctx),
    });
    switch (resolved.kind) {
        case "unknown": {
            const v = base("");
            v.unknown(resolved.why);
            return [direct(v)];
        }
        case "impostor": {
            const v = base("");
            v.problem(`assigns ${quote(resolved.id)}, which is not ${family.name}: only ${resolved.builtIn} is (IDs are compared exactly, ignoring case, as ARM does)`);
            return [direct(v)];
        }
        case "built-in initiative": {
            const v = base("");
            v.problem(`assigns built-in initiative ${quote(resolved.id)}, whose member parameters are not in the stack, so what it enforces cannot be judged`);
            return [direct(v)];
        }
        case "built-in":
        case "custom": {
            const v = base("");
            const d = definitionFor(resolved, family, v, ctx);
            if (d === undefined) return [];
            judgeAssignmentSettings(a, cluster, view, v, ctx);
            judgeExemptions(a, undefined, cluster, view, v, ctx);
            return [direct(v, d.def)];
        }
        case "set":
            return initiativeReaches(a, resolved.node, cluster, family, view, base, ctx);
    }
}

function initiativeReaches<D>(a: StackNode, set: StackNode, cluster: StackNode, family: DefinitionFamily<D>, view: StackView, base: (suffix: string) => Verdict, ctx: AssignmentContext): AssignmentReach<D>[] {
    const members = ctx.read(set.props, "policyDefinitions");
    const noParameters = { parameter: (): ParamRead => ({ state: "absent" }), parameterNames: [] };
    if (members.state === "unknown") {
        const v = base(` (initiative "${set.name}")`);
        v.unknown(`the members of initiative "${set.name}" are not known yet`);
        return [{ verdict: v, ...noParameters }];
    }
    if (members.state !== "value" || !Array.isArray(members.value)) return [];
    const out: AssignmentReach<D>[] = [];
    members.value.forEach((m, i) => {
        const refRead = ctx.read(m, "policyDefinitionReferenceId");
        const ref = refRead.state === "value" && typeof refRead.value === "string" ? refRead.value : undefined;
        const resolved = resolveDefinition(ctx.read(m, "policyDefinitionId"), set, "policyDefinitions", family, view, ctx, false);
        if (resolved === undefined || resolved.kind === "set" || resolved.kind === "built-in initiative") return;
        const v = base(` (initiative "${set.name}", member ${ref ? JSON.stringify(ref) : `#${i}`})`);
        if (resolved.kind === "unknown") v.unknown("the member's policyDefinitionId is not known yet");
        if (resolved.kind === "impostor") v.problem(`its member ${quote(resolved.id)} is not ${family.name}: only ${resolved.builtIn} is`);
        const d = definitionFor(resolved, family, v, ctx);
        if (d === undefined) return;
        judgeAssignmentSettings(a, cluster, view, v, ctx);
        judgeExemptions(a, ref, cluster, view, v, ctx);
        out.push({ verdict: v, ...(d.def !== undefined ? { def: d.def } : {}), parameter: (n) => memberParameter(m, set, a, n, ctx), parameterNames: parameterNames(m, ctx) });
    });
    return out;
}

/** Every assignment in the stack of a definition of `family` that may reach `cluster`. */
export function assignmentsReaching<D>(cluster: StackNode, family: DefinitionFamily<D>, view: StackView, ctx: AssignmentContext): AssignmentReach<D>[] {
    return view.nodes.filter((n) => is(n, "PolicyAssignment")).flatMap((a) => reachesOf(a, cluster, family, view, ctx));
}
