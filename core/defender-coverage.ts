/**
 * How one stack tells others that Defender for Containers scans a subscription's registries. The
 * plan is priced per subscription, so it is declared once (a platform or subscription stack), while
 * registries live in many stacks. The DefenderForContainers component exports this record, built
 * from the deployed Pricing's own outputs; stack-registry-scanning finds it in the outputs of a
 * StackReference, so coverage comes from the other stack's real state rather than a claim. Pure.
 */

/** Marks an output as this record among a stack's other outputs. */
export const DEFENDER_COVERAGE_KIND = "imagegate/defender-for-containers/v1";

export interface DefenderCoverage {
    /** Always DEFENDER_COVERAGE_KIND. */
    readonly kind: string;
    /** The Defender plan (`pricingName`); only "Containers" scans registries today. */
    readonly plan: string;
    readonly pricingTier: string;
    /** Whether the plan's ContainerRegistriesVulnerabilityAssessments extension is enabled. */
    readonly registryVulnerabilityAssessment: boolean;
    /** The scope the plan is priced at: `/subscriptions/<id>`. */
    readonly scopeId: string;
}

export function isDefenderCoverage(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v) && (v as Record<string, unknown>).kind === DEFENDER_COVERAGE_KIND;
}

const same = (a: unknown, b: string) => typeof a === "string" && a.toLowerCase() === b.toLowerCase();

/** Why a coverage record does not cover registries, or undefined when it does. */
export function coverageGap(v: Record<string, unknown>): string | undefined {
    if (!same(v.plan, "Containers")) return `its plan is ${JSON.stringify(v.plan)}, not "Containers"`;
    if (!same(v.pricingTier, "Standard")) return `its tier is ${JSON.stringify(v.pricingTier)}, not "Standard"`;
    if (v.registryVulnerabilityAssessment !== true) return "its registry vulnerability assessment (ContainerRegistriesVulnerabilityAssessments) is not enabled";
    return undefined;
}

/** The subscription GUID (lower case) an ARM ID or scope names, if any. */
export function subscriptionOf(armId: unknown): string | undefined {
    if (typeof armId !== "string") return undefined;
    const m = /^\/subscriptions\/([0-9a-fA-F-]{36})(?:\/|$)/.exec(armId.trim());
    return m ? m[1].toLowerCase() : undefined;
}
