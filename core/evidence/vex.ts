/**
 * OpenVEX documents (github.com/openvex/spec, v0.2.0; earlier drafts' string vulnerabilities are
 * read too): parsed, validated and matched to an image digest's findings. Pure: the clock is an
 * argument.
 *
 * What the gate does with them, following the spec and Trivy (pkg/vex/openvex.go, go-vex Matches):
 * - a statement applies to an image when one of its products names it: the `pkg:oci` purl of the
 *   digest (`pkg:oci/<name>@sha256:…?repository_url=<registry>/<repository>`; without a version it
 *   covers every digest of the repository, qualifiers it states must hold), or a `sha-256` hash equal
 *   to the digest. Statements about other products are ignored.
 * - products with subcomponents apply only to findings in those packages;
 * - per vulnerability the latest applicable statement wins (statement timestamp, inherited from the
 *   document); only `not_affected` and `fixed` remove a finding, with the justification shown;
 * - a document that is malformed (a required field missing, an unknown status or justification, a
 *   `not_affected` without justification or impact statement) is refused whole, with the reason —
 *   the spec calls a document with incomplete statements invalid. A document dated in the future,
 *   or whose last update is older than `maxAgeDays`, is refused as expired: OpenVEX has no expiry
 *   of its own, and a statement nobody has revisited for that long no longer counts as evidence.
 */
import { bareDigest } from "./digests";
import { decodeJson, isRecord, JsonRecord, typeName } from "./json";
import { imagePurl, normalizeRepositoryUrl, PackageUrl, parsePurl } from "./purl";
import { parseTimestamp } from "./time";
import { Vulnerability } from "./types";
import { ImageReference } from "../reference";
import { fail, type Failed } from "../result";

export const VEX_CONTEXT_PREFIX = "https://openvex.dev/ns";
export const VEX_STATUSES = ["not_affected", "affected", "fixed", "under_investigation"] as const;
export type VexStatus = typeof VEX_STATUSES[number];
export const VEX_JUSTIFICATIONS = [
    "component_not_present", "vulnerable_code_not_present", "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary", "inline_mitigations_already_exist",
] as const;

/** Bounds on what one document may make the gate hold. */
export interface VexLimits {
    readonly maxStatements: number;
    /** Products per statement, and subcomponents per product. */
    readonly maxProducts: number;
    /** Vulnerability aliases per statement. */
    readonly maxAliases: number;
}
export const DEFAULT_VEX_LIMITS: VexLimits = { maxStatements: 10_000, maxProducts: 1_000, maxAliases: 100 };
/** Clock skew tolerated before a timestamp counts as "in the future". */
const FUTURE_SKEW_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

export interface VexComponent {
    /** Purls (`@id`, identifiers.purl) of the component. */
    readonly purls: readonly PackageUrl[];
    /** `sha-256` hashes, lowercase hex. */
    readonly sha256: readonly string[];
}

export interface VexProduct extends VexComponent {
    readonly subcomponents: readonly VexComponent[];
}

export interface VexStatement {
    readonly vulnerability: string;
    readonly aliases: readonly string[];
    readonly products: readonly VexProduct[];
    readonly status: VexStatus;
    readonly justification?: string;
    readonly impactStatement?: string;
    readonly timestamp: Date;
    /** The document it came from, for messages. */
    readonly source: string;
    /** Order in the input, to break timestamp ties (a later statement overrides an earlier one). */
    readonly order: number;
}

export interface VexDocument {
    readonly id?: string;
    readonly author: string;
    readonly source: string;
    readonly timestamp: Date;
    readonly lastUpdated?: Date;
    readonly statements: readonly VexStatement[];
}

/**
 * Why a VEX document was refused: not readable as JSON (`unreadable`), not a valid OpenVEX document
 * (`invalid-document`), dated in the future or not revisited within vexMaxAgeDays (`expired`), or an
 * attestation whose subject is another digest (`wrong-subject`). The message names the source.
 */
export type VexFailureCode = "unreadable" | "invalid-document" | "expired" | "wrong-subject";

export type VexResult = { ok: true; document: VexDocument } | Failed<VexFailureCode>;

export interface VexParseOptions {
    /** Name for messages (file path, referrer). */
    readonly source: string;
    readonly now: Date;
    /** A document last updated longer ago than this is refused as expired. */
    readonly maxAgeDays: number;
    readonly limits?: VexLimits;
    /** Counter for statement order across documents. */
    readonly order?: { next: number };
}

class Refusal extends Error {
    constructor(message: string, readonly code: VexFailureCode) {
        super(message);
    }
}

function refuse(what: string, code: VexFailureCode = "invalid-document"): never {
    throw new Refusal(what, code);
}

/** Whether a decoded JSON value claims to be an OpenVEX document (its @context). */
export function looksLikeOpenVex(v: unknown): boolean {
    return isRecord(v) && typeof v["@context"] === "string" && v["@context"].startsWith(VEX_CONTEXT_PREFIX);
}

function optionalString(o: JsonRecord, key: string, where: string): string | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") refuse(`${where}.${key} must be a string, got ${typeName(v)}`);
    return v;
}

function time(v: unknown, where: string): Date {
    const t = parseTimestamp(v);
    if (!t.ok) refuse(`${where} ${t.failure.message}`);
    return t.date;
}

function component(v: unknown, where: string, limits: VexLimits, withSubcomponents: boolean): VexProduct {
    if (!isRecord(v)) refuse(`${where} must be an object, got ${typeName(v)}`);
    const ids: string[] = [];
    const id = optionalString(v, "@id", where);
    if (id !== undefined) ids.push(id);
    if (v.identifiers !== undefined) {
        if (!isRecord(v.identifiers)) refuse(`${where}.identifiers must be an object`);
        const purl = v.identifiers.purl;
        if (purl !== undefined) {
            if (typeof purl !== "string") refuse(`${where}.identifiers.purl must be a string`);
            ids.push(purl);
        }
    }
    const sha256: string[] = [];
    if (v.hashes !== undefined) {
        if (!isRecord(v.hashes)) refuse(`${where}.hashes must be an object`);
        const h = v.hashes["sha-256"];
        if (h !== undefined) {
            if (typeof h !== "string" || !/^[0-9a-fA-F]{64}$/.test(h)) refuse(`${where}.hashes["sha-256"] must be 64 hex digits`);
            sha256.push(h.toLowerCase());
        }
    }
    if (ids.length === 0 && sha256.length === 0 && !isRecord(v.identifiers)) refuse(`${where} identifies nothing (no @id, identifiers or hashes)`);
    // Identifiers that are not purls (CPEs, IRIs) are kept out: they can never name an image digest.
    const purls = ids.map(parsePurl).filter((p): p is PackageUrl => p !== undefined);
    const subcomponents: VexComponent[] = [];
    if (withSubcomponents && v.subcomponents !== undefined && v.subcomponents !== null) {
        if (!Array.isArray(v.subcomponents)) refuse(`${where}.subcomponents must be a list`);
        if (v.subcomponents.length > limits.maxProducts) refuse(`${where} has ${v.subcomponents.length} subcomponents, over the limit of ${limits.maxProducts}`);
        v.subcomponents.forEach((s, i) => subcomponents.push(component(s, `${where}.subcomponents[${i}]`, limits, false)));
    }
    return { purls, sha256, subcomponents };
}

function statement(v: unknown, i: number, doc: { timestamp: Date; source: string }, limits: VexLimits, order: { next: number }, now: Date): VexStatement {
    const where = `statements[${i}]`;
    if (!isRecord(v)) refuse(`${where} must be an object, got ${typeName(v)}`);
    let vulnerability: string;
    let aliases: string[] = [];
    const vul = v.vulnerability;
    if (typeof vul === "string") vulnerability = vul;
    else if (isRecord(vul)) {
        if (typeof vul.name !== "string") refuse(`${where}.vulnerability.name is required`);
        vulnerability = vul.name;
        if (vul.aliases !== undefined) {
            if (!Array.isArray(vul.aliases) || vul.aliases.some((a) => typeof a !== "string")) refuse(`${where}.vulnerability.aliases must be a list of strings`);
            if (vul.aliases.length > limits.maxAliases) refuse(`${where}.vulnerability has ${vul.aliases.length} aliases, over the limit of ${limits.maxAliases}`);
            aliases = vul.aliases as string[];
        }
    } else refuse(`${where}.vulnerability is required`);
    if (vulnerability.trim() === "") refuse(`${where}.vulnerability.name is empty`);
    const status = v.status;
    if (typeof status !== "string" || !(VEX_STATUSES as readonly string[]).includes(status)) {
        refuse(`${where}.status must be one of ${VEX_STATUSES.join(", ")}, got ${JSON.stringify(status)}`);
    }
    const justification = optionalString(v, "justification", where);
    if (justification !== undefined && !(VEX_JUSTIFICATIONS as readonly string[]).includes(justification)) {
        refuse(`${where}.justification "${justification}" is not one of ${VEX_JUSTIFICATIONS.join(", ")}`);
    }
    const impactStatement = optionalString(v, "impact_statement", where);
    if (status === "not_affected" && justification === undefined && (impactStatement === undefined || impactStatement.trim() === "")) {
        refuse(`${where} is not_affected without a justification or impact_statement (the spec requires one)`);
    }
    if (!Array.isArray(v.products) || v.products.length === 0) refuse(`${where} names no products (a standalone document must)`);
    if (v.products.length > limits.maxProducts) refuse(`${where} has ${v.products.length} products, over the limit of ${limits.maxProducts}`);
    const products = v.products.map((p, j) => component(p, `${where}.products[${j}]`, limits, true));
    const timestamp = v.timestamp === undefined ? doc.timestamp : time(v.timestamp, `${where}.timestamp`);
    if (v.last_updated !== undefined) time(v.last_updated, `${where}.last_updated`);
    if (timestamp.getTime() > now.getTime() + FUTURE_SKEW_MS) refuse(`${where}.timestamp ${timestamp.toISOString()} is in the future`, "expired");
    return {
        vulnerability, aliases, products, status: status as VexStatus,
        ...(justification !== undefined ? { justification } : {}),
        ...(impactStatement !== undefined ? { impactStatement } : {}),
        timestamp, source: doc.source, order: order.next++,
    };
}

/** Validates a decoded OpenVEX document. Never throws. */
export function parseVexDocument(v: unknown, options: VexParseOptions): VexResult {
    const { source, now } = options;
    const limits = options.limits ?? DEFAULT_VEX_LIMITS;
    const order = options.order ?? { next: 0 };
    try {
        if (!isRecord(v)) refuse(`is ${typeName(v)}, not an OpenVEX document`);
        if (!looksLikeOpenVex(v)) refuse(`@context ${JSON.stringify(v["@context"])} is not OpenVEX (${VEX_CONTEXT_PREFIX}…)`);
        if (typeof v.author !== "string" || v.author.trim() === "") refuse("author is required");
        const timestamp = time(v.timestamp, "timestamp");
        const lastUpdated = v.last_updated === undefined ? undefined : time(v.last_updated, "last_updated");
        if (v.version === undefined || !(typeof v.version === "number" || typeof v.version === "string")) refuse("version is required");
        const id = optionalString(v, "@id", "document");
        const updated = lastUpdated && lastUpdated > timestamp ? lastUpdated : timestamp;
        if (timestamp.getTime() > now.getTime() + FUTURE_SKEW_MS) refuse(`timestamp ${timestamp.toISOString()} is in the future`, "expired");
        const ageMs = now.getTime() - updated.getTime();
        if (ageMs > options.maxAgeDays * DAY_MS) {
            refuse(`has expired: last updated ${updated.toISOString().slice(0, 10)}, ${Math.floor(ageMs / DAY_MS)} days ago, more than vexMaxAgeDays ${options.maxAgeDays}; reissue it`, "expired");
        }
        if (!Array.isArray(v.statements) || v.statements.length === 0) refuse("has no statements");
        if (v.statements.length > limits.maxStatements) refuse(`has ${v.statements.length} statements, over the limit of ${limits.maxStatements}`);
        const statements = v.statements.map((s, i) => statement(s, i, { timestamp, source }, limits, order, now));
        return { ok: true, document: { ...(id !== undefined ? { id } : {}), author: v.author, source, timestamp, ...(lastUpdated ? { lastUpdated } : {}), statements } };
    } catch (e) {
        if (e instanceof Refusal) return fail(e.code, `${source}: VEX document refused: ${e.message}`);
        return fail("invalid-document", `${source}: VEX document refused: ${(e as Error)?.message ?? String(e)}`);
    }
}

/** Bytes → validated document. */
export function parseVex(bytes: Uint8Array | string, options: VexParseOptions): VexResult {
    const doc = decodeJson(bytes, options.source);
    if (!doc.ok) return fail("unreadable", `${doc.failure.message} (VEX document refused)`);
    return parseVexDocument(doc.value, options);
}

// ---------------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------------

/** A finding a VEX statement removed, and why. */
export interface VexedFinding {
    readonly finding: Vulnerability;
    readonly statement: VexStatement;
}

const PLATFORM_QUALIFIERS = new Set(["arch", "os", "platform"]);

/** go-vex PurlMatches(statement, image) for the image purl, with repository_url compared normalized. */
function productPurlMatches(p: PackageUrl, ref: ImageReference, digest: string): boolean {
    const image = parsePurl(imagePurl(ref, digest))!;
    if (p.type !== "oci" || p.namespace !== "" || p.name !== image.name || p.subpath !== "") return false;
    if (p.version !== "" && p.version.toLowerCase() !== digest) return false;
    for (const [k, v] of p.qualifiers) {
        if (k === "repository_url") {
            if (normalizeRepositoryUrl(v) !== ref.name) return false;
        } else if (k === "tag") {
            if (ref.tag !== v) return false;
        } else if (PLATFORM_QUALIFIERS.has(k)) {
            // A digest names one content: a platform qualifier beside it narrows nothing. Without the
            // digest the platform that runs is unknown, so the statement is not applied.
            if (p.version === "") return false;
        } else return false;
    }
    // Without repository_url a bare name could be any registry's image: only an exact digest may say so.
    return p.qualifiers.has("repository_url") || p.version !== "";
}

function productMatches(p: VexProduct, ref: ImageReference, digest: string): boolean {
    const hex = digest.startsWith("sha256:") ? digest.slice(7) : undefined;
    if (hex !== undefined && p.sha256.includes(hex)) return true;
    return p.purls.some((u) => productPurlMatches(u, ref, digest));
}

/** Whether a subcomponent names the package a finding is in (by purl name, and version when given). */
function subcomponentMatches(c: VexComponent, f: Vulnerability): boolean {
    const pkg = f.package.toLowerCase();
    if (!pkg) return false;
    return c.purls.some((u) => {
        const names = [u.name, `${u.namespace}/${u.name}`, `${u.namespace}:${u.name}`].map((n) => n.toLowerCase());
        if (!names.includes(pkg)) return false;
        return u.version === "" || u.version === f.installedVersion;
    });
}

function vulnerabilityMatches(s: VexStatement, f: Vulnerability): boolean {
    const ids = new Set([f.id, ...(f.aliases ?? [])].map((x) => x.toLowerCase()));
    return ids.has(s.vulnerability.toLowerCase()) || s.aliases.some((a) => ids.has(a.toLowerCase()));
}

/** The statements of `documents` about this image digest (any product of theirs names it). */
export function statementsFor(documents: readonly VexDocument[], ref: ImageReference, digest: string): VexStatement[] {
    const d = bareDigest(digest);
    const out: VexStatement[] = [];
    for (const doc of documents) for (const s of doc.statements) if (s.products.some((p) => productMatches(p, ref, d))) out.push(s);
    return out;
}

/**
 * The latest applicable statement about `finding`, if its status removes it (not_affected, fixed).
 * `statements` must be those about the image (statementsFor).
 */
export function vexClears(statements: readonly VexStatement[], finding: Vulnerability, ref: ImageReference, digest: string): VexStatement | undefined {
    const d = bareDigest(digest);
    let latest: VexStatement | undefined;
    for (const s of statements) {
        if (!vulnerabilityMatches(s, finding)) continue;
        const applies = s.products.some((p) => productMatches(p, ref, d) && (p.subcomponents.length === 0 || p.subcomponents.some((c) => subcomponentMatches(c, finding))));
        if (!applies) continue;
        if (!latest || s.timestamp > latest.timestamp || (s.timestamp.getTime() === latest.timestamp.getTime() && s.order > latest.order)) latest = s;
    }
    return latest && (latest.status === "not_affected" || latest.status === "fixed") ? latest : undefined;
}

/** "not_affected (vulnerable_code_not_in_execute_path), file.json" for messages. */
export function describeStatement(s: VexStatement): string {
    const why = s.justification ?? (s.impactStatement ? `"${s.impactStatement.slice(0, 120)}"` : undefined);
    return `${s.status}${why ? ` (${why})` : ""}, ${s.source}`;
}
