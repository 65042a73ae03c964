/**
 * Whether an allowed-images regex found in a cluster's admission (an Azure Policy assignment's
 * parameter, a Gatekeeper constraint's) denies at least what the regex generated from the trust
 * config denies: every image reference it accepts (every string a runtime can pull), the generated
 * one accepts too. Languages are
 * compared, not strings (regex-inclusion.ts), and a counterexample is named, a realistic one from
 * regex-probes.ts when there is one.
 */
import { TrustEntry } from "../trust";
import { IMAGE_REFERENCE_GRAMMAR, allowedImagesRegex } from "./image-regex";
import { compileRe2 } from "./re2";
import { DEFAULT_MAX_STATES, regexIncluded } from "./regex-inclusion";
import { probeReferences } from "./regex-probes";

/** What admission must enforce: the trust entries (trusted-registries) and whether digests are required. */
export interface TrustRule {
    readonly entries: readonly TrustEntry[];
    readonly requireDigest: boolean;
}

export interface RegexLimits {
    /** Longest regex compared (characters). */
    readonly maxPatternLength: number;
    /** Product states the exact comparison may explore. */
    readonly maxStates: number;
}

export const DEFAULT_REGEX_LIMITS: RegexLimits = { maxPatternLength: 16_384, maxStates: DEFAULT_MAX_STATES };

export type RegexVerdict =
    /** Denies at least what the generated regex denies. */
    | { readonly kind: "within" }
    | { readonly kind: "wider"; readonly accepts: string }
    | { readonly kind: "not-a-string"; readonly given: string }
    | { readonly kind: "invalid"; readonly message: string }
    | { readonly kind: "too-long"; readonly length: number; readonly limit: number }
    | { readonly kind: "undecided"; readonly states: number }
    /** No trust entries configured: there is nothing to compare with. */
    | { readonly kind: "no-trust" };

const cache = new Map<string, RegexVerdict>();
const CACHE_SIZE = 64;

export function judgeAllowedRegex(pattern: unknown, rule: TrustRule, limits: RegexLimits = DEFAULT_REGEX_LIMITS): RegexVerdict {
    if (typeof pattern !== "string") return { kind: "not-a-string", given: pattern === null ? "null" : Array.isArray(pattern) ? "an array" : typeof pattern };
    if (rule.entries.length === 0) return { kind: "no-trust" };
    if (pattern.length > limits.maxPatternLength) return { kind: "too-long", length: pattern.length, limit: limits.maxPatternLength };
    const generated = allowedImagesRegex(rule.entries, { requireDigest: rule.requireDigest }).pattern;
    if (pattern === generated) return { kind: "within" };
    const key = JSON.stringify([generated, pattern, limits.maxStates]);
    const hit = cache.get(key);
    if (hit) return hit;
    const verdict = compare(pattern, generated, rule, limits);
    cache.set(key, verdict);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    return verdict;
}

function compare(pattern: string, generated: string, rule: TrustRule, limits: RegexLimits): RegexVerdict {
    const user = compileRe2(pattern);
    if (!user.ok) return { kind: "invalid", message: user.failure.message };
    // Only image strings a runtime can pull matter: accepting a string that is no reference admits nothing.
    const r = regexIncluded(pattern, generated, { maxStates: limits.maxStates, domain: IMAGE_REFERENCE_GRAMMAR });
    if (r.included === true) return { kind: "within" };
    if (r.included === "undecided") return { kind: "undecided", states: r.states };
    // Wider: name a reference a user recognises if a probe shows it, else the shortest difference.
    // Search semantics, as OPA re_match and CEL matches() apply them: test(), not testExact().
    const gen = compileRe2(generated);
    if (!gen.ok) throw new Error(`generated allowed-images regex is ${gen.failure.message}`);
    const grammar = compileRe2(IMAGE_REFERENCE_GRAMMAR);
    if (!grammar.ok) throw new Error(`the image reference grammar is ${grammar.failure.message}`);
    const probe = probeReferences(rule.entries).find((p) => grammar.matcher.test(p) && user.matcher.test(p) && !gen.matcher.test(p));
    return { kind: "wider", accepts: probe ?? r.witness };
}

/** The verdict as a clause for messages ("its allowedContainerImagesRegex accepts …"), or undefined when it holds. */
export function regexProblem(verdict: RegexVerdict, field: string): string | undefined {
    switch (verdict.kind) {
        case "within": return undefined;
        case "wider": return `${field} accepts ${JSON.stringify(verdict.accepts)}, which the trust config refuses (a wider language than the generated regex)`;
        case "not-a-string": return `${field} is ${verdict.given}, not a regex`;
        case "invalid": return `${field} is ${verdict.message}`;
        case "too-long": return `${field} is ${verdict.length} characters, over the limit of ${verdict.limit} (maxRegexLength), so it was not compared`;
        case "undecided": return `${field} could not be compared with the generated regex within ${verdict.states} automaton states (maxRegexStates)`;
        case "no-trust": return `${field} cannot be compared: trusted-registries lists no registry (set trusted-registries' registries)`;
    }
}
