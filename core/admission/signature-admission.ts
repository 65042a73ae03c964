/**
 * Whether one AKS cluster verifies signatures at admission as the pack verifies them at preview:
 * the Ratify documents applied to the cluster are the ones ratify-plan generates from the pack's
 * signed-images config (compared by content: the same trust stores, certificates, policies, keys,
 * policy), and the generated Gatekeeper constraint denies. AKS Image Integrity alone does not count
 * when signatures are mandatory: its built-in only audits.
 */
import { parseTypeToken } from "../discovery";
import { containsUnknown } from "../unknown";
import type { StackNode } from "../stack-graph";
import { AdmissionContext, StackView, Verdict, canonical, firstDifference, quote } from "./admission-judgement";
import { appliedTo } from "./gatekeeper-constraints";
import { KubernetesDocument, RatifyPlan, SIGNED_IMAGES_CONSTRAINT_KIND } from "./ratify-plan";

/** "[Preview]: Deploy Image Integrity on Azure Kubernetes Service" (DeployIfNotExists). */
export const IMAGE_INTEGRITY_DEPLOY_DEFINITION_ID = "/providers/Microsoft.Authorization/policyDefinitions/5dc99dae-cfb2-42cc-8762-9aae02b74e27";
/** "[Preview]: [Image Integrity] Kubernetes clusters should only use images signed by notation" (Audit, Disabled). */
export const IMAGE_INTEGRITY_NOTATION_DEFINITION_ID = "/providers/Microsoft.Authorization/policyDefinitions/cf426bb8-b320-4321-8545-1b784a5df3a4";

export interface SignatureAdmissionVerdict {
    readonly enforced: boolean;
    readonly problems: readonly string[];
    readonly unknowns: readonly string[];
}

type Read = AdmissionContext["read"];

/** Kubernetes documents in the stack applied to `cluster`, by `group/version:Kind/name` (patches as their kind). */
function documents(cluster: StackNode, clusters: number, view: StackView, read: Read): Map<string, StackNode[]> {
    const out = new Map<string, StackNode[]>();
    for (const n of view.nodes) {
        const t = parseTypeToken(n.type);
        if (!t || t.pkg !== "kubernetes" || !appliedTo(n, cluster, clusters, view)) continue;
        const name = read(n.props, "metadata.name");
        const key = `${t.module}/${t.version}:${t.kind.replace(/Patch$/, "")}/${name.state === "value" ? String(name.value) : "?"}`;
        out.set(key, [...(out.get(key) ?? []), n]);
    }
    return out;
}

const keyOf = (d: KubernetesDocument) => `${d.apiVersion}:${d.kind}/${d.metadata.name}`;
/** Keys of documents() that are Ratify verifiers, cluster-wide or namespaced. */
const RATIFY_VERIFIER = /^config\.ratify\.deislabs\.io\/[^:]+:(Namespaced)?Verifier\//;

function judgeDocument(expected: KubernetesDocument, found: Map<string, StackNode[]>, v: Verdict, read: Read): void {
    const label = `${expected.kind} "${expected.metadata.name}"`;
    const nodes = found.get(keyOf(expected)) ?? [];
    if (nodes.length === 0) return v.problem(`${label} is not applied to the cluster`);
    const specs = nodes.map((n) => read(n.props, "spec"));
    if (specs.some((s) => s.state === "unknown" || (s.state === "value" && containsUnknown(s.value)))) return v.unknown(`the spec of ${label} is not known yet`);
    const differs = specs.map((s) => (s.state === "value" ? s.value : undefined)).filter((s) => canonical(s) !== canonical(expected.spec));
    if (differs.length) v.problem(`${label} differs from the one generated from signed-images at spec.${firstDifference(differs[0], expected.spec)}`);
}

/** The generated plan, judged in the stack for one cluster. The Store is judged by what verification needs of it. */
export function judgeSignatureAdmission(cluster: StackNode, clusters: number, view: StackView, read: Read, plan: RatifyPlan): SignatureAdmissionVerdict {
    const v = new Verdict("signature admission", cluster.urn);
    const found = documents(cluster, clusters, view, read);
    for (const d of [...plan.keyManagementProviders, ...plan.verifiers, plan.policy, plan.template]) judgeDocument(d, found, v, read);
    const stores = found.get(keyOf(plan.store)) ?? [];
    if (stores.length === 0) v.problem(`Store "${plan.store.metadata.name}" is not applied to the cluster`);
    for (const s of stores) {
        const name = v.value(read(s.props, "spec.name"), `the Store's spec.name`);
        if (name?.present && name.value !== "oras") v.problem(`the Store is ${quote(name.value)}, not oras`);
        if ((plan.store.spec.parameters as Record<string, unknown>).cosignEnabled) {
            const cosign = v.value(read(s.props, "spec.parameters.cosignEnabled"), "the Store's cosignEnabled");
            if (cosign && cosign.value !== true) v.problem("the Store does not discover cosign signatures (spec.parameters.cosignEnabled), which signed-images trusts");
        }
    }
    // Another verifier beside the generated ones widens what Ratify accepts: one success admits.
    const expectedVerifiers = new Set(plan.verifiers.map(keyOf));
    for (const [key, nodes] of found) {
        if (RATIFY_VERIFIER.test(key) && !expectedVerifiers.has(key)) {
            v.problem(`${parseTypeToken(nodes[0].type)?.kind ?? "Verifier"} "${nodes[0].name}" is also applied, and any verifier that succeeds admits an image, so it widens what signed-images trusts`);
        }
    }
    // Ratify's chart renders its own notation and cosign verifiers (trusting its values) unless they are turned off.
    for (const n of view.nodes) {
        if (n.type !== "kubernetes:helm.sh/v3:Release" || !appliedTo(n, cluster, clusters, view)) continue;
        const chart = read(n.props, "chart");
        if (!(chart.state === "value" && typeof chart.value === "string" && /(^|\/)ratify$/.test(chart.value))) continue;
        for (const [verifier, onByDefault] of [["notation", true], ["cosign", true], ["vulnerabilityreport", false]] as const) {
            const enabled = v.value(read(n.props, `values.${verifier}.enabled`), `the Ratify release's values.${verifier}.enabled`);
            if (enabled === undefined) continue;
            const on = enabled.present ? enabled.value === true || (onByDefault && enabled.value !== false) : onByDefault;
            if (on) v.problem(`the Ratify Helm release "${n.name}" leaves the chart's own ${verifier} verifier on (values.${verifier}.enabled is not false), which trusts the chart's values, not signed-images`);
        }
    }
    // The constraint: the generated one's reach, denying.
    const constraints = found.get(keyOf(plan.constraint)) ?? [];
    if (constraints.length === 0) v.problem(`no ${SIGNED_IMAGES_CONSTRAINT_KIND} constraint is applied, so nothing calls Ratify at admission`);
    for (const c of constraints) {
        const action = v.value(read(c.props, "spec.enforcementAction"), "its enforcementAction");
        if (action?.present && !(typeof action.value === "string" && action.value.toLowerCase() === "deny")) v.problem(`the ${SIGNED_IMAGES_CONSTRAINT_KIND} constraint has enforcementAction ${quote(action.value)}, which does not block`);
        const match = v.value(read(c.props, "spec.match"), "its spec.match");
        if (match?.present && canonical(match.value) !== canonical(plan.constraint.spec.match)) v.problem(`the ${SIGNED_IMAGES_CONSTRAINT_KIND} constraint's spec.match differs from the generated one at ${firstDifference(match.value, plan.constraint.spec.match)}, so some Pods may not be verified`);
    }
    return { enforced: v.problems.length === 0 && v.unknowns.length === 0, problems: v.problems, unknowns: v.unknowns };
}

/** Image Integrity assignments in the stack at the cluster (audit only), for the message. */
export function imageIntegrityAssignments(cluster: StackNode, view: StackView, read: Read): StackNode[] {
    return view.nodes.filter((n) => {
        const t = parseTypeToken(n.type);
        if (!t || t.pkg !== "azure-native" || t.kind !== "PolicyAssignment") return false;
        const def = read(n.props, "policyDefinitionId");
        return def.state === "value" && typeof def.value === "string" && def.value.toLowerCase() === IMAGE_INTEGRITY_NOTATION_DEFINITION_ID.toLowerCase()
            && n.dependencies.includes(cluster.urn);
    });
}


