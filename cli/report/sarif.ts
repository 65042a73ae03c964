/**
 * `--format sarif`: SARIF 2.1.0 as GitHub code scanning takes it. Rules come from the pack's policy
 * metadata (help text, `security-severity`); every result and notification has a physical location
 * (code scanning refuses results without one): for manifests the offending value's line and column,
 * otherwise the report's origin (preview: the program's entry point). URIs are relative to
 * `%SRCROOT%`, the repository root, so alerts match across runs and checkouts; `partialFingerprints`
 * hash what the finding is about, not where its line happens to be.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { pathToFileURL } from "url";
import type * as Sarif from "sarif";
import type { EnforcementLevel } from "../harness/types";
import type { Finding } from "../judge";
import { describeError, summarize, type Report } from "./model";

const LEVEL: Record<EnforcementLevel, Sarif.Result.level> = {
    mandatory: "error",
    remediate: "note",
    advisory: "warning",
    disabled: "none",
};

const SECURITY_SEVERITY: Record<string, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0" };
export const SRCROOT = "%SRCROOT%";

export interface SarifOptions {
    toolVersion: string;
    /** Where the report's file names are relative to (default: the working directory). */
    cwd?: string;
    /** The repository root URIs are made relative to (default: the nearest directory above cwd with .git, else cwd). */
    srcRoot?: string;
}

/** The nearest directory at or above `dir` holding `.git` (a checkout or a worktree), else `dir`. */
export function repositoryRoot(dir: string): string {
    for (let d = path.resolve(dir); ; d = path.dirname(d)) {
        if (fs.existsSync(path.join(d, ".git"))) return d;
        if (path.dirname(d) === d) return path.resolve(dir);
    }
}

function artifact(file: string, cwd: string, srcRoot: string): Sarif.ArtifactLocation {
    if (file === "<stdin>") return { uri: "stdin", description: { text: "standard input" } };
    const rel = path.relative(srcRoot, path.resolve(cwd, file));
    if (rel.startsWith("..") || path.isAbsolute(rel)) return { uri: pathToFileURL(path.resolve(cwd, file)).href };
    return { uri: rel.split(path.sep).map(encodeURIComponent).join("/"), uriBaseId: SRCROOT };
}

function region(line?: number, column?: number): Sarif.Region | undefined {
    if (!line) return undefined;
    return column ? { startLine: line, startColumn: column } : { startLine: line };
}

function fingerprint(f: Finding, uri: string): string {
    // What the finding is about: rule, resource, the property path and image it names (the message), the file.
    return createHash("sha256").update([f.policy, f.type, f.name, f.message, uri].join("\0")).digest("hex").slice(0, 32);
}

export function toSarif(report: Report, opts: SarifOptions | string): Sarif.Log {
    const o: SarifOptions = typeof opts === "string" ? { toolVersion: opts } : opts;
    const cwd = o.cwd ?? process.cwd();
    const srcRoot = o.srcRoot ?? repositoryRoot(cwd);
    const rules: Sarif.ReportingDescriptor[] = report.policies.map((p) => {
        const help = [p.description, p.remediationSteps ? `How to fix: ${p.remediationSteps}` : "", p.url ? `More: ${p.url}` : ""].filter(Boolean);
        return {
            id: p.name,
            name: p.name,
            shortDescription: { text: p.description || p.name },
            fullDescription: { text: [p.description, p.remediationSteps].filter(Boolean).join("\n\n") || p.name },
            help: { text: help.join("\n\n") || p.name, markdown: help.join("\n\n") || p.name },
            ...(p.url ? { helpUri: p.url } : {}),
            defaultConfiguration: { level: LEVEL[p.enforcementLevel] },
            properties: {
                tags: ["security", ...(p.tags ?? [])],
                // Code scanning ranks alerts by this; a policy without a severity is ranked medium.
                "security-severity": SECURITY_SEVERITY[p.severity ?? ""] ?? SECURITY_SEVERITY.medium,
                ...(p.severity ? { severity: p.severity } : {}),
            },
        };
    });
    const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
    const origin = report.origin ?? ".";
    const results: Sarif.Result[] = report.findings.map((f) => {
        const where = artifact(f.source?.file ?? origin, cwd, srcRoot);
        const reg = region(f.source?.line ?? 1, f.source?.column);
        const location: Sarif.Location = {
            physicalLocation: { artifactLocation: where, ...(reg ? { region: reg } : {}) },
            logicalLocations: [{ fullyQualifiedName: f.urn, name: f.name, kind: "resource" }],
        };
        const idx = ruleIndex.get(f.policy);
        return {
            ruleId: f.policy,
            ...(idx !== undefined ? { ruleIndex: idx } : {}),
            level: LEVEL[f.level],
            message: { text: `${f.type} ${JSON.stringify(f.name)}: ${f.message}` },
            locations: [location],
            partialFingerprints: { "imagegateFinding/v1": fingerprint(f, where.uri ?? "") },
            properties: { enforcementLevel: f.level, ...(f.severity ? { severity: f.severity } : {}) },
        };
    });
    const notifications: Sarif.Notification[] = report.errors.map((e) => {
        const reg = region(e.line ?? 1);
        return {
            level: "error",
            message: { text: `${describeError(e)}: ${e.message}` },
            locations: [{ physicalLocation: { artifactLocation: artifact(e.file, cwd, srcRoot), ...(reg ? { region: reg } : {}) } }],
        };
    });
    return {
        version: "2.1.0",
        $schema: "https://json.schemastore.org/sarif-2.1.0.json",
        runs: [
            {
                tool: { driver: { name: "imagegate", version: o.toolVersion, rules } },
                originalUriBaseIds: { [SRCROOT]: { uri: pathToFileURL(srcRoot + path.sep).href } },
                invocations: [{ executionSuccessful: report.errors.length === 0, toolExecutionNotifications: notifications }],
                results,
                properties: { summary: summarize(report) },
            },
        ],
    };
}

export function formatSarif(report: Report, opts: SarifOptions | string): string {
    return JSON.stringify(toSarif(report, opts), null, 2) + "\n";
}
