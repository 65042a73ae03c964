/**
 * What the audit needs beyond the shared report layer (cli/report/write.ts): the audit as the
 * generic model (`auditAsReport`: each failure a finding on the resource that deploys the image,
 * which the shared sarif, junit and github writers, `--output` and `--fail-on` take as they are),
 * and the two renderings the generic model cannot express — text grouped by stack or cluster and
 * image, and JSON with the structured since and fix (what a scheduled job reads).
 */
import type { AuditGroup, AuditReport, AuditedImage } from "../../core/audit";
import type { PolicyInfo } from "../harness/types";
import type { Finding, JudgedResource } from "../judge";
import type { InputError, Report } from "./model";

export const UNJUDGED = "audit-unjudged";

const GATE_TEXT: Record<string, string> = {
    "trusted-registries": "Images come from trusted registries",
    "require-digest": "Images are pinned by digest",
    "no-latest-tag": "Images do not use the latest tag",
    "scanned-images": "Images are scanned and free of blocking vulnerabilities",
    "signed-images": "Images carry a trusted Notation or cosign signature",
    [UNJUDGED]: "Every deployed image can be read and judged",
};

function day(d: Date): string {
    return d.toISOString().slice(0, 10);
}

function groupTitle(g: AuditGroup): string {
    return `${g.kind} ${g.name} (${g.source})`;
}

export function auditCounts(report: AuditReport): { mandatory: number; advisory: number } {
    let mandatory = 0, advisory = 0;
    for (const g of report.groups) {
        for (const i of g.failing) for (const f of i.failures) (f.level === "mandatory" ? mandatory++ : advisory++);
        for (const u of g.unjudged) (u.level === "mandatory" ? mandatory++ : advisory++);
    }
    return { mandatory, advisory };
}

function imageLines(i: AuditedImage): string[] {
    const lines = [`    ✗ ${i.reference}${i.digest && !i.reference.includes("@") ? ` (${i.digest} now)` : ""}`];
    for (const u of i.uses) lines.push(`        deployed by ${u.type} ${u.name} at ${u.path}${u.container ? ` (container ${u.container})` : ""}`);
    for (const f of i.failures) {
        lines.push(`        [${f.level}] ${f.gate}: ${f.reason}`);
        if (f.since) lines.push(`            failing since ${day(f.since)}: ${f.sinceWhat}`);
    }
    if (i.fix) lines.push(`        fix: ${i.fix.text}`);
    for (const n of i.notes) lines.push(`        note: ${n}`);
    return lines;
}

const PAINT = { red: "\x1b[31m", yellow: "\x1b[33m", reset: "\x1b[0m" };

export function formatAuditText(report: AuditReport, errors: readonly InputError[], warnings: readonly string[], opts: { color?: boolean } = {}): string {
    const paint = (c: "red" | "yellow", s: string) => (opts.color ? `${PAINT[c]}${s}${PAINT.reset}` : s);
    const lines: string[] = [];
    if (errors.length) {
        lines.push("Errors:");
        for (const e of errors) lines.push(`    ${paint("red", "error")}: ${e.file}: ${e.message}`);
        lines.push("");
    }
    for (const w of warnings) lines.push(`${paint("yellow", "warning")}: ${w}`);
    if (warnings.length) lines.push("");
    for (const g of report.groups) {
        const bad = g.failing.length + g.unjudged.length;
        lines.push(`${bad ? "❌" : "✅"} ${groupTitle(g)}: ${g.failing.length} failing, ${g.passing} passing${g.unjudged.length ? `, ${g.unjudged.length} not judged` : ""}`);
        for (const i of g.failing) lines.push(...imageLines(i));
        for (const u of g.unjudged) lines.push(`    ? [${u.level}] ${u.use.type} ${u.use.name} at ${u.use.path}: ${u.reason}`);
    }
    const c = auditCounts(report);
    lines.push("", `Audit summary (${report.at.toISOString()}): ${report.groups.length} stacks/clusters, ${c.mandatory} mandatory, ${c.advisory} advisory${errors.length ? `, ${errors.length} input errors` : ""}`);
    return lines.join("\n") + "\n";
}

export function formatAuditJson(report: AuditReport, errors: readonly InputError[], warnings: readonly string[]): string {
    return JSON.stringify({ at: report.at, groups: report.groups, warnings, errors }, null, 2) + "\n";
}

/**
 * The audit as the shared report model. A finding in a stack is located at its state file (SARIF
 * needs a physical location; the URN is the logical one); a cluster's at the report's origin.
 * `resources` are those that deploy a failing or unjudged image (passing ones are only counted).
 */
export function auditAsReport(report: AuditReport, errors: readonly InputError[], pack: { name: string; version: string } = { name: "imagegate", version: "" }): Report {
    const findings: Finding[] = [];
    const resources = new Map<string, JudgedResource>();
    const resource = (u: { urn: string; type: string; name: string }) => {
        if (!resources.has(u.urn)) resources.set(u.urn, { urn: u.urn, type: u.type, name: u.name, properties: {} });
    };
    for (const g of report.groups) {
        const source = g.kind === "stack" ? { source: { file: g.source, document: 0 } } : {};
        for (const i of g.failing) {
            for (const f of i.failures) {
                for (const u of i.uses) {
                    resource(u);
                    findings.push({
                        policy: f.gate, level: f.level, urn: u.urn, type: u.type, name: u.name, description: GATE_TEXT[f.gate] ?? f.gate,
                        message: [`${g.kind} ${g.name}: ${i.reference} at ${u.path} fails ${f.gate}: ${f.reason}.`,
                            f.since ? `Failing since ${day(f.since)} (${f.sinceWhat}).` : "",
                            `Fix: ${i.fix?.text ?? f.fix}`].filter(Boolean).join(" "),
                        severity: "high",
                        ...source,
                    });
                }
            }
        }
        for (const u of g.unjudged) {
            resource(u.use);
            findings.push({
                policy: UNJUDGED, level: u.level, urn: u.use.urn, type: u.use.type, name: u.use.name, description: GATE_TEXT[UNJUDGED],
                message: `${g.kind} ${g.name}: the image at ${u.use.path} could not be judged: ${u.reason}`, severity: "high",
                ...source,
            });
        }
    }
    const policies: PolicyInfo[] = Object.entries(GATE_TEXT).map(([name, description]) => ({
        name, displayName: description, description, message: "", enforcementLevel: "mandatory", policyType: "resource",
        severity: "high", tags: ["containers", "supply-chain", "audit"], remediationSteps: "", url: "",
    }));
    return { command: "audit", pack, policies, resources: [...resources.values()], findings, errors: [...errors] };
}
