/**
 * The per-preview lookup plumbing the network-backed policies share (policies/lib/lookups.ts):
 * promise memoization with a TTL, per-config contexts, and tick batching.
 */
import { Batcher, LookupCache, policyContext, resetPolicyContexts } from "../../../../policies/lib/lookups";

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe("LookupCache", () => {
    test("concurrent askers share one lookup; it is redone after the TTL", async () => {
        let now = 0;
        const cache = new LookupCache<number>(1000, () => now);
        let calls = 0;
        const compute = async () => { calls++; await tick(5); return calls; };
        const [a, b] = await Promise.all([cache.get("k", compute), cache.get("k", compute)]);
        expect([a, b, calls]).toEqual([1, 1, 1]);
        now = 999;
        expect(await cache.get("k", compute)).toBe(1);
        now = 1000;
        expect(await cache.get("k", compute)).toBe(2);
        expect({ asked: cache.asked, started: cache.started }).toEqual({ asked: 4, started: 2 });
    });

    test("a rejected lookup is not kept", async () => {
        const cache = new LookupCache<number>();
        await expect(cache.get("k", () => Promise.reject(new Error("down")))).rejects.toThrow("down");
        await tick();
        expect(await cache.get("k", async () => 7)).toBe(7);
    });
});

describe("policyContext", () => {
    beforeEach(() => resetPolicyContexts());
    test("one context per policy and config; another config gets its own; old ones are dropped", () => {
        let made = 0;
        const make = () => ({ id: ++made });
        const a = policyContext("p", "{}", make);
        expect(policyContext("p", "{}", make)).toBe(a);
        expect(policyContext("q", "{}", make)).not.toBe(a);
        for (let i = 0; i < 4; i++) policyContext("p", `{"i":${i}}`, make);
        expect(policyContext("p", "{}", make)).not.toBe(a);
    });
});

describe("Batcher", () => {
    test("keys asked within one tick share one call; every caller gets its answer", async () => {
        const calls: string[][] = [];
        const batcher = new Batcher<string, string>(async (keys) => {
            calls.push([...keys]);
            return (k) => k.toUpperCase();
        }, () => "error");
        const answers = await Promise.all(["a", "b", "a"].map((k) => batcher.get(k)));
        expect(answers).toEqual(["A", "B", "A"]);
        expect(calls).toEqual([["a", "b"]]);
        expect(await batcher.get("c")).toBe("C");
        expect(calls).toHaveLength(2);
    });

    test("a batch that throws answers every caller with the error value", async () => {
        const batcher = new Batcher<string, string>(async () => { throw new Error("boom"); }, (e) => `failed: ${(e as Error).message}`);
        expect(await Promise.all([batcher.get("a"), batcher.get("b")])).toEqual(["failed: boom", "failed: boom"]);
    });
});
