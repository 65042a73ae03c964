/**
 * Command-line parsing for `imagegate` (node:util parseArgs, strict: unknown flags are errors).
 * The report flags (`--format`, `--output`, `--fail-on`, `--policy-config`, `--policy-pack`,
 * `--no-color`, `--include-inputs`, `--quiet`) are one set shared by every command that produces a
 * report: `REPORT_OPTIONS` + `reportOptions()`; a command adds only its own flags.
 */
import { parseArgs } from "util";

export const FORMATS = ["text", "json", "sarif", "junit", "github"] as const;
export type Format = (typeof FORMATS)[number];
export const FAIL_ON = ["mandatory", "advisory", "none"] as const;
export type FailOn = (typeof FAIL_ON)[number];

export class UsageError extends Error {
    constructor(
        message: string,
        /** The command whose usage to print with the error. */
        readonly command?: string,
    ) {
        super(message);
        this.name = "UsageError";
    }
}

/** What every report-producing command takes. */
export interface ReportOptions {
    policyConfig?: string;
    policyPack?: string;
    format: Format;
    /** Write the report here instead of stdout. */
    output?: string;
    failOn: FailOn;
    /** false: --no-color given (NO_COLOR and a non-TTY are decided where the report is written). */
    color: boolean;
    includeInputs: boolean;
    quiet: boolean;
}
/** @deprecated name kept for callers written before the shared layer. */
export type CommonOptions = ReportOptions;

export interface PreviewCommand extends ReportOptions {
    command: "preview";
    program: string;
    stack: string;
}
export interface CheckCommand extends ReportOptions {
    command: "check";
    /** Files, directories, or `-` for standard input. */
    paths: string[];
    ignore: string[];
}
/** Parsed by the command itself (cli/commands/allowed-images-regex.ts). */
export interface RegexCommand {
    command: "allowed-images-regex";
    argv: string[];
}
/** Run by cli/commands/audit.ts. */
export interface AuditCommand extends ReportOptions {
    command: "audit";
    /** `pulumi stack export` files. */
    states: string[];
    /** Also audit Defender for Containers' inventory of running images. */
    runningImages: boolean;
}
export interface HelpCommand {
    command: "help";
    /** The command whose help was asked for; undefined for the overview. */
    topic?: string;
}
export interface VersionCommand {
    command: "version";
}
export type Command = PreviewCommand | CheckCommand | AuditCommand | RegexCommand | HelpCommand | VersionCommand;

const REPORT_FLAGS = `report options (every command that judges):
  --policy-config FILE   policy config JSON, as pulumi preview --policy-pack-config takes it
  --policy-pack DIR      the policy pack to run (default: the imagegate pack)
  --format FORMAT        text (default), json, sarif (2.1.0, for code scanning), junit, github
                         (workflow commands: ::error file=…,line=…::…)
  --output FILE          write the report to FILE instead of stdout
  --fail-on LEVEL        mandatory (default), advisory or none: exit 1 when a finding at or above LEVEL exists
  --include-inputs       json: include every resource's inputs (left out by default: they can be large)
  --no-color             no colour in text output (also: NO_COLOR set, or stdout not a terminal)
  --quiet                no progress on stderr
  -h, --help             this help`;

const EXIT_CODES = `exit codes: 0 nothing at or above --fail-on, 1 a finding at or above --fail-on,
            2 usage, config, program or input error (input that could not be judged)`;

export const COMMAND_USAGE: Record<string, string> = {
    preview: `usage: imagegate preview [--program DIR] [--stack NAME] [report options]

Runs a Pulumi TypeScript/JavaScript program under Pulumi's mocks and sends every resource it
registers through the policy pack as \`pulumi preview --policy-pack\` does.

  --program DIR          the Pulumi project directory (default: .)
  --stack NAME           the stack whose Pulumi.<stack>.yaml config the program reads (default: dev)

${REPORT_FLAGS}

${EXIT_CODES}`,
    check: `usage: imagegate check FILE|DIR|- ... [--ignore GLOB]... [report options]

Judges Kubernetes YAML as kubectl reads it: plain manifests, \`helm template\` output,
\`kubectl get -o yaml|json\` output. Directories are searched for *.yaml/*.yml, skipping hidden
directories and node_modules; \`-\` reads standard input:

  helm template release ./chart | imagegate check -
  kubectl get pods -A -o json | imagegate check -

  --ignore GLOB          leave out files and directories matching GLOB (repeatable), e.g. 'charts/*/templates/**'

${REPORT_FLAGS}

${EXIT_CODES}`,
    audit: `usage: imagegate audit --state FILE [--state FILE ...] [--running-images] [report options]

Re-judges every image the deployments run by today's gates, evidence and policy config: from
\`pulumi stack export\` files, and with --running-images from Defender for Containers' inventory.
Text groups by stack or cluster and image; json carries since and the fix (what a scheduled job
reads); sarif, junit and github as for check. For a live cluster: kubectl get pods -A -o json | imagegate check -

  --state FILE           \`pulumi stack export\` output (repeatable); each resource's outputs are read
  --running-images       also audit what Defender for Containers sees running (Azure Resource Graph,
                         the subscriptions of scanned-images' defender config)

${REPORT_FLAGS}

${EXIT_CODES}`,
};

export const USAGE = `usage: imagegate <command> [options]

commands:
  preview                 judge a Pulumi program's resources (under Pulumi's mocks)
  check FILE|DIR|-        judge Kubernetes YAML (manifests, helm template output, kubectl output)
  audit --state FILE...   re-judge what is deployed (stack exports, running images) by today's evidence
  allowed-images-regex    print the admission regex (or Gatekeeper CEL) for a registry list
  help [COMMAND]          this help, or a command's

  imagegate <command> --help    a command's options
  imagegate --version           the version

${EXIT_CODES}`;

/** The shared report flags, as parseArgs options. */
export const REPORT_OPTIONS = {
    "policy-config": { type: "string" },
    "policy-pack": { type: "string" },
    format: { type: "string", default: "text" },
    output: { type: "string", short: "o" },
    "fail-on": { type: "string", default: "mandatory" },
    "include-inputs": { type: "boolean", default: false },
    "no-color": { type: "boolean", default: false },
    quiet: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
} as const;

function oneOf<T extends string>(flag: string, allowed: readonly T[], v: string | undefined): T {
    if (!(allowed as readonly string[]).includes(v ?? "")) throw new UsageError(`${flag} must be one of ${allowed.join(", ")}, given: ${JSON.stringify(v)}`);
    return v as T;
}

/** The shared report flags from parseArgs values. */
export function reportOptions(values: Record<string, string | boolean | string[] | undefined>): ReportOptions {
    const output = values.output as string | undefined;
    if (output !== undefined && output.trim() === "") throw new UsageError("--output needs a file name");
    return {
        policyConfig: values["policy-config"] as string | undefined,
        policyPack: values["policy-pack"] as string | undefined,
        format: oneOf("--format", FORMATS, values.format as string | undefined),
        output,
        failOn: oneOf("--fail-on", FAIL_ON, values["fail-on"] as string | undefined),
        color: !values["no-color"],
        includeInputs: values["include-inputs"] === true,
        quiet: values.quiet === true,
    };
}

function parseCommandArgs(cmd: string, rest: string[]): Command {
    switch (cmd) {
        case "preview": {
            const { values, positionals } = parseArgs({
                args: rest,
                options: { ...REPORT_OPTIONS, program: { type: "string", default: "." }, stack: { type: "string", default: "dev" } },
                allowPositionals: true,
            });
            if (values.help) return { command: "help", topic: cmd };
            if (positionals.length) throw new UsageError(`preview takes no arguments, given: ${positionals.join(" ")}`, cmd);
            if (!/^[A-Za-z0-9_.-]+$/.test(values.stack!)) throw new UsageError(`--stack ${JSON.stringify(values.stack)} is not a stack name`, cmd);
            return { command: "preview", program: values.program!, stack: values.stack!, ...reportOptions(values) };
        }
        case "check": {
            const { values, positionals } = parseArgs({
                args: rest,
                options: { ...REPORT_OPTIONS, ignore: { type: "string", multiple: true, default: [] } },
                allowPositionals: true,
            });
            if (values.help) return { command: "help", topic: cmd };
            if (!positionals.length) throw new UsageError("check needs at least one FILE, DIR or - (standard input)", cmd);
            if (positionals.filter((p) => p === "-").length > 1) throw new UsageError("standard input (-) can be read once", cmd);
            return { command: "check", paths: positionals, ignore: values.ignore!, ...reportOptions(values) };
        }
        case "audit": {
            const { values, positionals } = parseArgs({
                args: rest,
                options: { ...REPORT_OPTIONS, state: { type: "string", multiple: true, default: [] }, "running-images": { type: "boolean", default: false } },
                allowPositionals: true,
            });
            if (values.help) return { command: "help", topic: cmd };
            if (positionals.length) throw new UsageError(`audit takes its files as --state FILE, given: ${positionals.join(" ")}`, cmd);
            if (values.state!.length === 0 && !values["running-images"]) {
                throw new UsageError("audit needs at least one --state FILE (the output of `pulumi stack export`) or --running-images", cmd);
            }
            return { command: "audit", states: values.state!, runningImages: values["running-images"]!, ...reportOptions(values) };
        }
        case "allowed-images-regex":
            return { command: "allowed-images-regex", argv: rest };
        case "help":
        case "--help":
        case "-h":
            if (rest[0] !== undefined && !(rest[0] in COMMAND_USAGE) && rest[0] !== "allowed-images-regex") throw new UsageError(`no help for unknown command ${JSON.stringify(rest[0])}`);
            return { command: "help", topic: rest[0] };
        case "version":
        case "--version":
        case "-V":
            return { command: "version" };
        case undefined:
            throw new UsageError("no command given");
        default:
            throw new UsageError(`unknown command ${JSON.stringify(cmd)}`);
    }
}

export function parseCommand(argv: string[]): Command {
    const [cmd, ...rest] = argv;
    try {
        return parseCommandArgs(cmd, rest);
    } catch (e) {
        if (e instanceof UsageError) throw e;
        // parseArgs' own errors (unknown option, missing value) name the flag already.
        throw new UsageError((e as Error).message, cmd in COMMAND_USAGE ? cmd : undefined);
    }
}
