/**
 * Registry client benchmark: N distinct images pushed to a loopback docker-registry, then resolved
 * by tag through a TCP proxy adding fixed latency to every request, with bounded concurrency. The floor is
 * images × latency ÷ concurrency (perfect pipelining); the target is a wall time within 1.5× of it,
 * and one request per image (plus the token flow's auth requests in token mode).
 *
 * The registry itself also takes time: on a small, busy machine docker-registry serves a few hundred
 * manifests a second, which can exceed the latency floor. So each mode is also run without added
 * latency (the server-bound baseline), and the effective floor is the larger of the two: a client
 * that pipelines perfectly can go no faster than either.
 */
import { createRegistryClient } from "../core/registry";
import { startLatencyProxy, startRegistry, RegistryMode, TestRegistry } from "../test/support/registry";

export interface RegistryBenchRow {
    readonly mode: RegistryMode;
    readonly images: number;
    readonly latencyMs: number;
    readonly concurrency: number;
    readonly wallMs: number;
    /** images × latency ÷ concurrency. */
    readonly floorMs: number;
    /** wallMs ÷ floorMs. */
    readonly ratio: number;
    /** Wall time of the same resolutions without added latency (what the registry alone allows). */
    readonly baselineMs: number;
    /** wallMs ÷ max(floorMs, baselineMs); target ≤ 1.5. */
    readonly effectiveRatio: number;
    /** CPU the benchmark process (the client) used during the latency run. */
    readonly clientCpuMs: number;
    readonly requests: number;
    readonly authRequests: number;
    readonly cacheHits: number;
}

export interface RegistryBenchResult {
    readonly rows: readonly RegistryBenchRow[];
    readonly target: number;
    readonly pass: boolean;
    readonly markdown: string;
}

export interface RegistryBenchOptions {
    readonly images?: number;
    /** Added latencies to run (each against the same pushed images). Default [20, 100]. */
    readonly latencies?: readonly number[];
    readonly concurrency?: number;
    readonly modes?: readonly RegistryMode[];
}

const TARGET = 1.5;

async function pushMany(reg: TestRegistry, repo: string, n: number, parallel = 8): Promise<string[]> {
    const tags = Array.from({ length: n }, (_, i) => `v${i}`);
    let next = 0;
    await Promise.all(Array.from({ length: parallel }, async () => {
        while (next < tags.length) {
            const tag = tags[next++];
            await reg.pushImage(repo, tag);
        }
    }));
    return tags;
}

async function runMode(mode: RegistryMode, images: number, latencies: readonly number[], concurrency: number): Promise<RegistryBenchRow[]> {
    const reg = await startRegistry({ mode });
    try {
        const tags = await pushMany(reg, "bench/app", images);
        const env = { BENCH_PASSWORD: reg.password };
        const auth = mode === "open" ? { type: "anonymous" as const } : { type: "basic" as const, username: reg.username!, passwordEnv: "BENCH_PASSWORD" };
        /** Resolves every tag through a proxy adding `latency`, with a fresh client (cold caches). */
        const timed = async (latency: number) => {
            const proxy = await startLatencyProxy(reg, latency);
            try {
                const client = createRegistryClient([{ host: proxy.host, auth }], { concurrency, env });
                const repo = client.repository(proxy.host, "bench/app")!;
                const cpu0 = process.cpuUsage();
                const t0 = process.hrtime.bigint();
                await Promise.all(tags.map((t) => repo.resolve(t)));
                const cpu = process.cpuUsage(cpu0);
                return { wallMs: Number(process.hrtime.bigint() - t0) / 1e6, cpuMs: (cpu.user + cpu.system) / 1000, stats: client.stats() };
            } finally {
                await proxy.stop();
            }
        };
        const baseline = await timed(0);
        const rows: RegistryBenchRow[] = [];
        for (const latencyMs of latencies) {
            const { wallMs, cpuMs, stats: s } = await timed(latencyMs);
            const floorMs = (images * latencyMs) / concurrency;
            rows.push({
                mode, images, latencyMs, concurrency, wallMs, floorMs, ratio: wallMs / floorMs, baselineMs: baseline.wallMs,
                effectiveRatio: wallMs / Math.max(floorMs, baseline.wallMs), clientCpuMs: cpuMs, requests: s.requests, authRequests: s.authRequests, cacheHits: s.cacheHits,
            });
        }
        return rows;
    } finally {
        await reg.stop();
    }
}

function table(rows: readonly RegistryBenchRow[]): string {
    const lines = [
        "| registry | images | latency | concurrency | wall (ms) | latency floor (ms) | wall ÷ floor | no-latency baseline (ms) | wall ÷ max(floor, baseline) | client CPU (ms) | requests | of which auth |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ...rows.map((r) => `| ${r.mode} | ${r.images} | ${r.latencyMs} ms | ${r.concurrency} | ${r.wallMs.toFixed(0)} | ${r.floorMs.toFixed(0)} | ${r.ratio.toFixed(2)} | ${r.baselineMs.toFixed(0)} | ${r.effectiveRatio.toFixed(2)} | ${r.clientCpuMs.toFixed(0)} | ${r.requests} | ${r.authRequests} |`),
    ];
    return lines.join("\n");
}

export async function benchRegistry(options: RegistryBenchOptions = {}): Promise<RegistryBenchResult> {
    const images = options.images ?? 500;
    const latencies = options.latencies ?? [20, 100];
    const concurrency = options.concurrency ?? 16;
    const rows: RegistryBenchRow[] = [];
    for (const mode of options.modes ?? (["open", "token"] as const)) rows.push(...await runMode(mode, images, latencies, concurrency));
    return { rows, target: TARGET, pass: rows.every((r) => r.effectiveRatio <= TARGET), markdown: table(rows) };
}

if (require.main === module) {
    benchRegistry().then((r) => { process.stderr.write(r.markdown + "\n"); }, (e) => { process.stderr.write(String(e?.stack ?? e) + "\n"); process.exitCode = 1; });
}
