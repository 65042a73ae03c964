/**
 * `--format github`: GitHub Actions workflow commands, one per finding and input error
 * (`::error file=…,line=…,col=…,title=…::message`), which the runner shows as annotations on the
 * file and line; then the summary line. Mandatory → error, advisory → warning, remediate → notice.
 */
import type { Finding } from "../judge";
import { checkedCount, describeError, summarize, type Report } from "./model";

const COMMAND: Record<string, string> = { mandatory: "error", advisory: "warning", remediate: "notice" };

/** The runner's escaping: data escapes %, CR, LF; property values also : and ,. */
function escapeData(s: string): string {
    return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}
function escapeProperty(s: string): string {
    return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

function command(kind: string, props: Record<string, string | number | undefined>, message: string): string {
    const p = Object.entries(props)
        .filter(([, v]) => v !== undefined && v !== "")
        .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
        .join(",");
    return `::${kind}${p ? ` ${p}` : ""}::${escapeData(message)}`;
}

function forFinding(f: Finding, origin: string | undefined): string {
    const file = f.source?.file ?? origin;
    return command(COMMAND[f.level] ?? "notice", { file: file === "<stdin>" ? undefined : file, line: f.source?.line, col: f.source?.column, title: `imagegate ${f.policy}` }, `${f.type} ${f.name}: ${f.message}`);
}

export function formatGithub(report: Report): string {
    const lines = report.errors.map((e) => command("error", { file: e.file === "<stdin>" ? undefined : e.file, line: e.line, title: "imagegate input error" }, `${describeError(e)}: ${e.message}`));
    for (const f of report.findings) lines.push(forFinding(f, report.origin));
    const s = summarize(report);
    lines.push(`imagegate ${report.command}: ${checkedCount(report)}, ${s.mandatory} mandatory, ${s.advisory} advisory${s.remediated ? `, ${s.remediated} remediated` : ""}${s.inputErrors ? `, ${s.inputErrors} input errors` : ""}`);
    return lines.join("\n") + "\n";
}
