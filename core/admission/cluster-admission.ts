/**
 * Whether one AKS cluster enforces image admission that denies at least what the trust config
 * denies: Azure Policy assignments (azure-assignments.ts) and self-managed Gatekeeper constraints
 * (gatekeeper-constraints.ts), each judged by content. Admission counts when one candidate has no
 * problem and nothing unknown; the others are reported with what narrows or loosens them.
 */
import type { StackNode } from "../stack-graph";
import { AdmissionContext, CandidateVerdict, StackView, counts } from "./admission-judgement";
import { judgeAzureAssignments } from "./azure-assignments";
import { judgeGatekeeperConstraints } from "./gatekeeper-constraints";

export interface ClusterAdmission {
    /** The first candidate that counts, if any. */
    readonly enforced?: CandidateVerdict;
    /** Every candidate found for the cluster, counting or not. */
    readonly candidates: readonly CandidateVerdict[];
}

export function judgeClusterAdmission(cluster: StackNode, clusters: number, view: StackView, ctx: AdmissionContext): ClusterAdmission {
    const candidates = [...judgeAzureAssignments(cluster, view, ctx), ...judgeGatekeeperConstraints(cluster, clusters, view, ctx)];
    const enforced = candidates.find(counts);
    return { ...(enforced ? { enforced } : {}), candidates };
}
