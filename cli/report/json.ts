/**
 * `--format json`: one document: the summary (the same counts as every format), the findings with
 * their locations, input errors, and the resources (components marked) — their inputs only with
 * `--include-inputs` (they can be most of a large run's output).
 */
import { SECRET_SIG, SIG_KEY } from "../harness/properties";
import type { SourceLocation } from "../judge";
import { summarize, type Report } from "./model";

export interface JsonOptions {
    includeInputs?: boolean;
}

/** Secret values never reach a report: the envelope is shown as "[secret]". */
export function redactSecrets(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(redactSecrets);
    if (v !== null && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (o[SIG_KEY] === SECRET_SIG) return "[secret]";
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, redactSecrets(x)]));
    }
    return v;
}

/** The location as users read it (the internal document range left out). */
export function publicSource(s: SourceLocation): Omit<SourceLocation, "range"> {
    const { range: _range, ...rest } = s;
    return rest;
}

export function formatJson(report: Report, opts: JsonOptions = {}): string {
    const doc: Record<string, unknown> = {
        summary: summarize(report),
        resources: report.resources.map((r) => ({
            type: r.type,
            name: r.name,
            urn: r.urn,
            // Components and the stack are listed but judged only as part of the stack (not counted in summary.checked).
            ...(r.custom === false ? { component: true } : {}),
            ...(opts.includeInputs ? { inputs: redactSecrets(r.properties) } : {}),
            ...(r.source ? { source: publicSource(r.source) } : {}),
        })),
        diagnostics: report.findings.map((f) => ({
            policy: f.policy,
            level: f.level,
            urn: f.urn,
            message: f.message,
            ...(f.source ? { source: publicSource(f.source) } : {}),
        })),
        errors: report.errors,
    };
    return JSON.stringify(doc, null, 2) + "\n";
}
