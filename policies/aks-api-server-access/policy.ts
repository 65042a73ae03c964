import { read } from "../lib/properties";
import { CheckResult, unreadable, violation } from "../lib/checks";
import { ResourcePolicyBaseConfig, resourcePolicy } from "../lib/resource-policy";
import { MANAGED_CLUSTER } from "../lib/azure-kinds";
import { exposureProperties, judgeRangeListAt, readExposureLimits } from "../lib/address-ranges";
import type { ExposureLimits } from "../../core/ip-ranges";
import { isUnknown } from "../../core/unknown";

export interface AksApiServerAccessConfig extends ResourcePolicyBaseConfig {
    readonly exposure: ExposureLimits;
}

const FIX = "list only the admin and CI egress CIDRs in apiServerAccessProfile.authorizedIPRanges (or set enablePrivateCluster: true); if a wider total is really intended, raise maxPublicIpv4Prefix / maxPublicIpv6Prefix in this policy's config";

/**
 * A public API server is judged by the public address space its authorized ranges admit together,
 * so `["0.0.0.0/1", "128.0.0.0/1"]` fails like `0.0.0.0/0`; private ranges admit nobody from the
 * internet and count for nothing.
 */
function privateOrAuthorizedIps(props: unknown, exposure: ExposureLimits): CheckResult[] {
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
    return judgeRangeListAt({
        listPath: ranges.path,
        entries: ranges.value.map((v, i) => (isUnknown(v) ? { path: `${ranges.path}[${i}]`, unknown: true as const } : { path: `${ranges.path}[${i}]`, value: v })),
        limits: exposure,
        what: "an authorized IP range",
        fix: FIX,
    });
}

export const aksApiServerAccess = resourcePolicy<AksApiServerAccessConfig>({
    name: "aks-api-server-access",
    displayName: "AKS API server is private or IP-restricted",
    description: "AKS API servers must be private, or reachable only from authorized IP ranges that together admit a small part of the internet.",
    severity: "high",
    remediationSteps: "Set `apiServerAccessProfile: { enablePrivateCluster: true }`, or `apiServerAccessProfile: { authorizedIPRanges: [\"<admin/CI egress CIDR>\"] }` with only the egress ranges you need.",
    appliesTo: [MANAGED_CLUSTER],
    properties: exposureProperties,
    readConfig: (reader, base) => ({ ...base, exposure: readExposureLimits(reader) }),
    checks: [{
        id: "private-or-authorized-ips",
        title: "apiServerAccessProfile.enablePrivateCluster is true, or authorizedIPRanges admit together at most maxPublicIpv4Prefix / maxPublicIpv6Prefix of public addresses",
        evaluate: (ctx) => privateOrAuthorizedIps(ctx.props, ctx.config.exposure),
    }],
});
