/**
 * require-digest at enforcement level `remediate`: every tag reference whose registry is in the
 * policy's `registries` is rewritten to `<reference as written>@<digest>` — the digest the registry
 * resolves the tag to now (the manifest's bytes verified against it by the registry client). The
 * tag stays for readers; the runtime pulls the digest. Images that cannot be resolved (registry not
 * configured, tag missing, registry error), exempt images, unknowns and images inside encoded values
 * (`rewritable: false`) are left as they are: the validate step still reports them.
 */
import type { ResourceRemediation, ResourceValidationArgs } from "@pulumi/policy";
import { discoverImages, ImageSite } from "../../core/discovery";
import { setAtPath } from "../../core/paths";
import { formatReference, ImageReference, parseReference } from "../../core/reference";
import type { RegistryClient } from "../../core/registry";
import { exemptionMatches } from "../../core/trust";
import { isUnknown } from "../../core/unknown";
import { unwrapProxy } from "../lib/sdk";
import type { ConfigResult } from "../../core/config/reader";
import { Limiter } from "../../core/limiter";
import { LookupCache, policyContext } from "../lib/lookups";
import { DEFAULT_CONCURRENCY, type RequireDigestConfig } from "../../core/gate/config";
import { registryClientFor } from "../lib/registries";

export type { RequireDigestConfig } from "../../core/gate/config";

interface RemediationContext {
    readonly registry: RegistryClient;
    readonly limiter: Limiter;
    /** Normalized reference → resolved digest, or undefined when it cannot be resolved now. */
    readonly digests: LookupCache<string | undefined>;
}

/**
 * A plain copy of the remediation input. The SDK's Remediate path hands nested values out through
 * its unknown-checking proxy too, and copying a proxied array (`slice`) trips the proxy's invariants;
 * objects that are not plain (secrets, assets) are kept as they are.
 */
function plainCopy(value: unknown, depth = 0): unknown {
    const v = unwrapProxy(value);
    if (depth > 64 || v === null || typeof v !== "object") return v;
    if (Array.isArray(v)) return Array.from({ length: v.length }, (_, i) => plainCopy(v[i], depth + 1));
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return v;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v)) out[key] = plainCopy((v as Record<string, unknown>)[key], depth + 1);
    return out;
}

/** A site that may be rewritten, with its parsed tag reference. */
interface Candidate {
    readonly site: ImageSite & { readonly value: string };
    readonly ref: ImageReference;
}

function candidates(type: string, props: unknown, config: RequireDigestConfig): Candidate[] {
    const images = discoverImages(type, props);
    if (!images) return [];
    const out: Candidate[] = [];
    for (const site of images.sites) {
        if (site.problem !== undefined || site.rewritable === false || typeof site.value !== "string" || isUnknown(site.value)) continue;
        const parsed = parseReference(site.value);
        if (!parsed.ok || parsed.ref.digest !== undefined) continue;
        if (config.exemptImages.some((e) => exemptionMatches(e, parsed.ref))) continue;
        out.push({ site: site as Candidate["site"], ref: parsed.ref });
    }
    return out;
}

async function resolveDigest(ctx: RemediationContext, ref: ImageReference): Promise<string | undefined> {
    const repo = ctx.registry.repository(ref.domain, ref.path);
    if (!repo) return undefined;
    return ctx.digests.get(formatReference(ref), () =>
        ctx.limiter.run(async () => (await repo.resolve(ref.tag ?? "latest")).digest).catch(() => undefined),
    );
}

/**
 * Builds require-digest's remediateResource over its config parser. Returns the rewritten
 * properties, or undefined when nothing changed (the SDK then reports no remediation).
 */
export function digestRemediation(policyName: string, parseConfig: (raw: Record<string, unknown>) => ConfigResult<RequireDigestConfig>): ResourceRemediation {
    return async (args: ResourceValidationArgs): Promise<Record<string, unknown> | undefined> => {
        try {
            const raw = args.getConfig<Record<string, unknown>>() ?? {};
            const result = parseConfig(raw);
            // An invalid config is reported by validateResource; remediation changes nothing then.
            if (!result.ok || result.config.registries.length === 0) return undefined;
            const config = result.config;
            const props = plainCopy(args.props) as Record<string, unknown>;
            const found = candidates(args.type, props, config);
            if (found.length === 0) return undefined;
            const ctx = policyContext<RemediationContext>(`${policyName}:remediate`, JSON.stringify(raw), () => ({
                registry: registryClientFor({ registries: config.registries, concurrency: DEFAULT_CONCURRENCY }),
                limiter: new Limiter(DEFAULT_CONCURRENCY),
                digests: new LookupCache<string | undefined>(),
            }));
            const digests = await Promise.all(found.map((c) => resolveDigest(ctx, c.ref)));
            let out: Record<string, unknown> = props;
            let changed = false;
            found.forEach((c, i) => {
                const digest = digests[i];
                if (digest === undefined) return;
                out = setAtPath(out, c.site.path, `${c.site.prefix ?? ""}${c.site.value}@${digest}`);
                changed = true;
            });
            return changed ? out : undefined;
        } catch {
            // Never abort the preview: unresolved images stay, and validateResource reports them.
            return undefined;
        }
    };
}
