/** Strict RFC 3339 timestamps, as Go's time.Time marshals them (nanoseconds and offsets included). */
import { fail, type Failed } from "../result";

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

export type TimeErrorCode = "missing" | "invalid-time" | "implausible-time" | "invalid-date";

export type TimeParse = { ok: true; date: Date } | Failed<TimeErrorCode>;

/**
 * Parses an RFC 3339 timestamp. Go's zero time (year 1) and anything before 2000 are refused as
 * "not set": a scanner that left the field empty must not look like a very old — or valid — scan.
 */
export function parseTimestamp(value: unknown): TimeParse {
    if (typeof value !== "string" || value.length === 0) return fail("missing", "is missing");
    const m = RFC3339.exec(value);
    if (!m) return fail("invalid-time", `"${value}" is not an RFC 3339 timestamp`);
    const [, y, mo, d, h, mi, s, frac, z, sign, oh, om] = m;
    // Before Date.UTC: it maps years 0–99 to 1900–1999.
    if (Number(y) < 2000) return fail("implausible-time", `"${value}" is a zero or implausible time (not set by the scanner)`);
    const ms = frac ? Number(frac.padEnd(3, "0").slice(0, 3)) : 0;
    const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
    const check = new Date(utc);
    if (check.getUTCFullYear() !== Number(y) || check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d)
        || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) {
        return fail("invalid-time", `"${value}" is not a valid date and time`);
    }
    const offset = z ? 0 : (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
    const date = new Date(utc - offset);
    if (date.getUTCFullYear() < 2000) return fail("implausible-time", `"${value}" is a zero or implausible time (not set by the scanner)`);
    return { ok: true, date };
}

/** `YYYY-MM-DD` → midnight UTC of that day. */
export function parseDay(value: unknown): TimeParse {
    if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return fail("invalid-date", `must be a date written YYYY-MM-DD, got ${JSON.stringify(value)}`);
    const [y, m, d] = value.split("-").map(Number);
    const date = new Date(Date.UTC(y, m - 1, d));
    if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
        return fail("invalid-date", `"${value}" is not a calendar date`);
    }
    return { ok: true, date };
}
