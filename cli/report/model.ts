/** What a run produced, independent of how it is printed. */
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
    command: "preview" | "check" | "audit";
    pack: { name: string; version: string };
    policies: PolicyInfo[];
    resources: JudgedResource[];
    findings: Finding[];
    errors: InputError[];
}

export function hasMandatory(report: Report): boolean {
    return report.findings.some((f) => f.level === "mandatory");
}

/** 0 clean, 1 a mandatory violation, 2 input errors (documents that could not be judged). */
export function exitCode(report: Report): number {
    if (report.errors.length) return 2;
    return hasMandatory(report) ? 1 : 0;
}

export function describeSource(f: { source?: Finding["source"] }): string | undefined {
    const s = f.source;
    if (!s) return undefined;
    const item = s.item !== undefined ? ` item ${s.item}` : "";
    return `${s.file} document ${s.document}${item}${s.line ? ` line ${s.line}` : ""}`;
}
