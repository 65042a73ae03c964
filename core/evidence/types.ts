/**
 * Scan evidence, normalized: whatever produced it (a Trivy or Grype report on disk, a report attached
 * to the image in its registry, Defender for Containers), the gate judges the same shape.
 */
import type { Failure } from "../result";

/** Severity tiers, lowest first. Scanners' own names map onto these (see severity.ts). */
export type Severity = "unknown" | "low" | "medium" | "high" | "critical";

export type ScanTool = "trivy" | "grype" | "defender";

export type ReportFormat = "trivy-json" | "grype-json" | "sarif" | "cosign-vuln" | "defender";

export interface Vulnerability {
    /** Vulnerability ID as the scanner reports it (CVE-…, GHSA-…, ALAS-…). */
    readonly id: string;
    /** Other IDs for the same vulnerability (Grype's related vulnerabilities), for exceptions. */
    readonly aliases?: readonly string[];
    readonly severity: Severity;
    /** True when the scanner names a fixed version of the package. */
    readonly fixAvailable: boolean;
    readonly package: string;
    readonly installedVersion: string;
    readonly fixedVersion?: string;
    /** When the vulnerability was published, when the scanner says (Trivy PublishedDate, Defender publishedDate). */
    readonly published?: Date;
}

/** One scan of one image, normalized. */
export interface ScanReport {
    readonly tool: ScanTool;
    readonly format: ReportFormat;
    /** Where it came from, for messages: a file path, "attestation sha256:… (type)", "Defender". */
    readonly source: string;
    /** Image digests the scan is about, as written: `repo@sha256:…` and/or bare `sha256:…`. */
    readonly digests: readonly string[];
    /** When the scan ran. */
    readonly scannedAt: Date;
    readonly findings: readonly Vulnerability[];
}

export type ReportErrorCode =
    | "too-large"
    | "not-utf8"
    | "not-json"
    | "unrecognized-format"
    | "invalid-structure"
    | "not-an-image-scan"
    | "not-a-vulnerability-scan"
    | "unsupported-producer"
    | "no-digest"
    | "invalid-digest"
    | "digest-mismatch"
    | "no-scan-time"
    | "invalid-time"
    | "unsupported-type"
    | "unsupported-predicate";

/** Why a report could not be used. `message` names the source and says what is wrong. */
export interface ReportFailure extends Failure<ReportErrorCode> {
    readonly source: string;
}

/** A report that could not be used (core/result.ts's shape, with the report's source). */
export interface ReportFailed {
    readonly ok: false;
    readonly failure: ReportFailure;
}

export type ReportResult = { ok: true; report: ScanReport } | ReportFailed;

/** Context a report may lack and the caller knows (an attestation's subject and creation time). */
export interface ParseContext {
    /** Name used in messages (file path, attestation description). */
    readonly source: string;
    /**
     * The digest the report is attached to. When the report names digests itself, this digest must be
     * among them (a report about another image is refused); when it names none, this one is used.
     */
    readonly subjectDigest?: string;
    /** Used when the report records no scan time (SARIF); the report's own time wins otherwise. */
    readonly scannedAt?: Date;
}

export function reportFailure(code: ReportErrorCode, source: string, what: string): ReportFailed {
    return { ok: false, failure: { code, source, message: `${source}: ${what}` } };
}
