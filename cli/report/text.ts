/** The report in the Pulumi CLI's console layout: findings grouped by pack, then a summary. */
import { describeSource, hasMandatory, type Report } from "./model";

export function formatText(report: Report): string {
    const lines: string[] = [];
    const pack = `${report.pack.name}@v${report.pack.version}`;
    const levels = ["mandatory", "remediate", "advisory"];
    const shown = [...report.findings].sort((a, b) => levels.indexOf(a.level) - levels.indexOf(b.level));
    if (report.errors.length) {
        lines.push("Errors:");
        for (const e of report.errors) {
            const where = [e.file, e.document !== undefined ? `document ${e.document}` : "", e.line ? `line ${e.line}` : ""].filter(Boolean).join(" ");
            lines.push(`    error: ${where}: ${e.message}`);
        }
        lines.push("");
    }
    lines.push("Policies:");
    lines.push(`    ${hasMandatory(report) ? "❌" : "✅"} ${pack}`);
    for (const f of shown) {
        lines.push(`        - [${f.level}]  ${f.policy}  (${f.type}: ${f.name})`);
        const where = describeSource(f);
        if (where) lines.push(`          at ${where}`);
        for (const l of [f.description, ...f.message.split("\n")]) if (l) lines.push(`          ${l}`);
    }
    lines.push("");
    const count = (lvl: string) => report.findings.filter((f) => f.level === lvl).length;
    const noun = report.command === "preview" ? "resources" : "objects";
    const checked = report.resources.filter((r) => r.custom !== false).length;
    lines.push(
        `Policy summary: ${checked} ${noun} checked, ` +
            `${count("mandatory")} mandatory, ${count("advisory")} advisory` +
            (count("remediate") ? `, ${count("remediate")} remediated` : "") +
            (report.errors.length ? `, ${report.errors.length} input errors` : ""),
    );
    const why = [hasMandatory(report) ? "mandatory policy violations" : "", report.errors.length ? "input that could not be checked" : ""].filter(Boolean);
    if (why.length) lines.push(`error: ${report.command} failed: ${why.join(" and ")}`);
    return lines.join("\n") + "\n";
}
