/**
 * `imagegate`: preview a Pulumi program or check Kubernetes manifests against the imagegate policy
 * pack, offline, through the same Analyzer protocol the Pulumi CLI uses. Only the report goes to
 * stdout; progress and errors go to stderr.
 */
import * as path from "path";
import { parseCommand, USAGE, UsageError, type CheckCommand, type Format, type PreviewCommand } from "./args";
import { readManifests } from "./check/manifests";
import { allowedImagesRegexCommand } from "./commands/allowed-images-regex";
import { auditCommand } from "./commands/audit";
import { loadProject, ProgramError } from "./preview/program-config";
import { runProgram } from "./preview/run-program";
import { formatJson } from "./report/json";
import { exitCode, type Report } from "./report/model";
import { formatSarif } from "./report/sarif";
import { formatText } from "./report/text";
import { ConfigError, packageRoot, readPolicyConfigFile, runPack, toolVersion } from "./run";

export interface Io {
    stdout(text: string): void;
    stderr(text: string): void;
}

function render(report: Report, format: Format): string {
    if (format === "json") return formatJson(report);
    if (format === "sarif") return formatSarif(report, toolVersion());
    return formatText(report);
}

function packDir(opt: string | undefined): string {
    return opt ? path.resolve(opt) : path.join(packageRoot(), "policies");
}

async function preview(cmd: PreviewCommand, io: Io): Promise<number> {
    const policyConfig = readPolicyConfigFile(cmd.policyConfig);
    const project = loadProject(cmd.program, cmd.stack);
    const report = await runPack({
        command: "preview",
        packDir: packDir(cmd.policyPack),
        policyConfig,
        project: project.project,
        stack: project.stack,
        stackConfig: project.config,
        resources: runProgram(project).then((run) => ({ resources: run.resources, errors: [], stackUrn: run.stackUrn })),
        progress: cmd.quiet ? undefined : (t) => io.stderr(`${t}\n`),
    });
    io.stdout(render(report, cmd.format));
    return exitCode(report);
}

async function check(cmd: CheckCommand, io: Io): Promise<number> {
    const policyConfig = readPolicyConfigFile(cmd.policyConfig);
    let manifests;
    try {
        manifests = readManifests(cmd.paths);
    } catch (e) {
        throw new UsageError((e as Error).message);
    }
    const report = await runPack({
        command: "check",
        packDir: packDir(cmd.policyPack),
        policyConfig,
        project: "manifests",
        stack: "check",
        resources: Promise.resolve(manifests),
        progress: cmd.quiet ? undefined : (t) => io.stderr(`${t}\n`),
    });
    // The text report lists input errors itself; machine formats keep them off stdout's human eye.
    if (cmd.format !== "text") for (const e of report.errors) {
        io.stderr(`error: ${[e.file, e.document !== undefined ? `document ${e.document}` : "", e.line ? `line ${e.line}` : ""].filter(Boolean).join(" ")}: ${e.message}\n`);
    }
    io.stdout(render(report, cmd.format));
    return exitCode(report);
}

export async function main(argv: string[], io: Io): Promise<number> {
    try {
        const cmd = parseCommand(argv);
        switch (cmd.command) {
            case "help":
                io.stdout(`${USAGE}\n`);
                return 0;
            case "allowed-images-regex":
                return allowedImagesRegexCommand(cmd.argv, io);
            case "audit":
                return await auditCommand(cmd.argv, io);
            case "preview":
                return await preview(cmd, io);
            case "check":
                return await check(cmd, io);
        }
    } catch (e) {
        if (e instanceof UsageError) {
            io.stderr(`error: ${e.message}\n${USAGE}\n`);
            return 2;
        }
        if (e instanceof ConfigError || e instanceof ProgramError) {
            io.stderr(`error: ${e.message}\n`);
            return 2;
        }
        io.stderr(`error: ${(e as Error).stack ?? e}\n`);
        return 2;
    }
}

if (require.main === module) {
    const io: Io = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };
    main(process.argv.slice(2), io).then((code) => {
        // Pulumi's runtime may hold handles open after a preview; the report is complete, so leave.
        process.stdout.write("", () => process.exit(code));
    });
}
