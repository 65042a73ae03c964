/**
 * Judges every image of one resource with one rule and words the findings: one line per offending
 * image saying where it is, what it is, why it fails and how to fix it.
 */
import { ImageSite, WorkloadImages, discoverImages } from "./discovery";
import { ImageReference, describe, parseReference } from "./reference";
import { RuleFailure } from "./rules";
import { Exemption, exemptionMatches } from "./trust";
import { isUnknown } from "./unknown";

export type FindingKind = "violation" | "unknown";

export interface Finding {
    readonly kind: FindingKind;
    readonly site: ImageSite;
    readonly message: string;
}

/** A rule over one parsed reference; undefined = passes. */
export type ImageRule = (ref: ImageReference, site: ImageSite) => RuleFailure | undefined;

export interface EvaluateOptions {
    readonly exemptions?: readonly Exemption[];
}

/** `Deployment "web" spec.template.spec.containers[0].image (container "app")` */
export function siteLabel(images: WorkloadImages, resourceName: string, site: ImageSite): string {
    const container = site.container !== undefined ? ` (container "${site.container}")` : "";
    return `${images.kind} "${resourceName}" ${site.path}${container}`;
}

/**
 * Applies `rule` to every image site. A site whose value is unknown yields an "unknown" finding
 * (with the site's reason when `pulumi up` will not resolve it either); a value that is missing,
 * unreadable or does not parse is a violation (nothing passes by accident).
 */
export function evaluateSites(images: WorkloadImages, resourceName: string, rule: ImageRule, opts: EvaluateOptions = {}): Finding[] {
    const findings: Finding[] = [];
    for (const site of images.sites) {
        const where = siteLabel(images, resourceName, site);
        if (site.problem !== undefined) {
            // A site with its own fix words its problem in full; the others name what is wrong with one image.
            const message = site.fix !== undefined
                ? `${where}: ${site.problem}. Fix: ${site.fix}.`
                : `${where}: ${site.problem}; the image cannot be verified. Fix: set a valid image reference.`;
            findings.push({ kind: "violation", site, message });
            continue;
        }
        if (isUnknown(site.value) && site.unknownReason !== undefined) {
            findings.push({ kind: "unknown", site, message: `${where}: ${site.unknownReason}, so its images cannot be verified. Fix: ${site.fix ?? "give the image literally"}.` });
            continue;
        }
        if (isUnknown(site.value)) {
            findings.push({
                kind: "unknown",
                site,
                message: `${where}: the image is not known until another resource is created, so it cannot be verified at preview; it will be checked during \`pulumi up\`.`,
            });
            continue;
        }
        if (site.value === undefined || site.value === null) {
            findings.push({ kind: "violation", site, message: `${where}: no image is set. Fix: set a valid image reference.` });
            continue;
        }
        const parsed = parseReference(site.value);
        if (!parsed.ok) {
            const shown = typeof site.value === "string" ? `"${site.value}"` : describe(site.value);
            findings.push({
                kind: "violation",
                site,
                message: `${where}: image ${shown} is not a valid reference: ${parsed.failure.message}. Fix: write registry/repository[:tag][@sha256:<64 hex>] in lowercase.`,
            });
            continue;
        }
        if (opts.exemptions?.some((e) => exemptionMatches(e, parsed.ref))) continue;
        const failure = rule(parsed.ref, site);
        if (failure) {
            findings.push({ kind: "violation", site, message: `${where}: image "${site.value}" fails because ${failure.reason}. Fix: ${failure.fix}.` });
        }
    }
    return findings;
}

/** Discovery + evaluation for a resource; undefined when the resource type carries no images. */
export function evaluateResource(type: string, name: string, props: unknown, rule: ImageRule, opts: EvaluateOptions = {}): Finding[] | undefined {
    const images = discoverImages(type, props);
    if (!images) return undefined;
    return evaluateSites(images, name, rule, opts);
}
