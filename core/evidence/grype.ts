/**
 * Grype's JSON report (`grype -o json`): the image is `source.target` (`manifestDigest`, `repoDigests`),
 * the scan time `descriptor.timestamp`, findings `matches[].vulnerability` and `matches[].artifact`.
 */
import { readDigests, settleDigests } from "./digests";
import { isRecord, optString, typeName } from "./json";
import { severityFromWord } from "./severity";
import { parseTimestamp } from "./time";
import { Vulnerability, ParseContext, ReportResult, reportFailure } from "./types";

export function looksLikeGrype(v: unknown): boolean {
    return isRecord(v) && Array.isArray(v.matches) && (isRecord(v.source) || isRecord(v.descriptor));
}

export function parseGrypeReport(doc: unknown, ctx: ParseContext): ReportResult {
    const src = ctx.source;
    if (!isRecord(doc)) return reportFailure("invalid-structure", src, `Grype report must be a JSON object, got ${typeName(doc)}`);
    if (!Array.isArray(doc.matches)) return reportFailure("invalid-structure", src, "matches must be an array");
    const source = doc.source;
    if (source !== undefined && !isRecord(source)) return reportFailure("invalid-structure", src, `source must be an object, got ${typeName(source)}`);
    if (source !== undefined && source.type !== "image") {
        return reportFailure("not-an-image-scan", src, `Grype scanned a ${JSON.stringify(source.type)}, not a container image`);
    }
    const target = source?.target;
    if (source !== undefined && !isRecord(target)) return reportFailure("invalid-structure", src, "source.target must be an object");
    const written: unknown[] = [];
    if (isRecord(target)) {
        if (target.manifestDigest !== undefined && target.manifestDigest !== "") written.push(target.manifestDigest);
        const repo = target.repoDigests ?? [];
        if (!Array.isArray(repo)) return reportFailure("invalid-structure", src, "source.target.repoDigests must be an array");
        written.push(...repo);
    }
    const own = readDigests(written, "source.target.manifestDigest/repoDigests", src);
    if (!own.ok) return own;
    const digests = settleDigests(own.digests, ctx, "source.target has no manifestDigest or repoDigests: scan the image from its registry");
    if (!digests.ok) return digests;

    const desc = doc.descriptor;
    if (desc !== undefined && !isRecord(desc)) return reportFailure("invalid-structure", src, "descriptor must be an object");
    let scannedAt: Date;
    const stamp = desc?.timestamp;
    const t = parseTimestamp(stamp);
    if (t.ok) scannedAt = t.date;
    else if ((stamp === undefined || stamp === "") && ctx.scannedAt) scannedAt = ctx.scannedAt;
    else if (stamp === undefined || stamp === "") return reportFailure("no-scan-time", src, "descriptor.timestamp is missing, so the scan's age is unknown");
    else return reportFailure("invalid-time", src, `descriptor.timestamp ${t.failure.message}`);

    const findings: Vulnerability[] = [];
    for (const [i, m] of doc.matches.entries()) {
        const f = grypeFinding(m);
        if (typeof f === "string") return reportFailure("invalid-structure", src, `matches[${i}]: ${f}`);
        findings.push(f);
    }
    return { ok: true, report: { tool: "grype", format: "grype-json", source: src, digests: digests.digests, scannedAt, findings } };
}

function grypeFinding(m: unknown): Vulnerability | string {
    if (!isRecord(m)) return `must be an object, got ${typeName(m)}`;
    const v = m.vulnerability, a = m.artifact;
    if (!isRecord(v)) return "vulnerability must be an object";
    if (!isRecord(a)) return "artifact must be an object";
    const id = v.id;
    if (typeof id !== "string" || id.length === 0) return "vulnerability.id is missing";
    const severity = severityFromWord(v.severity);
    if (severity === undefined) return `${id}: severity ${JSON.stringify(v.severity)} is not a Grype severity`;
    const pkg = optString(a.name), version = optString(a.version);
    if (pkg === undefined || version === undefined) return `${id}: artifact.name and artifact.version must be strings`;
    const fix = v.fix ?? {};
    if (!isRecord(fix)) return `${id}: vulnerability.fix must be an object`;
    const versions = fix.versions ?? [];
    if (!Array.isArray(versions) || !versions.every((x) => typeof x === "string")) return `${id}: vulnerability.fix.versions must be strings`;
    const fixAvailable = fix.state === "fixed" && versions.length > 0;
    const related = Array.isArray(m.relatedVulnerabilities) ? m.relatedVulnerabilities : [];
    const aliases = related.map((r) => (isRecord(r) && typeof r.id === "string" ? r.id : undefined)).filter((x): x is string => x !== undefined && x !== id);
    return {
        id, severity, fixAvailable, package: pkg, installedVersion: version,
        ...(fixAvailable ? { fixedVersion: versions.join(", ") } : {}),
        ...(aliases.length > 0 ? { aliases: [...new Set(aliases)] } : {}),
    };
}
