/**
 * Every registry must have a vulnerability-scanning source: the Defender for Containers plan with
 * registry vulnerability assessment in the stack (and the registry reachable by it), or the
 * scanned-images gate enforced on every image. Judged: every registry defined in the stack, which
 * covers every registry the stack's own workloads and clusters pull from when they live together.
 * A registry defined in another stack is judged there: from here nothing about it can be verified,
 * and reporting it on every preview would be noise no change to this stack can clear (images from
 * it are gated one by one by scanned-images).
 */
import { ConfigReader } from "../../core/config/reader";
import { PRICING, REGISTRY } from "../lib/azure-kinds";
import { read, sameText } from "../lib/properties";
import { StackFinding, StackPolicyBaseConfig, StackResource, stackPolicy } from "../lib/stack-policy";
import { ofKind, stringProp } from "../lib/stack-links";
import { CONTAINERS_PLAN, registryAssessment } from "../defender-containers-plan/policy";

export interface StackRegistryScanningConfig extends StackPolicyBaseConfig {
    readonly scannedImagesEnforced: boolean;
}

type Coverage = { state: "covered"; by: string } | { state: "maybe"; by: string } | { state: "none" };

/** Whether the stack turns on Defender for Containers with registry vulnerability assessment. */
export function defenderCoverage(resources: readonly StackResource[]): Coverage {
    let maybe: string | undefined;
    for (const p of ofKind(resources, PRICING)) {
        const name = stringProp(p, "pricingName");
        const label = `Pricing "${p.name}"`;
        if (name === "unknown") {
            maybe ??= `${label} (its plan is not known yet)`;
            continue;
        }
        if (name === undefined || !sameText(name, CONTAINERS_PLAN)) continue;
        const tier = stringProp(p, "pricingTier");
        if (tier === "unknown") {
            maybe ??= `${label} (its tier is not known yet)`;
            continue;
        }
        if (!tier || !sameText(tier, "Standard")) continue;
        const va = registryAssessment(p.props);
        if (va.length === 0) return { state: "covered", by: label };
        if (va.every((r) => r.kind === "unknown")) maybe ??= `${label} (its registry assessment setting is not known yet)`;
    }
    return maybe ? { state: "maybe", by: maybe } : { state: "none" };
}

/** A registry Defender cannot reach: public access off and trusted Azure services not let through. */
function unreachableByDefender(r: StackResource): boolean {
    const pna = read(r.props, "publicNetworkAccess");
    const bypass = read(r.props, "networkRuleBypassOptions");
    return pna.state === "value" && sameText(pna.value, "Disabled") && bypass.state === "value" && sameText(bypass.value, "None");
}

const FIX = "Fix: enable Defender for Containers (pricingName \"Containers\", tier Standard, ContainerRegistriesVulnerabilityAssessments enabled; DefenderForContainers component) in this stack, or enforce the scanned-images policy and set scannedImagesEnforced: true here.";

export function evaluateRegistryScanning(resources: readonly StackResource[], config: StackRegistryScanningConfig): StackFinding[] | string {
    const registries = ofKind(resources, REGISTRY);
    if (registries.length === 0) return "the stack defines no container registry";
    // scanned-images judges every image by digest evidence, whatever registry it comes from.
    if (config.scannedImagesEnforced) return [];
    const coverage = defenderCoverage(resources);
    const findings: StackFinding[] = [];
    for (const r of registries) {
        const label = `Registry "${r.name}"`;
        if (coverage.state === "covered") {
            if (unreachableByDefender(r)) {
                findings.push({ kind: "violation", urn: r.urn, message: `${label}: public network access is disabled and networkRuleBypassOptions is "None", so Defender's vulnerability assessment (a trusted Azure service) cannot read its images. Fix: set networkRuleBypassOptions: "AzureServices".` });
            }
            continue;
        }
        if (coverage.state === "maybe") {
            findings.push({ kind: "unknown", urn: r.urn, message: `${label}: whether ${coverage.by} scans it cannot be verified at preview; it will be checked during \`pulumi up\`.` });
            continue;
        }
        findings.push({ kind: "violation", urn: r.urn, message: `${label}: no vulnerability-scanning source covers it, so images pushed there are deployed unscanned. ${FIX}` });
    }
    return findings;
}

export const stackRegistryScanning = stackPolicy<StackRegistryScanningConfig>({
    name: "stack-registry-scanning",
    displayName: "Every registry has a vulnerability-scanning source",
    description: "Every container registry in the stack must have a vulnerability-scanning source: Defender for Containers with registry assessment (able to reach the registry), or the scanned-images gate.",
    severity: "high",
    remediationSteps: "Add the DefenderForContainers component to the stack, or enforce scanned-images (mandatory) and set this policy's scannedImagesEnforced to true.",
    properties: {
        scannedImagesEnforced: {
            type: "boolean",
            default: false,
            description: "Set true only when the scanned-images policy runs at mandatory in the same pack config: it then blocks every image without fresh, clean scan evidence for its digest, so a registry needs no Defender plan.",
        },
    },
    readConfig: (reader: ConfigReader, base) => ({ ...base, scannedImagesEnforced: reader.boolean("scannedImagesEnforced") }),
    evaluate: evaluateRegistryScanning,
});
