/**
 * Fault handling, through the fault proxy in front of a real docker-registry: 5xx, 429 with
 * Retry-After, timeouts, connection resets, malformed JSON, oversized bodies, truncated bodies and
 * content that does not match its digest. Each failure is a typed RegistryError naming the registry.
 */
import { createRegistryClient, RegistryError, retryAfterMs } from "../../../../core/registry";
import { ExtendedClientOptions } from "../../../../core/registry/client";
import { createHash } from "node:crypto";
import { FaultOptions, FaultProxy, freePort, PushedImage, startFaultProxy, startRegistry, TestRegistry } from "../../../support/registry";

let reg: TestRegistry;
let proxy: FaultProxy;
let img: PushedImage;

beforeAll(async () => {
    reg = await startRegistry();
    proxy = await startFaultProxy(reg);
    img = await reg.pushImage("team/app", "1.0");
}, 60_000);

afterAll(async () => {
    await proxy?.stop();
    await reg?.stop();
});

function client(faults: FaultOptions, options: ExtendedClientOptions = {}) {
    proxy.set(faults);
    const c = createRegistryClient([{ host: proxy.host, auth: { type: "anonymous" } }], { retryBaseMs: 10, timeoutMs: 2000, cacheTtlMs: 0, ...options });
    return { c, r: c.repository(proxy.host, "team/app")! };
}

async function failure(p: Promise<unknown>): Promise<RegistryError> {
    const e = await p.then(() => undefined, (x) => x);
    expect(e).toBeInstanceOf(RegistryError);
    expect(e.host).toBe(proxy.host);
    expect(e.message).toContain(proxy.host);
    return e as RegistryError;
}

test("503 is retried, then succeeds", async () => {
    const { c, r } = client({ failFirst: { n: 2, status: 503 } });
    expect((await r.resolve("1.0")).digest).toBe(img.manifest.digest);
    expect(c.stats().requests).toBe(3);
});

test("429 honours Retry-After before retrying, and is rate-limited after the retries", async () => {
    const { r } = client({ failFirst: { n: 1, status: 429, retryAfter: "1" } });
    const t0 = Date.now();
    expect((await r.resolve("1.0")).digest).toBe(img.manifest.digest);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    const { c: c2, r: r2 } = client({ failFirst: { n: 10, status: 429, retryAfter: "0" } }, { retries: 2 });
    const e = await failure(r2.resolve("1.0"));
    expect(e.code).toBe("rate-limited");
    expect(e.message).toMatch(/team\/app:1\.0/);
    expect(c2.stats().requests).toBe(3);
});

test("a Retry-After beyond the limit is not waited for", async () => {
    const { c, r } = client({ failFirst: { n: 1, status: 429, retryAfter: "3600" } }, { maxRetryAfterMs: 1000 });
    const t0 = Date.now();
    expect((await failure(r.resolve("1.0"))).code).toBe("rate-limited");
    expect(Date.now() - t0).toBeLessThan(3000); // far below the 3600 s asked for
    expect(c.stats().requests).toBe(1);
});

test("500 is a server error, not retried", async () => {
    const { c, r } = client({ failFirst: { n: 5, status: 500 } });
    const e = await failure(r.resolve("1.0"));
    expect(e.code).toBe("server");
    expect(e.message).toMatch(/failed with 500/);
    expect(c.stats().requests).toBe(1);
});

test("403 is denied; 404 not-found", async () => {
    expect((await failure(client({ failFirst: { n: 1, status: 403 } }).r.resolve("1.0"))).code).toBe("denied");
    const absent = "sha256:" + createHash("sha256").update("absent").digest("hex");
    expect((await failure(client({}).r.manifest(absent))).code).toBe("not-found");
});

test("a registry that never answers times out", async () => {
    const { r } = client({ hang: true }, { timeoutMs: 300, retries: 0 });
    const e = await failure(r.resolve("1.0"));
    expect(e.code).toBe("timeout");
    expect(e.message).toMatch(/within 300 ms/);
});

test("connection resets are retried, then reported as network errors", async () => {
    const ok = client({ resetConnections: 1 });
    expect((await ok.r.resolve("1.0")).digest).toBe(img.manifest.digest);
    expect(ok.c.stats().requests).toBe(2);
    const bad = client({ resetConnections: 100 }, { retries: 1 });
    expect((await failure(bad.r.resolve("1.0"))).code).toBe("network");
    expect(bad.c.stats().requests).toBe(2);
});

test("a refused connection is a network error", async () => {
    const host = `127.0.0.1:${await freePort()}`; // nothing listens there
    const c = createRegistryClient([{ host, auth: { type: "anonymous" } }], { retries: 0 });
    const e = await c.repository(host, "team/app")!.resolve("1.0").catch((x) => x);
    expect(e.code).toBe("network");
    expect(e.message).toMatch(/ECONNREFUSED/);
});

test("malformed JSON is malformed", async () => {
    // A tag answered with other bytes under the registry's Docker-Content-Digest: the digest check
    // comes first, so this is a mismatch, not a parse error.
    const { r } = client({ replaceBody: "{not json", match: /manifests/ });
    expect((await failure(r.resolve("1.0"))).code).toBe("digest-mismatch");
    const p2 = await startFaultProxy(reg, { serveReferrersApi: true, replaceBody: "{not json", match: /referrers/ });
    try {
        // A referrers API answering non-JSON is treated as "no API": the fallback tag is used.
        const c2 = createRegistryClient([{ host: p2.host, auth: { type: "anonymous" } }]);
        expect(await c2.repository(p2.host, "team/app")!.referrers(img.manifest.digest)).toEqual([]);
    } finally {
        await p2.stop();
    }
});

test("a manifest that is not JSON is malformed when no digest contradicts it", async () => {
    // distribution refuses to store non-JSON manifests, so the proxy serves them: the bytes match
    // the digest asked for, and are still not a manifest.
    const bogus = "{not json";
    const digest = "sha256:" + createHash("sha256").update(bogus).digest("hex");
    const { r } = client({ replaceBody: bogus, replaceStatus: 200, match: /manifests/ });
    const e = await failure(r.manifest(digest));
    expect(e.code).toBe("malformed");
    expect(e.message).toMatch(/not JSON/);
});

test("an oversized body is refused while streaming", async () => {
    const { r } = client({ oversizedBytes: 50 * 1024 * 1024, match: /manifests/ }, { maxManifestBytes: 1024 * 1024 });
    const e = await failure(r.resolve("1.0"));
    expect(e.code).toBe("oversized");
    expect(e.message).toMatch(/more than the limit of 1048576/);
});

test("a body cut short is a network error", async () => {
    const { r } = client({ truncate: true, match: /manifests/ }, { retries: 0 });
    expect((await failure(r.resolve("1.0"))).code).toBe("network");
});

test("content that does not match its digest is a digest-mismatch (tag via Docker-Content-Digest, digest, blob)", async () => {
    const { r } = client({ corruptBody: true, match: /manifests|blobs/ });
    const e1 = await failure(r.resolve("1.0"));
    expect(e1.code).toBe("digest-mismatch");
    expect(e1.message).toContain(img.manifest.digest);
    expect((await failure(r.manifest(img.manifest.digest))).code).toBe("digest-mismatch");
    expect((await failure(r.blob(img.layers[0].digest, 1 << 20))).code).toBe("digest-mismatch");
});

test("a tag answered without Docker-Content-Digest is trusted at the digest of its bytes", async () => {
    const { r } = client({ dropHeaders: ["docker-content-digest"], match: /manifests/ });
    const m = await r.resolve("1.0");
    expect(m.digest).toBe(img.manifest.digest);
    // …and other bytes are reported at their own digest: there is no claim to contradict
    const other = JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", layers: [] });
    const { r: r2 } = client({ dropHeaders: ["docker-content-digest"], replaceBody: other, match: /manifests/ });
    expect((await r2.resolve("1.0")).digest).toBe("sha256:" + createHash("sha256").update(other).digest("hex"));
});

test("latency alone is fine", async () => {
    const { r } = client({ latencyMs: 50 });
    expect((await r.resolve("1.0")).digest).toBe(img.manifest.digest);
});

test("Retry-After parsing: seconds and HTTP dates", () => {
    expect(retryAfterMs("3", 0)).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 5_000)).toBe(5000);
    expect(retryAfterMs("soon", 0)).toBeUndefined();
    expect(retryAfterMs(null, 0)).toBeUndefined();
});
