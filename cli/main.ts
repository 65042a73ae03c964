/**
 * `imagegate`: preview a Pulumi program or check Kubernetes manifests against the imagegate policy
 * pack, offline, through the same Analyzer protocol the Pulumi CLI uses. Only the report goes to
 * stdout; progress and errors go to stderr.
 */
import * as fs from "fs";
import * as path from "path";
import { COMMAND_USAGE, parseCommand, USAGE, UsageError, type CheckCommand, type PreviewCommand, type ReportOptions } from "./args";
import type { Document } from "yaml";
import { Locator } from "./check/locate";
import { manifestFiles, streamManifests } from "./check/manifests";
import type { JudgedResource } from "./judge";
import { ALLOWED_IMAGES_REGEX_USAGE, allowedImagesRegexCommand } from "./commands/allowed-images-regex";
import { auditCommand, type AuditDeps } from "./commands/audit";
import { loadProject, ProgramError } from "./preview/program-config";
import { runProgram } from "./preview/run-program";
import { describeError, type InputError, type Report } from "./report/model";
import { OutputError, writeReport, type ReportIo } from "./report/write";
import { ConfigError, packageRoot, readPolicyConfigFile, runPack, toolVersion } from "./run";

export type Io = ReportIo;

/** What tests and embedders may override (the clock, Azure and registry clients of `audit`). */
export interface MainDeps {
    readonly audit?: AuditDeps;
}

/** The pack directory: --policy-pack, checked before anything starts, or the package's own. */
function packDir(opt: string | undefined): string {
    if (!opt) return path.join(packageRoot(), "policies");
    const dir = path.resolve(opt);
    if (!fs.existsSync(path.join(dir, "PulumiPolicy.yaml"))) {
        throw new ConfigError(`--policy-pack ${opt}: ${fs.existsSync(dir) ? "not a policy pack (no PulumiPolicy.yaml)" : "no such directory"}`);
    }
    return dir;
}

function progress(opts: ReportOptions, io: Io): ((t: string) => void) | undefined {
    return opts.quiet ? undefined : (t) => io.stderr(`${t}\n`);
}

/** Input errors go to stderr whenever the report itself is not text on stdout (people read stderr). */
function echoErrors(report: Report, opts: ReportOptions, io: Io): void {
    if (opts.format === "text" && !opts.output) return;
    for (const e of report.errors) io.stderr(`error: ${describeError(e)}: ${e.message}\n`);
}

async function preview(cmd: PreviewCommand, io: Io): Promise<number> {
    const policyConfig = readPolicyConfigFile(cmd.policyConfig);
    const pack = packDir(cmd.policyPack);
    const project = loadProject(cmd.program, cmd.stack);
    const report = await runPack({
        command: "preview",
        packDir: pack,
        policyConfig,
        project: project.project,
        stack: project.stack,
        stackConfig: project.config,
        resources: runProgram(project).then((run) => ({ resources: run.resources, errors: [], stackUrn: run.stackUrn })),
        progress: progress(cmd, io),
    });
    // Findings of a program have no file of their own: they belong to its entry point.
    report.origin = path.relative(process.cwd(), project.main) || project.main;
    return writeReport(report, cmd, io, toolVersion());
}

async function check(cmd: CheckCommand, io: Io): Promise<number> {
    const policyConfig = readPolicyConfigFile(cmd.policyConfig);
    const pack = packDir(cmd.policyPack);
    const say = progress(cmd, io);
    let files: string[];
    try {
        files = manifestFiles(cmd.paths, { ignore: cmd.ignore });
    } catch (e) {
        throw new UsageError((e as Error).message, "check");
    }
    // Documents are read as the pack judges them: each object's findings are located in the document
    // it came from as its answer arrives, and the document is let go (reading holds little).
    const texts = new Map<string, string>();
    const errors: InputError[] = [];
    const docs = new Map<JudgedResource, Document>();
    const locator = new Locator(texts);
    let shown = 0;
    const stream = streamManifests(files, texts, {
        progress: (read, total, objects) => {
            // From the start, so a long read is never silent: every 1,000 objects.
            if (objects - shown >= 1000 || (read === total && objects >= 200 && objects !== shown)) {
                shown = objects;
                say?.(`imagegate: read ${objects} objects from ${read}/${total} files`);
            }
        },
    });
    function* resources(): Generator<JudgedResource> {
        for (const it of stream) {
            if ("error" in it) errors.push(it.error);
            else {
                docs.set(it.resource, it.document);
                yield it.resource;
            }
        }
    }
    const report = await runPack({
        command: "check",
        packDir: pack,
        policyConfig,
        project: "manifests",
        stack: "check",
        resources: Promise.resolve({ resources: resources(), errors }),
        onJudged: (res, found) => {
            const doc = docs.get(res);
            docs.delete(res);
            return doc ? found.map((f) => (f.source ? { ...f, source: locator.locateIn(f, doc) } : f)) : found;
        },
        progress: say,
    });
    // Stack policies' findings (and any not located as they came) are located now.
    report.findings = report.findings.map((f) => (f.source ? { ...f, source: locator.locate(f) } : f));
    echoErrors(report, cmd, io);
    return writeReport(report, cmd, io, toolVersion());
}

function help(topic: string | undefined): string {
    if (topic === "allowed-images-regex") return ALLOWED_IMAGES_REGEX_USAGE;
    return `${topic ? COMMAND_USAGE[topic] : USAGE}\n`;
}

export async function main(argv: string[], io: Io, deps: MainDeps = {}): Promise<number> {
    try {
        const cmd = parseCommand(argv);
        switch (cmd.command) {
            case "help":
                io.stdout(help(cmd.topic));
                return 0;
            case "version":
                io.stdout(`imagegate ${toolVersion()}\n`);
                return 0;
            case "allowed-images-regex":
                return allowedImagesRegexCommand(cmd.argv, io);
            case "audit":
                return await auditCommand(cmd, io, packDir(cmd.policyPack), deps.audit);
            case "preview":
                return await preview(cmd, io);
            case "check":
                return await check(cmd, io);
        }
    } catch (e) {
        if (e instanceof UsageError) {
            io.stderr(`error: ${e.message}\n${e.command ? `run \`imagegate ${e.command} --help\` for its options` : USAGE}\n`);
            return 2;
        }
        if (e instanceof ConfigError || e instanceof ProgramError || e instanceof OutputError) {
            io.stderr(`error: ${e.message}\n`);
            return 2;
        }
        // Not the user's doing: the message, and the stack only when asked for (IMAGEGATE_DEBUG=1).
        const err = e as Error;
        io.stderr(`error: ${String(err?.message ?? e).replace(/^(Error: )+/, "")}\n${process.env.IMAGEGATE_DEBUG ? `${err?.stack ?? ""}\n` : ""}`);
        return 2;
    }
}

if (require.main === module) {
    const io: Io = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), isTTY: process.stdout.isTTY };
    main(process.argv.slice(2), io).then((code) => {
        // Pulumi's runtime may hold handles open after a preview; the report is complete, so leave.
        process.stdout.write("", () => process.exit(code));
    });
}
