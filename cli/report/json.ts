/** `--format json`: one document, resources and diagnostics (check adds where each came from). */
import { SECRET_SIG, SIG_KEY } from "../harness/properties";
import type { Report } from "./model";

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

export function formatJson(report: Report): string {
    const doc: Record<string, unknown> = {
        resources: report.resources.map((r) => ({
            type: r.type,
            name: r.name,
            urn: r.urn,
            inputs: redactSecrets(r.properties),
            ...(r.source ? { source: r.source } : {}),
        })),
        diagnostics: report.findings.map((f) => ({
            policy: f.policy,
            level: f.level,
            urn: f.urn,
            message: f.message,
            ...(f.source ? { source: f.source } : {}),
        })),
    };
    if (report.command === "check") doc.errors = report.errors;
    return JSON.stringify(doc, null, 2) + "\n";
}
