import { read } from "../lib/properties";
import { expectValue, unreadable, violation } from "../lib/checks";
import { ResourcePolicyBaseConfig, resourcePolicy } from "../lib/resource-policy";
import { MANAGED_CLUSTER } from "../lib/azure-kinds";

export const aksWorkloadIdentity = resourcePolicy<ResourcePolicyBaseConfig>({
    name: "aks-workload-identity",
    displayName: "AKS uses workload identity",
    description: "AKS clusters must enable the OIDC issuer and workload identity (and not the deprecated pod identity), so pods get short-lived federated tokens instead of stored secrets.",
    severity: "medium",
    remediationSteps: "Set `oidcIssuerProfile: { enabled: true }` and `securityProfile: { workloadIdentity: { enabled: true } }`; remove `podIdentityProfile`.",
    appliesTo: [MANAGED_CLUSTER],
    checks: [
        {
            id: "oidc-issuer",
            title: "oidcIssuerProfile.enabled is true",
            evaluate: (ctx) => expectValue(ctx, "oidcIssuerProfile.enabled", {
                accept: [true],
                azureDefault: false,
                what: "the OIDC issuer",
                fix: "set oidcIssuerProfile.enabled: true (it cannot be turned off once on)",
            }),
        },
        {
            id: "workload-identity",
            title: "securityProfile.workloadIdentity.enabled is true",
            evaluate: (ctx) => expectValue(ctx, "securityProfile.workloadIdentity.enabled", {
                accept: [true],
                azureDefault: false,
                what: "workload identity",
                fix: "set securityProfile.workloadIdentity.enabled: true (needs oidcIssuerProfile.enabled: true)",
            }),
        },
        {
            id: "no-pod-identity",
            title: "podIdentityProfile.enabled is not true (deprecated AAD pod identity)",
            evaluate: (ctx) => {
                const r = read(ctx.props, "podIdentityProfile.enabled");
                const bad = unreadable(r, "AAD pod identity");
                if (bad) return bad;
                if (r.state === "value" && r.value === true) {
                    return [violation(r.path, "the deprecated AAD pod identity is enabled (it intercepts IMDS traffic from every pod on the node)", "migrate to workload identity and remove podIdentityProfile")];
                }
                return [];
            },
        },
    ],
});
