import { expectValue } from "../lib/checks";
import { ResourcePolicyBaseConfig, resourcePolicy } from "../lib/resource-policy";
import { MANAGED_CLUSTER } from "../lib/azure-kinds";

export const aksAzurePolicyAddon = resourcePolicy<ResourcePolicyBaseConfig>({
    name: "aks-azure-policy-addon",
    displayName: "AKS runs the Azure Policy add-on",
    description: "AKS clusters must run the Azure Policy add-on (Gatekeeper), without which no image-admission policy is enforced in the cluster.",
    severity: "high",
    remediationSteps: "Set `addonProfiles: { azurepolicy: { enabled: true } }` and assign the allowed-images policy to the cluster (ImageAdmission component).",
    appliesTo: [MANAGED_CLUSTER],
    checks: [{
        id: "azure-policy-addon",
        title: "addonProfiles.azurepolicy.enabled is true (key matched case-insensitively)",
        evaluate: (ctx) => expectValue(ctx, "addonProfiles.azurepolicy.enabled", {
            accept: [true],
            what: "the Azure Policy add-on",
            why: "(it runs Gatekeeper, which enforces the allowed-images assignment at admission)",
            fix: "set addonProfiles.azurepolicy.enabled: true",
        }),
    }],
});
