/**
 * Scan reports attached to an image digest in its registry (OCI referrers), bytes in → normalized
 * report out. The registry client (core/registry) finds and fetches them; signatures are checked by
 * core/signature. Recognized artifact/media types:
 * - SARIF: `application/sarif+json` (Ratify, trivy-plugin-referrer, `oras attach`), and
 *   `application/vnd.aquasecurity.trivy.report.sarif.v1` (also written without `application/`).
 * - Trivy JSON: `application/vnd.aquasecurity.trivy.report+json`.
 * - cosign vulnerability attestations (predicate `https://cosign.sigstore.dev/attestation/vuln/v1`):
 *   an in-toto statement (`application/vnd.in-toto+json`), inside a DSSE envelope
 *   (`application/vnd.dsse.envelope.v1+json`) or a Sigstore bundle
 *   (`application/vnd.dev.sigstore.bundle.v0.3+json`); the statement's subject must be the image digest.
 * - `application/json`: recognized by shape — trivy-plugin-referrer pushes the bare cosign-vuln
 *   predicate this way — as are the formats above.
 */
import { validateDigest } from "../reference";
import { decodeJson, isRecord, JsonRecord, typeName } from "./json";
import { parseReportDocument } from "./parse";
import { parseTimestamp } from "./time";
import { ParseContext, ReportResult, reportFailure } from "./types";

export const SARIF_ARTIFACT_TYPES: readonly string[] = [
    "application/sarif+json",
    "application/vnd.aquasecurity.trivy.report.sarif.v1",
    "vnd.aquasecurity.trivy.report.sarif.v1",
];
export const TRIVY_JSON_ARTIFACT_TYPES: readonly string[] = ["application/vnd.aquasecurity.trivy.report+json"];
export const IN_TOTO_STATEMENT_TYPE = "application/vnd.in-toto+json";
export const DSSE_ENVELOPE_TYPE = "application/vnd.dsse.envelope.v1+json";
const SIGSTORE_BUNDLE_PREFIX = "application/vnd.dev.sigstore.bundle";
const GENERIC_JSON = "application/json";

export const COSIGN_VULN_PREDICATES: readonly string[] = [
    "https://cosign.sigstore.dev/attestation/vuln/v1",
    "cosign.sigstore.dev/attestation/vuln/v1", // cosign before 1.10 wrote it without the scheme
];
const IN_TOTO_STATEMENT_TYPES = new Set(["https://in-toto.io/Statement/v0.1", "https://in-toto.io/Statement/v1"]);

function normalizeType(t: string): string {
    return t.trim().toLowerCase();
}

/** Whether an artifact or media type may hold a scan report (others — SBOMs, signatures — are skipped). */
export function isScanArtifactType(type: string): boolean {
    const t = normalizeType(type);
    return SARIF_ARTIFACT_TYPES.includes(t) || TRIVY_JSON_ARTIFACT_TYPES.includes(t) || t === IN_TOTO_STATEMENT_TYPE
        || t === DSSE_ENVELOPE_TYPE || t.startsWith(SIGSTORE_BUNDLE_PREFIX) || t === GENERIC_JSON;
}

export interface AttestationOptions {
    /** The referrer's creation time (`org.opencontainers.image.created` or `org.opencontainers.artifact.created` annotation). */
    readonly created?: string;
    /** Name for messages; default "attestation of <digest> (<type>)". */
    readonly source?: string;
}

/**
 * Parses one attached report. `type` is the referrer's artifactType (or the layer's media type),
 * `imageDigest` the digest it is attached to: a report or statement about another digest is refused.
 * Never throws.
 */
export function parseAttestation(type: string, bytes: Uint8Array | string, imageDigest: string, options: AttestationOptions = {}): ReportResult {
    const source = options.source ?? `attestation of ${imageDigest} (${type})`;
    const bad = validateDigest(imageDigest);
    if (bad) return reportFailure("invalid-digest", source, `image digest: ${bad.message}`);
    let created: Date | undefined;
    if (options.created !== undefined) {
        const t = parseTimestamp(options.created);
        if (!t.ok) return reportFailure("invalid-time", source, `creation annotation ${t.failure.message}`);
        created = t.date;
    }
    const ctx: ParseContext = { source, subjectDigest: imageDigest, ...(created ? { scannedAt: created } : {}) };
    const t = normalizeType(type);
    if (!isScanArtifactType(t)) return reportFailure("unsupported-type", source, `type "${type}" is not a scan report`);
    const doc = decodeJson(bytes, source);
    if (!doc.ok) return doc;
    const v = doc.value;

    if (t === DSSE_ENVELOPE_TYPE) return parseEnvelope(v, ctx);
    if (t.startsWith(SIGSTORE_BUNDLE_PREFIX)) {
        if (!isRecord(v) || !isRecord(v.dsseEnvelope)) return reportFailure("invalid-structure", source, "Sigstore bundle has no dsseEnvelope (a bundle holding a plain signature is not an attestation)");
        return parseEnvelope(v.dsseEnvelope, ctx);
    }
    if (t === IN_TOTO_STATEMENT_TYPE) return parseStatement(v, ctx);
    if (t === GENERIC_JSON) {
        if (isRecord(v) && typeof v.payloadType === "string" && "payload" in v) return parseEnvelope(v, ctx);
        if (isRecord(v) && typeof v._type === "string") return parseStatement(v, ctx);
        if (isCosignVulnPredicate(v)) return parsePredicate(v, ctx);
    }
    return parseReportDocument(v, ctx);
}

function parseEnvelope(env: unknown, ctx: ParseContext): ReportResult {
    if (!isRecord(env)) return reportFailure("invalid-structure", ctx.source, `DSSE envelope must be an object, got ${typeName(env)}`);
    if (env.payloadType !== IN_TOTO_STATEMENT_TYPE) {
        return reportFailure("invalid-structure", ctx.source, `DSSE payloadType ${JSON.stringify(env.payloadType)} is not ${IN_TOTO_STATEMENT_TYPE}`);
    }
    if (typeof env.payload !== "string" || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(env.payload)) {
        return reportFailure("invalid-structure", ctx.source, "DSSE payload is not base64");
    }
    const bytes = Buffer.from(env.payload.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    const doc = decodeJson(bytes, `${ctx.source} DSSE payload`);
    if (!doc.ok) return { ok: false, failure: { ...doc.failure, source: ctx.source } };
    return parseStatement(doc.value, ctx);
}

function parseStatement(stmt: unknown, ctx: ParseContext): ReportResult {
    const src = ctx.source;
    if (!isRecord(stmt)) return reportFailure("invalid-structure", src, `in-toto statement must be an object, got ${typeName(stmt)}`);
    if (typeof stmt._type !== "string" || !IN_TOTO_STATEMENT_TYPES.has(stmt._type)) {
        return reportFailure("invalid-structure", src, `_type ${JSON.stringify(stmt._type)} is not an in-toto statement`);
    }
    if (typeof stmt.predicateType !== "string" || !COSIGN_VULN_PREDICATES.includes(stmt.predicateType)) {
        return reportFailure("unsupported-predicate", src, `predicateType ${JSON.stringify(stmt.predicateType)} is not a vulnerability scan (${COSIGN_VULN_PREDICATES[0]})`);
    }
    if (!Array.isArray(stmt.subject) || stmt.subject.length === 0) return reportFailure("invalid-structure", src, "statement has no subject");
    const [alg, hex] = ctx.subjectDigest!.split(":");
    const names: string[] = [];
    let matched = false;
    for (const s of stmt.subject) {
        if (!isRecord(s) || !isRecord(s.digest)) return reportFailure("invalid-structure", src, "statement subject entries need a digest object");
        for (const [a, h] of Object.entries(s.digest)) {
            names.push(`${a}:${String(h)}`);
            if (a === alg && h === hex) matched = true;
        }
    }
    if (!matched) return reportFailure("digest-mismatch", src, `statement subject ${names.join(", ")} is not the image ${ctx.subjectDigest}`);
    return parsePredicate(stmt.predicate, ctx);
}

function isCosignVulnPredicate(v: unknown): v is JsonRecord {
    return isRecord(v) && isRecord(v.scanner) && "result" in v.scanner;
}

/** The cosign vuln predicate: `scanner.result` holds the scanner's own report; `metadata.scanFinishedOn` dates it. */
function parsePredicate(pred: unknown, ctx: ParseContext): ReportResult {
    const src = ctx.source;
    if (!isCosignVulnPredicate(pred)) return reportFailure("invalid-structure", src, "vulnerability predicate has no scanner.result");
    let scannedAt = ctx.scannedAt;
    const meta = pred.metadata;
    if (isRecord(meta) && meta.scanFinishedOn !== undefined) {
        const t = parseTimestamp(meta.scanFinishedOn);
        if (!t.ok) return reportFailure("invalid-time", src, `predicate metadata.scanFinishedOn ${t.failure.message}`);
        scannedAt = t.date;
    }
    const inner = parseReportDocument((pred.scanner as JsonRecord).result, { ...ctx, ...(scannedAt ? { scannedAt } : {}) });
    if (!inner.ok) return inner;
    return { ok: true, report: { ...inner.report, format: "cosign-vuln" } };
}
