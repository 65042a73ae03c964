/**
 * Runs at most `max` tasks at once, in arrival order. The one limiter of the project: the registry
 * client bounds its HTTP requests with it, the image policies their lookups in flight.
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

    get inFlight(): number {
        return this.active;
    }
}
