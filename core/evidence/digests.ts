/** Image digests as scanners write them (`repo@sha256:…` or `sha256:…`), validated with the one parser. */
import { parseReference, validateDigest } from "../reference";
import { ParseContext, ReportFailed, reportFailure } from "./types";

/** The content digest of `repo@sha256:…` or `sha256:…` (what evidence is keyed on). */
export function bareDigest(written: string): string {
    const at = written.lastIndexOf("@");
    return at === -1 ? written : written.slice(at + 1);
}

/**
 * Validates digests a report names. `field` is the report field, for messages. Returns them
 * normalized (`docker.io/library/alpine@sha256:…`, `sha256:…`).
 */
export function readDigests(values: readonly unknown[], field: string, source: string): { ok: true; digests: string[] } | ReportFailed {
    const out: string[] = [];
    for (const v of values) {
        if (typeof v !== "string") return reportFailure("invalid-digest", source, `${field} must hold strings, found ${JSON.stringify(v)}`);
        if (v.includes("@")) {
            const p = parseReference(v);
            if (!p.ok || p.ref.digest === undefined) {
                return reportFailure("invalid-digest", source, `${field} entry "${v}" is not repository@digest${p.ok ? "" : ` (${p.failure.message})`}`);
            }
            out.push(`${p.ref.name}@${p.ref.digest}`);
        } else {
            const err = validateDigest(v);
            if (err) return reportFailure("invalid-digest", source, `${field} entry "${v}" is not repository@digest or a digest: ${err.message}`);
            out.push(v);
        }
    }
    return { ok: true, digests: [...new Set(out)] };
}

/**
 * Reconciles the digests a report names with the digest it is attached to (if any): a report about
 * another image is refused, a report that names no image takes the subject's digest, and a report
 * with neither cannot be matched to anything.
 */
export function settleDigests(own: readonly string[], ctx: ParseContext, hint: string): { ok: true; digests: string[] } | ReportFailed {
    if (own.length > 0) {
        if (ctx.subjectDigest !== undefined && !own.some((d) => bareDigest(d) === ctx.subjectDigest)) {
            return reportFailure("digest-mismatch", ctx.source,
                `report is about ${own.join(", ")}, not the image it is attached to (${ctx.subjectDigest})`);
        }
        return { ok: true, digests: [...own] };
    }
    if (ctx.subjectDigest !== undefined) return { ok: true, digests: [ctx.subjectDigest] };
    return reportFailure("no-digest", ctx.source, `report names no image digest, so it cannot be matched to an image (${hint})`);
}
