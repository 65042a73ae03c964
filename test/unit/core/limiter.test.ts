/** The one limiter (core/limiter.ts): the registry client's requests and the image policies' lookups. */
import { Limiter } from "../../../core/limiter";

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe("Limiter", () => {
    test("never runs more than max tasks at once, and runs them all", async () => {
        const limiter = new Limiter(3);
        let running = 0, peak = 0;
        const results = await Promise.all(Array.from({ length: 12 }, (_, i) => limiter.run(async () => {
            running++;
            peak = Math.max(peak, running);
            await tick(5);
            running--;
            return i;
        })));
        expect(peak).toBe(3);
        expect(results).toEqual(Array.from({ length: 12 }, (_, i) => i));
    });

    test("a waiting task takes the freed slot in arrival order; inFlight counts what runs", async () => {
        const limiter = new Limiter(1);
        const order: number[] = [];
        const runs = [1, 2, 3].map((i) => limiter.run(async () => { order.push(i); await tick(1); }));
        expect(limiter.inFlight).toBe(1);
        await Promise.all(runs);
        expect(order).toEqual([1, 2, 3]);
        expect(limiter.inFlight).toBe(0);
    });

    test("a failing task frees its slot", async () => {
        const limiter = new Limiter(1);
        await expect(limiter.run(async () => { throw new Error("x"); })).rejects.toThrow("x");
        await expect(limiter.run(async () => 1)).resolves.toBe(1);
        expect(() => new Limiter(0)).toThrow("concurrency");
    });
});

