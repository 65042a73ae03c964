/** Measurements of a pack process through the Analyzer protocol: throughput, peak memory, cold start. */
import * as fs from "fs";
import { AnalyzerHarness } from "../cli/harness/client";
import { launchPack } from "../cli/harness/launch";
import type { PolicyConfigFile } from "../cli/harness/policy-config";
import type { AnalyzeStackResource } from "../cli/harness/types";

/** Peak resident set (VmHWM) of a process, in MiB, from /proc. */
export function peakRssMiB(pid: number): number {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(status);
    if (!m) throw new Error(`no VmHWM in /proc/${pid}/status`);
    return Number(m[1]) / 1024;
}

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat. */
export function cpuMs(pid: number): number {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) start at field 3; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS;
}
// USER_HZ: 100 on every Linux architecture Node supports.
const CLOCK_TICKS = 100;

export interface ThroughputResult {
    ms: number;
    /** CPU time the pack process spent during the run (less sensitive to a busy machine than wall time). */
    packCpuMs: number;
    peakMiB: number;
    diagnostics: number;
}

/** A fresh pack judges `resources` one Analyze at a time, then AnalyzeStack, as a preview does. */
export async function throughput(packDir: string, resources: AnalyzeStackResource[], config: PolicyConfigFile): Promise<ThroughputResult> {
    const h = await AnalyzerHarness.launch({ packDir, project: "bench", stack: "bench" });
    try {
        await h.configureFromFile(config);
        let diagnostics = 0;
        const cpu0 = cpuMs(h.pid);
        const t0 = process.hrtime.bigint();
        for (const r of resources) diagnostics += (await h.analyze(r)).diagnostics.length;
        diagnostics += (await h.analyzeStack(resources)).diagnostics.length;
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        const packCpuMs = cpuMs(h.pid) - cpu0;
        const peakMiB = peakRssMiB(h.pid);
        if (h.protocolErrors().length) throw new Error(`${packDir} wrote to stdout: ${h.protocolErrors()[0]}`);
        return { ms, packCpuMs, peakMiB, diagnostics };
    } finally {
        await h.close();
    }
}

/** Milliseconds from spawn to the port line. */
export async function coldStart(packDir: string): Promise<number> {
    const p = await launchPack({ packDir, startTimeoutMs: 120_000 });
    p.child.kill("SIGKILL");
    await p.exited;
    return p.startMs;
}

export function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
