/**
 * The shared run of `preview` and `check`: launch the pack, reconcile and send its config, judge
 * the resources, build the report.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { AnalyzerHarness } from "./harness/client";
import { reconcilePolicyConfig, type PolicyConfigFile } from "./harness/policy-config";
import { judge, type JudgedResource } from "./judge";
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
    /** Resolves to the resources (lets the pack start while the program runs). */
    resources: Promise<{ resources: JudgedResource[]; errors: InputError[]; stackUrn?: string }>;
    project?: string;
    stack?: string;
    stackConfig?: Record<string, string>;
    progress?: (text: string) => void;
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
    const harness = await launching;
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
        const total = loaded.resources.filter((r) => r.custom !== false).length;
        const step = Math.max(1, Math.ceil(total / 10));
        const findings = await judge(harness, config, loaded.resources, {
            stackUrn: loaded.stackUrn,
            onProgress: (done) => {
                if (total >= 200 && (done % step === 0 || done === total)) input.progress?.(`imagegate: judged ${done}/${total} resources`);
            },
        });
        return {
            command: input.command,
            pack: { name: info.name, version: info.version },
            policies: info.policies,
            resources: loaded.resources,
            findings,
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
