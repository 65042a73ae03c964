/**
 * `node dist/bench/profile.js [N]`: CPU profiles of the imagegate pack and the no-op pack while they
 * judge N workload resources, summarized as self time per module. Profiles stay in a temp dir.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AnalyzerHarness } from "../cli/harness/client";
import { workloads } from "./workloads";

const ROOT = path.resolve(__dirname, "..", "..");

interface ProfileNode {
    id: number;
    callFrame: { functionName: string; url: string };
}
interface Profile {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
}

/** Self time (ms) per module directory, and the total busy time (idle excluded). */
export function summarize(profile: Profile): { busyMs: number; byModule: [string, number][] } {
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const byModule = new Map<string, number>();
    let busy = 0;
    profile.samples.forEach((id, i) => {
        const n = byId.get(id)!;
        const us = profile.timeDeltas[i] ?? 0;
        if (n.callFrame.functionName === "(idle)") return;
        busy += us;
        const url = n.callFrame.url.replace(/^file:\/\//, "");
        const key = !url ? n.callFrame.functionName || "(native)" : url.includes("node_modules/") ? url.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, "$1") : url.startsWith("node:") ? "node internals" : path.relative(ROOT, path.dirname(url));
        byModule.set(key, (byModule.get(key) ?? 0) + us);
    });
    return { busyMs: busy / 1000, byModule: [...byModule].map(([k, v]): [string, number] => [k, v / 1000]).sort((a, b) => b[1] - a[1]) };
}

async function profileOne(packDir: string, n: number, config: Record<string, unknown>, outDir: string): Promise<Profile> {
    const preload = path.join(outDir, "exit-on-term.js");
    // --cpu-prof writes its file on a normal exit only; turn the harness's SIGTERM into one.
    fs.writeFileSync(preload, 'process.on("SIGTERM", () => process.exit(0));\n');
    const dir = fs.mkdtempSync(path.join(outDir, "prof-"));
    const h = await AnalyzerHarness.launch({ packDir, nodeArgs: ["--require", preload, "--cpu-prof", `--cpu-prof-dir=${dir}`] });
    try {
        await h.configureFromFile(config);
        const resources = workloads(n);
        for (const r of resources) await h.analyze(r);
        await h.analyzeStack(resources);
    } finally {
        await h.close();
    }
    const file = fs.readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
    if (!file) throw new Error(`no CPU profile written for ${packDir}`);
    return JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"));
}

async function main(): Promise<void> {
    const n = Number(process.argv[2] ?? 3000);
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "imagegate-profile-"));
    const packs: [string, string, Record<string, unknown>][] = [
        ["imagegate", path.join(ROOT, "policies"), { "trusted-registries": { registries: ["contoso.azurecr.io", "mcr.microsoft.com/oss/"] } }],
        ["no-op", path.join(ROOT, "test", "fixtures", "packs", "noop"), {}],
    ];
    for (const [name, dir, config] of packs) {
        const s = summarize(await profileOne(dir, n, config, outDir));
        process.stdout.write(`${name}: ${s.busyMs.toFixed(0)} ms busy for ${n} resources\n`);
        for (const [k, ms] of s.byModule.slice(0, 10)) process.stdout.write(`  ${ms.toFixed(0).padStart(6)} ms  ${k}\n`);
    }
    process.stdout.write(`profiles: ${outDir}\n`);
}

if (require.main === module) {
    main().catch((e) => {
        process.stderr.write(`profile failed: ${(e as Error).stack ?? e}\n`);
        process.exit(1);
    });
}
