/** The report in the Pulumi CLI's console layout: findings grouped by pack, then a summary. */
import { checkedCount, describeError, describeSource, hasMandatory, summarize, type Report } from "./model";

export interface TextOptions {
    color?: boolean;
}

const PAINT = { red: "\x1b[31m", yellow: "\x1b[33m", cyan: "\x1b[36m", bold: "\x1b[1m", reset: "\x1b[0m" };
const LEVEL_COLOR: Record<string, keyof typeof PAINT> = { mandatory: "red", advisory: "yellow", remediate: "cyan" };

export function formatText(report: Report, opts: TextOptions = {}): string {
    const paint = (c: keyof typeof PAINT, s: string) => (opts.color ? `${PAINT[c]}${s}${PAINT.reset}` : s);
    const lines: string[] = [];
    const pack = `${report.pack.name}@v${report.pack.version}`;
    const levels = ["mandatory", "remediate", "advisory"];
    const shown = [...report.findings].sort((a, b) => levels.indexOf(a.level) - levels.indexOf(b.level));
    if (report.errors.length) {
        lines.push("Errors:");
        for (const e of report.errors) lines.push(`    ${paint("red", "error")}: ${describeError(e)}: ${e.message}`);
        lines.push("");
    }
    lines.push("Policies:");
    lines.push(`    ${hasMandatory(report) ? "❌" : "✅"} ${pack}`);
    for (const f of shown) {
        lines.push(`        - ${paint(LEVEL_COLOR[f.level] ?? "bold", `[${f.level}]`)}  ${f.policy}  (${f.type}: ${f.name})`);
        const where = describeSource(f);
        if (where) lines.push(`          at ${where}`);
        for (const l of [f.description, ...f.message.split("\n")]) if (l) lines.push(`          ${l}`);
    }
    lines.push("");
    const s = summarize(report);
    lines.push(
        `Policy summary: ${checkedCount(report)}, ${s.mandatory} mandatory, ${s.advisory} advisory` +
            (s.remediated ? `, ${s.remediated} remediated` : "") +
            (s.inputErrors ? `, ${s.inputErrors} input errors` : ""),
    );
    const why = [hasMandatory(report) ? "mandatory policy violations" : "", report.errors.length ? "input that could not be checked" : ""].filter(Boolean);
    if (why.length) lines.push(paint("red", `error: ${report.command} failed: ${why.join(" and ")}`));
    return lines.join("\n") + "\n";
}
