/** Runs the built `imagegate` CLI (bin/imagegate.js → dist/) from the repository root, as a user would. */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";

export const ROOT = path.join(__dirname, "..", "..");

export interface CliResult {
    code: number;
    stdout: string;
    stderr: string;
}

export interface CliOptions {
    /** Written to the CLI's standard input (then closed); without it stdin is closed at once. */
    stdin?: string;
    env?: Record<string, string>;
}

export function cli(args: string[], timeoutMs = 120_000, opts: CliOptions = {}): Promise<CliResult> {
    if (!fs.existsSync(path.join(ROOT, "dist", "cli", "main.js"))) throw new Error("dist/cli/main.js is missing: run `npm run build` first");
    return new Promise((resolve) => {
        const child = execFile(
            process.execPath,
            ["bin/imagegate.js", ...args],
            { cwd: ROOT, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...opts.env } },
            (err, stdout, stderr) => {
                resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr });
            },
        );
        child.stdin?.end(opts.stdin ?? "");
    });
}
