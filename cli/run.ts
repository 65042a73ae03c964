/**
 * The shared run of `preview` and `check`: launch the pack, reconcile and send its config, judge
 * the resources, build the report.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { AnalyzerHarness } from "./harness/client";
import { reconcilePolicyConfig, type PolicyConfigFile } from "./harness/policy-config";
import { judge, type JudgedResource, type JudgeOptions } from "./judge";
import type { InputError, Report } from "./report/model";

/** A problem the user must fix before anything can be judged (exit 2). */
export class ConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ConfigError";
    }
}

/** The imagegate package root (holds policies/), found from this module's location. */
export function packageRoot(): string {
    let dir = __dirname;
    for (;;) {
        const pkg = path.join(dir, "package.json");
        if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, "utf8")).name === "imagegate") return dir;
        const up = path.dirname(dir);
        if (up === dir) throw new Error("cannot find the imagegate package root");
        dir = up;
    }
}

export function toolVersion(): string {
    return JSON.parse(fs.readFileSync(path.join(packageRoot(), "package.json"), "utf8")).version;
}

export function readPolicyConfigFile(file: string | undefined): PolicyConfigFile {
    if (!file) return {};
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new ConfigError(`--policy-config ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
    }
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch (e) {
        throw new ConfigError(`--policy-config ${file}: not valid JSON: ${(e as Error).message}`);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw new ConfigError(`--policy-config ${file}: must be a JSON object of policy names`);
    return value as PolicyConfigFile;
}

/** `version:` of PulumiPolicy.yaml wins over the pack's own, as in the Pulumi CLI. */
function manifestVersion(packDir: string): string | undefined {
    try {
        const v = (parse(fs.readFileSync(path.join(packDir, "PulumiPolicy.yaml"), "utf8")) as { version?: unknown } | null)?.version;
        return typeof v === "string" || typeof v === "number" ? String(v) : undefined;
    } catch {
        return undefined;
    }
}

export interface RunInput {
    command: Report["command"];
    packDir: string;
    policyConfig: PolicyConfigFile;
    /**
     * Resolves to the resources (lets the pack start while the program runs): an array, or a stream
     * read as the pack judges it (its `errors` array then fills as it is read).
     */
    resources: Promise<{ resources: Iterable<JudgedResource>; errors: InputError[]; stackUrn?: string }>;
    /** Each resource's findings as they arrive (see JudgeOptions.onJudged). */
    onJudged?: JudgeOptions["onJudged"];
    project?: string;
    stack?: string;
    stackConfig?: Record<string, string>;
    progress?: (text: string) => void;
}

/** Objects a stream is read ahead while the pack starts (the CLI would wait idle; bounded, so a stream is never all held). */
export const READ_AHEAD = 2000;

/** Reads `source` in small steps between other work until stopped or READ_AHEAD; `rest()` is what was read, then the remainder. */
function readAhead(source: Iterable<JudgedResource>): { stop(): void; rest(): Iterable<JudgedResource> } {
    const it = source[Symbol.iterator]();
    const read: JudgedResource[] = [];
    let stopped = false;
    let ended = false;
    let failure: { error: unknown } | undefined;
    const step = () => {
        try {
            for (let i = 0; i < 50 && !stopped && read.length < READ_AHEAD; i++) {
                const n = it.next();
                if (n.done) {
                    ended = true;
                    return;
                }
                read.push(n.value);
            }
        } catch (error) {
            failure = { error };
            return;
        }
        if (!stopped && read.length < READ_AHEAD) setImmediate(step);
    };
    setImmediate(step);
    return {
        stop: () => {
            stopped = true;
        },
        *rest() {
            yield* read.splice(0);
            if (failure) throw failure.error;
            if (!ended) yield* { [Symbol.iterator]: () => it };
        },
    };
}

export async function runPack(input: RunInput): Promise<Report> {
    const launching = AnalyzerHarness.launch({
        packDir: input.packDir,
        project: input.project ?? "imagegate",
        stack: input.stack ?? "dev",
        stackConfig: input.stackConfig,
        dryRun: true,
    });
    // Whichever fails first, the pack must not be left running.
    let loaded: Awaited<RunInput["resources"]>;
    try {
        loaded = await input.resources;
    } catch (e) {
        launching.then((h) => h.close(), () => undefined);
        throw e;
    }
    const ahead = Array.isArray(loaded.resources) ? undefined : readAhead(loaded.resources);
    let harness: AnalyzerHarness;
    try {
        harness = await launching;
    } finally {
        ahead?.stop();
    }
    if (ahead) loaded = { ...loaded, resources: ahead.rest() };
    try {
        const info = await harness.getAnalyzerInfo();
        info.version = manifestVersion(input.packDir) ?? info.version;
        let config;
        try {
            config = reconcilePolicyConfig(info, input.policyConfig);
        } catch (e) {
            throw new ConfigError((e as Error).message);
        }
        try {
            await harness.configureStack({
                stack: input.stack ?? "dev",
                project: input.project ?? "imagegate",
                organization: "organization",
                dryRun: true,
                config: input.stackConfig,
            });
        } catch (e) {
            // The CLI tolerates packs that predate ConfigureStack.
            if ((e as { code?: number }).code !== 12) throw e;
        }
        try {
            await harness.configure(config);
        } catch (e) {
            throw new ConfigError(`policy pack ${info.name} rejected its config: ${(e as Error).message.replace(/^configure: /, "")}`);
        }
        // A stream's size is known only at its end: progress every 10% when known, else every 1,000.
        const known = Array.isArray(loaded.resources) ? loaded.resources.filter((r) => r.custom !== false).length : undefined;
        const step = known !== undefined ? Math.max(1, Math.ceil(known / 10)) : 1000;
        const judged = await judge(harness, config, loaded.resources, {
            stackUrn: loaded.stackUrn,
            onJudged: input.onJudged,
            onProgress: (done, total) => {
                const of = known ?? total;
                const big = (of ?? done) >= 200;
                if (big && (done % step === 0 || done === of)) input.progress?.(`imagegate: judged ${done}${of !== undefined ? `/${of}` : ""} resources`);
            },
        });
        return {
            command: input.command,
            pack: { name: info.name, version: info.version },
            policies: info.policies,
            resources: judged.resources,
            findings: judged.findings,
            errors: loaded.errors,
        };
    } catch (e) {
        const tail = harness.stderr().trim();
        if (tail && !(e instanceof ConfigError)) (e as Error).message += `\n--- policy pack stderr ---\n${tail.slice(-4000)}`;
        throw e;
    } finally {
        await harness.close();
    }
}
