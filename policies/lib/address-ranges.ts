/**
 * What the policies that judge IP range lists share (aks-api-server-access' authorized ranges,
 * acr-network's firewall rules): the public-exposure limits in their config, and core/ip-ranges'
 * judgement of a list turned into check results with the paths the program wrote.
 */
import { DEFAULT_EXPOSURE_LIMITS, WIDEST_IPV4_LIMIT, WIDEST_IPV6_LIMIT, judgeRangeList } from "../../core/ip-ranges";
import type { ExposureLimits, JudgeOptions, RangeListItem } from "../../core/ip-ranges";
import type { ConfigReader, PropertySchema } from "../../core/config/reader";
import { type CheckResult, unknownResult, violation } from "./checks";

export const exposureProperties: Record<string, PropertySchema> = {
    maxPublicIpv4Prefix: {
        type: "integer",
        minimum: WIDEST_IPV4_LIMIT,
        maximum: 32,
        default: DEFAULT_EXPOSURE_LIMITS.maxIpv4Prefix,
        description: `The public IPv4 addresses all entries admit together may be at most as many as one /N holds (default ${DEFAULT_EXPOSURE_LIMITS.maxIpv4Prefix}: 65,536). Private, CGNAT, loopback, link-local and documentation ranges count for nothing. Never wider than a /${WIDEST_IPV4_LIMIT}, which is the internet in practice.`,
    },
    maxPublicIpv6Prefix: {
        type: "integer",
        minimum: WIDEST_IPV6_LIMIT,
        maximum: 128,
        default: DEFAULT_EXPOSURE_LIMITS.maxIpv6Prefix,
        description: `Likewise for IPv6 (default ${DEFAULT_EXPOSURE_LIMITS.maxIpv6Prefix}: one site's allocation). Only the global unicast space 2000::/3 counts; IPv4-mapped addresses count as IPv4.`,
    },
    maxRangeEntries: {
        type: "integer",
        minimum: 1,
        maximum: 100_000,
        default: DEFAULT_EXPOSURE_LIMITS.maxEntries,
        description: `Lists with more entries than this are reported unjudged (default ${DEFAULT_EXPOSURE_LIMITS.maxEntries}; Azure accepts a few hundred).`,
    },
};

export function readExposureLimits(reader: ConfigReader): ExposureLimits {
    return {
        maxIpv4Prefix: reader.integer("maxPublicIpv4Prefix", WIDEST_IPV4_LIMIT, 32),
        maxIpv6Prefix: reader.integer("maxPublicIpv6Prefix", WIDEST_IPV6_LIMIT, 128),
        maxEntries: reader.integer("maxRangeEntries", 1, 100_000),
    };
}

/** One entry of a range list as the policy read it: its path, and its value or that it is unknown. */
export type ListedRange = { readonly path: string; readonly value: unknown } | { readonly path: string; readonly unknown: true };

export interface RangeListCheck {
    /** Path of the list itself (for findings about the list as a whole). */
    readonly listPath: string;
    readonly entries: readonly ListedRange[];
    readonly limits: ExposureLimits;
    /** Words for one entry in unknown notes ("an authorized IP range"). */
    readonly what: string;
    readonly fix: string;
    readonly options?: JudgeOptions;
}

/**
 * Findings for a list: each bad entry at its own path, the total public exposure at the list's path.
 * Entries unknown at preview are advisory notes, unless the known entries already admit too much.
 */
export function judgeRangeListAt(c: RangeListCheck): CheckResult[] {
    const known: RangeListItem[] = [];
    const unknown: string[] = [];
    c.entries.forEach((e, index) => {
        if ("unknown" in e) unknown.push(e.path);
        else known.push({ index, value: e.value });
    });
    const j = judgeRangeList(known, c.limits, c.options);
    const out: CheckResult[] = j.entryProblems.map((p) => violation(c.entries[p.index].path, p.problem, c.fix));
    if (j.listProblem) return [...out, violation(c.listPath, j.listProblem, c.fix)];
    return [...out, ...unknown.map((path) => unknownResult(path, c.what))];
}
