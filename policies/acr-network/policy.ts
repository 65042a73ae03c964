import { read, sameText, show } from "../lib/properties";
import { CheckContext, CheckResult, expectValue, unreadable, violation } from "../lib/checks";
import { ResourcePolicyBaseConfig, resourcePolicy } from "../lib/resource-policy";
import { REGISTRY } from "../lib/azure-kinds";
import { ListedRange, exposureProperties, judgeRangeListAt, readExposureLimits } from "../lib/address-ranges";
import type { ExposureLimits } from "../../core/ip-ranges";
import { isUnknown } from "../../core/unknown";

export interface AcrNetworkConfig extends ResourcePolicyBaseConfig {
    readonly exposure: ExposureLimits;
}

const RULES_FIX = "list only the egress addresses of your build agents and clusters in networkRuleSet.ipRules (or disable public network access and use a private endpoint); if a wider total is really intended, raise maxPublicIpv4Prefix / maxPublicIpv6Prefix in this policy's config";

/** One firewall rule's range: `iPAddressOrRange` in the Pulumi SDK, `value` in ARM JSON. */
function ruleRange(rule: unknown, base: string): ListedRange {
    if (isUnknown(rule)) return { path: base, unknown: true };
    let r = read(rule, "iPAddressOrRange");
    if (r.state === "absent") {
        const arm = read(rule, "value");
        if (arm.state !== "absent") r = arm;
    }
    const path = `${base}.${r.path}`;
    if (r.state === "unknown") return { path, unknown: true };
    return { path, value: r.state === "value" ? r.value : undefined };
}

function publicNetworkRestricted(props: unknown, exposure: ExposureLimits): CheckResult[] {
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
    const badRules = unreadable(rules, "the firewall IP rules");
    if (badRules) return badRules;
    if (rules.state !== "value" || !Array.isArray(rules.value)) return [];
    // With default Deny, what the rules admit together is what is open: judged as a whole.
    return judgeRangeListAt({
        listPath: rules.path,
        entries: rules.value.map((rule, i) => ruleRange(rule, `${rules.path}[${i}]`)),
        limits: exposure,
        what: "a firewall IP rule",
        fix: RULES_FIX,
    });
}

/**
 * Dedicated data endpoints matter where clients pull over the public endpoint. A registry with
 * public access disabled is reached only through private endpoints, which bring their own
 * per-registry data endpoints (`<name>.<region>.data.azurecr.io` on a private IP), so
 * dataEndpointEnabled changes nothing there.
 */
function dedicatedDataEndpoints(ctx: CheckContext<unknown>): CheckResult[] {
    const dde = ctx.read("dataEndpointEnabled");
    if (dde.state === "value" && dde.value === true) return [];
    const pna = ctx.read("publicNetworkAccess");
    if (pna.state === "value" && sameText(pna.value, "Disabled")) return [];
    const badDde = unreadable(dde, "dedicated data endpoints");
    if (badDde) return badDde;
    const badPna = unreadable(pna, "public network access (which decides whether dedicated data endpoints are needed)");
    if (badPna) return badPna;
    return expectValue(ctx, "dataEndpointEnabled", {
        accept: [true],
        azureDefault: false,
        what: "dedicated data endpoints",
        why: "(public network access is on, and without them clients on the public endpoint download layers from a shared *.blob.core.windows.net host, so firewalls must allow all of Azure Storage)",
        fix: "set dataEndpointEnabled: true and allow <registry>.<region>.data.azurecr.io in egress rules, or disable public network access and use a private endpoint (which provides the data endpoints)",
    });
}

export const acrNetwork = resourcePolicy<AcrNetworkConfig>({
    name: "acr-network",
    displayName: "ACR is not open to every network",
    description: "Container registries must be closed to the public internet (private endpoint, or a firewall with default Deny whose rules admit a small part of it), keep their export policy disabled and, when reachable publicly, use dedicated data endpoints.",
    severity: "high",
    remediationSteps: "Set `publicNetworkAccess: \"Disabled\"` with a private endpoint (or `networkRuleSet.defaultAction: \"Deny\"` with explicit ipRules), `policies.exportPolicy.status: \"disabled\"`; a registry with public access on also needs `dataEndpointEnabled: true`.",
    appliesTo: [REGISTRY],
    properties: exposureProperties,
    readConfig: (reader, base) => ({ ...base, exposure: readExposureLimits(reader) }),
    checks: [
        {
            id: "public-network-restricted",
            title: "publicNetworkAccess is Disabled, or networkRuleSet.defaultAction is Deny and the ipRules admit together at most maxPublicIpv4Prefix / maxPublicIpv6Prefix of public addresses",
            evaluate: (ctx) => publicNetworkRestricted(ctx.props, ctx.config.exposure),
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
            title: "dataEndpointEnabled is true, or publicNetworkAccess is Disabled (private endpoints provide dedicated data endpoints)",
            evaluate: dedicatedDataEndpoints,
        },
    ],
});
