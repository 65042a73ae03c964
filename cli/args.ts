/** Command-line parsing for `imagegate` (node:util parseArgs, strict: unknown flags are errors). */
import { parseArgs } from "util";

export type Format = "text" | "json" | "sarif";
const FORMATS: readonly Format[] = ["text", "json", "sarif"];

export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

export interface CommonOptions {
    policyConfig?: string;
    policyPack?: string;
    format: Format;
    quiet: boolean;
}
export interface PreviewCommand extends CommonOptions {
    command: "preview";
    program: string;
    stack: string;
}
export interface CheckCommand extends CommonOptions {
    command: "check";
    paths: string[];
}
/** Parsed by the command itself (cli/commands/allowed-images-regex.ts). */
export interface RegexCommand {
    command: "allowed-images-regex";
    argv: string[];
}
/** Parsed by the command itself (cli/commands/audit.ts). */
export interface AuditCommand {
    command: "audit";
    argv: string[];
}
export interface HelpCommand {
    command: "help";
}
export type Command = PreviewCommand | CheckCommand | RegexCommand | AuditCommand | HelpCommand;

export const USAGE = `usage:
  imagegate preview [--program DIR] [--stack NAME] [--policy-config FILE] [--policy-pack DIR] [--format text|json|sarif] [--quiet]
  imagegate check FILE|DIR|- ... [--policy-config FILE] [--policy-pack DIR] [--format text|json|sarif] [--quiet]
  imagegate audit --state FILE... [--running-images] [--policy-config FILE] [--format text|json|sarif] [--fail-on mandatory|advisory|none] [--output FILE]
  imagegate allowed-images-regex [--allow-tags] [--gatekeeper] REGISTRY...

exit codes: 0 no mandatory violation, 1 mandatory violation, 2 usage, config, program or input error`;

const common = {
    "policy-config": { type: "string" },
    "policy-pack": { type: "string" },
    format: { type: "string", default: "text" },
    quiet: { type: "boolean", default: false },
} as const;

function format(v: string | undefined): Format {
    if (!(FORMATS as readonly string[]).includes(v ?? "")) throw new UsageError(`--format must be one of ${FORMATS.join(", ")}, given: ${JSON.stringify(v)}`);
    return v as Format;
}

export function parseCommand(argv: string[]): Command {
    const [cmd, ...rest] = argv;
    try {
        switch (cmd) {
            case "preview": {
                const { values, positionals } = parseArgs({
                    args: rest,
                    options: { ...common, program: { type: "string", default: "." }, stack: { type: "string", default: "dev" } },
                    allowPositionals: true,
                });
                if (positionals.length) throw new UsageError(`preview takes no arguments, given: ${positionals.join(" ")}`);
                if (!/^[A-Za-z0-9_.-]+$/.test(values.stack!)) throw new UsageError(`--stack ${JSON.stringify(values.stack)} is not a stack name`);
                return {
                    command: "preview",
                    program: values.program!,
                    stack: values.stack!,
                    policyConfig: values["policy-config"],
                    policyPack: values["policy-pack"],
                    format: format(values.format),
                    quiet: values.quiet!,
                };
            }
            case "check": {
                const { values, positionals } = parseArgs({ args: rest, options: common, allowPositionals: true });
                if (!positionals.length) throw new UsageError("check needs at least one FILE or DIR");
                return {
                    command: "check",
                    paths: positionals,
                    policyConfig: values["policy-config"],
                    policyPack: values["policy-pack"],
                    format: format(values.format),
                    quiet: values.quiet!,
                };
            }
            case "allowed-images-regex":
                return { command: "allowed-images-regex", argv: rest };
            case "audit":
                return { command: "audit", argv: rest };
            case "help":
            case "--help":
            case "-h":
                return { command: "help" };
            case undefined:
                throw new UsageError("no command given");
            default:
                throw new UsageError(`unknown command ${JSON.stringify(cmd)}`);
        }
    } catch (e) {
        if (e instanceof UsageError) throw e;
        // parseArgs' own errors (unknown option, missing value) name the flag already.
        throw new UsageError((e as Error).message);
    }
}
