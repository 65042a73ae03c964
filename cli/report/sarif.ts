/**
 * `--format sarif`: SARIF 2.1.0 for code scanning. Rules come from the pack's policy metadata;
 * each finding is a result whose logical location is the resource URN (and, for manifests, whose
 * physical location is the file and line).
 */
import type * as Sarif from "sarif";
import type { EnforcementLevel } from "../harness/types";
import type { Report } from "./model";

const LEVEL: Record<EnforcementLevel, Sarif.Result.level> = {
    mandatory: "error",
    remediate: "note",
    advisory: "warning",
    disabled: "none",
};

const SECURITY_SEVERITY: Record<string, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0" };

export function toSarif(report: Report, toolVersion: string): Sarif.Log {
    const rules: Sarif.ReportingDescriptor[] = report.policies.map((p) => ({
        id: p.name,
        name: p.name,
        shortDescription: { text: p.description || p.name },
        fullDescription: { text: [p.description, p.remediationSteps].filter(Boolean).join("\n\n") || p.name },
        ...(p.url ? { helpUri: p.url } : {}),
        defaultConfiguration: { level: LEVEL[p.enforcementLevel] },
        properties: {
            tags: p.tags,
            ...(p.severity ? { "security-severity": SECURITY_SEVERITY[p.severity], severity: p.severity } : {}),
        },
    }));
    const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
    const results: Sarif.Result[] = report.findings.map((f) => {
        const location: Sarif.Location = {
            logicalLocations: [{ fullyQualifiedName: f.urn, name: f.name, kind: "resource" }],
        };
        if (f.source) {
            location.physicalLocation = {
                artifactLocation: { uri: f.source.file.split("\\").join("/") },
                ...(f.source.line ? { region: { startLine: f.source.line } } : {}),
            };
        }
        const idx = ruleIndex.get(f.policy);
        return {
            ruleId: f.policy,
            ...(idx !== undefined ? { ruleIndex: idx } : {}),
            level: LEVEL[f.level],
            message: { text: `${f.type} ${JSON.stringify(f.name)}: ${f.message}` },
            locations: [location],
            properties: { enforcementLevel: f.level, ...(f.severity ? { severity: f.severity } : {}) },
        };
    });
    const notifications: Sarif.Notification[] = report.errors.map((e) => ({
        level: "error",
        message: { text: `${e.file}${e.document !== undefined ? ` document ${e.document}` : ""}: ${e.message}` },
        locations: [
            {
                physicalLocation: {
                    artifactLocation: { uri: e.file.split("\\").join("/") },
                    ...(e.line ? { region: { startLine: e.line } } : {}),
                },
            },
        ],
    }));
    return {
        version: "2.1.0",
        $schema: "https://json.schemastore.org/sarif-2.1.0.json",
        runs: [
            {
                tool: {
                    driver: {
                        name: "imagegate",
                        version: toolVersion,
                        rules,
                    },
                },
                invocations: [{ executionSuccessful: report.errors.length === 0, toolExecutionNotifications: notifications }],
                results,
            },
        ],
    };
}

export function formatSarif(report: Report, toolVersion: string): string {
    return JSON.stringify(toSarif(report, toolVersion), null, 2) + "\n";
}
