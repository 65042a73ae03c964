/**
 * Starts a policy pack the way the Pulumi CLI does for `runtime: nodejs` (the legacy
 * pulumi-analyzer-policy shim): `node run-policy-pack <engine> .` in the pack dir, stack settings in
 * the environment, the gRPC port as the only stdout line.
 */
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";

export interface LaunchOptions {
    /** The pack directory (with PulumiPolicy.yaml). */
    packDir: string;
    project?: string;
    stack?: string;
    organization?: string;
    dryRun?: boolean;
    /** Stack config, `<namespace>:<key>` → string value, as PULUMI_CONFIG carries it. */
    stackConfig?: Record<string, string>;
    /** Extra environment for the pack process. */
    env?: NodeJS.ProcessEnv;
    /** Extra node flags (e.g. `--cpu-prof`). */
    nodeArgs?: string[];
    /** How long the pack may take to print its port; default 60 s. */
    startTimeoutMs?: number;
}

export interface LaunchedPack {
    child: ChildProcess;
    port: number;
    /** Milliseconds from spawn to the port line. */
    startMs: number;
    /** Everything the pack wrote to stderr so far. */
    stderr(): string;
    /** stdout lines after the port: each one is a protocol violation. */
    protocolErrors(): string[];
    /** Resolves with the exit code / signal once the process has exited. */
    exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
    if (exitHookInstalled) return;
    exitHookInstalled = true;
    // A pack left running would hold its port and CPU after we are gone.
    process.on("exit", () => {
        for (const c of live) c.kill("SIGKILL");
    });
}

export function packRunner(packDir: string): string {
    try {
        return require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [packDir] });
    } catch {
        throw new Error(`policy pack ${packDir}: @pulumi/pulumi is not installed where the pack can load it`);
    }
}

export function launchPack(opts: LaunchOptions): Promise<LaunchedPack> {
    const packDir = path.resolve(opts.packDir);
    if (!fs.existsSync(path.join(packDir, "PulumiPolicy.yaml"))) {
        return Promise.reject(new Error(`policy pack ${packDir}: PulumiPolicy.yaml not found`));
    }
    let runner: string;
    try {
        runner = packRunner(packDir);
    } catch (e) {
        return Promise.reject(e);
    }
    installExitHook();
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), runner, "127.0.0.1:0", "."], {
        cwd: packDir,
        stdio: ["ignore", "pipe", "pipe"],
        env: {
            ...process.env,
            ...opts.env,
            PULUMI_CONFIG: JSON.stringify(opts.stackConfig ?? {}),
            PULUMI_PROJECT: opts.project ?? "imagegate",
            PULUMI_STACK: opts.stack ?? "dev",
            PULUMI_ORGANIZATION: opts.organization ?? "organization",
            PULUMI_DRY_RUN: String(opts.dryRun ?? true),
        },
    });
    live.add(child);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once("exit", (code, signal) => {
            live.delete(child);
            resolve({ code, signal });
        }),
    );
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (d: string) => {
        // Keep the tail only: a chatty pack must not grow our memory without bound.
        stderr = (stderr + d).slice(-1_000_000);
    });
    const extra: string[] = [];
    let buffered = "";
    let port: number | undefined;

    return new Promise<LaunchedPack>((resolve, reject) => {
        const timeoutMs = opts.startTimeoutMs ?? 60_000;
        const fail = (msg: string) => {
            clearTimeout(timer);
            child.kill("SIGKILL");
            const tail = stderr.trim() ? `\n--- pack stderr ---\n${stderr.trim().slice(-4000)}` : "";
            reject(new Error(`policy pack ${packDir}: ${msg}${tail}`));
        };
        const timer = setTimeout(() => fail(`did not print its port within ${timeoutMs} ms`), timeoutMs);
        child.once("error", (e) => fail(`could not be started: ${e.message}`));
        exited.then(({ code, signal }) => {
            if (port === undefined) fail(`exited (${signal ?? `code ${code}`}) before printing its port`);
        });
        child.stdout!.setEncoding("utf8").on("data", (d: string) => {
            buffered += d;
            let nl: number;
            while ((nl = buffered.indexOf("\n")) >= 0) {
                const line = buffered.slice(0, nl).replace(/\r$/, "");
                buffered = buffered.slice(nl + 1);
                if (port !== undefined) {
                    extra.push(line);
                    continue;
                }
                if (!/^\d{1,5}$/.test(line) || Number(line) < 1 || Number(line) > 65535) {
                    extra.push(line);
                    fail(`wrote ${JSON.stringify(line.slice(0, 200))} to stdout before its port; stdout must carry only the port`);
                    return;
                }
                port = Number(line);
                clearTimeout(timer);
                resolve({
                    child,
                    port,
                    startMs: Number(process.hrtime.bigint() - started) / 1e6,
                    stderr: () => stderr,
                    protocolErrors: () => [...extra, ...(buffered ? [buffered] : [])],
                    exited,
                });
            }
        });
    });
}
