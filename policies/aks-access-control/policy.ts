import { read, sameText, show } from "../lib/properties";
import { expectValue, unreadable, violation } from "../lib/checks";
import { ResourcePolicyBaseConfig, resourcePolicy } from "../lib/resource-policy";
import { MANAGED_CLUSTER } from "../lib/azure-kinds";

export const aksAccessControl = resourcePolicy<ResourcePolicyBaseConfig>({
    name: "aks-access-control",
    displayName: "AKS uses Kubernetes RBAC, Entra ID with Azure RBAC, no local accounts and a managed identity",
    description: "AKS clusters must authorize with Kubernetes RBAC and Entra ID (Azure RBAC), disable local accounts and run as a managed identity.",
    severity: "high",
    remediationSteps: "Set `enableRBAC: true`, `aadProfile: { managed: true, enableAzureRBAC: true }`, `disableLocalAccounts: true` and `identity: { type: \"SystemAssigned\" }` (or UserAssigned).",
    appliesTo: [MANAGED_CLUSTER],
    checks: [
        {
            id: "rbac-enabled",
            title: "enableRBAC is true",
            evaluate: (ctx) => expectValue(ctx, "enableRBAC", {
                accept: [true],
                what: "Kubernetes RBAC",
                fix: "set enableRBAC: true (it cannot be changed after creation)",
            }),
        },
        {
            id: "entra-azure-rbac",
            title: "aadProfile.managed and aadProfile.enableAzureRBAC are true",
            evaluate: (ctx) => [
                ...expectValue(ctx, "aadProfile.managed", {
                    accept: [true],
                    what: "Entra ID (managed AAD) integration",
                    fix: "set aadProfile.managed: true",
                }),
                ...expectValue(ctx, "aadProfile.enableAzureRBAC", {
                    accept: [true],
                    what: "Azure RBAC for Kubernetes authorization",
                    why: "(cluster access is then granted and audited as Azure role assignments)",
                    fix: "set aadProfile.enableAzureRBAC: true",
                }),
            ],
        },
        {
            id: "local-accounts-disabled",
            title: "disableLocalAccounts is true",
            evaluate: (ctx) => expectValue(ctx, "disableLocalAccounts", {
                accept: [true],
                azureDefault: false,
                what: "disabling local accounts",
                why: "(the static cluster-admin kubeconfig bypasses Entra ID and cannot be revoked per user)",
                fix: "set disableLocalAccounts: true (requires aadProfile.managed: true)",
            }),
        },
        {
            id: "managed-identity",
            title: "identity.type is SystemAssigned or UserAssigned (no service principal)",
            evaluate: (ctx) => {
                const r = read(ctx.props, "identity.type");
                const bad = unreadable(r, "the cluster identity");
                if (bad) return bad;
                if (r.state === "value" && (sameText(r.value, "SystemAssigned") || sameText(r.value, "UserAssigned"))) return [];
                const shown = r.state === "value" ? `the cluster identity type is ${show(r.value)}` : "no managed identity is set";
                return [violation(r.path, `${shown}, so the cluster authenticates to Azure with a service principal secret that must be rotated by hand`, "set identity: { type: \"SystemAssigned\" } (or UserAssigned with userAssignedIdentities) and remove servicePrincipalProfile")];
            },
        },
    ],
});
