import { read, sameText, show } from "../lib/properties";
import { CheckResult, expectValue, unreadable, violation } from "../lib/checks";
import { ResourcePolicyBaseConfig, resourcePolicy } from "../lib/resource-policy";
import { REGISTRY } from "../lib/azure-kinds";
import { isUnknown } from "../../core/unknown";

/** An IPv4 rule that admits every address. */
const OPEN_RANGE = /^0\.0\.0\.0(\/0)?$|\/0$/;

function publicNetworkRestricted(props: unknown): CheckResult[] {
    const pna = read(props, "publicNetworkAccess");
    const bad = unreadable(pna, "public network access");
    if (bad) return bad;
    if (pna.state === "value" && sameText(pna.value, "Disabled")) return [];
    // Public access stays on (explicitly, or by Azure's default "Enabled"): the firewall must deny by default.
    const shownPna = pna.state === "value" ? `publicNetworkAccess is ${show(pna.value)}` : "publicNetworkAccess is not set (Azure's default is \"Enabled\")";
    const action = read(props, "networkRuleSet.defaultAction");
    const badAction = unreadable(action, "the firewall default action");
    if (badAction) return badAction;
    if (action.state !== "value" || !sameText(action.value, "Deny")) {
        const shownAction = action.state === "value" ? `networkRuleSet.defaultAction is ${show(action.value)}` : "no networkRuleSet default action is set (Azure's default is \"Allow\")";
        return [violation(pna.path, `${shownPna} and ${shownAction}, so the registry is reachable from every network`, "set publicNetworkAccess: \"Disabled\" and use a private endpoint, or keep it on with networkRuleSet.defaultAction: \"Deny\" and only the ipRules you need")];
    }
    const rules = read(props, "networkRuleSet.ipRules");
    if (rules.state === "unknown") return [{ kind: "unknown", path: rules.path, what: "the firewall IP rules" }];
    if (rules.state !== "value" || !Array.isArray(rules.value)) return [];
    const out: CheckResult[] = [];
    rules.value.forEach((rule, i) => {
        const range = read(rule, "iPAddressOrRange");
        const path = `${rules.path}[${i}].${range.path}`;
        if (range.state === "unknown" || isUnknown(rule)) out.push({ kind: "unknown", path, what: "a firewall IP rule" });
        else if (range.state === "value" && typeof range.value === "string" && OPEN_RANGE.test(range.value.trim())) {
            out.push(violation(path, `the rule ${show(range.value)} admits every address, which defeats defaultAction "Deny"`, "list only the egress addresses of your build agents and clusters"));
        }
    });
    return out;
}

export const acrNetwork = resourcePolicy<ResourcePolicyBaseConfig>({
    name: "acr-network",
    displayName: "ACR is not open to every network",
    description: "Container registries must be closed to the public internet (private endpoint or firewall with default Deny), keep their export policy disabled and use dedicated data endpoints.",
    severity: "high",
    remediationSteps: "Set `publicNetworkAccess: \"Disabled\"` with a private endpoint (or `networkRuleSet.defaultAction: \"Deny\"` with explicit ipRules), `policies.exportPolicy.status: \"disabled\"` and `dataEndpointEnabled: true`.",
    appliesTo: [REGISTRY],
    checks: [
        {
            id: "public-network-restricted",
            title: "publicNetworkAccess is Disabled, or networkRuleSet.defaultAction is Deny without an all-addresses rule",
            evaluate: (ctx) => publicNetworkRestricted(ctx.props),
        },
        {
            id: "export-disabled",
            title: "policies.exportPolicy.status is disabled",
            evaluate: (ctx) => expectValue(ctx, "policies.exportPolicy.status", {
                accept: ["disabled"],
                azureDefault: "enabled",
                what: "the export policy",
                why: "(images can be copied out with `az acr import` or ACR transfer pipelines, past any network rule)",
                fix: "set policies.exportPolicy.status to \"disabled\" (Azure requires publicNetworkAccess \"Disabled\" for that)",
            }),
        },
        {
            id: "dedicated-data-endpoints",
            title: "dataEndpointEnabled is true",
            evaluate: (ctx) => expectValue(ctx, "dataEndpointEnabled", {
                accept: [true],
                azureDefault: false,
                what: "dedicated data endpoints",
                why: "(without them clients download layers from a shared *.blob.core.windows.net host, so firewalls must allow all of Azure Storage)",
                fix: "set dataEndpointEnabled: true and allow <registry>.<region>.data.azurecr.io in egress rules",
            }),
        },
    ],
});
