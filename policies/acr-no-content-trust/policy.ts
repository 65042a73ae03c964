import { read, sameText } from "../lib/properties";
import { unreadable, violation } from "../lib/checks";
import { ResourcePolicyBaseConfig, resourcePolicy } from "../lib/resource-policy";
import { REGISTRY } from "../lib/azure-kinds";

/**
 * Docker Content Trust is the signing mechanism Checkov (CKV_AZURE_164) and PSRule
 * (Azure.ACR.ContentTrust) still require. Microsoft deprecated it on 2025-03-31 and removes it on
 * 2028-03-31; it cannot be combined with customer-managed keys. Flagging it, rather than requiring
 * it, is deliberate: signatures belong to the Notary Project (Notation), verified by signed-images.
 */
export const acrNoContentTrust = resourcePolicy<ResourcePolicyBaseConfig>({
    name: "acr-no-content-trust",
    displayName: "ACR does not rely on Docker Content Trust",
    description: "Docker Content Trust is deprecated in ACR (removed 2028-03-31); sign images with Notation and verify them with signed-images instead.",
    severity: "low",
    enforcementLevel: "advisory",
    remediationSteps: "Set `policies.trustPolicy.status: \"disabled\"`, sign images with Notation (keys in Azure Key Vault) and enable the signed-images policy.",
    appliesTo: [REGISTRY],
    checks: [{
        id: "content-trust-not-used",
        title: "policies.trustPolicy.status is not enabled (DCT is deprecated)",
        evaluate: (ctx) => {
            const r = read(ctx.props, "policies.trustPolicy.status");
            const bad = unreadable(r, "the Docker Content Trust setting");
            if (bad) return bad;
            if (r.state === "value" && sameText(r.value, "enabled")) {
                return [violation(r.path, "Docker Content Trust is enabled; it is deprecated since 2025-03-31, cannot be enabled on new registries since 2026-05-31, is removed on 2028-03-31 and cannot be combined with customer-managed keys", "set policies.trustPolicy.status to \"disabled\", sign with Notation and enforce signatures with the signed-images policy")];
            }
            return [];
        },
    }],
});
