/**
 * The allowed-images regex, generated from the pack's trust entries: one anchored RE2 pattern that
 * accepts exactly the raw image strings (as written in a pod spec) that core/reference.ts parses,
 * core/trust.ts trusts and (by default) core/rules.ts finds pinned by digest.
 *
 * Built from the same grammar constants' meaning as core/reference.ts (distribution/reference
 * plus go-digest), spelled out per trust entry in every form the runtime normalizes to the same
 * name: `nginx`, `library/nginx`, `docker.io/nginx`, `index.docker.io/library/nginx`, ….
 *
 * One thing a single RE2 pattern cannot express is the 255-character limit on the *normalized*
 * name (RE2 has no lookahead, and intersecting the path grammar with a length bound explodes the
 * pattern). The CEL template checks it separately, both for self-managed Gatekeeper and in the
 * custom Azure Policy definition ImageAdmission assigns next to the built-in (azure-custom-definition.ts);
 * see docs/admission.md.
 */
import { DIGEST_ALGORITHMS, DOCKER_HUB } from "../reference";
import { TrustEntry } from "../trust";
import { compileRe2 } from "./re2";

export interface AdmissionOptions {
    /** Only digest-pinned references are admitted (`repo@sha256:…`, `repo:tag@sha256:…`). Default true. */
    readonly requireDigest?: boolean;
}

const LEGACY_HUB = "index.docker.io";
const OFFICIAL = "library";

// distribution/reference grammar pieces (RE2 syntax; same language as core/reference.ts).
const ALNUM = "[a-z0-9]+";
const SEPARATOR = "(?:[._]|__|-+)";
/** One path component. */
const COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
/** Zero or more further components, each with its leading "/". */
const MORE_COMPONENTS = `(?:/${COMPONENT})*`;
/** A tag: `[\w][\w.-]{0,127}` with JavaScript's ASCII `\w`. */
const TAG = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
/** A go-digest digest of a registered algorithm, exact-length lowercase hex. */
const DIGEST = `(?:${Object.entries(DIGEST_ALGORITHMS).map(([alg, n]) => `${alg}:[a-f0-9]{${n}}`).join("|")})`;

/** One DNS label of a registry host, as distribution/reference's domain grammar has it. */
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
/** A registry host: a DNS name or a bracketed IPv6 address, with an optional port. */
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;

/**
 * Every image string a container runtime can pull: distribution/reference's reference grammar,
 * anchored (the 255-character name limit aside). Admission regexes are compared over this domain:
 * a regex that also accepts strings no runtime can pull (`host/.@sha256:…`) admits nothing more.
 */
export const IMAGE_REFERENCE_GRAMMAR = `^(?:${DOMAIN}/)?${COMPONENT}${MORE_COMPONENTS}(?::${TAG})?(?:@${DIGEST})?$`;

/** Escapes RE2 metacharacters in a literal. */
export function escapeRe2(literal: string): string {
    return literal.replace(/[\\^$.|?*+()[\]{}]/g, "\\$&");
}

function alt(parts: readonly string[]): string | undefined {
    const unique = [...new Set(parts)];
    if (unique.length === 0) return undefined;
    return unique.length === 1 ? unique[0] : `(?:${unique.join("|")})`;
}

const ALNUM_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789";

/** Alphanumeric runs other than `word` (a lowercase alphanumeric word); RE2 has no negative lookahead. */
function alnumRunExcept(word: string): string {
    const n = word.length;
    const parts = [`[a-z0-9]{1,${n - 1}}`, `[a-z0-9]{${n + 1},}`];
    for (let i = 0; i < n; i++) {
        const others = ALNUM_CHARS.split("").filter((c) => c !== word[i]).join("");
        const tail = n - i - 1;
        parts.push(`${escapeRe2(word.slice(0, i))}[${others}]${tail ? `[a-z0-9]{${tail}}` : ""}`);
    }
    return `(?:${parts.join("|")})`;
}

/**
 * A first component that keeps an image on Docker Hub when written without a registry: docker reads
 * the first component as a registry if it contains "." or ":" or is "localhost".
 */
const HUB_FIRST_COMPONENT = `(?:${ALNUM}(?:(?:__?|-+)${ALNUM})+|${alnumRunExcept("localhost")})`;

/** A single component that is not a bare 64-hex string (which parseReference refuses as an image ID). */
const COMPONENT_NOT_IMAGE_ID =
    `(?:${ALNUM}(?:${SEPARATOR}${ALNUM})+|[a-z0-9]*[g-z][a-z0-9]*|[a-f0-9]{1,63}|[a-f0-9]{65,})`;

/** A normalized repository path language: every path, or a prefix (itself unless `under`, and below it). */
interface PathSet {
    /** Undefined: every path. */
    readonly prefix?: readonly string[];
    readonly under: boolean;
}

function pathSetOf(entry: TrustEntry): PathSet | undefined {
    if (entry.path === undefined) return { under: false };
    // "Foo/"-style entries parse to an empty prefix that entryMatches never matches.
    if (entry.path === "") return undefined;
    return { prefix: entry.path.split("/"), under: entry.under };
}

/** Regex for the paths of a set that have at least `minComponents` components. */
function pathsRegex(set: PathSet, minComponents: 1 | 2): string | undefined {
    if (set.prefix === undefined) {
        return minComponents === 1 ? `${COMPONENT}${MORE_COMPONENTS}` : `${COMPONENT}(?:/${COMPONENT})+`;
    }
    const p = escapeRe2(set.prefix.join("/"));
    const selfAllowed = !set.under && set.prefix.length >= minComponents;
    return selfAllowed ? `${p}${MORE_COMPONENTS}` : `${p}(?:/${COMPONENT})+`;
}

/** The components X for which `library/X` is in the set (Docker Hub official images). */
function officialNames(set: PathSet): { any: true } | { any: false; names: string[] } {
    if (set.prefix === undefined) return { any: true };
    const [first, ...rest] = set.prefix;
    if (first !== OFFICIAL) return { any: false, names: [] };
    if (rest.length === 0) return { any: true };
    if (rest.length === 1 && !set.under) return { any: false, names: [rest[0]] };
    return { any: false, names: [] };
}

function isHubFirstComponent(c: string): boolean {
    return !c.includes(".") && c !== "localhost";
}

/**
 * Raw spellings of the names an entry trusts. `bare` is true for names written with neither tag
 * nor digest, where a lone 64-hex component is an image ID rather than a name.
 */
function entryNameRegex(entry: TrustEntry, bare: boolean): string | undefined {
    const set = pathSetOf(entry);
    if (set === undefined) return undefined;
    if (entry.domain !== DOCKER_HUB) {
        const paths = pathsRegex(set, 1);
        return paths === undefined ? undefined : `${escapeRe2(entry.domain)}/${paths}`;
    }
    // Docker Hub: normalized paths always have two or more components (single ones get "library/").
    const multi = pathsRegex(set, 2);
    const official = officialNames(set);
    const parts: string[] = [];
    const hubDomain = `(?:${escapeRe2(DOCKER_HUB)}|${escapeRe2(LEGACY_HUB)})/`;
    const explicit = alt([
        ...(multi ? [multi] : []),
        ...(official.any ? [COMPONENT] : official.names.map(escapeRe2)),
    ]);
    if (explicit) parts.push(`${hubDomain}${explicit}`);
    // Without a registry: the official short name, or a multi-component path whose first component
    // docker does not read as a registry.
    if (official.any) parts.push(bare ? COMPONENT_NOT_IMAGE_ID : COMPONENT);
    else for (const n of official.names) if (!(bare && /^[a-f0-9]{64}$/.test(n))) parts.push(escapeRe2(n));
    if (set.prefix === undefined) parts.push(`${HUB_FIRST_COMPONENT}(?:/${COMPONENT})+`);
    else if (isHubFirstComponent(set.prefix[0]) && multi) parts.push(multi);
    return alt(parts);
}

export interface GeneratedRegex {
    /** Anchored RE2 pattern, for Azure Policy's `allowedContainerImagesRegex` or CEL `matches()`. */
    readonly pattern: string;
    /** True when no entry trusts anything: the pattern then matches nothing. */
    readonly matchesNothing: boolean;
}

/** A pattern RE2 accepts that no string matches (RE2 has no `(?!)`). */
const NOTHING = "^[^\\x00-\\x{10FFFF}]$";

/**
 * Generates the allowed-images regex for trust entries (from parseTrustEntries), checked to compile
 * in a real RE2 engine (a failure there is a bug in this generator, so it throws).
 */
export function allowedImagesRegex(entries: readonly TrustEntry[], options: AdmissionOptions = {}): GeneratedRegex {
    const requireDigest = options.requireDigest ?? true;
    const names = alt(entries.map((e) => entryNameRegex(e, false)).filter((r): r is string => r !== undefined));
    if (names === undefined) return { pattern: NOTHING, matchesNothing: true };
    const branches = [`${names}(?::${TAG})?@${DIGEST}`];
    if (!requireDigest) {
        branches.push(`${names}:${TAG}`);
        const bareNames = alt(entries.map((e) => entryNameRegex(e, true)).filter((r): r is string => r !== undefined));
        if (bareNames !== undefined) branches.push(bareNames);
    }
    const pattern = `^(?:${branches.join("|")})$`;
    const compiled = compileRe2(pattern);
    if (!compiled.ok) throw new Error(`generated allowed-images regex is ${compiled.failure.message}`);
    return { pattern, matchesNothing: false };
}
