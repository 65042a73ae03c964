/**
 * Trivy's JSON report (`trivy image --format json`, schema version 2): the image digests are
 * `Metadata.RepoDigests`, the scan time `CreatedAt`, findings `Results[].Vulnerabilities[]`.
 */
import { readDigests, settleDigests } from "./digests";
import { isRecord, JsonRecord, optString, typeName } from "./json";
import { severityFromWord } from "./severity";
import { parseTimestamp } from "./time";
import { Vulnerability, ParseContext, ReportResult, reportFailure } from "./types";

/** Result classes that come from vulnerability scanning (others are secrets, misconfigurations, licenses). */
const VULN_CLASSES = new Set(["os-pkgs", "lang-pkgs"]);

export function looksLikeTrivy(v: unknown): boolean {
    return isRecord(v) && "SchemaVersion" in v && ("ArtifactName" in v || "Results" in v || "Metadata" in v);
}

export function parseTrivyReport(doc: unknown, ctx: ParseContext): ReportResult {
    const src = ctx.source;
    if (!isRecord(doc)) return reportFailure("invalid-structure", src, `Trivy report must be a JSON object, got ${typeName(doc)}`);
    if (doc.SchemaVersion !== 2) {
        return reportFailure("invalid-structure", src, `Trivy report SchemaVersion ${JSON.stringify(doc.SchemaVersion)} is not supported (expected 2, Trivy ≥ 0.20)`);
    }
    if (doc.ArtifactType !== undefined && doc.ArtifactType !== "container_image") {
        return reportFailure("not-an-image-scan", src, `Trivy scanned a ${JSON.stringify(doc.ArtifactType)}, not a container image`);
    }
    const meta = doc.Metadata;
    if (meta !== undefined && !isRecord(meta)) return reportFailure("invalid-structure", src, `Metadata must be an object, got ${typeName(meta)}`);
    const rawDigests = meta?.RepoDigests ?? [];
    if (!Array.isArray(rawDigests)) return reportFailure("invalid-structure", src, `Metadata.RepoDigests must be an array, got ${typeName(rawDigests)}`);
    const own = readDigests(rawDigests, "Metadata.RepoDigests", src);
    if (!own.ok) return own;
    const digests = settleDigests(own.digests, ctx, "Metadata.RepoDigests is empty: scan the image from its registry, e.g. trivy image repo@sha256:…");
    if (!digests.ok) return digests;

    let scannedAt: Date;
    const t = parseTimestamp(doc.CreatedAt);
    if (t.ok) scannedAt = t.date;
    else if (doc.CreatedAt === undefined && ctx.scannedAt) scannedAt = ctx.scannedAt;
    else if (doc.CreatedAt === undefined) return reportFailure("no-scan-time", src, "CreatedAt is missing (Trivy ≥ 0.48 writes it), so the scan's age is unknown");
    else return reportFailure("invalid-time", src, `CreatedAt ${t.failure.message}`);

    const results = doc.Results ?? [];
    if (!Array.isArray(results)) return reportFailure("invalid-structure", src, `Results must be an array, got ${typeName(results)}`);
    const findings: Vulnerability[] = [];
    let vulnScan = false;
    for (const [i, r] of results.entries()) {
        if (!isRecord(r)) return reportFailure("invalid-structure", src, `Results[${i}] must be an object`);
        const vulns = r.Vulnerabilities ?? [];
        if (!Array.isArray(vulns)) return reportFailure("invalid-structure", src, `Results[${i}].Vulnerabilities must be an array`);
        if (VULN_CLASSES.has(String(r.Class)) || vulns.length > 0) vulnScan = true;
        for (const [j, v] of vulns.entries()) {
            const f = trivyFinding(v);
            if (typeof f === "string") return reportFailure("invalid-structure", src, `Results[${i}].Vulnerabilities[${j}]: ${f}`);
            findings.push(f);
        }
    }
    // Trivy does not record which scanners ran; a report with no package results at all is a secret
    // or misconfiguration scan (or found nothing to assess), and must not read as "clean".
    if (!vulnScan) {
        return reportFailure("not-a-vulnerability-scan", src, "has no os-pkgs or lang-pkgs results, so vulnerabilities were not scanned (run with --scanners vuln)");
    }
    return { ok: true, report: { tool: "trivy", format: "trivy-json", source: src, digests: digests.digests, scannedAt, findings } };
}

/** One `Vulnerabilities[]` entry, also used for the report inside a cosign vulnerability attestation. */
function trivyFinding(v: unknown): Vulnerability | string {
    if (!isRecord(v)) return `must be an object, got ${typeName(v)}`;
    const id = v.VulnerabilityID;
    if (typeof id !== "string" || id.length === 0) return "VulnerabilityID is missing";
    const pkg = optString(v.PkgName), installed = optString(v.InstalledVersion), fixed = optString(v.FixedVersion);
    if (pkg === undefined || installed === undefined || fixed === undefined) return `${id}: PkgName, InstalledVersion and FixedVersion must be strings`;
    const severity = severityFromWord(v.Severity);
    if (severity === undefined) return `${id}: Severity ${JSON.stringify(v.Severity)} is not a Trivy severity`;
    // Status (Trivy ≥ 0.43) says "fixed" when a fix exists; older reports only have FixedVersion.
    const status = optString((v as JsonRecord).Status);
    const fixAvailable = status === "fixed" || (fixed !== "" && (status === "" || status === undefined));
    // PublishedDate dates the vulnerability's disclosure (audit's "failing since"); a malformed one is left out.
    const published = parseTimestamp((v as JsonRecord).PublishedDate);
    return { id, severity, fixAvailable, package: pkg, installedVersion: installed, ...(fixed ? { fixedVersion: fixed } : {}), ...(published.ok ? { published: published.date } : {}) };
}
