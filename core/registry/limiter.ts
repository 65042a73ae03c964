/**
 * Bounds the requests in flight. One limiter is shared by every registry of a client, so a policy
 * run that checks many images never opens more than `max` connections at once.
 */
export class Limiter {
    private active = 0;
    private readonly waiting: (() => void)[] = [];

    constructor(readonly max: number) {
        if (!Number.isInteger(max) || max < 1) throw new RangeError(`concurrency must be a positive integer, got ${max}`);
    }

    async run<T>(task: () => Promise<T>): Promise<T> {
        if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
        else this.active++;
        try {
            return await task();
        } finally {
            // Hand the slot straight to the next waiter (active stays the same) or release it.
            const next = this.waiting.shift();
            if (next) next();
            else this.active--;
        }
    }
}
