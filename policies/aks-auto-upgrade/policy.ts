import { expectValue } from "../lib/checks";
import { ResourcePolicyBaseConfig, resourcePolicy } from "../lib/resource-policy";
import { MANAGED_CLUSTER } from "../lib/azure-kinds";

export const aksAutoUpgrade = resourcePolicy<ResourcePolicyBaseConfig>({
    name: "aks-auto-upgrade",
    displayName: "AKS patches Kubernetes and node images automatically",
    description: "AKS clusters must upgrade automatically: a Kubernetes upgrade channel other than none, and a node OS channel that applies security patches.",
    severity: "medium",
    remediationSteps: "Set `autoUpgradeProfile: { upgradeChannel: \"patch\", nodeOSUpgradeChannel: \"NodeImage\" }` (or \"SecurityPatch\"), with a maintenance window if needed.",
    appliesTo: [MANAGED_CLUSTER],
    checks: [
        {
            id: "upgrade-channel",
            title: "autoUpgradeProfile.upgradeChannel is rapid, stable, patch or node-image",
            evaluate: (ctx) => expectValue(ctx, "autoUpgradeProfile.upgradeChannel", {
                accept: ["rapid", "stable", "patch", "node-image"],
                azureDefault: "none",
                what: "the cluster upgrade channel",
                why: "(control plane and node versions are then only upgraded by hand)",
                fix: "set autoUpgradeProfile.upgradeChannel to \"patch\" (or \"stable\")",
            }),
        },
        {
            id: "node-os-upgrade-channel",
            title: "autoUpgradeProfile.nodeOSUpgradeChannel is SecurityPatch or NodeImage (the AKS default)",
            evaluate: (ctx) => expectValue(ctx, "autoUpgradeProfile.nodeOSUpgradeChannel", {
                accept: ["SecurityPatch", "NodeImage"],
                azureDefault: "NodeImage",
                what: "the node OS upgrade channel",
                why: "(node OS security patches are then not applied, or applied without reimaging)",
                fix: "set autoUpgradeProfile.nodeOSUpgradeChannel to \"NodeImage\" or \"SecurityPatch\"",
            }),
        },
    ],
});
