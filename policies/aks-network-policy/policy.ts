import { expectValue } from "../lib/checks";
import { ResourcePolicyBaseConfig, resourcePolicy } from "../lib/resource-policy";
import { MANAGED_CLUSTER } from "../lib/azure-kinds";

export const aksNetworkPolicy = resourcePolicy<ResourcePolicyBaseConfig>({
    name: "aks-network-policy",
    displayName: "AKS enforces Kubernetes network policies",
    description: "AKS clusters must run a network policy engine (Azure, Calico or Cilium), or NetworkPolicy objects are silently ignored.",
    severity: "medium",
    remediationSteps: "Set `networkProfile: { networkPlugin: \"azure\", networkPolicy: \"cilium\", networkDataplane: \"cilium\" }` (or networkPolicy \"azure\" / \"calico\").",
    appliesTo: [MANAGED_CLUSTER],
    checks: [{
        id: "network-policy",
        title: "networkProfile.networkPolicy is azure, calico or cilium",
        evaluate: (ctx) => expectValue(ctx, "networkProfile.networkPolicy", {
            accept: ["azure", "calico", "cilium"],
            azureDefault: "none",
            what: "the network policy engine",
            why: "(NetworkPolicy objects are then accepted but not enforced)",
            fix: "set networkProfile.networkPolicy to \"cilium\" (with networkDataplane \"cilium\"), \"azure\" or \"calico\"",
        }),
    }],
});
