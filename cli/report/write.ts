/**
 * The one place a report leaves the process, for every command: rendered in the chosen format,
 * to `--output FILE` or stdout, coloured only for a terminal that wants colour; and the exit code
 * `--fail-on` asks for.
 */
import * as fs from "fs";
import type { ReportOptions } from "../args";
import { formatGithub } from "./github";
import { formatJson } from "./json";
import { formatJunit } from "./junit";
import { exitCode, type Report } from "./model";
import { formatSarif } from "./sarif";
import { formatText } from "./text";

export interface ReportIo {
    stdout(text: string): void;
    stderr(text: string): void;
    /** Whether stdout is a terminal (colour is only for people). */
    isTTY?: boolean;
    env?: Record<string, string | undefined>;
}

/** A report that cannot be written (e.g. --output in a missing directory): exit 2, like bad config. */
export class OutputError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "OutputError";
    }
}

/**
 * A command's own rendering of a format the generic model cannot express (audit: text grouped by
 * stack and image, JSON with since and fix); every other format, the output, colour and exit code
 * stay the shared ones.
 */
export type Renderers = Partial<Record<ReportOptions["format"], (extra: { color: boolean }) => string>>;

export function render(report: Report, opts: Pick<ReportOptions, "format" | "failOn" | "includeInputs">, extra: { color?: boolean; toolVersion: string; cwd?: string; renderers?: Renderers }): string {
    const own = extra.renderers?.[opts.format];
    if (own) return own({ color: extra.color === true });
    switch (opts.format) {
        case "json":
            return formatJson(report, { includeInputs: opts.includeInputs });
        case "sarif":
            return formatSarif(report, { toolVersion: extra.toolVersion, cwd: extra.cwd });
        case "junit":
            return formatJunit(report, { failOn: opts.failOn });
        case "github":
            return formatGithub(report);
        case "text":
            return formatText(report, { color: extra.color });
    }
}

/** NO_COLOR (https://no-color.org): set and non-empty means no colour. */
export function wantsColor(opts: Pick<ReportOptions, "color" | "output">, io: ReportIo): boolean {
    const env = io.env ?? process.env;
    return opts.color && !opts.output && io.isTTY === true && !env.NO_COLOR;
}

/** Writes the report and returns the exit code. */
export function writeReport(report: Report, opts: ReportOptions, io: ReportIo, toolVersion: string, renderers?: Renderers): number {
    const text = render(report, opts, { color: wantsColor(opts, io), toolVersion, ...(renderers ? { renderers } : {}) });
    if (opts.output) {
        try {
            fs.writeFileSync(opts.output, text);
        } catch (e) {
            throw new OutputError(`--output ${opts.output}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such directory" : (e as Error).message}`);
        }
        if (!opts.quiet) io.stderr(`imagegate: report written to ${opts.output}\n`);
    } else io.stdout(text);
    return exitCode(report, opts.failOn);
}
