/**
 * When signed-images blocks (mandatory), every AKS cluster in the stack must verify signatures at
 * admission with the same trust material: the Ratify documents generated from the signed-images
 * settings the pack was configured with (read through peers, never a copy of its keys), applied to
 * the cluster, with the generated Gatekeeper constraint denying. Without it an unsigned image from a
 * trusted registry, applied with kubectl, Helm or GitOps, runs.
 */
import { blocks } from "../../core/gate/config";
import { imageIntegrityAssignments, judgeSignatureAdmission, ratifyPlan, stackView } from "../../core/admission";
import { MANAGED_CLUSTER } from "../lib/azure-kinds";
import { read } from "../lib/properties";
import { Peers, StackFinding, StackPolicyBaseConfig, StackResource, stackPolicy, unjudgedClusters } from "../lib/stack-policy";
import { ofKind } from "../lib/stack-links";

const FIX = "Fix: add the ImageVerification component for the cluster (path \"ratify\" with a self-managed Gatekeeper; it generates these documents from the same policy config), or apply the documents `core/admission/ratify-plan` generates through a Kubernetes provider built from the cluster.";

export function evaluateImageVerification(resources: readonly StackResource[], _config: StackPolicyBaseConfig, peers: Pick<Peers, "gates">): StackFinding[] | string {
    const clusters = ofKind(resources, MANAGED_CLUSTER);
    if (clusters.length === 0) return "the stack has no AKS cluster";
    const gates = peers.gates();
    if (!gates) return unjudgedClusters(clusters, "its signature verification at admission", "the signed-images settings are");
    const signed = gates.signedImages;
    if (!blocks(signed.level)) return `signed-images is ${signed.level}, so admission need not verify signatures`;
    if (!signed.config.signature) return "signed-images has no trust material (signed-images itself reports it)";
    const scanned = gates.scannedImages;
    const plan = ratifyPlan(signed.config.signature, blocks(scanned.level) && scanned.config.attestations ? { scan: scanned.config } : {});
    const view = stackView(resources);
    const findings: StackFinding[] = [];
    for (const cluster of clusters) {
        const verdict = judgeSignatureAdmission(cluster, clusters.length, view, read, plan);
        if (verdict.enforced) continue;
        const label = `ManagedCluster "${cluster.name}"`;
        if (verdict.problems.length === 0) {
            findings.push({ kind: "unknown", urn: cluster.urn, message: `${label}: signature verification at admission may be configured, but ${verdict.unknowns.join("; ")}; it will be checked during \`pulumi up\`.` });
            continue;
        }
        const audit = imageIntegrityAssignments(cluster, view, read).length
            ? " AKS Image Integrity is assigned, but its built-in only audits (Audit is its only effect), so unsigned images still run."
            : "";
        findings.push({
            kind: "violation",
            urn: cluster.urn,
            message: `${label}: signed-images is mandatory, but the cluster does not verify signatures at admission as the pack does, so an unsigned image applied with kubectl, Helm or GitOps runs: ${verdict.problems.join("; ")}.${audit} ${FIX}`,
        });
    }
    return findings;
}

export const stackImageVerification = stackPolicy<StackPolicyBaseConfig>({
    name: "stack-image-verification",
    displayName: "Every AKS cluster verifies signatures at admission",
    description: "When signed-images is mandatory, every AKS cluster in the stack must verify image signatures at admission with the same trust stores, trust policies and cosign keys: the Ratify documents generated from signed-images, applied to the cluster, and the generated Gatekeeper constraint denying.",
    severity: "critical",
    remediationSteps: "Add the ImageVerification component (path \"ratify\") for each cluster, with the same policy config the pack is given.",
    evaluate: evaluateImageVerification,
});
