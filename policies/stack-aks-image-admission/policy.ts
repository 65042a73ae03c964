/**
 * Every AKS cluster in the stack must have image admission that denies at least what the trust
 * config denies: an Azure Policy assignment (the exact built-in allowed-images definition or
 * imagegate's generated one, directly or through an initiative, at any scope containing the cluster)
 * or a Gatekeeper constraint from the generated template, judged by content (core/admission).
 * Without it the preview-time gate is the only gate, and anything applied with kubectl runs unchecked.
 */
import { ALLOWED_IMAGES_DEFINITION_ID, AdmissionContext, CandidateVerdict, DEFAULT_REGEX_LIMITS, judgeClusterAdmission, stackView } from "../../core/admission";
import { ConfigReader } from "../../core/config/reader";
import { MANAGED_CLUSTER } from "../lib/azure-kinds";
import { read } from "../lib/properties";
import { Peers, StackFinding, StackPolicyBaseConfig, StackResource, stackPolicy, unjudgedClusters } from "../lib/stack-policy";
import { ofKind } from "../lib/stack-links";

export interface StackAksImageAdmissionConfig extends StackPolicyBaseConfig {
    /** Management group name → subscription IDs it contains. */
    readonly managementGroups: Readonly<Record<string, readonly string[]>>;
    readonly constraintKinds: readonly string[];
    readonly maxRegexLength: number;
    readonly maxRegexStates: number;
}

const FIX = `Fix: assign the built-in allowed-images policy (${ALLOWED_IMAGES_DEFINITION_ID}) at the cluster or a scope containing it, with effect Deny, only the system namespaces excluded and the allowedContainerImagesRegex \`imagegate allowed-images-regex\` prints for the trusted registries (the ImageAdmission component does all of this), or apply the Gatekeeper template and constraint imagegate generates, with enforcementAction deny, through a Kubernetes provider built from this cluster (GatekeeperImageConstraints).`;

const sentence = (c: CandidateVerdict, what: readonly string[]) => `${c.label}: ${what.join("; ")}.`;

function clusterFinding(cluster: StackResource, candidates: readonly CandidateVerdict[]): StackFinding {
    const label = `ManagedCluster "${cluster.name}"`;
    const loose = candidates.filter((c) => c.problems.length > 0);
    const maybe = candidates.filter((c) => c.problems.length === 0 && c.unknowns.length > 0);
    const notCounted = loose.length ? ` Found but not counted: ${loose.map((c) => sentence(c, c.problems)).join(" ")}` : "";
    if (maybe.length) {
        return {
            kind: "unknown",
            urn: cluster.urn,
            message: `${label}: image admission may come from ${maybe.map((m) => `${m.label} (${m.unknowns.join("; ")})`).join(", ")}; that cannot be verified at preview, it will be checked during \`pulumi up\`.${notCounted}`,
        };
    }
    return {
        kind: "violation",
        urn: cluster.urn,
        message: `${label}: no image admission is enforced in the cluster that denies what the trust config denies, so images applied outside this program (kubectl, Helm, operators) are not checked as the pack checks them.${notCounted} ${FIX}`,
    };
}

export function evaluateImageAdmission(resources: readonly StackResource[], config: StackAksImageAdmissionConfig, peers: Pick<Peers, "gates">): StackFinding[] | string {
    const clusters = ofKind(resources, MANAGED_CLUSTER);
    if (clusters.length === 0) return "the stack has no AKS cluster";
    // What admission must deny is what trusted-registries and require-digest say, read from their
    // own entries of the policy config the pack was configured with.
    const gates = peers.gates();
    if (!gates) return unjudgedClusters(clusters, "its image admission", "the trusted-registries and require-digest settings it must enforce are");
    const view = stackView(resources);
    const ctx: AdmissionContext = {
        read,
        trust: { entries: gates.trustedRegistries.config.registries, requireDigest: gates.requireDigest.level !== "disabled" },
        regexLimits: { maxPatternLength: config.maxRegexLength, maxStates: config.maxRegexStates },
        managementGroups: config.managementGroups,
        constraintKinds: config.constraintKinds,
    };
    const findings: StackFinding[] = [];
    for (const cluster of clusters) {
        const judged = judgeClusterAdmission(cluster, clusters.length, view, ctx);
        if (!judged.enforced) findings.push(clusterFinding(cluster, judged.candidates));
    }
    return findings;
}

function readManagementGroups(reader: ConfigReader): Record<string, string[]> {
    const raw = reader.raw_("managementGroups");
    if (raw === undefined) return {};
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
        reader.fail("managementGroups", "expected an object of management group name → list of subscription IDs");
        return {};
    }
    const out: Record<string, string[]> = {};
    for (const [name, subs] of Object.entries(raw)) {
        if (!Array.isArray(subs) || !subs.every((s) => typeof s === "string" && s.length > 0)) reader.fail(`managementGroups.${name}`, "expected a list of subscription IDs");
        else out[name] = subs as string[];
    }
    return out;
}

export const stackAksImageAdmission = stackPolicy<StackAksImageAdmissionConfig>({
    name: "stack-aks-image-admission",
    displayName: "Every AKS cluster enforces image admission",
    description: "Every AKS cluster in the stack must enforce image admission that denies at least what the trust config denies: the allowed-images Azure Policy (or imagegate's custom definition) assigned at a scope containing the cluster with effect Deny, or Gatekeeper constraints from the generated template that deny.",
    severity: "critical",
    remediationSteps: "Add the ImageAdmission component for each cluster (Azure Policy add-on), or GatekeeperImageConstraints applied through a Kubernetes provider built from the cluster's credentials, with the same registries as trusted-registries (the environment program reads them from the policy config).",
    properties: {
        managementGroups: {
            type: "object",
            additionalProperties: { type: "array", items: { type: "string", minLength: 1 }, description: "Subscription IDs in the management group." },
            description: "Management group name → the subscription IDs it contains. An assignment at a management group counts for a cluster only when the group is listed here with the cluster's subscription (the stack does not say which subscriptions a group holds).",
        },
        constraintKinds: {
            type: "array",
            items: { type: "string", minLength: 1 },
            default: ["K8sTrustedImages", "K8sImagegateTrustedImages", "K8sAllowedRepos", "K8sAzureV2ContainerAllowedImages"],
            description: "Gatekeeper constraint kinds named in the message when they do not count. A constraint counts only when its ConstraintTemplate is the one imagegate generates, whatever its kind.",
        },
        maxRegexLength: {
            type: "integer",
            minimum: 1,
            maximum: 1_000_000,
            default: DEFAULT_REGEX_LIMITS.maxPatternLength,
            description: "Longest allowed-images regex compared with the generated one (characters); a longer one does not count.",
        },
        maxRegexStates: {
            type: "integer",
            minimum: 1_000,
            maximum: 10_000_000,
            default: DEFAULT_REGEX_LIMITS.maxStates,
            description: "Automaton states the exact comparison of two regexes may explore; a regex not decided within it does not count.",
        },
    },
    readConfig: (reader: ConfigReader, base) => {
        return {
            ...base,
            managementGroups: readManagementGroups(reader),
            constraintKinds: reader.stringArray("constraintKinds"),
            maxRegexLength: reader.integer("maxRegexLength", 1, 1_000_000),
            maxRegexStates: reader.integer("maxRegexStates", 1_000, 10_000_000),
        };
    },
    evaluate: evaluateImageAdmission,
});
