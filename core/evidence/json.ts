/** Reading untrusted JSON: decode bytes strictly, and small type guards. */
import { ReportFailed, reportFailure } from "./types";

/** Reports larger than this are refused rather than parsed (a scan report is a few MiB at most). */
export const MAX_REPORT_BYTES = 64 * 1024 * 1024;

export type JsonRecord = Record<string, unknown>;

export function isRecord(v: unknown): v is JsonRecord {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function typeName(v: unknown): string {
    if (v === null) return "null";
    if (Array.isArray(v)) return "an array";
    return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

/** Bytes → JSON value, refusing oversized input, invalid UTF-8 and invalid JSON. */
export function decodeJson(bytes: Uint8Array | string, source: string): { ok: true; value: unknown } | ReportFailed {
    let text: string;
    if (typeof bytes === "string") {
        if (bytes.length > MAX_REPORT_BYTES) return reportFailure("too-large", source, `is larger than ${MAX_REPORT_BYTES} bytes`);
        text = bytes;
    } else {
        if (bytes.byteLength > MAX_REPORT_BYTES) return reportFailure("too-large", source, `is ${bytes.byteLength} bytes, larger than ${MAX_REPORT_BYTES}`);
        try {
            text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
        } catch {
            return reportFailure("not-utf8", source, "is not UTF-8 text");
        }
    }
    // Some tools (PowerShell redirection) write a byte-order mark; JSON.parse refuses it.
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    try {
        return { ok: true, value: JSON.parse(text) };
    } catch (e) {
        return reportFailure("not-json", source, `is not valid JSON (${(e as Error).message})`);
    }
}

/** An optional string field: undefined/null → "", a string → itself, anything else → undefined (malformed). */
export function optString(v: unknown): string | undefined {
    if (v === undefined || v === null) return "";
    return typeof v === "string" ? v : undefined;
}
