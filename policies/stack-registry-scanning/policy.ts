/**
 * Every registry must have a vulnerability-scanning source: Defender for Containers with registry
 * vulnerability assessment for its subscription (and the registry reachable by it), or the
 * scanned-images gate enforced on every image.
 *
 * Defender is priced per subscription, so a correct layout declares the plan once: in this stack,
 * in a platform or subscription stack this one holds a StackReference to (the DefenderForContainers
 * component's `coverage` output), or outside Pulumi altogether (Azure Policy, the portal; named in
 * this policy's `defenderSubscriptions`). Each counts for the registries of its subscription; where
 * a registry's subscription is not known yet (its ID, at preview of a new registry) the plan counts,
 * and the comparison is made once the ID is known (`pulumi up`, and every later preview).
 * Judged: every registry defined in the stack. A registry defined in another stack is judged there.
 */
import { ConfigReader } from "../../core/config/reader";
import { PRICING, REGISTRY } from "../lib/azure-kinds";
import { isObj, read, sameText } from "../lib/properties";
import { Peers, StackFinding, StackPolicyBaseConfig, StackResource, stackPolicy } from "../lib/stack-policy";
import { ofKind, stringProp } from "../lib/stack-links";
import { CONTAINERS_PLAN, registryAssessment } from "../defender-containers-plan/policy";
import { coverageGap, isDefenderCoverage, subscriptionOf } from "../../core/defender-coverage";
import { isUnknown } from "../../core/unknown";

export interface StackRegistryScanningConfig extends StackPolicyBaseConfig {
    /** Subscriptions (lower-case GUIDs) where the plan is enabled outside Pulumi. */
    readonly defenderSubscriptions: readonly string[];
}

/** One place the Containers plan is declared, and what it says. */
export interface CoverageSource {
    readonly label: string;
    /** "covered": the plan scans registries; "maybe": not known until another resource is created. */
    readonly state: "covered" | "maybe";
    /** The subscription it is priced for, when known. */
    readonly subscription?: string;
}

const STACK_REFERENCE = "pulumi:pulumi:StackReference";
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Containers plans priced in this stack. */
function pricingSources(resources: readonly StackResource[]): CoverageSource[] {
    const out: CoverageSource[] = [];
    for (const p of ofKind(resources, PRICING)) {
        const name = stringProp(p, "pricingName");
        const label = `Pricing "${p.name}"`;
        const subscription = subscriptionOf(stringProp(p, "scopeId"));
        const at = subscription ? { subscription } : {};
        if (name === "unknown") {
            out.push({ label: `${label} (its plan is not known yet)`, state: "maybe", ...at });
            continue;
        }
        if (name === undefined || !sameText(name, CONTAINERS_PLAN)) continue;
        const tier = stringProp(p, "pricingTier");
        if (tier === "unknown") {
            out.push({ label: `${label} (its tier is not known yet)`, state: "maybe", ...at });
            continue;
        }
        if (!tier || !sameText(tier, "Standard")) continue;
        const va = registryAssessment(p.props);
        if (va.length === 0) out.push({ label, state: "covered", ...at });
        else if (va.every((r) => r.kind === "unknown")) out.push({ label: `${label} (its registry assessment setting is not known yet)`, state: "maybe", ...at });
    }
    return out;
}

/** Coverage records among the outputs of the stacks this one references. */
function stackReferenceSources(resources: readonly StackResource[]): CoverageSource[] {
    const out: CoverageSource[] = [];
    for (const ref of resources.filter((r) => r.type === STACK_REFERENCE)) {
        const stack = stringProp(ref, "name");
        const label = `stack "${stack && stack !== "unknown" ? stack : ref.name}"`;
        const outputs = read(ref.props, "outputs");
        if (outputs.state === "unknown") {
            out.push({ label: `the outputs of ${label} (not known yet)`, state: "maybe" });
            continue;
        }
        if (outputs.state !== "value" || !isObj(outputs.value)) continue;
        for (const [key, value] of Object.entries(outputs.value)) {
            if (isUnknown(value)) {
                out.push({ label: `output "${key}" of ${label} (not known yet)`, state: "maybe" });
                continue;
            }
            if (!isDefenderCoverage(value) || coverageGap(value) !== undefined) continue;
            const subscription = subscriptionOf(value.scopeId);
            out.push({ label: `the Defender for Containers plan exported by ${label} (output "${key}")`, state: "covered", ...(subscription ? { subscription } : {}) });
        }
    }
    return out;
}

/** Every declared source of the Containers plan: this stack, referenced stacks, the config. */
export function coverageSources(resources: readonly StackResource[], config: Pick<StackRegistryScanningConfig, "defenderSubscriptions">): CoverageSource[] {
    return [
        ...pricingSources(resources),
        ...stackReferenceSources(resources),
        ...config.defenderSubscriptions.map((subscription) => ({ label: "the Defender for Containers plan declared in this policy's defenderSubscriptions", state: "covered" as const, subscription })),
    ];
}

/** A registry Defender cannot reach: public access off and trusted Azure services not let through. */
function unreachableByDefender(r: StackResource): boolean {
    const pna = read(r.props, "publicNetworkAccess");
    const bypass = read(r.props, "networkRuleBypassOptions");
    return pna.state === "value" && sameText(pna.value, "Disabled") && bypass.state === "value" && sameText(bypass.value, "None");
}

const FIX = "Fix: enable Defender for Containers (pricingName \"Containers\", tier Standard, ContainerRegistriesVulnerabilityAssessments enabled; DefenderForContainers component) for the registry's subscription, in this stack or in a stack this one references (export the component's coverage output there and add a StackReference here), or name a subscription whose plan is managed outside Pulumi in defenderSubscriptions, or enforce the scanned-images policy (mandatory).";

/** Sources that can cover a registry: same subscription, or either subscription not known. */
const applies = (s: CoverageSource, subscription: string | undefined) => !s.subscription || !subscription || s.subscription === subscription;

export function evaluateRegistryScanning(resources: readonly StackResource[], config: StackRegistryScanningConfig, peers?: Pick<Peers, "level">): StackFinding[] | string {
    const registries = ofKind(resources, REGISTRY);
    if (registries.length === 0) return "the stack defines no container registry";
    // scanned-images enforced judges every image by digest evidence, whatever registry it comes from.
    const scanning = peers?.level("scanned-images");
    if (scanning === "mandatory" || scanning === "remediate") return [];
    const sources = coverageSources(resources, config);
    const findings: StackFinding[] = [];
    for (const r of registries) {
        const label = `Registry "${r.name}"`;
        const subscription = subscriptionOf(stringProp(r, "id"));
        const mine = sources.filter((s) => applies(s, subscription));
        if (mine.some((s) => s.state === "covered")) {
            if (unreachableByDefender(r)) {
                findings.push({ kind: "violation", urn: r.urn, message: `${label}: public network access is disabled and networkRuleBypassOptions is "None", so Defender's vulnerability assessment (a trusted Azure service) cannot read its images. Fix: set networkRuleBypassOptions: "AzureServices".` });
            }
            continue;
        }
        const maybe = mine.find((s) => s.state === "maybe");
        if (maybe) {
            findings.push({ kind: "unknown", urn: r.urn, message: `${label}: whether ${maybe.label} scans it cannot be verified at preview; it will be checked during \`pulumi up\`.` });
            continue;
        }
        const elsewhere = sources.filter((s) => s.state === "covered").map((s) => `${s.label} is for subscription ${s.subscription}`);
        const why = elsewhere.length ? `it is in subscription ${subscription}, and ${elsewhere.join("; ")}` : "no vulnerability-scanning source covers it";
        findings.push({ kind: "violation", urn: r.urn, message: `${label}: ${why}, so images pushed there are deployed unscanned. ${FIX}` });
    }
    return findings;
}

export const stackRegistryScanning = stackPolicy<StackRegistryScanningConfig>({
    name: "stack-registry-scanning",
    displayName: "Every registry has a vulnerability-scanning source",
    description: "Every container registry in the stack must have a vulnerability-scanning source: Defender for Containers with registry assessment for its subscription (declared here, in a referenced stack, or named in config) and able to reach it, or the scanned-images gate.",
    severity: "high",
    remediationSteps: "Enable Defender for Containers for the registry's subscription once: the DefenderForContainers component in this stack, or in a platform stack whose `coverage` output this stack reads through a StackReference; or name the subscription in `defenderSubscriptions` when the plan is managed outside Pulumi; or run scanned-images at mandatory.",
    properties: {
        defenderSubscriptions: {
            type: "array",
            items: { type: "string", pattern: GUID.source },
            default: [],
            description: "Subscription IDs where Defender for Containers (Standard, registry vulnerability assessment on) is enabled outside Pulumi, e.g. by Azure Policy or the security team. Registries in them count as scanned. A plan deployed by another Pulumi stack is better read through a StackReference (the DefenderForContainers component's coverage output), which reflects its real state.",
        },
    },
    readConfig: (reader: ConfigReader, base) => {
        const subs = reader.stringArray("defenderSubscriptions");
        subs.forEach((s, i) => {
            if (!GUID.test(s)) reader.fail(`defenderSubscriptions[${i}]`, `"${s}" is not a subscription ID (a GUID)`);
        });
        return { ...base, defenderSubscriptions: subs.map((s) => s.toLowerCase()) };
    },
    evaluate: evaluateRegistryScanning,
});
