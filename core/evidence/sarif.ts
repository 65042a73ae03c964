/**
 * SARIF 2.1.0 from Trivy (`--format sarif`) or Grype (`-o sarif`), as they really write it.
 * SARIF has no field for the image or the scan time, and one log may mix kinds of findings:
 *
 * - **Which runs are vulnerability scans.** A log counts as a vulnerability scan only when a run
 *   declares at least one vulnerability rule; results of other rules are skipped. Trivy names each
 *   rule after its result class (`OsPackageVulnerability`, `LanguageSpecificPackageVulnerability`,
 *   `Misconfiguration`, `Secret`, `License`) and tags it with the finding's kind (`vulnerability`,
 *   `misconfiguration`, `secret`, `license`); the old contrib/sarif.tpl template only tags it. Grype
 *   reports nothing but vulnerability matches, so each of its rules is one. Not used: rule IDs
 *   (Trivy's misconfiguration and secret IDs look like anything), `security-severity` (Trivy sets it
 *   on misconfigurations and secrets too), taxonomies (neither tool writes them). A clean scan
 *   therefore cannot be shown in SARIF — it has no rules, exactly like a scan that never looked for
 *   vulnerabilities — and is refused with advice to use the scanner's JSON report, which can.
 * - **Image.** Trivy puts `imageName`, `repoTags`, `repoDigests` (null for an archive) and `imageID`
 *   in `runs[].properties`; Grype names no image.
 * - **Scan time.** Neither tool writes `runs[].invocations`, so a log on disk has no scan time unless
 *   one is added (`invocations[].endTimeUtc`); an attached log takes its referrer's creation time.
 *   A file's modification time is not evidence of when a scan ran.
 *
 * Severity: Trivy's capitalised severity tag, else the "Severity:" line of the help text (Grype),
 * else `security-severity` as a CVSS score. Parsing is bounded: runs, rules and results are counted.
 */
import { readDigests, settleDigests } from "./digests";
import { isRecord, JsonRecord, typeName } from "./json";
import { severityFromScore, severityFromWord } from "./severity";
import { parseTimestamp } from "./time";
import { Vulnerability, ParseContext, ReportResult, ScanTool, Severity, reportFailure } from "./types";

/** Most runs, rules and results one SARIF log may hold (a large image's scan has a few thousand). */
export const SARIF_LIMITS = { runs: 64, rules: 100_000, results: 200_000 } as const;

const TRIVY_VULN_RULE_NAMES = new Set(["OsPackageVulnerability", "LanguageSpecificPackageVulnerability"]);

export const SARIF_NO_TIME_ADVICE =
    "Trivy and Grype write no runs[].invocations, and a file's modification time is not evidence of when a scan ran. " +
    "Use the scanner's JSON report (trivy image --format json records CreatedAt, grype -o json records descriptor.timestamp), " +
    "attach the SARIF to the image as an OCI referrer (oras attach records its creation time), " +
    "or add runs[].invocations[].endTimeUtc (RFC 3339) when the scan finishes";

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

function tagsOf(rule: JsonRecord): string[] {
    const props = isRecord(rule.properties) ? rule.properties : {};
    return Array.isArray(props.tags) ? props.tags.filter((t): t is string => typeof t === "string") : [];
}

/** Whether a rule reports a vulnerability (see the module comment for how each tool says so). */
export function isVulnerabilityRule(rule: JsonRecord, tool: ScanTool): boolean {
    if (tool === "grype") return true;
    return TRIVY_VULN_RULE_NAMES.has(String(rule.name)) || tagsOf(rule).includes("vulnerability");
}

/** What kinds of rules a run declares, for the refusal message ("Secret, Misconfiguration"). */
function ruleKinds(rules: readonly JsonRecord[]): string {
    const kinds = [...new Set(rules.map((r) => (typeof r.name === "string" && r.name ? r.name : tagsOf(r)[0] ?? "unnamed")))];
    return kinds.length > 5 ? `${kinds.slice(0, 5).join(", ")}, …` : kinds.join(", ");
}

export function parseSarifReport(doc: unknown, ctx: ParseContext): ReportResult {
    const src = ctx.source;
    if (!isRecord(doc)) return reportFailure("invalid-structure", src, `SARIF log must be a JSON object, got ${typeName(doc)}`);
    if (doc.version !== "2.1.0") return reportFailure("invalid-structure", src, `SARIF version ${JSON.stringify(doc.version)} is not supported (expected "2.1.0")`);
    if (!Array.isArray(doc.runs) || doc.runs.length === 0) return reportFailure("invalid-structure", src, "SARIF log has no runs");
    if (doc.runs.length > SARIF_LIMITS.runs) return reportFailure("too-large", src, `SARIF log has ${doc.runs.length} runs, more than ${SARIF_LIMITS.runs}`);

    let tool: ScanTool | undefined;
    let ownDigests: string[] | undefined;
    let scannedAt: Date | undefined;
    let vulnRules = 0;
    let ruleCount = 0, resultCount = 0;
    const otherRules: JsonRecord[] = [];
    const findings = new Map<string, Vulnerability>();
    for (const [ri, run] of doc.runs.entries()) {
        const where = `runs[${ri}]`;
        if (!isRecord(run)) return reportFailure("invalid-structure", src, `${where} must be an object`);
        const driver = isRecord(run.tool) && isRecord(run.tool.driver) ? run.tool.driver : undefined;
        if (!driver) return reportFailure("invalid-structure", src, `${where}.tool.driver is missing`);
        const runTool = toolOf(driver.name);
        if (!runTool) return reportFailure("unsupported-producer", src, `SARIF from ${JSON.stringify(driver.name)} is not understood (Trivy and Grype SARIF are)`);
        if (tool !== undefined && tool !== runTool) return reportFailure("invalid-structure", src, "SARIF runs come from different scanners");
        tool = runTool;

        // Digests: Trivy's run properties (null for an archive). Every run must describe the same image.
        const props = isRecord(run.properties) ? run.properties : {};
        const rawDigests = props.repoDigests ?? [];
        if (!Array.isArray(rawDigests)) return reportFailure("invalid-structure", src, `${where}.properties.repoDigests must be an array`);
        const d = readDigests(rawDigests, `${where}.properties.repoDigests`, src);
        if (!d.ok) return d;
        if (ownDigests !== undefined && ownDigests.join() !== d.digests.join()) {
            return reportFailure("invalid-structure", src, "SARIF runs describe different images");
        }
        ownDigests = d.digests;

        const inv = invocationTime(run.invocations, SARIF_LIMITS.runs);
        if (inv.error) return reportFailure(inv.code ?? "invalid-time", src, `${where}.invocations${inv.error}`);
        if (inv.at && (!scannedAt || inv.at < scannedAt)) scannedAt = inv.at; // the oldest run dates the log

        const declared = driver.rules ?? [];
        if (!Array.isArray(declared)) return reportFailure("invalid-structure", src, `${where}.tool.driver.rules must be an array`);
        ruleCount += declared.length;
        if (ruleCount > SARIF_LIMITS.rules) return reportFailure("too-large", src, `SARIF log declares more than ${SARIF_LIMITS.rules} rules`);
        const rules = new Map<string, { rule: JsonRecord; index: number }>();
        for (const [i, r] of declared.entries()) {
            if (!isRecord(r) || typeof r.id !== "string" || r.id === "") return reportFailure("invalid-structure", src, `${where}.tool.driver.rules[${i}] needs an id`);
            if (!rules.has(r.id)) rules.set(r.id, { rule: r, index: i });
            if (isVulnerabilityRule(r, runTool)) vulnRules++;
            else otherRules.push(r);
        }

        const results = run.results ?? [];
        if (!Array.isArray(results)) return reportFailure("invalid-structure", src, `${where}.results must be an array`);
        resultCount += results.length;
        if (resultCount > SARIF_LIMITS.results) return reportFailure("too-large", src, `SARIF log holds more than ${SARIF_LIMITS.results} results`);
        for (const [i, r] of results.entries()) {
            const f = sarifFinding(r, declared, rules, runTool);
            if (typeof f === "string") return reportFailure("invalid-structure", src, `${where}.results[${i}]: ${f}`);
            if (f) findings.set(`${f.id}\u0000${f.package}\u0000${f.installedVersion}`, f);
        }
    }
    if (vulnRules === 0) {
        const held = otherRules.length ? `only ${ruleKinds(otherRules)} rules` : "no rules at all";
        return reportFailure("not-a-vulnerability-scan", src,
            `SARIF declares no vulnerability rule (it holds ${held}), so it does not show that vulnerabilities were scanned: in SARIF a clean vulnerability scan cannot be told from a secret, misconfiguration or license scan. ` +
            "Use the scanner's JSON report for evidence (trivy image --scanners vuln --format json, grype -o json), which records a clean scan");
    }
    const digests = settleDigests(ownDigests ?? [], ctx,
        tool === "grype" ? "Grype SARIF carries no image digest: use grype -o json, or attach the SARIF to the image as a referrer" : "runs[].properties.repoDigests is empty: scan the image from its registry (trivy image repo@sha256:…), or attach the SARIF to the image as a referrer");
    if (!digests.ok) return digests;
    const at = scannedAt ?? ctx.scannedAt;
    if (!at) return reportFailure("no-scan-time", src, `SARIF records no scan time, so the scan's age is unknown. ${SARIF_NO_TIME_ADVICE}`);
    return { ok: true, report: { tool: tool!, format: "sarif", source: src, digests: digests.digests, scannedAt: at, findings: [...findings.values()] } };
}

/** The latest time the invocations record; a run that says it did not finish is not evidence. */
function invocationTime(invocations: unknown, max: number): { at?: Date; error?: string; code?: "invalid-time" | "invalid-structure" | "not-a-vulnerability-scan" } {
    if (invocations === undefined) return {};
    if (!Array.isArray(invocations)) return { error: " must be an array", code: "invalid-structure" };
    if (invocations.length > max) return { error: ` has ${invocations.length} entries, more than ${max}`, code: "invalid-structure" };
    let latest: Date | undefined;
    for (const [i, inv] of invocations.entries()) {
        if (!isRecord(inv)) return { error: ` entries must be objects`, code: "invalid-structure" };
        if (inv.executionSuccessful === false) return { error: `[${i}].executionSuccessful is false: the scan did not complete`, code: "not-a-vulnerability-scan" };
        const raw = inv.endTimeUtc ?? inv.startTimeUtc;
        if (raw === undefined) continue;
        const t = parseTimestamp(raw);
        if (!t.ok) return { error: `[${i}].${inv.endTimeUtc !== undefined ? "endTimeUtc" : "startTimeUtc"} ${t.failure.message}` };
        if (!latest || t.date > latest) latest = t.date;
    }
    return latest ? { at: latest } : {};
}

/** A result → finding; undefined for results of rules that are not vulnerabilities. */
function sarifFinding(r: unknown, declared: readonly unknown[], rules: ReadonlyMap<string, { rule: JsonRecord }>, tool: ScanTool): Vulnerability | undefined | string {
    if (!isRecord(r)) return `must be an object, got ${typeName(r)}`;
    const ruleId = r.ruleId;
    if (typeof ruleId !== "string" || ruleId.length === 0) return "ruleId is missing";
    const byIndex = typeof r.ruleIndex === "number" ? declared[r.ruleIndex] : undefined;
    const rule = isRecord(byIndex) && byIndex.id === ruleId ? byIndex : rules.get(ruleId)?.rule;
    // Without its rule a result cannot be told to be a vulnerability: refused, not guessed.
    if (!rule) return `rule ${JSON.stringify(ruleId)} is not declared in tool.driver.rules, so it cannot be told whether it is a vulnerability`;
    if (!isVulnerabilityRule(rule, tool)) return undefined;
    const props = isRecord(rule.properties) ? rule.properties : {};
    const tags = tagsOf(rule);

    const help = text(rule.help);
    const lab = labels(text(r.message), help);
    // The vulnerability ID: Trivy's rule id (the old template prefixed "[SEVERITY] "), Grype's help text
    // ("Vulnerability CVE-…") since its rule id appends the package name.
    const helpId = /^\s*(?:\*\*)?Vulnerability\s+(\S+?)(?:\*\*)?\s*$/m.exec(`${help ?? ""}\n${text(r.message) ?? ""}`)?.[1];
    const id = tool === "trivy" ? ruleId.replace(/^\[[A-Z]+\]\s*/, "") : helpId ?? text(rule.shortDescription)?.split(/\s+/)[0];
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
