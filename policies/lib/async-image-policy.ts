/**
 * Builds a resource policy whose verdict on an image needs I/O (a registry, report files, Azure
 * Resource Graph). Same plumbing as the sync factory (image-policy.ts): config parsed once per
 * distinct config, exemptions, per-image unknown handling, one message per image saying where, what,
 * why and how to fix it, and no exception ever escaping into the user's preview.
 *
 * What is added: each distinct image (normalized reference) is judged once per preview across all
 * resources (`lookups.ts`), with at most `concurrency` judgements in flight. @pulumi/policy awaits
 * the promise validateResource returns (server.js: `yield Promise.resolve(validation(...))`).
 */
import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { discoverImages, ImageSite, WorkloadImages } from "../../core/discovery";
import { evaluateSites, siteLabel } from "../../core/evaluate";
import { formatReference, ImageReference, parseReference } from "../../core/reference";
import { RuleFailure } from "../../core/rules";
import { exemptionMatches } from "../../core/trust";
import { isUnknown, unwrapProxy } from "../../core/unknown";
import {
    cachedConfigParser, crashMessage, ImagePolicy, ImagePolicyBaseConfig, ImagePolicyMeta, imageConfigParser, imagePolicySchema,
    invalidConfigMessage, isNotApplicable, makeReporter, policyMetadata,
} from "./image-policy";
import { Limiter, LookupCache, policyContext } from "./lookups";
import { notApplicable } from "./not-applicable";

/** The verdict on one image. */
export interface ImageJudgement {
    /** Why the image fails and how to fix it; undefined when it passes. */
    readonly failure?: RuleFailure;
    /** Facts reported as advisories for the image whatever the verdict (e.g. checks a permissive trust policy only logs). */
    readonly advisories?: readonly string[];
}

export interface AsyncImagePolicySpec<C extends ImagePolicyBaseConfig, X> extends ImagePolicyMeta<C> {
    /** State built once per config for the life of the pack process: registry client, loaded reports, batchers. */
    readonly createContext: (config: C) => X;
    /** Judges one distinct image. Failures are values; a throw becomes a failure of that image. */
    readonly judge: (ref: ImageReference, context: X, config: C) => Promise<ImageJudgement>;
    /** Lookups in flight at once (config `concurrency`). */
    readonly concurrency: (config: C) => number;
    /**
     * Advisories about the context rather than an image (an unreadable report file). They are reported
     * once per context, on the first resource that carries images, so a preview shows each once.
     */
    readonly contextAdvisories?: (context: X) => Promise<readonly string[]>;
}

interface Context<X> {
    readonly user: X;
    readonly limiter: Limiter;
    readonly verdicts: LookupCache<ImageJudgement>;
    advised: boolean;
}

/** The references of `images` that need a verdict: known, valid, not exempt; keyed by normalized form. */
export function referencesToJudge(images: WorkloadImages, exemptions: ImagePolicyBaseConfig["exemptImages"]): Map<string, ImageReference> {
    const refs = new Map<string, ImageReference>();
    for (const site of images.sites) {
        if (site.problem !== undefined || isUnknown(site.value) || typeof site.value !== "string") continue;
        const parsed = parseReference(site.value);
        if (!parsed.ok || exemptions.some((e) => exemptionMatches(e, parsed.ref))) continue;
        refs.set(formatReference(parsed.ref), parsed.ref);
    }
    return refs;
}

export function asyncImagePolicy<C extends ImagePolicyBaseConfig, X>(spec: AsyncImagePolicySpec<C, X>): ImagePolicy<C> {
    const schema = imagePolicySchema(spec);
    const parseConfig = imageConfigParser(spec, schema);
    const cachedConfig = cachedConfigParser(parseConfig);

    const contextOf = (config: C, key: string): Context<X> =>
        policyContext(spec.name, key, () => ({
            user: spec.createContext(config),
            limiter: new Limiter(spec.concurrency(config)),
            verdicts: new LookupCache<ImageJudgement>(),
            advised: false,
        }));

    const judgeOnce = (ctx: Context<X>, ref: ImageReference, config: C): Promise<ImageJudgement> =>
        ctx.verdicts.get(formatReference(ref), () =>
            ctx.limiter.run(() => spec.judge(ref, ctx.user, config)).catch((e: unknown) => ({
                failure: {
                    reason: `the check could not be completed (${(e as Error)?.message ?? String(e)})`,
                    fix: "resolve the error above and rerun the preview; an image that cannot be checked is not allowed through",
                },
            })),
        );

    const validateResource = async (args: ResourceValidationArgs, reportViolation: ReportViolation): Promise<void> => {
        const report = makeReporter(spec, reportViolation);
        try {
            const { result, key } = cachedConfig(args.getConfig<Record<string, unknown>>());
            if (!result.ok) {
                report(invalidConfigMessage(spec.name, result.errors));
                return;
            }
            const config = result.config;
            const images = discoverImages(args.type, unwrapProxy(args.props));
            if (!images) {
                notApplicable(args, "the resource carries no container images");
                return;
            }
            const refs = referencesToJudge(images, config.exemptImages);
            const ctx = contextOf(config, key);
            const judged = new Map<string, ImageJudgement>();
            await Promise.all([...refs].map(async ([k, ref]) => judged.set(k, await judgeOnce(ctx, ref, config))));

            if (refs.size > 0 && spec.contextAdvisories && !ctx.advised) {
                ctx.advised = true;
                for (const a of await spec.contextAdvisories(ctx.user)) report(a, true);
            }
            const rule = (ref: ImageReference): RuleFailure | undefined => judged.get(formatReference(ref))?.failure;
            for (const f of evaluateSites(images, args.name, rule, { exemptions: config.exemptImages })) {
                report(f.message, f.kind === "unknown" && config.unknownImages === "advisory");
            }
            for (const site of images.sites) reportAdvisories(images, args.name, site, judged, report);
        } catch (e) {
            if (isNotApplicable(e)) throw e;
            report(crashMessage(e));
        }
    };

    return { ...policyMetadata(spec, schema), validateResource, parseConfig };
}

function reportAdvisories(images: WorkloadImages, name: string, site: ImageSite, judged: ReadonlyMap<string, ImageJudgement>, report: (m: string, advisory?: boolean) => void): void {
    if (typeof site.value !== "string" || isUnknown(site.value)) return;
    const parsed = parseReference(site.value);
    if (!parsed.ok) return;
    for (const a of judged.get(formatReference(parsed.ref))?.advisories ?? []) {
        report(`${siteLabel(images, name, site)}: image "${site.value}": ${a}`, true);
    }
}
