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

export function cli(args: string[], timeoutMs = 120_000): Promise<CliResult> {
    if (!fs.existsSync(path.join(ROOT, "dist", "cli", "main.js"))) throw new Error("dist/cli/main.js is missing: run `npm run build` first");
    return new Promise((resolve) => {
        execFile(process.execPath, ["bin/imagegate.js", ...args], { cwd: ROOT, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
            resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr });
        });
    });
}
