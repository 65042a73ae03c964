/**
 * The registry client against a real docker-registry (distribution 2.8): tag resolution, digest
 * verification, referrers (tag-schema fallback and, through the proxy, the OCI 1.1 API), caches,
 * the concurrency bound, and that hosts outside the config are never contacted.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { baseUrl, createRegistryClient, isLoopback, RegistryError, RepositoryClient, signatureSource } from "../../../../core/registry";
import { SourceError } from "../../../../core/signature/verify";
import { FaultProxy, OCI_MANIFEST, PushedImage, sha256, startConnectionCounter, startFaultProxy, startRegistry, TestRegistry } from "../../../support/registry";

const SCAN = "application/vnd.imagegate.scan.v1+json";
const SIG = "application/vnd.cncf.notary.signature";

let reg: TestRegistry;
let proxy: FaultProxy;
let img: PushedImage;
let scan: PushedImage;
let sig: PushedImage;

beforeAll(async () => {
    reg = await startRegistry();
    proxy = await startFaultProxy(reg, { serveReferrersApi: true });
    img = await reg.pushImage("team/app", "1.0");
    scan = await reg.pushArtifact("team/app", { subject: img.descriptor, artifactType: SCAN, layers: [{ mediaType: "application/json", bytes: Buffer.from('{"ok":true}') }], annotations: { "org.opencontainers.image.created": "2026-01-01T00:00:00Z" } });
    sig = await reg.pushArtifact("team/app", { subject: img.descriptor, artifactType: SIG, layers: [{ mediaType: "application/jose+json", bytes: Buffer.from("sig") }] });
}, 60_000);

afterAll(async () => {
    await proxy?.stop();
    await reg?.stop();
});

function repo(host = reg.host, options = {}): RepositoryClient {
    const client = createRegistryClient([{ host, auth: { type: "anonymous" } }], options);
    return client.repository(host, "team/app")!;
}

describe("resolve and fetch", () => {
    test("a tag resolves to the pushed manifest, verified against Docker-Content-Digest", async () => {
        const m = await repo().resolve("1.0");
        expect(m.digest).toBe(img.manifest.digest);
        expect(m.mediaType).toBe(OCI_MANIFEST);
        expect(Buffer.from(m.bytes).equals(Buffer.from(img.manifest.bytes))).toBe(true);
        expect(m.size).toBe(img.manifest.size);
    });

    test("a digest resolves to the same manifest; a missing tag is undefined, a missing digest not-found", async () => {
        const r = repo();
        expect((await r.resolve(img.manifest.digest)).digest).toBe(img.manifest.digest);
        expect(await r.tag("no-such-tag")).toBeUndefined();
        const missing = sha256(Buffer.from("nothing"));
        await expect(r.manifest(missing)).rejects.toMatchObject({ code: "not-found" });
        await expect(r.manifest(missing)).rejects.toThrow(/team\/app@sha256:/);
    });

    test("blobs are fetched and verified; a blob over maxBytes is refused as oversized", async () => {
        const r = repo();
        const layer = img.layers[0];
        const bytes = await r.blob(layer.digest, 1 << 20);
        expect(sha256(bytes)).toBe(layer.digest);
        const fresh = repo();
        await expect(fresh.blob(layer.digest, 100)).rejects.toMatchObject({ code: "oversized" });
    });

    test("invalid tags and digests are refused before any request", async () => {
        const client = createRegistryClient([{ host: reg.host, auth: { type: "anonymous" } }]);
        const r = client.repository(reg.host, "team/app")!;
        await expect(r.resolve("bad tag!")).rejects.toMatchObject({ code: "malformed" });
        await expect(r.manifest("sha256:abc")).rejects.toMatchObject({ code: "malformed" });
        await expect(client.repository(reg.host, "Team/App")!.resolve("1.0")).rejects.toThrow(/"Team\/App" is not a valid repository name/);
        expect(client.stats().requests).toBe(0);
    });

    test("a manifest over maxManifestBytes is oversized", async () => {
        await expect(repo(reg.host, { maxManifestBytes: 100 }).resolve("1.0")).rejects.toMatchObject({ code: "oversized" });
    });
});

describe("referrers", () => {
    test("through the sha256-<hex> fallback tag (distribution 2.8 has no referrers API)", async () => {
        const all = await repo().referrers(img.manifest.digest);
        expect(all.map((d) => d.digest).sort()).toEqual([scan.manifest.digest, sig.manifest.digest].sort());
        const scans = await repo().referrers(img.manifest.digest, SCAN);
        expect(scans).toEqual([{ mediaType: OCI_MANIFEST, digest: scan.manifest.digest, size: scan.manifest.size, artifactType: SCAN, annotations: { "org.opencontainers.image.created": "2026-01-01T00:00:00Z" } }]);
    });

    test("through the OCI 1.1 referrers API (the proxy serves it) without touching the fallback tag", async () => {
        const before = proxy.requests.length;
        const sigs = await repo(proxy.host).referrers(img.manifest.digest, SIG);
        expect(sigs.map((d) => d.digest)).toEqual([sig.manifest.digest]);
        const paths = proxy.requests.slice(before).map((r) => r.path);
        expect(paths).toEqual([`/v2/team/app/referrers/${img.manifest.digest}?artifactType=${encodeURIComponent(SIG)}`]);
    });

    test("an image without referrers has none", async () => {
        const other = await reg.pushImage("team/app", "lonely");
        expect(await repo().referrers(other.manifest.digest)).toEqual([]);
        expect(await repo(proxy.host).referrers(other.manifest.digest)).toEqual([]);
    });

    test("a fallback tag that is not an index is malformed", async () => {
        const subject = await reg.pushImage("team/app");
        const notIndex = await reg.pushImage("team/app");
        await reg.tag("team/app", subject.manifest.digest.replace(":", "-"), notIndex.manifest);
        await expect(repo().referrers(subject.manifest.digest)).rejects.toMatchObject({ code: "malformed" });
    });

    test("an index with an invalid descriptor is malformed, naming the entry", async () => {
        const subject = await reg.pushImage("team/app");
        const bad = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [{ mediaType: OCI_MANIFEST, digest: "sha256:1234", size: -1 }] }));
        await expect(reg.pushManifest("team/app", subject.manifest.digest.replace(":", "-"), bad, "application/vnd.oci.image.index.v1+json")).rejects.toThrow();
        // distribution refuses such an index itself; serve it through the proxy instead.
        const p = await startFaultProxy(reg, { replaceBody: bad.toString(), match: /referrers/, serveReferrersApi: true });
        try {
            await expect(repo(p.host).referrers(subject.manifest.digest)).rejects.toThrow(/manifests\[0\] has an invalid digest/);
        } finally {
            await p.stop();
        }
    });
});

describe("allowed hosts", () => {
    test("repository() is undefined for an unconfigured host, and that host is never contacted", async () => {
        const counter = await startConnectionCounter();
        try {
            const client = createRegistryClient([{ host: reg.host, auth: { type: "anonymous" } }]);
            expect(client.allows(counter.host)).toBe(false);
            expect(client.repository(counter.host, "team/app")).toBeUndefined();
            expect(client.allows(reg.host)).toBe(true);
            await client.repository(reg.host, "team/app")!.resolve("1.0");
            expect(counter.connections()).toBe(0);
            expect(client.stats().requests).toBe(1);
        } finally {
            await counter.stop();
        }
    });

    test("loopback is plain HTTP, everything else HTTPS; Docker Hub is spoken to at registry-1", () => {
        for (const h of ["127.0.0.1:5000", "127.9.8.7", "localhost:80", "[::1]:5000", "localhost"]) expect(isLoopback(h)).toBe(true);
        for (const h of ["10.0.0.1:5000", "localhost.evil.io", "127.0.0.1.nip.io", "[::2]:5000"]) expect(isLoopback(h)).toBe(false);
        expect(baseUrl("127.0.0.1:5000")).toBe("http://127.0.0.1:5000");
        expect(baseUrl("contoso.azurecr.io")).toBe("https://contoso.azurecr.io");
        expect(baseUrl("docker.io")).toBe("https://registry-1.docker.io");
    });

    test("Docker Hub aliases are one host", () => {
        const client = createRegistryClient([{ host: "index.docker.io", auth: { type: "anonymous" } }]);
        expect(client.allows("docker.io")).toBe(true);
        expect(client.allows("registry-1.docker.io")).toBe(true);
        expect(client.repository("docker.io", "nginx")!.repository).toBe("library/nginx");
        expect(client.allows("ghcr.io")).toBe(false);
    });
});

describe("caches", () => {
    test("tag resolutions expire after the TTL (injected clock); digests stay cached", async () => {
        let t = 1_000_000;
        const client = createRegistryClient([{ host: reg.host, auth: { type: "anonymous" } }], { cacheTtlMs: 1000, now: () => t });
        const r = client.repository(reg.host, "team/app")!;
        const moving = await reg.pushImage("team/app", "moving");
        expect((await r.resolve("moving")).digest).toBe(moving.manifest.digest);
        const next = await reg.pushImage("team/app", "moving");
        expect((await r.resolve("moving")).digest).toBe(moving.manifest.digest); // cached: the tag moved, we do not know yet
        expect(client.stats()).toMatchObject({ requests: 1, cacheHits: 1 });
        t += 999;
        expect((await r.resolve("moving")).digest).toBe(moving.manifest.digest);
        t += 1;
        expect((await r.resolve("moving")).digest).toBe(next.manifest.digest);
        expect(client.stats().requests).toBe(2);
        t += 10_000_000;
        await r.manifest(next.manifest.digest);
        expect(client.stats().requests).toBe(2);
    });

    test("the on-disk cache serves a second client; corrupt and tampered files are ignored", async () => {
        const dir = mkdtempSync(join(tmpdir(), "imagegate-cache-"));
        try {
            const opts = { cacheDir: dir };
            const c1 = createRegistryClient([{ host: reg.host, auth: { type: "anonymous" } }], opts);
            await c1.repository(reg.host, "team/app")!.resolve("1.0");
            expect(readdirSync(dir).filter((f) => f.endsWith(".json"))).toHaveLength(2); // tag record + manifest
            const c2 = createRegistryClient([{ host: reg.host, auth: { type: "anonymous" } }], opts);
            expect((await c2.repository(reg.host, "team/app")!.resolve("1.0")).digest).toBe(img.manifest.digest);
            expect(c2.stats()).toMatchObject({ requests: 0, cacheHits: 1 });
            for (const f of readdirSync(dir)) writeFileSync(join(dir, f), "{not json");
            const c3 = createRegistryClient([{ host: reg.host, auth: { type: "anonymous" } }], opts);
            expect((await c3.repository(reg.host, "team/app")!.resolve("1.0")).digest).toBe(img.manifest.digest);
            expect(c3.stats().requests).toBe(1);
            // Replace the cached manifest bytes with another image's: the hash check rejects them.
            for (const f of readdirSync(dir)) {
                const rec = JSON.parse(readFileSync(join(dir, f), "utf8"));
                if (rec.bytes) writeFileSync(join(dir, f), JSON.stringify({ ...rec, bytes: Buffer.from(scan.manifest.bytes).toString("base64") }));
            }
            const c4 = createRegistryClient([{ host: reg.host, auth: { type: "anonymous" } }], opts);
            const m = await c4.repository(reg.host, "team/app")!.resolve("1.0");
            expect(Buffer.from(m.bytes).equals(Buffer.from(img.manifest.bytes))).toBe(true);
            expect(c4.stats().requests).toBe(1);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});

test("concurrency is bounded across registries", async () => {
    // One slow proxy reached under two host names (127.0.0.1:p and localhost:p): two registries to
    // the client, one in-flight counter to the test.
    const slow = await startFaultProxy(reg, { latencyMs: 100 });
    const hosts = [slow.host, slow.host.replace("127.0.0.1", "localhost")];
    try {
        const images = await Promise.all(Array.from({ length: 6 }, () => reg.pushImage("team/many")));
        const client = createRegistryClient(hosts.map((host) => ({ host, auth: { type: "anonymous" as const } })), { concurrency: 3 });
        await Promise.all(images.flatMap((i) => hosts.map((h) => client.repository(h, "team/many")!.manifest(i.manifest.digest))));
        expect(slow.inFlight.max).toBeLessThanOrEqual(3);
        expect(slow.inFlight.max).toBeGreaterThanOrEqual(2); // and it does run requests in parallel
        expect(client.stats().requests).toBe(12);
    } finally {
        await slow.stop();
    }
});

describe("signatureSource", () => {
    test("adapts reads and maps registry errors to SourceError codes", async () => {
        const source = signatureSource(repo());
        expect((await source.referrers(img.manifest.digest)).length).toBe(2);
        expect(Buffer.from(await source.manifest(sig.manifest.digest, 1 << 20)).equals(Buffer.from(sig.manifest.bytes))).toBe(true);
        expect((await source.tag("1.0", 1 << 20))?.digest).toBe(img.manifest.digest);
        expect(await source.tag("absent", 1 << 20)).toBeUndefined();
        await expect(source.blob(img.layers[0].digest, 10)).rejects.toMatchObject({ code: "oversized" });
        await expect(source.manifest(sha256(Buffer.from("x")), 1000)).rejects.toMatchObject({ code: "registry-error" });
        const corrupt = await startFaultProxy(reg, { corruptBody: true, match: /manifests/ });
        try {
            const e = await signatureSource(repo(corrupt.host)).manifest(sig.manifest.digest, 1 << 20).catch((x) => x);
            expect(e).toBeInstanceOf(SourceError);
            expect(e.code).toBe("registry-lied");
        } finally {
            await corrupt.stop();
        }
    });
});

test("RegistryError carries the host", async () => {
    const e = await repo().manifest(sha256(Buffer.from("nope"))).catch((x) => x);
    expect(e).toBeInstanceOf(RegistryError);
    expect(e.host).toBe(reg.host);
});
