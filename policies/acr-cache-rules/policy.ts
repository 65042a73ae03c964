import { ConfigReader } from "../../core/config/reader";
import { read, show } from "../lib/properties";
import { CheckResult, unreadable, violation } from "../lib/checks";
import { ResourcePolicyBaseConfig, resourcePolicy } from "../lib/resource-policy";
import { CACHE_RULE } from "../lib/azure-kinds";
import { TrustEntry, entryMatches, parseTrustEntries } from "../../core/trust";
import { parseReference } from "../../core/reference";
import { fail, type Failed } from "../../core/result";

export interface AcrCacheRulesConfig extends ResourcePolicyBaseConfig {
    readonly trustedUpstreams: readonly TrustEntry[];
}

type UpstreamCode = "untrusted-upstream" | "invalid-repository";

/**
 * Whether every repository a cache rule's source names is trusted. A wildcard source
 * (`docker.io/library/*`) names a whole namespace, so only an entry at or above that namespace covers it.
 */
export function upstreamTrusted(source: string, entries: readonly TrustEntry[]): { ok: true } | Failed<UpstreamCode> {
    const wildcard = source.endsWith("/*");
    const body = wildcard ? source.slice(0, -2) : source;
    if (wildcard && !body.includes("/")) {
        // A whole registry ("docker.io/*"): only an entry trusting that whole registry covers it.
        const host = body === "index.docker.io" ? "docker.io" : body;
        return entries.some((e) => e.domain === host && e.path === undefined) ? { ok: true } : fail("untrusted-upstream", `the whole registry ${host} is not trusted as an upstream`);
    }
    const parsed = parseReference(wildcard ? `${body}/x` : body);
    if (!parsed.ok) return fail("invalid-repository", `it is not a valid repository (${parsed.failure.message})`);
    if (parsed.ref.tag !== undefined || parsed.ref.digest !== undefined) return fail("invalid-repository", "it names a tag or digest, not a repository");
    const domain = parsed.ref.domain;
    const path = wildcard ? parsed.ref.path.slice(0, -2) : parsed.ref.path;
    const covered = entries.some((e) => {
        if (!wildcard) return entryMatches(e, parsed.ref);
        if (e.domain !== domain) return false;
        if (e.path === undefined) return true;
        // The namespace itself must be inside the entry: "docker.io/library/" covers "docker.io/library/*".
        return path === e.path || path.startsWith(e.path + "/");
    });
    return covered ? { ok: true } : fail("untrusted-upstream", `${wildcard ? `the namespace ${domain}/${path}/*` : parsed.ref.name} is not among the trusted upstreams`);
}

export const acrCacheRules = resourcePolicy<AcrCacheRulesConfig>({
    name: "acr-cache-rules",
    displayName: "ACR caches only trusted upstreams",
    description: "Container registry cache rules (pull-through cache) must pull only from trusted upstream repositories: a cached image is served from your registry as if it were yours.",
    severity: "high",
    remediationSteps: "Remove the cache rule, or add its upstream to `trustedUpstreams` after reviewing it; import reviewed images with `az acr import` instead of caching whole upstream repositories.",
    appliesTo: [CACHE_RULE],
    properties: {
        trustedUpstreams: {
            type: "array",
            items: { type: "string", minLength: 1 },
            default: [],
            description: "Upstream registries or repository prefixes cache rules may pull from, in trusted-registries' syntax (\"mcr.microsoft.com\", \"docker.io/library/\"). Empty: no cache rule is allowed (Azure Policy 84497762).",
        },
    },
    readConfig: (reader: ConfigReader, base) => {
        const parsed = parseTrustEntries(reader.stringArray("trustedUpstreams"));
        reader.addItemErrors("trustedUpstreams", parsed.errors);
        return { ...base, trustedUpstreams: parsed.entries };
    },
    checks: [{
        id: "trusted-upstream",
        title: "sourceRepository is under trustedUpstreams",
        evaluate: (ctx): CheckResult[] => {
            const r = read(ctx.props, "sourceRepository");
            const bad = unreadable(r, "the upstream repository");
            if (bad) return bad;
            const trusted = ctx.config.trustedUpstreams.map((e) => e.source).join(", ") || "none configured";
            if (r.state === "absent") return [violation(r.path, "no upstream repository is set", "set sourceRepository to a trusted upstream repository")];
            if (r.state !== "value") return [];
            if (typeof r.value !== "string") return [violation(r.path, `the upstream repository is ${show(r.value)}, not a string`, "set sourceRepository to a trusted upstream repository")];
            const verdict = upstreamTrusted(r.value, ctx.config.trustedUpstreams);
            if (verdict.ok) return [];
            return [violation(r.path, `the cache rule pulls ${show(r.value)}, and ${verdict.failure.message} (trusted upstreams: ${trusted})`, "remove the cache rule, or review the upstream and add it to acr-cache-rules' trustedUpstreams")];
        },
    }],
});
