/**
 * SARIF 2.1.0 from Trivy (`--format sarif`) or Grype (`-o sarif`). SARIF has no field for the image
 * or the scan time, so each tool differs:
 * - Trivy puts `imageName`, `repoTags`, `repoDigests`, `imageID` in `runs[].properties`; rules carry the
 *   severity word in `properties.tags` and a CVSS score in `properties["security-severity"]`; the
 *   result message holds "Package / Installed Version / Fixed Version".
 * - Grype names neither digest nor time; rule `help.text` holds "Severity / Package / Version /
 *   Fix Version" lines. A Grype SARIF file is therefore usable only as an attestation (whose subject
 *   and creation time supply them) or when `invocations[].endTimeUtc` and a digest are added.
 * The scan time is `runs[].invocations[].endTimeUtc` (or `startTimeUtc`) when present, else the
 * caller's (an attestation's creation time).
 */
import { readDigests, settleDigests } from "./digests";
import { isRecord, JsonRecord, typeName } from "./json";
import { severityFromScore, severityFromWord } from "./severity";
import { parseTimestamp } from "./time";
import { Finding, ParseContext, ReportResult, ScanTool, Severity, reportError } from "./types";

const TRIVY_VULN_RULE_NAMES = new Set(["OsPackageVulnerability", "LanguageSpecificPackageVulnerability"]);

export function looksLikeSarif(v: unknown): boolean {
    return isRecord(v) && Array.isArray(v.runs) && typeof v.version === "string";
}

function toolOf(driverName: unknown): ScanTool | undefined {
    if (typeof driverName !== "string") return undefined;
    if (/^trivy$/i.test(driverName)) return "trivy";
    if (/grype|anchore container vulnerability/i.test(driverName)) return "grype";
    return undefined;
}

/** "Key: Value" lines of a help or message text. */
function labels(...texts: unknown[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const t of texts) {
        if (typeof t !== "string") continue;
        for (const line of t.split("\n")) {
            const m = /^\s*([A-Za-z][A-Za-z ]*?):\s?(.*?)\s*$/.exec(line);
            if (m && !out.has(m[1].toLowerCase())) out.set(m[1].toLowerCase(), m[2]);
        }
    }
    return out;
}

function text(v: unknown): string | undefined {
    return isRecord(v) && typeof v.text === "string" ? v.text : undefined;
}

export function parseSarifReport(doc: unknown, ctx: ParseContext): ReportResult {
    const src = ctx.source;
    if (!isRecord(doc)) return reportError("invalid-structure", src, `SARIF log must be a JSON object, got ${typeName(doc)}`);
    if (doc.version !== "2.1.0") return reportError("invalid-structure", src, `SARIF version ${JSON.stringify(doc.version)} is not supported (expected "2.1.0")`);
    if (!Array.isArray(doc.runs) || doc.runs.length === 0) return reportError("invalid-structure", src, "SARIF log has no runs");

    let tool: ScanTool | undefined;
    let ownDigests: string[] | undefined;
    let scannedAt: Date | undefined;
    const findings = new Map<string, Finding>();
    for (const [ri, run] of doc.runs.entries()) {
        const where = `runs[${ri}]`;
        if (!isRecord(run)) return reportError("invalid-structure", src, `${where} must be an object`);
        const driver = isRecord(run.tool) && isRecord(run.tool.driver) ? run.tool.driver : undefined;
        if (!driver) return reportError("invalid-structure", src, `${where}.tool.driver is missing`);
        const runTool = toolOf(driver.name);
        if (!runTool) return reportError("unsupported-producer", src, `SARIF from ${JSON.stringify(driver.name)} is not understood (Trivy and Grype SARIF are)`);
        if (tool !== undefined && tool !== runTool) return reportError("invalid-structure", src, "SARIF runs come from different scanners");
        tool = runTool;

        // Digests: Trivy's run properties. Every run must describe the same image.
        const props = isRecord(run.properties) ? run.properties : {};
        const rawDigests = props.repoDigests ?? [];
        if (!Array.isArray(rawDigests)) return reportError("invalid-structure", src, `${where}.properties.repoDigests must be an array`);
        const d = readDigests(rawDigests, `${where}.properties.repoDigests`, src);
        if (!d.ok) return d;
        if (ownDigests !== undefined && ownDigests.join() !== d.digests.join()) {
            return reportError("invalid-structure", src, "SARIF runs describe different images");
        }
        ownDigests = d.digests;

        const runTime = invocationTime(run.invocations);
        if (typeof runTime === "string") return reportError("invalid-time", src, `${where}.invocations: ${runTime}`);
        if (runTime && (!scannedAt || runTime < scannedAt)) scannedAt = runTime; // the oldest run dates the log

        const rules = Array.isArray(driver.rules) ? driver.rules : [];
        const results = run.results ?? [];
        if (!Array.isArray(results)) return reportError("invalid-structure", src, `${where}.results must be an array`);
        for (const [i, r] of results.entries()) {
            const f = sarifFinding(r, rules, runTool);
            if (typeof f === "string") return reportError("invalid-structure", src, `${where}.results[${i}]: ${f}`);
            if (f) findings.set(`${f.id}\u0000${f.package}\u0000${f.installedVersion}`, f);
        }
    }
    const digests = settleDigests(ownDigests ?? [], ctx,
        tool === "grype" ? "Grype SARIF carries no image digest: use grype -o json, or attach the SARIF to the image as a referrer" : "runs[].properties.repoDigests is empty");
    if (!digests.ok) return digests;
    const at = scannedAt ?? ctx.scannedAt;
    if (!at) {
        return reportError("no-scan-time", src, "SARIF records no scan time (runs[].invocations[].endTimeUtc), so the scan's age is unknown; use the scanner's JSON report, or attach the SARIF to the image as a referrer with a creation time");
    }
    return { ok: true, report: { tool: tool!, format: "sarif", source: src, digests: digests.digests, scannedAt: at, findings: [...findings.values()] } };
}

function invocationTime(invocations: unknown): Date | undefined | string {
    if (invocations === undefined) return undefined;
    if (!Array.isArray(invocations)) return "must be an array";
    let latest: Date | undefined;
    for (const inv of invocations) {
        if (!isRecord(inv)) return "entries must be objects";
        const raw = inv.endTimeUtc ?? inv.startTimeUtc;
        if (raw === undefined) continue;
        const t = parseTimestamp(raw);
        if (!t.ok) return `endTimeUtc ${t.message}`;
        if (!latest || t.date > latest) latest = t.date;
    }
    return latest;
}

/** A result → finding; undefined for results that are not vulnerabilities (Trivy misconfig/secret/license). */
function sarifFinding(r: unknown, rules: unknown[], tool: ScanTool): Finding | undefined | string {
    if (!isRecord(r)) return `must be an object, got ${typeName(r)}`;
    const ruleId = r.ruleId;
    if (typeof ruleId !== "string" || ruleId.length === 0) return "ruleId is missing";
    let rule: JsonRecord | undefined;
    const byIndex = typeof r.ruleIndex === "number" ? rules[r.ruleIndex] : undefined;
    if (isRecord(byIndex) && byIndex.id === ruleId) rule = byIndex;
    else rule = rules.find((x): x is JsonRecord => isRecord(x) && x.id === ruleId);
    const props = isRecord(rule?.properties) ? rule!.properties as JsonRecord : {};
    const tags = Array.isArray(props.tags) ? props.tags.filter((t): t is string => typeof t === "string") : [];

    if (tool === "trivy" && rule && !(TRIVY_VULN_RULE_NAMES.has(String(rule.name)) || tags.includes("vulnerability"))) return undefined;

    const help = isRecord(rule?.help) ? text(rule!.help) : undefined;
    const lab = labels(text(r.message), help);
    // The vulnerability ID: Trivy's rule id (the old template prefixed "[SEVERITY] "), Grype's help text
    // ("Vulnerability CVE-…") since its rule id appends the package name.
    const helpId = /^\s*(?:\*\*)?Vulnerability\s+(\S+?)(?:\*\*)?\s*$/m.exec(`${help ?? ""}\n${text(r.message) ?? ""}`)?.[1];
    const id = tool === "trivy" ? ruleId.replace(/^\[[A-Z]+\]\s*/, "") : helpId ?? text(rule?.shortDescription)?.split(/\s+/)[0];
    if (!id) return `cannot tell the vulnerability ID of rule ${ruleId}`;

    // Trivy tags the rule with its severity word in capitals (next to "vulnerability" and the package).
    const sevTag = tags.find((t) => /^(CRITICAL|HIGH|MEDIUM|LOW|UNKNOWN)$/.test(t));
    let severity: Severity | undefined = severityFromWord(sevTag);
    severity ??= severityFromWord(lab.get("severity"));
    severity ??= severityFromScore(props["security-severity"]);
    severity ??= "unknown";

    const fixed = lab.get("fixed version") ?? lab.get("fix version") ?? "";
    return {
        id, severity, fixAvailable: fixed !== "",
        package: lab.get("package") ?? "",
        installedVersion: lab.get("installed version") ?? lab.get("version") ?? "",
        ...(fixed ? { fixedVersion: fixed } : {}),
    };
}
