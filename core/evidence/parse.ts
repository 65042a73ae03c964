/** A scanner report of any supported format → normalized report, recognizing the format by its shape. */
import { looksLikeGrype, parseGrypeReport } from "./grype";
import { decodeJson, typeName } from "./json";
import { looksLikeSarif, parseSarifReport } from "./sarif";
import { looksLikeTrivy, parseTrivyReport } from "./trivy";
import { ParseContext, ReportResult, reportFailure } from "./types";

/** Parses an already decoded JSON document: Trivy JSON, Grype JSON or SARIF. */
export function parseReportDocument(doc: unknown, ctx: ParseContext): ReportResult {
    if (looksLikeSarif(doc)) return parseSarifReport(doc, ctx);
    if (looksLikeTrivy(doc)) return parseTrivyReport(doc, ctx);
    if (looksLikeGrype(doc)) return parseGrypeReport(doc, ctx);
    return reportFailure("unrecognized-format", ctx.source,
        `is ${typeName(doc)} that is not a Trivy JSON report (SchemaVersion, Results), a Grype JSON report (matches, source) or SARIF 2.1.0 (version, runs)`);
}

/** Parses report bytes (a file's content). */
export function parseReport(bytes: Uint8Array | string, ctx: ParseContext): ReportResult {
    const doc = decodeJson(bytes, ctx.source);
    return doc.ok ? parseReportDocument(doc.value, ctx) : doc;
}
