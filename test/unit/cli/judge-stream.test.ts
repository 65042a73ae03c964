/**
 * judge() on a stream (how `check` reads manifests): resources are pulled only as the in-flight
 * window frees up, answers that come back out of order still give findings in resource order,
 * and AnalyzeStack sees every resource once the stream has ended.
 */
import type { AnalyzerHarness } from "../../../cli/harness/client";
import type { AnalyzeResult } from "../../../cli/harness/types";
import { judge, JUDGE_CONCURRENCY, type JudgedResource } from "../../../cli/judge";

function resource(i: number): JudgedResource {
    return { type: "kubernetes:core/v1:Pod", name: `p${i}`, urn: `urn:pulumi:check::manifests::kubernetes:core/v1:Pod::p${i}`, properties: { i } };
}

function diagnostic(message: string): AnalyzeResult["diagnostics"][number] {
    return { policyName: "p", policyPackName: "fake", policyPackVersion: "1", description: "d", message, enforcementLevel: "mandatory", urn: "", severity: "high" };
}

describe("judge on a stream", () => {
    it("holds at most the window, answers out of order, reports in order, and ends with AnalyzeStack over all", async () => {
        const N = JUDGE_CONCURRENCY * 5 + 3;
        let pulled = 0;
        let answered = 0;
        let widest = 0;
        function* source(): Generator<JudgedResource> {
            for (let i = 0; i < N; i++) {
                pulled++;
                widest = Math.max(widest, pulled - answered);
                yield resource(i);
            }
        }
        let stackSaw: string[] = [];
        const harness = {
            // Answers come back out of order (each after a different number of turns).
            analyze: async (res: JudgedResource) => {
                const i = (res.properties as { i: number }).i;
                await new Promise((r) => setImmediate(r));
                for (let k = 0; k < (N - i) % 7; k++) await Promise.resolve();
                answered++;
                return { diagnostics: i % 2 ? [diagnostic(`bad ${i}`)] : [], notApplicable: [] };
            },
            analyzeStack: async (all: JudgedResource[]) => {
                stackSaw = all.map((r) => r.name);
                return { diagnostics: [diagnostic("stack")], notApplicable: [] };
            },
        } as unknown as AnalyzerHarness;
        const progress: Array<[number, number | undefined]> = [];
        const out = await judge(harness, {}, source(), { onProgress: (d, t) => progress.push([d, t]) });
        expect(widest).toBeLessThanOrEqual(JUDGE_CONCURRENCY);
        expect(out.resources.map((r) => r.name)).toEqual(Array.from({ length: N }, (_, i) => `p${i}`));
        expect(stackSaw).toEqual(out.resources.map((r) => r.name));
        const expected = Array.from({ length: N }, (_, i) => i).filter((i) => i % 2).map((i) => `bad ${i}`);
        expect(out.findings.map((f) => f.message)).toEqual([...expected, "stack"]);
        expect(out.findings[0].name).toBe("p1");
        expect(progress[progress.length - 1]).toEqual([N, N]);
    });
});
