import { expectValue } from "../lib/checks";
import { ResourcePolicyBaseConfig, resourcePolicy } from "../lib/resource-policy";
import { REGISTRY, REPLICATION } from "../lib/azure-kinds";

export const acrZoneRedundancy = resourcePolicy<ResourcePolicyBaseConfig>({
    name: "acr-zone-redundancy",
    displayName: "ACR registries and replicas are zone-redundant",
    description: "Container registries and their geo-replicas must be zone-redundant, so a zone outage does not stop image pulls.",
    severity: "medium",
    remediationSteps: "Set `zoneRedundancy: \"Enabled\"` on the registry and every Replication (create-time only: a new registry or replica is needed). In a region without availability zones, set this policy to advisory for that stack.",
    appliesTo: [REGISTRY, REPLICATION],
    checks: [{
        id: "zone-redundancy",
        title: "zoneRedundancy is Enabled (registry and replications)",
        evaluate: (ctx) => expectValue(ctx, "zoneRedundancy", {
            accept: ["Enabled"],
            azureDefault: "Disabled",
            what: "zone redundancy",
            fix: "set zoneRedundancy: \"Enabled\" (only at creation: recreate the registry or replica)",
        }),
    }],
});
