/** Strict decoding of untrusted signature material: UTF-8, JSON, base64url. */

import { fail, type Failed } from "../result";

export type Decoded<T> = { ok: true; value: T } | Failed<"invalid-encoding">;

export function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Bytes → JSON; a truncated document says so (it is the usual way an envelope is broken). */
export function decodeJson(bytes: Uint8Array): Decoded<unknown> {
    let text: string;
    try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
        return fail("invalid-encoding", "is not UTF-8 text");
    }
    try {
        return { ok: true, value: JSON.parse(text) };
    } catch (e) {
        const hint = /end of (JSON )?input|Unterminated/i.test((e as Error).message) ? " — it is truncated" : "";
        return fail("invalid-encoding", `is not valid JSON${hint} (${(e as Error).message})`);
    }
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** base64url without padding, as JWS writes it; Buffer alone would skip invalid characters silently. */
export function decodeBase64Url(s: unknown): Decoded<Buffer> {
    if (typeof s !== "string" || !BASE64URL.test(s) || s.length % 4 === 1) return fail("invalid-encoding", "is not base64url");
    return { ok: true, value: Buffer.from(s, "base64url") };
}

/** Standard padded base64 (x5c entries, cosign signature annotations). */
export function decodeBase64(s: unknown): Decoded<Buffer> {
    if (typeof s !== "string" || s.length === 0 || !BASE64.test(s)) return fail("invalid-encoding", "is not base64");
    return { ok: true, value: Buffer.from(s, "base64") };
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

export function parseRfc3339(s: unknown): Date | undefined {
    if (typeof s !== "string" || !RFC3339.test(s)) return undefined;
    const t = Date.parse(s);
    return Number.isNaN(t) ? undefined : new Date(t);
}
