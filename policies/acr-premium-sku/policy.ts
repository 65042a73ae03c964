import { expectValue } from "../lib/checks";
import { ResourcePolicyBaseConfig, resourcePolicy } from "../lib/resource-policy";
import { REGISTRY } from "../lib/azure-kinds";

export const acrPremiumSku = resourcePolicy<ResourcePolicyBaseConfig>({
    name: "acr-premium-sku",
    displayName: "ACR uses the Premium SKU",
    description: "Container registries must use the Premium SKU, which private endpoints, firewall rules, the export policy and dedicated data endpoints need.",
    severity: "high",
    remediationSteps: "Set `sku: { name: \"Premium\" }` on the registry (an in-place upgrade; no data moves).",
    appliesTo: [REGISTRY],
    checks: [{
        id: "premium-sku",
        title: "sku.name is Premium",
        evaluate: (ctx) => expectValue(ctx, "sku.name", {
            accept: ["Premium"],
            what: "the SKU",
            why: "(private endpoints, firewall rules, the export policy, dedicated data endpoints and geo-replication are Premium-only)",
            fix: "set sku.name to \"Premium\"",
        }),
    }],
});
