/**
 * Image policies: every container image of every resource judged with one verdict from the core.
 * A synchronous rule (trusted-registries, require-digest, no-latest-tag) is the special case of a
 * verdict that needs no I/O; a verdict that does (scanned-images, signed-images: a registry, report
 * files, Azure Resource Graph) is looked up once per distinct image per preview, at most
 * `concurrency` at a time, and cached across resources (lookups.ts). Both then report alike: one
 * message per image saying where, what, why and how to fix it; unknowns per image; exemptions.
 */
import { discoverImages, type ImageSite, type WorkloadImages } from "../../core/discovery";
import { evaluateSites, siteLabel } from "../../core/evaluate";
import type { GateDeclaration, ImageGateBaseConfig } from "../../core/gate/config";
import { formatReference, parseReference, type ImageReference } from "../../core/reference";
import type { RuleFailure } from "../../core/rules";
import { exemptionMatches, type Exemption } from "../../core/trust";
import { isUnknown } from "../../core/unknown";
import { Limiter } from "../../core/limiter";
import { LookupCache, policyContext } from "./lookups";
import type { PolicyMeta } from "./metadata";
import { packDir } from "./registries";
import { resourceShell, type Report, type ResourceInput, type ShellResourcePolicy } from "./shell";

/** Config every image policy takes (core/gate/config.ts owns it). */
export type ImagePolicyBaseConfig = ImageGateBaseConfig;

/** The verdict on one image. */
export interface ImageJudgement {
    /** Why the image fails and how to fix it; undefined when it passes. */
    readonly failure?: RuleFailure;
    /** Facts reported as advisories for the image whatever the verdict (e.g. checks a permissive trust policy only logs). */
    readonly advisories?: readonly string[];
}

/** A verdict that needs I/O, with the state it keeps for the life of the pack process. */
export interface ImageLookup<C, X> {
    /** State built once per config: registry client, loaded reports, batchers. */
    readonly createContext: (config: C) => X;
    /** Judges one distinct image. Failures are values; a throw becomes a failure of that image. */
    readonly judge: (ref: ImageReference, context: X, config: C) => Promise<ImageJudgement>;
    /** Lookups in flight at once (config `concurrency`). */
    readonly concurrency: (config: C) => number;
    /**
     * Advisories about the context rather than an image (an unreadable report file), reported once
     * per context on the first resource that carries images.
     */
    readonly contextAdvisories?: (context: X) => Promise<readonly string[]>;
}

export interface ImagePolicySpec<C extends ImagePolicyBaseConfig, X = never> extends Omit<PolicyMeta, "enforcementLevel"> {
    /** What the policy's config means: schema, parser and default level (core/gate/config.ts). */
    readonly gate: GateDeclaration<C>;
    /** A verdict without I/O … */
    readonly rule?: (config: C) => (ref: ImageReference, site: ImageSite) => RuleFailure | undefined;
    /** … or one that needs it. */
    readonly lookup?: ImageLookup<C, X>;
}

export type ImagePolicy<C> = ShellResourcePolicy<C>;

/** Five image policies discover the same resource; on the seam's fast path they share its props object. */
const discovered = new WeakMap<object, { type: string; images: WorkloadImages | undefined }>();

export function imagesOf(type: string, props: unknown): WorkloadImages | undefined {
    if (props === null || typeof props !== "object") return discoverImages(type, props);
    const hit = discovered.get(props);
    if (hit && hit.type === type) return hit.images;
    const images = discoverImages(type, props);
    discovered.set(props, { type, images });
    return images;
}

/** The references of `images` that need a verdict: known, valid, not exempt; keyed by normalized form. */
export function referencesToJudge(images: WorkloadImages, exemptions: readonly Exemption[]): Map<string, ImageReference> {
    const refs = new Map<string, ImageReference>();
    for (const site of images.sites) {
        if (site.problem !== undefined || isUnknown(site.value) || typeof site.value !== "string") continue;
        const parsed = parseReference(site.value);
        if (!parsed.ok || exemptions.some((e) => exemptionMatches(e, parsed.ref))) continue;
        refs.set(formatReference(parsed.ref), parsed.ref);
    }
    return refs;
}

interface LookupState<X> {
    readonly user: X;
    readonly limiter: Limiter;
    readonly verdicts: LookupCache<ImageJudgement>;
    advised: boolean;
}

const NO_IMAGES = { notApplicable: "the resource carries no container images" } as const;

export function imagePolicy<C extends ImagePolicyBaseConfig, X = never>(spec: ImagePolicySpec<C, X>): ImagePolicy<C> {
    if (!spec.rule === !spec.lookup) throw new Error(`${spec.name}: an image policy has either a rule or a lookup`);
    const { schema } = spec.gate;
    // Relative paths in the config (reports, certificates, cacheDir) resolve against the pack directory.
    const parseConfig = (raw: Record<string, unknown>) => spec.gate.parse(raw, { baseDir: packDir() });
    const meta: PolicyMeta = { ...spec, enforcementLevel: spec.gate.defaultLevel };
    const shellBase = { meta, baseTags: ["containers", "supply-chain"], subject: "this resource's images", schema, parseConfig };

    const report = (r: ResourceInput, images: WorkloadImages, config: C, rule: (ref: ImageReference, site: ImageSite) => RuleFailure | undefined, out: Report): void => {
        for (const f of evaluateSites(images, r.name, rule, { exemptions: config.exemptImages })) {
            out(f.message, { advisory: f.kind === "unknown" && config.unknownImages === "advisory" });
        }
    };

    if (spec.rule) {
        const ruleOf = spec.rule;
        let last: { config: C; rule: ReturnType<typeof ruleOf> } | undefined;
        return resourceShell<C>({
            ...shellBase,
            check: (r, config, out) => {
                const images = imagesOf(r.type, r.props);
                if (!images) return NO_IMAGES;
                if (last?.config !== config) last = { config, rule: ruleOf(config) };
                report(r, images, config, last.rule, out);
                return undefined;
            },
        });
    }

    const lookup = spec.lookup!;
    const stateOf = (config: C, key: string): LookupState<X> =>
        policyContext(spec.name, key, () => ({
            user: lookup.createContext(config),
            limiter: new Limiter(lookup.concurrency(config)),
            verdicts: new LookupCache<ImageJudgement>(),
            advised: false,
        }));
    const judgeOnce = (state: LookupState<X>, ref: ImageReference, config: C): Promise<ImageJudgement> =>
        state.verdicts.get(formatReference(ref), () =>
            state.limiter.run(() => lookup.judge(ref, state.user, config)).catch((e: unknown) => ({
                failure: {
                    reason: `the check could not be completed (${(e as Error)?.message ?? String(e)})`,
                    fix: "resolve the error above and rerun the preview; an image that cannot be checked is not allowed through",
                },
            })),
        );

    return resourceShell<C>({
        ...shellBase,
        check: async (r, config, out, key) => {
            const images = imagesOf(r.type, r.props);
            if (!images) return NO_IMAGES;
            const refs = referencesToJudge(images, config.exemptImages);
            const state = stateOf(config, key);
            const judged = new Map<string, ImageJudgement>();
            await Promise.all([...refs].map(async ([k, ref]) => judged.set(k, await judgeOnce(state, ref, config))));
            if (refs.size > 0 && lookup.contextAdvisories && !state.advised) {
                state.advised = true;
                for (const a of await lookup.contextAdvisories(state.user)) out(a, { advisory: true });
            }
            report(r, images, config, (ref) => judged.get(formatReference(ref))?.failure, out);
            for (const site of images.sites) siteAdvisories(images, r.name, site, judged, out);
            return undefined;
        },
    });
}

function siteAdvisories(images: WorkloadImages, name: string, site: ImageSite, judged: ReadonlyMap<string, ImageJudgement>, out: Report): void {
    if (typeof site.value !== "string" || isUnknown(site.value)) return;
    const parsed = parseReference(site.value);
    if (!parsed.ok) return;
    for (const a of judged.get(formatReference(parsed.ref))?.advisories ?? []) {
        out(`${siteLabel(images, name, site)}: image "${site.value}": ${a}`, { advisory: true });
    }
}
