/**
 * Every AKS cluster in the stack must have image admission: the built-in allowed-images policy
 * assigned at the cluster (effect Deny, enforced), or Gatekeeper image constraints (deny) applied to
 * it through a Kubernetes provider built from the cluster. Without either, the preview-time gate is
 * the only gate, and anything applied with kubectl runs unchecked.
 */
import { parseTypeToken } from "../../core/discovery";
import { ConfigReader } from "../../core/config/reader";
import { MANAGED_CLUSTER, POLICY_ASSIGNMENT, ALLOWED_IMAGES_POLICY_GUID } from "../lib/azure-kinds";
import { read, sameText, show } from "../lib/properties";
import { StackFinding, StackPolicyBaseConfig, StackResource, stackPolicy } from "../lib/stack-policy";
import { idNames, ofKind, propertyDependsOn, stringProp, transitiveDependencies } from "../lib/stack-links";

export interface StackAksImageAdmissionConfig extends StackPolicyBaseConfig {
    readonly constraintKinds: readonly string[];
}

const CLUSTER_ARM_TYPE = "Microsoft.ContainerService/managedClusters";

/** What one candidate says about a cluster. */
type Evidence = { state: "admits"; what: string } | { state: "maybe"; what: string } | { state: "weak"; what: string };

function assignmentEvidence(a: StackResource, cluster: StackResource): Evidence | undefined {
    const def = stringProp(a, "policyDefinitionId");
    if (def === undefined) return undefined;
    const isAllowedImages = def !== "unknown" && def.toLowerCase().replace(/\/+$/, "").endsWith(ALLOWED_IMAGES_POLICY_GUID);
    if (def !== "unknown" && !isAllowedImages) return undefined;
    const scope = stringProp(a, "scope");
    const linked = propertyDependsOn(a, "scope", cluster) || (scope !== undefined && scope !== "unknown" && idNames(scope, cluster, CLUSTER_ARM_TYPE, "resourceName"));
    const label = `PolicyAssignment "${a.name}"`;
    if (!linked) {
        return scope === "unknown" ? { state: "maybe", what: `${label} (its scope is not known yet)` } : undefined;
    }
    if (def === "unknown") return { state: "maybe", what: `${label} (its policy definition is not known yet)` };
    const mode = read(a.props, "enforcementMode");
    if (mode.state === "unknown") return { state: "maybe", what: `${label} (its enforcement mode is not known yet)` };
    if (mode.state === "value" && sameText(mode.value, "DoNotEnforce")) return { state: "weak", what: `${label} has enforcementMode "DoNotEnforce", so nothing is blocked` };
    const effect = read(a.props, "parameters.effect.value");
    if (effect.state === "unknown") return { state: "maybe", what: `${label} (its effect is not known yet)` };
    if (effect.state === "value" && !sameText(effect.value, "Deny")) return { state: "weak", what: `${label} has effect ${show(effect.value)}, which reports but does not block` };
    return { state: "admits", what: label };
}

function isGatekeeper(r: StackResource, module: string): boolean {
    const t = parseTypeToken(r.type);
    return t !== undefined && t.pkg === "kubernetes" && t.module === module;
}

/** Whether a Kubernetes resource is applied to `cluster`: its provider (or itself) depends on the cluster, or it is the only cluster. */
function appliedTo(r: StackResource, cluster: StackResource, clusters: number, byUrn: ReadonlyMap<string, StackResource>): boolean {
    const provider = r.providerUrn ? byUrn.get(r.providerUrn) : undefined;
    if (provider && transitiveDependencies(provider, byUrn).has(cluster.urn)) return true;
    if (transitiveDependencies(r, byUrn).has(cluster.urn)) return true;
    return clusters === 1;
}

function gatekeeperEvidence(resources: readonly StackResource[], cluster: StackResource, clusters: number, kinds: readonly string[], byUrn: ReadonlyMap<string, StackResource>): Evidence | undefined {
    const templateKinds = new Set<string>();
    for (const t of resources) {
        if (!isGatekeeper(t, "templates.gatekeeper.sh") || parseTypeToken(t.type)?.kind !== "ConstraintTemplate") continue;
        if (!appliedTo(t, cluster, clusters, byUrn)) continue;
        const k = stringProp(t, "spec.crd.spec.names.kind");
        if (k && k !== "unknown") templateKinds.add(k);
    }
    let weak: Evidence | undefined;
    for (const c of resources) {
        if (!isGatekeeper(c, "constraints.gatekeeper.sh")) continue;
        const kind = parseTypeToken(c.type)!.kind;
        if (!kinds.includes(kind) || !templateKinds.has(kind) || !appliedTo(c, cluster, clusters, byUrn)) continue;
        const label = `Gatekeeper ${kind} "${c.name}"`;
        const action = read(c.props, "spec.enforcementAction");
        if (action.state === "unknown") return { state: "maybe", what: `${label} (its enforcement action is not known yet)` };
        if (action.state === "value" && !sameText(action.value, "deny")) {
            weak = { state: "weak", what: `${label} has enforcementAction ${show(action.value)}, which reports but does not block` };
            continue;
        }
        return { state: "admits", what: label };
    }
    return weak;
}

export function evaluateImageAdmission(resources: readonly StackResource[], config: StackAksImageAdmissionConfig): StackFinding[] | string {
    const clusters = ofKind(resources, MANAGED_CLUSTER);
    if (clusters.length === 0) return "the stack has no AKS cluster";
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const assignments = ofKind(resources, POLICY_ASSIGNMENT);
    const findings: StackFinding[] = [];
    for (const cluster of clusters) {
        const evidence = [
            ...assignments.map((a) => assignmentEvidence(a, cluster)),
            gatekeeperEvidence(resources, cluster, clusters.length, config.constraintKinds, byUrn),
        ].filter((e): e is Evidence => e !== undefined);
        if (evidence.some((e) => e.state === "admits")) continue;
        const label = `ManagedCluster "${cluster.name}"`;
        const maybe = evidence.filter((e) => e.state === "maybe");
        if (maybe.length) {
            findings.push({ kind: "unknown", urn: cluster.urn, message: `${label}: image admission may come from ${maybe.map((m) => m.what).join(", ")}; that cannot be verified at preview, it will be checked during \`pulumi up\`.` });
            continue;
        }
        const weak = evidence.filter((e) => e.state === "weak").map((e) => e.what);
        findings.push({
            kind: "violation",
            urn: cluster.urn,
            message: `${label}: no image admission is enforced in the cluster${weak.length ? ` (${weak.join("; ")})` : ""}, so images applied outside this program (kubectl, Helm, operators) are never checked. Fix: assign the built-in allowed-images policy (${ALLOWED_IMAGES_POLICY_GUID}) at the cluster scope with effect Deny (ImageAdmission component), or apply Gatekeeper image constraints with enforcementAction deny through a provider built from this cluster (GatekeeperImageConstraints component).`,
        });
    }
    return findings;
}

export const stackAksImageAdmission = stackPolicy<StackAksImageAdmissionConfig>({
    name: "stack-aks-image-admission",
    displayName: "Every AKS cluster enforces image admission",
    description: "Every AKS cluster in the stack must enforce image admission: the allowed-images Azure Policy assigned at the cluster with effect Deny, or Gatekeeper image constraints that deny.",
    severity: "critical",
    remediationSteps: "Add the ImageAdmission component for each cluster (Azure Policy add-on), or GatekeeperImageConstraints applied through a Kubernetes provider built from the cluster's credentials.",
    properties: {
        constraintKinds: {
            type: "array",
            items: { type: "string", minLength: 1 },
            default: ["K8sTrustedImages", "K8sAllowedRepos", "K8sAzureV2ContainerAllowedImages"],
            description: "Gatekeeper constraint kinds that restrict images. A constraint counts only when a ConstraintTemplate in the stack defines its kind.",
        },
    },
    readConfig: (reader: ConfigReader, base) => ({ ...base, constraintKinds: reader.stringArray("constraintKinds") }),
    evaluate: evaluateImageAdmission,
});
