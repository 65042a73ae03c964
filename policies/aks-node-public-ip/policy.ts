import { read } from "../lib/properties";
import { CheckResult, unreadable, violation } from "../lib/checks";
import { ResourcePolicyBaseConfig, resourcePolicy } from "../lib/resource-policy";
import { AGENT_POOL, MANAGED_CLUSTER } from "../lib/azure-kinds";
import { isUnknown } from "../../core/unknown";

const FIX = "set enableNodePublicIP: false (or leave it unset) and reach nodes through the VNet";

function poolPublicIp(pool: unknown, base: string): CheckResult[] {
    const r = read(pool, "enableNodePublicIP");
    const path = base ? `${base}.${r.path}` : r.path;
    const bad = unreadable(r, "whether nodes get public IPs");
    if (bad) return bad.map((b) => ({ ...b, path }));
    if (r.state === "value" && r.value === true) return [violation(path, "every node of this pool gets a public IP address", FIX)];
    return [];
}

export const aksNodePublicIp = resourcePolicy<ResourcePolicyBaseConfig>({
    name: "aks-node-public-ip",
    displayName: "AKS nodes have no public IPs",
    description: "AKS node pools must not give nodes public IP addresses.",
    severity: "high",
    remediationSteps: "Remove `enableNodePublicIP: true` from the cluster's agentPoolProfiles and from AgentPool resources.",
    appliesTo: [MANAGED_CLUSTER, AGENT_POOL],
    checks: [{
        id: "no-node-public-ip",
        title: "enableNodePublicIP is not true (agentPoolProfiles[] and AgentPool)",
        evaluate: (ctx): CheckResult[] => {
            if (ctx.kind === "AgentPool") return poolPublicIp(ctx.props, "");
            const pools = read(ctx.props, "agentPoolProfiles");
            if (pools.state === "unknown") return [{ kind: "unknown", path: pools.path, what: "the node pools" }];
            if (pools.state !== "value" || !Array.isArray(pools.value)) return [];
            return pools.value.flatMap((p, i) => (isUnknown(p) ? [{ kind: "unknown" as const, path: `${pools.path}[${i}]`, what: "a node pool" }] : poolPublicIp(p, `${pools.path}[${i}]`)));
        },
    }],
});
