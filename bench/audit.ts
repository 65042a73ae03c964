/**
 * What `imagegate audit` costs on a large state, in one process (no registry: the gates that need
 * none judge each image; scanned-images and signed-images are off): reading the export
 * (JSON.parse, the floor any reader pays), validating it with secrets made opaque
 * (parseStackExport), and the whole audit (discovery over every resource's outputs, each distinct
 * image judged once, grouping). Figures are ratios against JSON.parse in the same run.
 */
import { parseStackExport, runAudit } from "../core/audit";
import { imageGateSettings } from "../core/gate/config";
import { createRegistryClient } from "../core/registry";
import { median } from "./measure";
import { workload } from "./workloads";

function exportText(n: number): string {
    const resources = Array.from({ length: n }, (_, i) => {
        const w = workload(i, "prod", "shop");
        // One resource in ten holds a secret: Pulumi's envelope, as `pulumi stack export` writes it.
        const outputs = i % 10 === 9
            ? { ...w.properties, metadata: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:AAAA" } }
            : w.properties;
        return { urn: w.urn, custom: true, type: w.type, id: `id-${i}`, outputs };
    });
    return JSON.stringify({ version: 3, deployment: { manifest: { time: "2026-11-20T10:00:00Z", magic: "", version: "v3.200.0" }, resources } });
}

function ms(t: bigint): number {
    return Number(process.hrtime.bigint() - t) / 1e6;
}

export async function benchAudit(sizes: readonly number[] = [1_000, 10_000], rounds = 3): Promise<string> {
    const gates = imageGateSettings({ "trusted-registries": { registries: ["contoso.azurecr.io", "mcr.microsoft.com/oss/"] } } as never, { baseDir: process.cwd() });
    const registry = createRegistryClient([]);
    const rows: string[] = [];
    for (const n of sizes) {
        const text = exportText(n);
        const parse: number[] = [], validate: number[] = [], audit: number[] = [];
        let failing = 0, unjudged = 0;
        for (let r = 0; r < rounds; r++) {
            let t = process.hrtime.bigint();
            const doc = JSON.parse(text);
            parse.push(ms(t));
            t = process.hrtime.bigint();
            const parsed = parseStackExport(doc, "bench.json");
            validate.push(ms(t));
            if (!parsed.ok) throw new Error(parsed.failure.message);
            t = process.hrtime.bigint();
            const report = await runAudit({
                stacks: [parsed.stack], gates, registry, now: new Date(),
                scan: { registry, reports: async () => ({ reports: [], byDigest: new Map(), warnings: [] }), now: () => new Date() },
            });
            audit.push(ms(t));
            failing = report.groups[0].failing.length;
            unjudged = report.groups[0].unjudged.length;
        }
        const p = median(parse), v = median(validate), a = median(audit);
        rows.push(`| ${n.toLocaleString("en-US")} | ${(text.length / 1048576).toFixed(1)} | ${p.toFixed(0)} | ${v.toFixed(0)} (${(v / p).toFixed(2)}) | ${a.toFixed(0)} (${(a / p).toFixed(2)}) | ${(a * 1000 / n).toFixed(0)} | ${failing.toLocaleString("en-US")} / ${unjudged.toLocaleString("en-US")} |`);
    }
    return [
        `| resources | export (MiB) | JSON.parse (ms) | parseStackExport (ms, ratio) | audit (ms, ratio) | audit µs per resource | failing images / not judged |`,
        "|---:|---:|---:|---:|---:|---:|---:|",
        ...rows,
    ].join("\n");
}
