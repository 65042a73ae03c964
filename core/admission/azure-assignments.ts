/**
 * Azure Policy assignments that may enforce image admission in one AKS cluster, judged by what they
 * deny. Which assignments reach the cluster (scopes, initiatives, exemptions, enforcement) is
 * policy-assignments.ts; this module says what belongs to the allowed-images family — the exact
 * built-in definition, or imagegate's custom definition with the generated policyRule — and judges
 * each reaching assignment's parameters against the trust config (allowed-images-parameters.ts).
 */
import { containsUnknown } from "../unknown";
import type { StackNode } from "../stack-graph";
import { AdmissionContext, CandidateVerdict, StackView, canonical, firstDifference } from "./admission-judgement";
import { AllowedImagesDefinition, BUILT_IN_DEFINITION, judgeAllowedImagesParameters } from "./allowed-images-parameters";
import { ALLOWED_IMAGES_DEFINITION_ID } from "./azure-policy";
import { KUBERNETES_DATA_MODE, trustedImagesDefinition } from "./azure-custom-definition";
import { AssignmentContext, CustomJudgement, DefinitionFamily, assignmentsReaching } from "./policy-assignments";

/** The generated custom definition's declared parameters, with the stack definition's own defaults. */
function generatedDefinition(node: StackNode, ctx: AssignmentContext): AllowedImagesDefinition {
    return {
        label: `custom definition "${node.name}"`,
        regexParameter: "allowedImagesRegex",
        declared: Object.keys(trustedImagesDefinition().parameters),
        defaultOf: (name) => ctx.read(node.props, `parameters.${name}.defaultValue`),
    };
}

/** A custom definition's content: imagegate's generated one, another Kubernetes definition (named), or unrelated. */
function judgeCustom(node: StackNode, ctx: AssignmentContext): CustomJudgement<AllowedImagesDefinition> {
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
    return { kind: "member", def: generatedDefinition(node, ctx) };
}

export const ALLOWED_IMAGES_FAMILY: DefinitionFamily<AllowedImagesDefinition> = {
    name: "the built-in allowed-images definition",
    builtIns: [{ id: ALLOWED_IMAGES_DEFINITION_ID, def: BUILT_IN_DEFINITION }],
    // Built-in initiatives with the allowed-images built-in as a member: AKS "Deployment safeguards"
    // and the Microsoft cloud security benchmark (Defender for Cloud's default, with an Audit effect).
    builtInInitiatives: ["c047ea8e-9c78-49b2-958b-37e56d291a44", "1f3afdf9-d0c9-4c3d-847f-89da613e70a8"],
    custom: judgeCustom,
};

/** Every Azure Policy assignment in the stack that may enforce image admission in `cluster`, judged. */
export function judgeAzureAssignments(cluster: StackNode, view: StackView, ctx: AdmissionContext): CandidateVerdict[] {
    return assignmentsReaching(cluster, ALLOWED_IMAGES_FAMILY, view, ctx).map((r) => {
        if (r.def) judgeAllowedImagesParameters(r.def, r.parameter, r.parameterNames, r.verdict, ctx);
        return r.verdict.done();
    });
}
