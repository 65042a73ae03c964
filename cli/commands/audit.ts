/**
 * `imagegate audit --state FILE…`: re-judges every image the deployments run — from `pulumi stack
 * export` files, and with --running-images from Defender for Containers' inventory of running
 * images — by today's gates, evidence and policy config (the same `imageGateSettings` the pack is
 * configured with, relative paths against the pack directory). Returns the exit code: 0 nothing at
 * or above --fail-on, 1 findings at or above it, 2 usage, config or input errors.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { auditContext, parseStackExport, queryRunningImages, runAudit, type DeployedStack, type RunningCluster } from "../../core/audit";
import { PolicyConfigError } from "../../core/config/policy-config";
import type { DefenderOptions } from "../../core/evidence";
import type { ExtendedClientOptions } from "../../core/registry";
import { imageGateSettings, type ImageGateSettings } from "../../core/gate/config";
import type { InputError } from "../report/model";
import { auditExitCode, formatAuditJson, formatAuditSarif, formatAuditText, type FailOn } from "../report/audit";
import { packageRoot, readPolicyConfigFile, toolVersion } from "../run";
import type { CommandIo } from "./allowed-images-regex";

/** A state file larger than this is refused (an export of tens of thousands of resources is far smaller). */
export const MAX_STATE_BYTES = 256 * 1024 * 1024;

export const AUDIT_USAGE = `usage: imagegate audit --state FILE [--state FILE ...] [--running-images] [--policy-config FILE] [--policy-pack DIR]
                       [--format text|json|sarif] [--fail-on mandatory|advisory|none] [--output FILE]

Re-judges every image the deployments run by today's gates and evidence.
  --state FILE        \`pulumi stack export\` output (repeat for several stacks); outputs are read
  --running-images    also audit what Defender for Containers sees running (Azure Resource Graph,
                      the subscriptions of scanned-images' defender config)
  --fail-on LEVEL     exit 1 when a finding is at or above LEVEL (default mandatory)
  --output FILE       write the report to FILE instead of stdout
For a live cluster: kubectl get pods -A -o json | imagegate check -

exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage, config or input error`;

interface AuditArgs {
    states: string[];
    runningImages: boolean;
    policyConfig?: string;
    policyPack?: string;
    format: "text" | "json" | "sarif";
    failOn: FailOn;
    output?: string;
}

class Usage extends Error {}

function parse(argv: readonly string[]): AuditArgs {
    let values;
    try {
        ({ values } = parseArgs({
            args: [...argv],
            options: {
                state: { type: "string", multiple: true },
                "running-images": { type: "boolean", default: false },
                "policy-config": { type: "string" },
                "policy-pack": { type: "string" },
                format: { type: "string", default: "text" },
                "fail-on": { type: "string", default: "mandatory" },
                output: { type: "string" },
            },
            allowPositionals: false,
        }));
    } catch (e) {
        throw new Usage((e as Error).message);
    }
    const format = values.format!;
    if (!["text", "json", "sarif"].includes(format)) throw new Usage(`--format must be one of text, json, sarif, given: ${JSON.stringify(format)}`);
    const failOn = values["fail-on"]!;
    if (!["mandatory", "advisory", "none"].includes(failOn)) throw new Usage(`--fail-on must be one of mandatory, advisory, none, given: ${JSON.stringify(failOn)}`);
    const states = values.state ?? [];
    if (states.length === 0 && !values["running-images"]) throw new Usage("audit needs at least one --state FILE (the output of `pulumi stack export`) or --running-images");
    return {
        states, runningImages: values["running-images"]!, format: format as AuditArgs["format"], failOn: failOn as FailOn,
        ...(values["policy-config"] ? { policyConfig: values["policy-config"] } : {}),
        ...(values["policy-pack"] ? { policyPack: values["policy-pack"] } : {}),
        ...(values.output ? { output: values.output } : {}),
    };
}

/** Reads and validates each state file; a file that cannot be used is an input error naming it. */
export function readStates(files: readonly string[]): { stacks: DeployedStack[]; errors: InputError[] } {
    const stacks: DeployedStack[] = [];
    const errors: InputError[] = [];
    for (const file of files) {
        let text: string;
        try {
            const st = fs.statSync(file);
            if (st.size > MAX_STATE_BYTES) { errors.push({ file, message: `is ${st.size} bytes, larger than ${MAX_STATE_BYTES}` }); continue; }
            text = fs.readFileSync(file, "utf8");
        } catch (e) {
            errors.push({ file, message: (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : `cannot read: ${(e as Error).message}` });
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
        else errors.push({ file, message: parsed.error });
    }
    return { stacks, errors };
}

export interface AuditDeps {
    /** Clock, Azure and registry client overrides (tests; sovereign clouds). */
    readonly now?: Date;
    readonly defender?: Partial<DefenderOptions>;
    readonly clientOptions?: ExtendedClientOptions;
}

export async function auditCommand(argv: readonly string[], io: CommandIo, deps: AuditDeps = {}): Promise<number> {
    let args: AuditArgs;
    try {
        args = parse(argv);
    } catch (e) {
        io.stderr(`error: ${(e as Error).message}\n${AUDIT_USAGE}\n`);
        return 2;
    }
    let gates: ImageGateSettings;
    try {
        const packDir = args.policyPack ? path.resolve(args.policyPack) : path.join(packageRoot(), "policies");
        gates = imageGateSettings(readPolicyConfigFile(args.policyConfig), { baseDir: packDir });
    } catch (e) {
        io.stderr(`error: ${e instanceof PolicyConfigError ? `--policy-config ${args.policyConfig}: ` : ""}${(e as Error).message}\n`);
        return 2;
    }
    if (args.runningImages && !gates.scannedImages.config.defender) {
        io.stderr("error: --running-images reads Defender for Containers for the subscriptions in scanned-images' defender config, and it has none\n");
        return 2;
    }
    const now = deps.now ?? new Date();
    const { stacks, errors } = readStates(args.states);
    let clusters: RunningCluster[] = [];
    if (args.runningImages) {
        const r = await queryRunningImages({ ...deps.defender, subscriptions: gates.scannedImages.config.defender!.subscriptions });
        if (r.ok) clusters = r.clusters;
        else errors.push({ file: "Defender for Containers (Azure Resource Graph)", message: `running images could not be read: ${r.error.message}` });
    }
    const ctx = auditContext(gates, now, { ...(deps.defender ? { defender: deps.defender } : {}), ...(deps.clientOptions ? { clientOptions: deps.clientOptions } : {}) });
    const report = await runAudit({ stacks, clusters, gates, registry: ctx.registry, scan: ctx.scan, now });
    const warnings = await ctx.warnings();
    const text = args.format === "json" ? formatAuditJson(report, errors, warnings)
        : args.format === "sarif" ? formatAuditSarif(report, errors, toolVersion())
            : formatAuditText(report, errors, warnings);
    if (args.format !== "text") for (const w of warnings) io.stderr(`warning: ${w}\n`);
    if (args.format !== "text") for (const e of errors) io.stderr(`error: ${e.file}: ${e.message}\n`);
    if (args.output) {
        try {
            fs.writeFileSync(args.output, text);
        } catch (e) {
            io.stderr(`error: --output ${args.output}: ${(e as Error).message}\n`);
            return 2;
        }
    } else io.stdout(text);
    return auditExitCode(report, errors, args.failOn);
}
