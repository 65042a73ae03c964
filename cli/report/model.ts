/**
 * What a run produced, independent of how it is printed, and the counts and exit code every format
 * shares. Generic over commands: a finding is a rule, a level, a message, a resource and (when it
 * came from a file) a location.
 */
import type { FailOn } from "../args";
import type { PolicyInfo } from "../harness/types";
import type { Finding, JudgedResource } from "../judge";

/** A problem with the input (a malformed document, an object without kind) that was not judged. */
export interface InputError {
    file: string;
    document?: number;
    line?: number;
    message: string;
}

export interface Report {
    command: string;
    pack: { name: string; version: string };
    policies: PolicyInfo[];
    resources: JudgedResource[];
    findings: Finding[];
    errors: InputError[];
    /** The file findings without a source belong to (preview: the program's entry point), relative to the working directory. */
    origin?: string;
}

export interface Summary {
    /** Resources (objects) judged one by one: custom resources, not components or the stack. */
    checked: number;
    mandatory: number;
    advisory: number;
    remediated: number;
    inputErrors: number;
}

export function judgedResources(report: Report): JudgedResource[] {
    return report.resources.filter((r) => r.custom !== false);
}

export function summarize(report: Report): Summary {
    const count = (lvl: string) => report.findings.filter((f) => f.level === lvl).length;
    return { checked: judgedResources(report).length, mandatory: count("mandatory"), advisory: count("advisory"), remediated: count("remediate"), inputErrors: report.errors.length };
}

export function hasMandatory(report: Report): boolean {
    return report.findings.some((f) => f.level === "mandatory");
}

/** Whether a finding at `level` makes the run fail under `--fail-on`. */
export function failsAt(level: string, failOn: FailOn): boolean {
    if (failOn === "none") return false;
    if (level === "mandatory") return true;
    return failOn === "advisory" && level === "advisory";
}

/** "1 object checked", "18 resources checked": what the summaries of every format count. */
export function checkedCount(report: Report): string {
    const n = summarize(report).checked;
    const noun = report.command === "preview" ? "resource" : "object";
    return `${n} ${noun}${n === 1 ? "" : "s"} checked`;
}

/** 2 input errors (documents that could not be judged), 1 a finding at or above `failOn`, else 0. */
export function exitCode(report: Report, failOn: FailOn = "mandatory"): number {
    if (report.errors.length) return 2;
    return report.findings.some((f) => failsAt(f.level, failOn)) ? 1 : 0;
}

export function describeSource(f: { source?: Finding["source"] }): string | undefined {
    const s = f.source;
    if (!s) return undefined;
    const item = s.item !== undefined ? ` item ${s.item}` : "";
    return `${s.file} document ${s.document}${item}${s.line ? ` line ${s.line}` : ""}${s.column ? ` column ${s.column}` : ""}`;
}

export function describeError(e: InputError): string {
    return [e.file, e.document !== undefined ? `document ${e.document}` : "", e.line ? `line ${e.line}` : ""].filter(Boolean).join(" ");
}
