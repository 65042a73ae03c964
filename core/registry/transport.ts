/**
 * One HTTP exchange with a registry (or its token service): bounded concurrency, a per-request
 * timeout covering headers and body, a size limit enforced while the body streams in, and retries
 * with exponential backoff on 429/503 (honouring Retry-After) and on connection resets. Statuses are
 * returned to the caller, which knows what they mean; only transport failures throw here.
 */
import { Limiter } from "../limiter";
import { RegistryError } from "./types";

export interface HttpRequest {
    readonly method: "GET" | "POST" | "HEAD";
    readonly url: string;
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: string;
    /** Bodies larger than this are refused (`oversized`) as soon as the excess is seen. */
    readonly maxBytes: number;
    /** Counted as an auth request in stats. */
    readonly auth?: boolean;
}

export interface HttpResponse {
    readonly status: number;
    readonly headers: Headers;
    readonly body: Uint8Array;
}

export interface TransportOptions {
    readonly timeoutMs: number;
    readonly retries: number;
    readonly retryBaseMs: number;
    readonly maxRetryAfterMs: number;
    readonly limiter: Limiter;
}

export interface TransportCounters { requests: number; authRequests: number }

const RESET_CODES = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CLOSED"]);
/** Network failures that were connection resets, and so worth retrying. */
const resets = new WeakSet<RegistryError>();

/** The code of a network error thrown by fetch (undici puts it on `cause`). */
function networkCode(e: unknown): string | undefined {
    const err = e as { code?: string; cause?: { code?: string; cause?: { code?: string } } };
    return err?.cause?.code ?? err?.cause?.cause?.code ?? err?.code;
}

/** Milliseconds a Retry-After header asks for (seconds or an HTTP date), or undefined. */
export function retryAfterMs(value: string | null, now: number): number | undefined {
    if (value === null || value.trim() === "") return undefined;
    if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
    const date = Date.parse(value);
    return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Transport {
    readonly counters: TransportCounters = { requests: 0, authRequests: 0 };
    constructor(private readonly options: TransportOptions) {}

    /** Sends `req` to `host` (named in errors), retrying what is worth retrying. `what` describes the request for messages. */
    async send(host: string, what: string, req: HttpRequest): Promise<HttpResponse> {
        let attempt = 0;
        for (;;) {
            let response: HttpResponse | undefined;
            let failure: RegistryError | undefined;
            let retriable = false;
            try {
                response = await this.options.limiter.run(() => this.once(host, what, req));
                retriable = response.status === 429 || response.status === 503;
            } catch (e) {
                if (!(e instanceof RegistryError)) throw e;
                failure = e;
                retriable = resets.has(e);
            }
            if (!retriable || attempt >= this.options.retries) {
                if (failure) throw failure;
                return response!;
            }
            const backoff = this.options.retryBaseMs * 2 ** attempt;
            const asked = response ? retryAfterMs(response.headers.get("retry-after"), Date.now()) : undefined;
            // A server asking for longer than we are willing to wait gets the failure now, not a hang.
            if (asked !== undefined && asked > this.options.maxRetryAfterMs) return response!;
            await sleep(Math.max(backoff, asked ?? 0));
            attempt++;
        }
    }

    private async once(host: string, what: string, req: HttpRequest): Promise<HttpResponse> {
        this.counters.requests++;
        if (req.auth) this.counters.authRequests++;
        const controller = new AbortController();
        let timedOut = false;
        const timer = setTimeout(() => { timedOut = true; controller.abort(); }, this.options.timeoutMs);
        try {
            const res = await fetch(req.url, {
                method: req.method, headers: req.headers, body: req.body, redirect: "manual", signal: controller.signal,
            });
            const declared = Number(res.headers.get("content-length"));
            if (Number.isFinite(declared) && declared > req.maxBytes) {
                controller.abort();
                throw new RegistryError("oversized", host, `${what}: ${host} announced ${declared} bytes, over the limit of ${req.maxBytes}`);
            }
            const body = await readLimited(res, req.maxBytes, () => {
                controller.abort();
                return new RegistryError("oversized", host, `${what}: ${host} sent more than the limit of ${req.maxBytes} bytes`);
            });
            return { status: res.status, headers: res.headers, body };
        } catch (e) {
            if (e instanceof RegistryError) throw e;
            if (timedOut) throw new RegistryError("timeout", host, `${what}: ${host} did not answer within ${this.options.timeoutMs} ms`);
            const code = networkCode(e);
            const err = new RegistryError("network", host, `${what}: could not reach ${host} (${code ?? (e as Error)?.message ?? "network error"})`);
            if (code !== undefined && RESET_CODES.has(code)) resets.add(err);
            throw err;
        } finally {
            clearTimeout(timer);
        }
    }
}

/** Reads the body, failing as soon as it exceeds `max` bytes (never buffers a huge body). */
async function readLimited(res: Response, max: number, tooBig: () => Error): Promise<Uint8Array> {
    if (!res.body) return new Uint8Array(0);
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > max) {
            await reader.cancel().catch(() => undefined);
            throw tooBig();
        }
        chunks.push(value);
    }
    const out = new Uint8Array(total);
    let offset = 0;
    for (const c of chunks) { out.set(c, offset); offset += c.byteLength; }
    return out;
}
