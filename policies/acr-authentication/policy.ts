import { expectValue } from "../lib/checks";
import { ResourcePolicyBaseConfig, resourcePolicy } from "../lib/resource-policy";
import { REGISTRY, TOKEN } from "../lib/azure-kinds";

export const acrAuthentication = resourcePolicy<ResourcePolicyBaseConfig>({
    name: "acr-authentication",
    displayName: "ACR accepts only Entra ID identities",
    description: "Container registries must not accept the shared admin user, anonymous pulls, ARM-audience tokens or password-based repository-scoped tokens.",
    severity: "high",
    remediationSteps: "Set `adminUserEnabled: false`, `anonymousPullEnabled: false` and `policies.azureADAuthenticationAsArmPolicy.status: \"disabled\"`; grant identities AcrPull/AcrPush on the registry instead; delete repository-scoped tokens (`containerregistry:Token`) or set their `status: \"disabled\"`.",
    appliesTo: [REGISTRY, TOKEN],
    checks: [
        {
            id: "admin-user-disabled",
            title: "adminUserEnabled is false",
            kinds: ["Registry"],
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
            kinds: ["Registry"],
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
            kinds: ["Registry"],
            evaluate: (ctx) => expectValue(ctx, "policies.azureADAuthenticationAsArmPolicy.status", {
                accept: ["disabled"],
                azureDefault: "enabled",
                what: "authentication with ARM-audience Entra tokens",
                why: "(any token issued for Azure Resource Manager also opens the registry; Azure Policy 42781ec6)",
                fix: "set policies.azureADAuthenticationAsArmPolicy.status to \"disabled\" so only ACR-audience tokens are accepted",
            }),
        },
        {
            // Azure Policy ff05e24e audits tokens whose status is not "disabled"; the ScopeMap a token
            // points at grants nothing by itself, so tokens are what is judged.
            id: "repository-tokens-disabled",
            title: "containerregistry Token resources have status disabled (Azure's default is enabled)",
            kinds: ["Token"],
            evaluate: (ctx) => expectValue(ctx, "status", {
                accept: ["disabled"],
                azureDefault: "enabled",
                what: "the status of this repository-scoped access token",
                why: "(a token is a password-based credential that no Entra identity owns: it bypasses Conditional Access and per-identity audit; Azure Policy ff05e24e)",
                fix: "grant an Entra identity (managed or workload identity) AcrPull/AcrPush on the registry and delete the token, or set its status to \"disabled\"",
            }),
        },
    ],
});
