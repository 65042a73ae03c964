/**
 * Trust entries ("contoso.azurecr.io", "mcr.microsoft.com/oss/") and exemptions, matched against
 * normalized references: host exact (a port is part of the host), repository on a path boundary.
 */
import { fail, type Failed } from "./result";
import { DOCKER_HUB, ImageReference, formatReference, parseReference } from "./reference";

/** A registry host, or a repository prefix in a registry. */
export interface TrustEntry {
    /** As the user wrote it, for messages. */
    readonly source: string;
    readonly domain: string;
    /** Repository path prefix; undefined for a whole registry. */
    readonly path?: string;
    /** True when written with a trailing "/": only repositories strictly below `path` match. */
    readonly under: boolean;
}

export type TrustErrorCode = "not-a-string" | "empty" | "invalid-characters" | "invalid-form" | "invalid-domain" | "ambiguous" | "invalid-reference";

export type EntryParse = { ok: true; entry: TrustEntry } | Failed<TrustErrorCode>;

const HOST_ONLY = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$/;

function looksLikeHost(s: string): boolean {
    return /[.:]/.test(s) || s === "localhost" || s.startsWith("[");
}

/**
 * Parses a trust entry. An entry without "/" must be a registry host (it contains "." or ":", or is
 * "localhost"); a bare word such as "nginx" is refused because it reads as both a host and a Docker
 * Hub repository. Entries with a path are normalized like image names, so every spelling of a Docker
 * Hub repository ("docker.io/nginx", "index.docker.io/library/nginx", "library/nginx") is the same.
 */
export function parseTrustEntry(raw: unknown): EntryParse {
    if (typeof raw !== "string") return fail("not-a-string", "must be a string");
    const source = raw;
    if (raw.length === 0) return fail("empty", "is empty");
    if (/[^\x21-\x7e]/.test(raw)) return fail("invalid-characters", `"${raw}" contains whitespace or characters outside printable ASCII`);
    if (/[@*]/.test(raw)) return fail("invalid-form", `"${raw}" must name a registry or repository prefix; '@' and wildcards are not allowed`);
    const under = raw.endsWith("/");
    const body = under ? raw.slice(0, -1) : raw;
    if (!body.includes("/") && looksLikeHost(body)) {
        if (!HOST_ONLY.test(body)) return fail("invalid-domain", `"${raw}" is not a valid registry host[:port]`);
        return { ok: true, entry: { source, domain: body === "index.docker.io" ? DOCKER_HUB : body, under: false } };
    }
    if (!body.includes("/") && !under) {
        return fail("ambiguous", `"${raw}" is ambiguous: write a registry host ("${body}.azurecr.io", "docker.io") or a repository ("docker.io/library/${body}")`);
    }
    if (body.indexOf(":", body.lastIndexOf("/")) !== -1) {
        return fail("invalid-form", `"${raw}" names a tag; trust entries name registries or repositories`);
    }
    // A prefix ending in "/" names a namespace, so it is parsed with a placeholder below it (keeping
    // "docker.io/bitnami/" a namespace rather than the official image "library/bitnami"); an entry
    // without it is a repository, normalized as the runtime normalizes the image name.
    const probe = under ? `${body}/x` : body;
    const parsed = parseReference(probe);
    if (!parsed.ok) return fail("invalid-reference", `"${raw}": ${parsed.failure.message}`);
    const path = under ? parsed.ref.path.slice(0, -2) : parsed.ref.path;
    return { ok: true, entry: { source, domain: parsed.ref.domain, path, under } };
}

/** Whether a normalized reference falls under a trust entry. */
export function entryMatches(entry: TrustEntry, ref: ImageReference): boolean {
    if (ref.domain !== entry.domain) return false;
    if (entry.path === undefined) return true;
    if (ref.path === entry.path) return !entry.under;
    return ref.path.startsWith(entry.path + "/");
}

/** Parses a list of entries, collecting every error with its index. */
export function parseTrustEntries(raw: readonly unknown[]): { entries: TrustEntry[]; errors: string[] } {
    const entries: TrustEntry[] = [];
    const errors: string[] = [];
    raw.forEach((r, i) => {
        const p = parseTrustEntry(r);
        if (p.ok) entries.push(p.entry);
        else errors.push(`[${i}]: ${p.failure.message}`);
    });
    return { entries, errors };
}

/**
 * An exemption: an exact normalized reference (with tag and/or digest it must match exactly; a bare
 * repository name exempts that repository), or a prefix ending in "/" (everything below it).
 */
export type Exemption =
    | { kind: "prefix"; source: string; entry: TrustEntry }
    | { kind: "exact"; source: string; ref: ImageReference };

export function parseExemption(raw: unknown): { ok: true; exemption: Exemption } | Failed<TrustErrorCode> {
    if (typeof raw !== "string") return fail("not-a-string", "must be a string");
    if (raw.endsWith("/")) {
        const p = parseTrustEntry(raw);
        return p.ok ? { ok: true, exemption: { kind: "prefix", source: raw, entry: p.entry } } : p;
    }
    if (raw.includes("*")) return fail("invalid-form", `"${raw}": wildcards are not allowed; use an exact reference or a prefix ending in "/"`);
    const parsed = parseReference(raw);
    if (!parsed.ok) return fail("invalid-reference", `"${raw}": ${parsed.failure.message}`);
    return { ok: true, exemption: { kind: "exact", source: raw, ref: parsed.ref } };
}

export function exemptionMatches(ex: Exemption, ref: ImageReference): boolean {
    if (ex.kind === "prefix") return entryMatches(ex.entry, ref);
    if (ex.ref.tag === undefined && ex.ref.digest === undefined) return ex.ref.name === ref.name;
    return formatReference(ex.ref) === formatReference(ref);
}

export function parseExemptions(raw: readonly unknown[]): { exemptions: Exemption[]; errors: string[] } {
    const exemptions: Exemption[] = [];
    const errors: string[] = [];
    raw.forEach((r, i) => {
        const p = parseExemption(r);
        if (p.ok) exemptions.push(p.exemption);
        else errors.push(`[${i}]: ${p.failure.message}`);
    });
    return { exemptions, errors };
}
