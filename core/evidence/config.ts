/**
 * The evidence keys of the `scanned-images` policy config: reports, defender, failOn, maxAgeDays,
 * ignoreUnfixed, exceptions. Other keys (attestations, registries, …) belong to other parts and are
 * left alone here. Every error is collected and names the key.
 */
import { Exemption, parseExemption } from "../trust";
import { parseDay } from "./time";

export type FailOn = "critical" | "high" | "medium" | "low";
export const FAIL_ON_VALUES: readonly FailOn[] = ["critical", "high", "medium", "low"];

export interface ScanException {
    /** Vulnerability ID (CVE-…, GHSA-…), matched case-insensitively against a finding's ID and aliases. */
    readonly id: string;
    /** The last day the exception applies (through 23:59:59 UTC), as written. */
    readonly expires: string;
    /** Midnight UTC of the day after `expires`: from then on the exception no longer applies. */
    readonly expiresAt: Date;
    readonly reason: string;
    /** Images it applies to; undefined = every image. */
    readonly images?: readonly Exemption[];
}

export interface JudgementConfig {
    readonly failOn: FailOn;
    readonly maxAgeDays: number;
    readonly ignoreUnfixed: boolean;
    readonly exceptions: readonly ScanException[];
}

export interface DefenderConfig {
    readonly subscriptions: readonly string[];
}

export interface EvidenceConfig extends JudgementConfig {
    readonly reports: readonly string[];
    /** OpenVEX files or directories (core/evidence/vex.ts). */
    readonly vex: readonly string[];
    /** A VEX document last updated longer ago than this is refused as expired. */
    readonly vexMaxAgeDays: number;
    readonly defender?: DefenderConfig;
}

export const DEFAULT_VEX_MAX_AGE_DAYS = 180;

export const DEFAULT_JUDGEMENT: JudgementConfig = { failOn: "high", maxAgeDays: 7, ignoreUnfixed: false, exceptions: [] };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_AGE_LIMIT = 3650;

export type ConfigParse = { ok: true; config: EvidenceConfig } | { ok: false; errors: string[] };

export function parseEvidenceConfig(raw: unknown): ConfigParse {
    const errors: string[] = [];
    const cfg = raw === undefined || raw === null ? {} : raw;
    if (typeof cfg !== "object" || Array.isArray(cfg)) return { ok: false, errors: ["config must be an object"] };
    const c = cfg as Record<string, unknown>;

    let failOn: FailOn = DEFAULT_JUDGEMENT.failOn;
    if (c.failOn !== undefined) {
        if (typeof c.failOn === "string" && (FAIL_ON_VALUES as readonly string[]).includes(c.failOn)) failOn = c.failOn as FailOn;
        else errors.push(`failOn must be one of ${FAIL_ON_VALUES.join(", ")}, got ${JSON.stringify(c.failOn)}`);
    }
    let maxAgeDays = DEFAULT_JUDGEMENT.maxAgeDays;
    if (c.maxAgeDays !== undefined) {
        if (typeof c.maxAgeDays === "number" && Number.isFinite(c.maxAgeDays) && c.maxAgeDays > 0 && c.maxAgeDays <= MAX_AGE_LIMIT) maxAgeDays = c.maxAgeDays;
        else errors.push(`maxAgeDays must be a number of days greater than 0 and at most ${MAX_AGE_LIMIT}, got ${JSON.stringify(c.maxAgeDays)}`);
    }
    let ignoreUnfixed = DEFAULT_JUDGEMENT.ignoreUnfixed;
    if (c.ignoreUnfixed !== undefined) {
        if (typeof c.ignoreUnfixed === "boolean") ignoreUnfixed = c.ignoreUnfixed;
        else errors.push(`ignoreUnfixed must be true or false, got ${JSON.stringify(c.ignoreUnfixed)}`);
    }

    const paths = (key: "reports" | "vex"): string[] => {
        const out: string[] = [];
        const v = c[key];
        if (v === undefined) return out;
        if (!Array.isArray(v)) errors.push(`${key} must be a list of file or directory paths`);
        else v.forEach((p, i) => {
            if (typeof p === "string" && p.trim().length > 0 && !p.includes("\0")) out.push(p);
            else errors.push(`${key}[${i}] must be a non-empty path, got ${JSON.stringify(p)}`);
        });
        return out;
    };
    const reports = paths("reports");
    const vex = paths("vex");
    let vexMaxAgeDays = DEFAULT_VEX_MAX_AGE_DAYS;
    if (c.vexMaxAgeDays !== undefined) {
        if (typeof c.vexMaxAgeDays === "number" && Number.isFinite(c.vexMaxAgeDays) && c.vexMaxAgeDays > 0 && c.vexMaxAgeDays <= MAX_AGE_LIMIT) vexMaxAgeDays = c.vexMaxAgeDays;
        else errors.push(`vexMaxAgeDays must be a number of days greater than 0 and at most ${MAX_AGE_LIMIT}, got ${JSON.stringify(c.vexMaxAgeDays)}`);
    }

    let defender: DefenderConfig | undefined;
    if (c.defender !== undefined) {
        const d = c.defender;
        if (typeof d !== "object" || d === null || Array.isArray(d)) errors.push("defender must be an object { subscriptions: [...] }");
        else {
            const subs = (d as Record<string, unknown>).subscriptions;
            const unknown = Object.keys(d).filter((k) => k !== "subscriptions");
            if (unknown.length > 0) errors.push(`defender has unknown keys: ${unknown.join(", ")}`);
            if (!Array.isArray(subs) || subs.length === 0) errors.push("defender.subscriptions must list at least one subscription ID");
            else {
                const bad = subs.map((s, i) => (typeof s === "string" && GUID.test(s) ? undefined : `defender.subscriptions[${i}] must be a subscription ID (GUID), got ${JSON.stringify(s)}`));
                errors.push(...bad.filter((x): x is string => x !== undefined));
                defender = { subscriptions: [...new Set((subs as string[]).map((s) => String(s).toLowerCase()))] };
            }
        }
    }

    const exceptions: ScanException[] = [];
    if (c.exceptions !== undefined) {
        if (!Array.isArray(c.exceptions)) errors.push("exceptions must be a list of { id, expires, reason, images? }");
        else c.exceptions.forEach((e, i) => {
            const parsed = parseException(e, `exceptions[${i}]`);
            if (typeof parsed === "string") errors.push(parsed);
            else exceptions.push(parsed);
        });
    }

    if (errors.length > 0) return { ok: false, errors };
    return { ok: true, config: { failOn, maxAgeDays, ignoreUnfixed, exceptions, reports, vex, vexMaxAgeDays, ...(defender ? { defender } : {}) } };
}

function parseException(e: unknown, where: string): ScanException | string {
    if (typeof e !== "object" || e === null || Array.isArray(e)) return `${where} must be an object { id, expires, reason, images? }`;
    const x = e as Record<string, unknown>;
    const unknown = Object.keys(x).filter((k) => !["id", "expires", "reason", "images"].includes(k));
    if (unknown.length > 0) return `${where} has unknown keys: ${unknown.join(", ")}`;
    if (typeof x.id !== "string" || !/^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(x.id)) return `${where}.id must be a vulnerability ID such as "CVE-2024-12345", got ${JSON.stringify(x.id)}`;
    const day = parseDay(x.expires);
    if (!day.ok) return `${where}.expires ${day.failure.message}`;
    if (typeof x.reason !== "string" || x.reason.trim().length === 0) return `${where}.reason must say why ${x.id} is accepted`;
    let images: Exemption[] | undefined;
    if (x.images !== undefined) {
        if (!Array.isArray(x.images) || x.images.length === 0) return `${where}.images must be a non-empty list of image references or prefixes ending in "/" (omit it for every image)`;
        images = [];
        for (const [j, raw] of x.images.entries()) {
            const p = parseExemption(raw);
            if (!p.ok) return `${where}.images[${j}] ${p.failure.message}`;
            images.push(p.exemption);
        }
    }
    return {
        id: x.id, expires: x.expires as string, expiresAt: new Date(day.date.getTime() + 86_400_000), reason: x.reason,
        ...(images ? { images } : {}),
    };
}
