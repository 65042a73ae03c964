/**
 * `imagegate audit --state FILE…`: re-judges every image the deployments run — from `pulumi stack
 * export` files, and with --running-images from Defender for Containers' inventory of running
 * images — by today's gates, evidence and policy config (the same `imageGateSettings` the pack is
 * configured with, relative paths against the pack directory). Returns the exit code: 0 nothing at
 * or above --fail-on, 1 findings at or above it, 2 usage, config or input errors.
 */
import { auditContext, parseStackExport, queryRunningImages, runAudit, type DeployedStack, type RunningCluster } from "../../core/audit";
import { PolicyConfigError } from "../../core/config/policy-config";
import type { DefenderOptions } from "../../core/evidence";
import { imageGateSettings, type ImageGateSettings } from "../../core/gate/config";
import type { ExtendedClientOptions } from "../../core/registry";
import { FileProblem, readRegularFileSync } from "../../core/regular-file";
import type { AuditCommand } from "../args";
import { auditAsReport, formatAuditJson, formatAuditText } from "../report/audit";
import type { InputError } from "../report/model";
import { writeReport, type ReportIo } from "../report/write";
import { ConfigError, readPolicyConfigFile, toolVersion } from "../run";

/** A state file larger than this is refused (an export of tens of thousands of resources is far smaller). */
export const MAX_STATE_BYTES = 256 * 1024 * 1024;

/** Reads and validates each state file; a file that cannot be used is an input error naming it. */
export function readStates(files: readonly string[]): { stacks: DeployedStack[]; errors: InputError[] } {
    const stacks: DeployedStack[] = [];
    const errors: InputError[] = [];
    for (const file of files) {
        let text: string;
        try {
            // A regular file of bounded size (core/regular-file.ts): a FIFO or device named as a state would block.
            text = readRegularFileSync(file, MAX_STATE_BYTES).toString("utf8");
        } catch (e) {
            errors.push({ file, message: e instanceof FileProblem ? (e.code === "missing" ? "no such file" : e.problem) : `cannot read: ${(e as Error).message}` });
            continue;
        }
        let doc: unknown;
        try {
            doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
        } catch (e) {
            errors.push({ file, message: `not valid JSON (${(e as Error).message})` });
            continue;
        }
        const parsed = parseStackExport(doc, file);
        if (parsed.ok) stacks.push(parsed.stack);
        else errors.push({ file, message: parsed.failure.message });
    }
    return { stacks, errors };
}

export interface AuditDeps {
    /** Clock, Azure and registry client overrides (tests; sovereign clouds). */
    readonly now?: Date;
    readonly defender?: Partial<DefenderOptions>;
    readonly clientOptions?: ExtendedClientOptions;
}

/**
 * Runs a parsed `imagegate audit` (cli/args.ts) and writes its report through the shared layer
 * (cli/report/write.ts: --format, --output, --fail-on, colour). `packDir` is the policy pack whose
 * directory relative config paths resolve against. Returns the exit code; throws ConfigError
 * (exit 2) for a config it cannot use, as the other commands do.
 */
export async function auditCommand(cmd: AuditCommand, io: ReportIo, packDir: string, deps: AuditDeps = {}): Promise<number> {
    let gates: ImageGateSettings;
    try {
        gates = imageGateSettings(readPolicyConfigFile(cmd.policyConfig), { baseDir: packDir });
    } catch (e) {
        if (e instanceof PolicyConfigError) throw new ConfigError(`--policy-config ${cmd.policyConfig}: ${e.message}`);
        throw e;
    }
    if (cmd.runningImages && !gates.scannedImages.config.defender) {
        throw new ConfigError("--running-images reads Defender for Containers for the subscriptions in scanned-images' defender config, and it has none");
    }
    const now = deps.now ?? new Date();
    const { stacks, errors } = readStates(cmd.states);
    let clusters: RunningCluster[] = [];
    if (cmd.runningImages) {
        const r = await queryRunningImages({ ...deps.defender, subscriptions: gates.scannedImages.config.defender!.subscriptions });
        if (r.ok) clusters = r.clusters;
        else errors.push({ file: "Defender for Containers (Azure Resource Graph)", message: `running images could not be read: ${r.failure.message}` });
    }
    const ctx = auditContext(gates, now, { ...(deps.defender ? { defender: deps.defender } : {}), ...(deps.clientOptions ? { clientOptions: deps.clientOptions } : {}) });
    const audited = await runAudit({ stacks, clusters, gates, registry: ctx.registry, scan: ctx.scan, now });
    const warnings = await ctx.warnings();
    // People read stderr whenever the report itself is not text on stdout.
    if (cmd.format !== "text" || cmd.output) {
        for (const w of warnings) io.stderr(`warning: ${w}\n`);
        for (const e of errors) io.stderr(`error: ${e.file}: ${e.message}\n`);
    }
    const report = auditAsReport(audited, errors, { name: "imagegate", version: toolVersion() });
    // A cluster's findings have no file of their own: they belong to the config that named its subscriptions.
    if (cmd.policyConfig) report.origin = cmd.policyConfig;
    return writeReport(report, cmd, io, toolVersion(), {
        text: ({ color }) => formatAuditText(audited, errors, warnings, { color }),
        json: () => formatAuditJson(audited, errors, warnings),
    });
}
