/**
 * Per-preview lookups shared by the network-backed policies. The Pulumi CLI starts the pack once per
 * preview and sends one Analyze call per resource, so state kept at module level lives exactly as
 * long as the preview: an image named by fifty Deployments is resolved, scanned and verified once.
 *
 * - `Limiter` (core/limiter.ts) bounds the lookups in flight (config `concurrency`); the registry client bounds its
 *   own HTTP requests as well.
 * - `LookupCache` memoizes promises (a second resource asking while the first lookup is in flight
 *   waits for the same promise) for a TTL, so a long-lived process does not judge on stale answers.
 * - `policyContext` keeps one context (registry client, loaded reports, caches) per policy and
 *   config: a Configure with another config gets a fresh context, never one built for other settings.
 */
import { resetRegistryClients } from "./registries";

/** Default time a lookup result is reused: longer than any preview, short enough for a watch loop. */
export const LOOKUP_TTL_MS = 5 * 60_000;

/** Memoized async lookups by key, each kept for `ttlMs` from when it was asked. */
export class LookupCache<T> {
    private readonly entries = new Map<string, { at: number; value: Promise<T> }>();
    /** Distinct lookups started (what the dedupe saves is `asked - started`). */
    started = 0;
    asked = 0;
    constructor(private readonly ttlMs = LOOKUP_TTL_MS, private readonly now: () => number = Date.now) {}

    get(key: string, compute: () => Promise<T>): Promise<T> {
        this.asked++;
        const t = this.now();
        const hit = this.entries.get(key);
        if (hit && t - hit.at < this.ttlMs) return hit.value;
        this.started++;
        // compute() must not reject (callers turn failures into values); guard anyway so one
        // rejected promise is not handed to every later caller as an unhandled rejection.
        const value = compute();
        value.catch(() => this.entries.delete(key));
        this.entries.set(key, { at: t, value });
        return value;
    }

    get size(): number {
        return this.entries.size;
    }
}

/** Contexts kept per policy; older configs are dropped beyond this (a process rarely sees more than one). */
const MAX_CONTEXTS_PER_POLICY = 4;
const contexts = new Map<string, Map<string, unknown>>();

/**
 * The context of `policy` for the config whose canonical JSON is `configKey`, created on first use.
 * `dispose` of a dropped context is not needed: contexts hold only memory and idle sockets.
 */
export function policyContext<X>(policy: string, configKey: string, create: () => X): X {
    let byConfig = contexts.get(policy);
    if (!byConfig) {
        byConfig = new Map();
        contexts.set(policy, byConfig);
    }
    const existing = byConfig.get(configKey);
    if (existing !== undefined) return existing as X;
    const created = create();
    byConfig.set(configKey, created);
    while (byConfig.size > MAX_CONTEXTS_PER_POLICY) byConfig.delete(byConfig.keys().next().value as string);
    return created;
}

/** Forgets every context (tests start each case from a cold preview). */
export function resetPolicyContexts(): void {
    contexts.clear();
    resetRegistryClients();
}

/**
 * Groups keys asked for within one tick into one batch call (Defender answers many digests per
 * query). Every caller gets the batch's answer for its key, or the batch's failure.
 */
export class Batcher<K, V> {
    private pending: { key: K; resolve: (v: V) => void }[] = [];
    private scheduled = false;
    constructor(
        private readonly run: (keys: readonly K[]) => Promise<(key: K) => V>,
        /** The answer for every key of a batch whose run threw (callers never see a rejection). */
        private readonly onError: (error: unknown) => V,
        private readonly delayMs = 5,
    ) {}

    get(key: K): Promise<V> {
        return new Promise<V>((resolve) => {
            this.pending.push({ key, resolve });
            if (!this.scheduled) {
                this.scheduled = true;
                setTimeout(() => void this.flush(), this.delayMs);
            }
        });
    }

    private async flush(): Promise<void> {
        const batch = this.pending;
        this.pending = [];
        this.scheduled = false;
        let answer: (key: K) => V;
        try {
            answer = await this.run([...new Set(batch.map((b) => b.key))]);
        } catch (e) {
            answer = () => this.onError(e);
        }
        for (const b of batch) {
            let v: V;
            try {
                v = answer(b.key);
            } catch (e) {
                v = this.onError(e);
            }
            b.resolve(v);
        }
    }
}
