import { read, show } from "../lib/properties";
import { CheckResult, unreadable, violation } from "../lib/checks";
import { ResourcePolicyBaseConfig, resourcePolicy } from "../lib/resource-policy";
import { MANAGED_CLUSTER } from "../lib/azure-kinds";
import { isUnknown } from "../../core/unknown";

/** A range that admits every address. */
const OPEN_RANGE = /^0\.0\.0\.0(\/0)?$|\/0$/;

function privateOrAuthorizedIps(props: unknown): CheckResult[] {
    const priv = read(props, "apiServerAccessProfile.enablePrivateCluster");
    const badPriv = unreadable(priv, "whether the cluster is private");
    if (badPriv) return badPriv;
    if (priv.state === "value" && priv.value === true) return [];
    const ranges = read(props, "apiServerAccessProfile.authorizedIPRanges");
    const badRanges = unreadable(ranges, "the API server's authorized IP ranges");
    if (badRanges) return badRanges;
    if (ranges.state !== "value" || !Array.isArray(ranges.value) || ranges.value.length === 0) {
        return [violation(ranges.path, "the cluster is not private and no authorized IP ranges are set, so the API server accepts connections from every address", "set apiServerAccessProfile.enablePrivateCluster: true, or list the admin and CI egress CIDRs in apiServerAccessProfile.authorizedIPRanges")];
    }
    const out: CheckResult[] = [];
    ranges.value.forEach((r, i) => {
        const path = `${ranges.path}[${i}]`;
        if (isUnknown(r)) out.push({ kind: "unknown", path, what: "an authorized IP range" });
        else if (typeof r !== "string" || OPEN_RANGE.test(r.trim())) {
            out.push(violation(path, `the authorized range ${show(r)} admits every address`, "list only the admin and CI egress CIDRs"));
        }
    });
    return out;
}

export const aksApiServerAccess = resourcePolicy<ResourcePolicyBaseConfig>({
    name: "aks-api-server-access",
    displayName: "AKS API server is private or IP-restricted",
    description: "AKS API servers must be private, or reachable only from authorized IP ranges.",
    severity: "high",
    remediationSteps: "Set `apiServerAccessProfile: { enablePrivateCluster: true }`, or `apiServerAccessProfile: { authorizedIPRanges: [\"<admin/CI egress CIDR>\"] }`.",
    appliesTo: [MANAGED_CLUSTER],
    checks: [{
        id: "private-or-authorized-ips",
        title: "apiServerAccessProfile.enablePrivateCluster is true, or authorizedIPRanges is non-empty without 0.0.0.0/0",
        evaluate: (ctx) => privateOrAuthorizedIps(ctx.props),
    }],
});
