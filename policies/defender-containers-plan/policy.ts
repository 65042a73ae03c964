import { read, sameText, show } from "../lib/properties";
import { CheckContext, CheckResult, unknownResult, unreadable, violation } from "../lib/checks";
import { ResourcePolicyBaseConfig, resourcePolicy } from "../lib/resource-policy";
import { PRICING } from "../lib/azure-kinds";
import { isUnknown } from "../../core/unknown";
import { isObj } from "../lib/properties";

/** The plan that scans registries and clusters today. */
export const CONTAINERS_PLAN = "Containers";
/** Superseded plans: checkers that look at these (Checkov CKV_AZURE_85/86) check nothing current. */
export const LEGACY_PLANS = ["ContainerRegistry", "KubernetesService"] as const;
export const REGISTRY_VA_EXTENSION = "ContainerRegistriesVulnerabilityAssessments";

type Plan = { state: "plan"; name: string } | { state: "done"; results: CheckResult[] };

/** The plan a Pricing resource sets, or the results when it cannot be told. */
function planOf(ctx: CheckContext<unknown>): Plan {
    const r = read(ctx.props, "pricingName");
    const bad = unreadable(r, "the Defender plan name");
    if (bad) return { state: "done", results: bad };
    if (r.state !== "value" || typeof r.value !== "string") {
        return { state: "done", results: [violation(r.path, "the Defender plan is not named, so it cannot be judged", `set pricingName to "${CONTAINERS_PLAN}"`)] };
    }
    return { state: "plan", name: r.value };
}

/** Whether the Containers plan lists the registry vulnerability-assessment extension as enabled. */
export function registryAssessment(props: unknown): CheckResult[] {
    const r = read(props, "extensions");
    const bad = unreadable(r, "the plan's extensions");
    if (bad) return bad;
    const fix = `list { name: "${REGISTRY_VA_EXTENSION}", isEnabled: "True" } in extensions`;
    if (r.state !== "value" || !Array.isArray(r.value)) {
        return [violation(r.path, `no extensions are listed, so whether ${REGISTRY_VA_EXTENSION} is on is left to the service's default`, fix)];
    }
    for (let i = 0; i < r.value.length; i++) {
        const ext = r.value[i];
        if (isUnknown(ext)) return [unknownResult(`${r.path}[${i}]`, "a plan extension")];
        if (!isObj(ext)) continue;
        const name = read(ext, "name");
        if (name.state === "unknown") return [unknownResult(`${r.path}[${i}].name`, "a plan extension's name")];
        if (name.state !== "value" || !sameText(name.value, REGISTRY_VA_EXTENSION)) continue;
        const on = read(ext, "isEnabled");
        if (on.state === "unknown") return [unknownResult(`${r.path}[${i}].${on.path}`, `whether ${REGISTRY_VA_EXTENSION} is enabled`)];
        if (on.state === "value" && (sameText(on.value, "True") || on.value === true)) return [];
        return [violation(`${r.path}[${i}].isEnabled`, `${REGISTRY_VA_EXTENSION} is ${on.state === "value" ? show(on.value) : "not enabled"}, so registry images are not scanned`, fix)];
    }
    return [violation(r.path, `${REGISTRY_VA_EXTENSION} is not among the listed extensions, so registry images are not scanned`, fix)];
}

export const defenderContainersPlan = resourcePolicy<ResourcePolicyBaseConfig>({
    name: "defender-containers-plan",
    displayName: "Defender for Containers plan at Standard with registry scanning",
    description: "Defender pricing must use the Containers plan at Standard with registry vulnerability assessment enabled; the legacy ContainerRegistry and KubernetesService plans do not count.",
    severity: "high",
    remediationSteps: "Use `pricingName: \"Containers\"`, `pricingTier: \"Standard\"` and `extensions: [{ name: \"ContainerRegistriesVulnerabilityAssessments\", isEnabled: \"True\" }, …]` (DefenderForContainers component); remove legacy plan resources.",
    appliesTo: [PRICING],
    checks: [
        {
            id: "containers-plan-standard",
            title: "the Containers plan has pricingTier Standard",
            evaluate: (ctx) => {
                const plan = planOf(ctx);
                if (plan.state === "done") return plan.results;
                if (!sameText(plan.name, CONTAINERS_PLAN)) return [];
                const tier = read(ctx.props, "pricingTier");
                const bad = unreadable(tier, "the plan's tier");
                if (bad) return bad;
                if (tier.state === "value" && sameText(tier.value, "Standard")) return [];
                return [violation(tier.path, `the Containers plan tier is ${tier.state === "value" ? show(tier.value) : "not set"}, so Defender neither scans images nor protects clusters`, "set pricingTier: \"Standard\"")];
            },
        },
        {
            id: "registry-vulnerability-assessment",
            title: "the Containers plan lists ContainerRegistriesVulnerabilityAssessments with isEnabled True",
            evaluate: (ctx) => {
                const plan = planOf(ctx);
                if (plan.state === "done") return [];
                return sameText(plan.name, CONTAINERS_PLAN) ? registryAssessment(ctx.props) : [];
            },
        },
        {
            id: "no-legacy-plan",
            title: "pricingName is not the legacy ContainerRegistry or KubernetesService plan",
            evaluate: (ctx) => {
                const plan = planOf(ctx);
                if (plan.state === "done") return [];
                const legacy = LEGACY_PLANS.find((p) => sameText(plan.name, p));
                if (!legacy) return [];
                return [violation("pricingName", `"${plan.name}" is a legacy Defender plan, superseded by "${CONTAINERS_PLAN}"; it does not count as registry or cluster protection`, `replace it with pricingName "${CONTAINERS_PLAN}", pricingTier "Standard" and ${REGISTRY_VA_EXTENSION} enabled`)];
            },
        },
    ],
});
