import { expectValue } from "../lib/checks";
import { ResourcePolicyBaseConfig, resourcePolicy } from "../lib/resource-policy";
import { REGISTRY } from "../lib/azure-kinds";

export const acrUntaggedRetention = resourcePolicy<ResourcePolicyBaseConfig>({
    name: "acr-untagged-retention",
    displayName: "ACR purges untagged manifests",
    description: "Container registries must purge untagged manifests after a retention period, so superseded (and unpatched) images do not stay pullable by digest forever.",
    severity: "low",
    remediationSteps: "Set `policies.retentionPolicy: { status: \"enabled\", days: 7 }` (Premium; not compatible with soft delete).",
    appliesTo: [REGISTRY],
    checks: [{
        id: "untagged-retention",
        title: "policies.retentionPolicy.status is enabled",
        evaluate: (ctx) => expectValue(ctx, "policies.retentionPolicy.status", {
            accept: ["enabled"],
            azureDefault: "disabled",
            what: "the retention policy for untagged manifests",
            fix: "set policies.retentionPolicy to { status: \"enabled\", days: 7 } (0-365 days)",
        }),
    }],
});
