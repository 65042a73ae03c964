/**
 * Azure Policy assignments that may enforce image admission in one AKS cluster, judged by what they
 * deny: assignments at any scope that contains the cluster (the cluster, its resource group, its
 * subscription, a management group declared to hold that subscription), of the exact built-in
 * allowed-images definition, of imagegate's own custom definition (content compared with the
 * generated one), or of an initiative with either as a member (parameters mapped through the
 * initiative's). Enforcement mode, effect overrides, resource selectors, notScopes and exemptions
 * that narrow or loosen them are named.
 */
import { isAzureType } from "../discovery";
import { containsUnknown } from "../unknown";
import { propertyDependsOn, propertySources, StackNode } from "../stack-graph";
import { AdmissionContext, CandidateVerdict, PropRead, StackView, Verdict, canonical, firstDifference, quote } from "./admission-judgement";
import { AllowedImagesDefinition, BUILT_IN_DEFINITION, ParamRead, judgeAllowedImagesParameters } from "./allowed-images-parameters";
import { ResourceLocation, describeScope, parseArmScope, scopeContains } from "./arm-scope";
import { ALLOWED_IMAGES_DEFINITION_ID } from "./azure-policy";
import { KUBERNETES_DATA_MODE, trustedImagesDefinition } from "./azure-custom-definition";

export const MANAGED_CLUSTER_ARM_TYPE = "Microsoft.ContainerService/managedClusters";
const ALLOWED_IMAGES_GUID = ALLOWED_IMAGES_DEFINITION_ID.split("/").pop()!;
/** Built-in initiatives known to include the allowed-images definition (AKS "Deployment safeguards"). */
const BUILT_IN_INITIATIVES_WITH_ALLOWED_IMAGES = ["c047ea8e-9c78-49b2-958b-37e56d291a44"];

const is = (n: StackNode, kind: string, module = "authorization") => isAzureType(n.type, module, kind);
const isDefinition = (n: StackNode) => is(n, "PolicyDefinition") || is(n, "PolicyDefinitionAtManagementGroup");
const isSet = (n: StackNode) => is(n, "PolicySetDefinition") || is(n, "PolicySetDefinitionAtManagementGroup");
const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** What a cluster is, as far as scopes go. */
export function clusterLocation(cluster: StackNode, ctx: AdmissionContext): ResourceLocation {
    const str = (path: string) => {
        const r = ctx.read(cluster.props, path);
        return r.state === "value" && typeof r.value === "string" ? r.value : undefined;
    };
    const id = str("id");
    const name = str("name") ?? str("resourceName");
    const rg = str("resourceGroupName");
    return { armType: MANAGED_CLUSTER_ARM_TYPE, ...(id ? { id } : {}), ...(name ? { name } : {}), ...(rg ? { resourceGroup: rg } : {}) };
}

function idOf(n: StackNode, ctx: AdmissionContext): string | undefined {
    const r = ctx.read(n.props, "id");
    return r.state === "value" && typeof r.value === "string" ? r.value.toLowerCase() : undefined;
}

type Containing = { state: "contains"; where: string } | { state: "outside" } | { state: "unknown"; why: string } | { state: "problem"; what: string };

/**
 * Whether the ARM scope in `prop` of `node` contains the cluster. At preview an unknown scope is
 * traced through per-property dependencies: computed from the cluster, or from the resource group
 * the cluster is in.
 */
function containsCluster(node: StackNode, prop: string, cluster: StackNode, view: StackView, ctx: AdmissionContext): Containing {
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

function fromScope(scope: string, cluster: StackNode, ctx: AdmissionContext): Containing {
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
function clusterInGroup(cluster: StackNode, rg: StackNode, ctx: AdmissionContext): boolean {
    if (propertyDependsOn(cluster, "resourceGroupName", rg)) return true;
    const a = ctx.read(cluster.props, "resourceGroupName");
    const names = ["name", "resourceGroupName"].map((p) => ctx.read(rg.props, p));
    return a.state === "value" && typeof a.value === "string"
        && names.some((b) => b.state === "value" && typeof b.value === "string" && b.value.toLowerCase() === (a.value as string).toLowerCase());
}

/** The generated custom definition's declared parameters with the stack definition's own defaults. */
function generatedDefinition(node: StackNode, ctx: AdmissionContext): AllowedImagesDefinition {
    const declared = Object.keys(trustedImagesDefinition().parameters);
    return {
        label: `custom definition "${node.name}"`,
        regexParameter: "allowedImagesRegex",
        declared,
        defaultOf: (name) => ctx.read(node.props, `parameters.${name}.defaultValue`),
    };
}

type Definition =
    | { kind: "built-in" }
    | { kind: "custom"; node: StackNode }
    | { kind: "set"; node: StackNode }
    | { kind: "impostor"; id: string }
    | { kind: "built-in initiative"; id: string }
    | { kind: "unknown"; why: string };

/** What a policyDefinitionId names; undefined when it is unrelated to image admission. */
function resolveDefinition(idRead: PropRead, holder: StackNode, prop: string, view: StackView, ctx: AdmissionContext, setsAllowed: boolean): Definition | undefined {
    const inStack = (n: StackNode) => isDefinition(n) || (setsAllowed && isSet(n));
    const asDefinition = (n: StackNode): Definition => (isSet(n) ? { kind: "set", node: n } : { kind: "custom", node: n });
    if (idRead.state === "unknown") {
        const sources = propertySources(holder, prop, view.byUrn).filter(inStack);
        if (sources.length === 1) return asDefinition(sources[0]);
        return { kind: "unknown", why: `its ${prop} is not known yet` };
    }
    if (idRead.state !== "value" || typeof idRead.value !== "string") return undefined;
    const id = idRead.value.toLowerCase().replace(/\/+$/, "");
    // ARM compares IDs case-insensitively; anything else ending in (or versioning) the GUID is a look-alike.
    if (id === ALLOWED_IMAGES_DEFINITION_ID.toLowerCase()) return { kind: "built-in" };
    const byId = view.nodes.find((n) => inStack(n) && idOf(n, ctx) === id);
    if (byId) return asDefinition(byId);
    if (id.includes(ALLOWED_IMAGES_GUID)) return { kind: "impostor", id: idRead.value };
    const guid = id.split("/").pop()!;
    if (/\/providers\/microsoft\.authorization\/policysetdefinitions\//.test(id) && BUILT_IN_INITIATIVES_WITH_ALLOWED_IMAGES.includes(guid)) {
        return { kind: "built-in initiative", id: idRead.value };
    }
    return undefined;
}

type CustomJudgement =
    | { kind: "generated"; def: AllowedImagesDefinition }
    /** Not a Kubernetes definition: unrelated to image admission. */
    | { kind: "unrelated" }
    | { kind: "problem"; what: string }
    | { kind: "unknown"; what: string };

/** A custom definition's content: imagegate's generated one, another Kubernetes definition (named), or unrelated. */
function judgeCustom(node: StackNode, ctx: AdmissionContext): CustomJudgement {
    const mode = ctx.read(node.props, "mode");
    if (mode.state === "unknown") return { kind: "unknown", what: `the mode of custom definition "${node.name}" is not known yet` };
    if (!(mode.state === "value" && typeof mode.value === "string" && mode.value.toLowerCase() === KUBERNETES_DATA_MODE.toLowerCase())) return { kind: "unrelated" };
    const rule = ctx.read(node.props, "policyRule");
    if (rule.state === "unknown" || (rule.state === "value" && containsUnknown(rule.value))) return { kind: "unknown", what: `the policyRule of custom definition "${node.name}" is not known yet` };
    const value = rule.state === "value" ? rule.value : undefined;
    const generated = trustedImagesDefinition().policyRule;
    if (canonical(value) !== canonical(generated)) {
        return { kind: "problem", what: `uses custom definition "${node.name}", which is neither the exact built-in allowed-images definition (${ALLOWED_IMAGES_DEFINITION_ID}) nor the one imagegate generates (its policyRule differs at ${firstDifference(value, generated)}), so what it admits cannot be judged` };
    }
    return { kind: "generated", def: generatedDefinition(node, ctx) };
}

/** The definition to judge parameters against, recording a custom definition's problem; undefined when unrelated. */
function definitionFor(def: Definition, v: Verdict, ctx: AdmissionContext): { def?: AllowedImagesDefinition } | undefined {
    if (def.kind === "built-in") return { def: BUILT_IN_DEFINITION };
    if (def.kind !== "custom") return {};
    const c = judgeCustom(def.node, ctx);
    if (c.kind === "unrelated") return undefined;
    if (c.kind === "problem") v.problem(c.what);
    if (c.kind === "unknown") v.unknown(c.what);
    return c.kind === "generated" ? { def: c.def } : {};
}

/** Parameter names set in `obj.parameters`, or undefined when they cannot be listed. */
function parameterNames(obj: unknown, ctx: AdmissionContext): string[] {
    const r = ctx.read(obj, "parameters");
    return r.state === "value" && isObj(r.value) ? Object.keys(r.value) : [];
}

const PARAMETER_REF = /^\[parameters\('([^']+)'\)\]$/;

/** A member's parameter value, with `[parameters('x')]` resolved through the set's parameters. */
function memberParameter(member: unknown, set: StackNode, assignment: StackNode, name: string, ctx: AdmissionContext): ParamRead {
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
function judgeExemptions(assignment: StackNode, memberRef: string | undefined, cluster: StackNode, view: StackView, v: Verdict, ctx: AdmissionContext): void {
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
function judgeAssignmentSettings(a: StackNode, cluster: StackNode, view: StackView, v: Verdict, ctx: AdmissionContext): void {
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

/** One assignment, for one cluster (one verdict per relevant initiative member); none when it concerns neither. */
function judgeAssignment(a: StackNode, cluster: StackNode, view: StackView, ctx: AdmissionContext): CandidateVerdict[] {
    const def = resolveDefinition(ctx.read(a.props, "policyDefinitionId"), a, "policyDefinitionId", view, ctx, true);
    if (def === undefined) return [];
    const scope = containsCluster(a, "scope", cluster, view, ctx);
    if (scope.state === "outside") return [];
    const where = scope.state === "contains" ? ` at ${scope.where}` : "";
    const base = (suffix: string) => {
        const v = new Verdict(`PolicyAssignment "${a.name}"${suffix}${where}`, a.urn);
        if (scope.state === "unknown") v.unknown(scope.why);
        if (scope.state === "problem") v.problem(scope.what);
        return v;
    };
    switch (def.kind) {
        case "unknown": {
            const v = base("");
            v.unknown(def.why);
            return [v.done()];
        }
        case "impostor": {
            const v = base("");
            v.problem(`assigns ${quote(def.id)}, which is not the built-in allowed-images definition: only ${ALLOWED_IMAGES_DEFINITION_ID} is (IDs are compared exactly, ignoring case, as ARM does)`);
            return [v.done()];
        }
        case "built-in initiative": {
            const v = base("");
            v.problem(`assigns built-in initiative ${quote(def.id)}, whose member parameters are not in the stack, so what it admits cannot be judged`);
            return [v.done()];
        }
        case "built-in":
        case "custom": {
            const v = base("");
            const d = definitionFor(def, v, ctx);
            if (d === undefined) return [];
            judgeAssignmentSettings(a, cluster, view, v, ctx);
            judgeExemptions(a, undefined, cluster, view, v, ctx);
            if (d.def) judgeAllowedImagesParameters(d.def, (n) => ctx.read(a.props, `parameters.${n}.value`), parameterNames(a.props, ctx), v, ctx);
            return [v.done()];
        }
        case "set":
            return judgeInitiative(a, def.node, cluster, view, base, ctx);
    }
}

function judgeInitiative(a: StackNode, set: StackNode, cluster: StackNode, view: StackView, base: (suffix: string) => Verdict, ctx: AdmissionContext): CandidateVerdict[] {
    const members = ctx.read(set.props, "policyDefinitions");
    if (members.state === "unknown") {
        const v = base(` (initiative "${set.name}")`);
        v.unknown(`the members of initiative "${set.name}" are not known yet`);
        return [v.done()];
    }
    if (members.state !== "value" || !Array.isArray(members.value)) return [];
    const out: CandidateVerdict[] = [];
    members.value.forEach((m, i) => {
        const refRead = ctx.read(m, "policyDefinitionReferenceId");
        const ref = refRead.state === "value" && typeof refRead.value === "string" ? refRead.value : undefined;
        const def = resolveDefinition(ctx.read(m, "policyDefinitionId"), set, "policyDefinitions", view, ctx, false);
        if (def === undefined || def.kind === "set" || def.kind === "built-in initiative") return;
        const v = base(` (initiative "${set.name}", member ${ref ? JSON.stringify(ref) : `#${i}`})`);
        if (def.kind === "unknown") v.unknown("the member's policyDefinitionId is not known yet");
        if (def.kind === "impostor") v.problem(`its member ${quote(def.id)} is not the built-in allowed-images definition: only ${ALLOWED_IMAGES_DEFINITION_ID} is`);
        const d = definitionFor(def, v, ctx);
        if (d === undefined) return;
        judgeAssignmentSettings(a, cluster, view, v, ctx);
        judgeExemptions(a, ref, cluster, view, v, ctx);
        if (d.def) judgeAllowedImagesParameters(d.def, (n) => memberParameter(m, set, a, n, ctx), parameterNames(m, ctx), v, ctx);
        out.push(v.done());
    });
    return out;
}

/** Every Azure Policy assignment in the stack that may enforce image admission in `cluster`, judged. */
export function judgeAzureAssignments(cluster: StackNode, view: StackView, ctx: AdmissionContext): CandidateVerdict[] {
    return view.nodes.filter((n) => is(n, "PolicyAssignment")).flatMap((a) => judgeAssignment(a, cluster, view, ctx));
}
