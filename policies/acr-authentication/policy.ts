import { expectValue } from "../lib/checks";
import { ResourcePolicyBaseConfig, resourcePolicy } from "../lib/resource-policy";
import { REGISTRY } from "../lib/azure-kinds";

export const acrAuthentication = resourcePolicy<ResourcePolicyBaseConfig>({
    name: "acr-authentication",
    displayName: "ACR accepts only Entra ID identities",
    description: "Container registries must not accept the shared admin user, anonymous pulls or ARM-audience tokens.",
    severity: "high",
    remediationSteps: "Set `adminUserEnabled: false`, `anonymousPullEnabled: false` and `policies.azureADAuthenticationAsArmPolicy.status: \"disabled\"`; grant identities AcrPull/AcrPush on the registry instead.",
    appliesTo: [REGISTRY],
    checks: [
        {
            id: "admin-user-disabled",
            title: "adminUserEnabled is false",
            evaluate: (ctx) => expectValue(ctx, "adminUserEnabled", {
                accept: [false],
                azureDefault: false,
                what: "the admin user",
                why: "(a shared username/password with full push and pull rights that no identity owns)",
                fix: "set adminUserEnabled: false and grant Entra ID identities AcrPull or AcrPush",
            }),
        },
        {
            id: "anonymous-pull-disabled",
            title: "anonymousPullEnabled is false",
            evaluate: (ctx) => expectValue(ctx, "anonymousPullEnabled", {
                accept: [false],
                azureDefault: false,
                what: "anonymous pull",
                why: "(anyone who can reach the registry can read every image)",
                fix: "set anonymousPullEnabled: false",
            }),
        },
        {
            id: "arm-audience-tokens-disabled",
            title: "policies.azureADAuthenticationAsArmPolicy.status is disabled",
            evaluate: (ctx) => expectValue(ctx, "policies.azureADAuthenticationAsArmPolicy.status", {
                accept: ["disabled"],
                azureDefault: "enabled",
                what: "authentication with ARM-audience Entra tokens",
                why: "(any token issued for Azure Resource Manager also opens the registry; Azure Policy 42781ec6)",
                fix: "set policies.azureADAuthenticationAsArmPolicy.status to \"disabled\" so only ACR-audience tokens are accepted",
            }),
        },
    ],
});
