import { read } from "../lib/properties";
import { unreadable, violation } from "../lib/checks";
import { ResourcePolicyBaseConfig, resourcePolicy } from "../lib/resource-policy";
import { MANAGED_CLUSTER } from "../lib/azure-kinds";
import type { CheckContext, CheckResult } from "../lib/checks";

function addonOff(ctx: CheckContext<unknown>, key: string, problem: string, fix: string): CheckResult[] {
    const r = read(ctx.props, `addonProfiles.${key}.enabled`);
    const bad = unreadable(r, `the ${key} add-on`);
    if (bad) return bad;
    return r.state === "value" && r.value === true ? [violation(r.path, problem, fix)] : [];
}

export const aksNoInsecureAddons = resourcePolicy<ResourcePolicyBaseConfig>({
    name: "aks-no-insecure-addons",
    displayName: "AKS runs no HTTP application routing or Kubernetes dashboard add-on",
    description: "AKS clusters must not run the HTTP application routing add-on (public, unauthenticated ingress and DNS, not for production) or the legacy Kubernetes dashboard.",
    severity: "medium",
    remediationSteps: "Remove `addonProfiles.httpApplicationRouting` (use the application routing add-on or your own ingress controller) and `addonProfiles.kubeDashboard`.",
    appliesTo: [MANAGED_CLUSTER],
    checks: [
        {
            id: "http-application-routing-disabled",
            title: "addonProfiles.httpApplicationRouting.enabled is not true",
            evaluate: (ctx) => addonOff(ctx, "httpApplicationRouting", "the HTTP application routing add-on is enabled (it publishes services through a public DNS zone, is not meant for production and is retired)", "remove addonProfiles.httpApplicationRouting and use the managed application routing (webAppRouting) or your own ingress"),
        },
        {
            id: "kube-dashboard-disabled",
            title: "addonProfiles.kubeDashboard.enabled is not true",
            evaluate: (ctx) => addonOff(ctx, "kubeDashboard", "the Kubernetes dashboard add-on is enabled (a long-standing privilege-escalation target)", "remove addonProfiles.kubeDashboard"),
        },
    ],
});
