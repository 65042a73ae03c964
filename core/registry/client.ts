/**
 * The registry client: resolves tags, fetches and verifies manifests and blobs, and lists referrers,
 * for the hosts of the `registries` config only. Composition of the transport (timeouts, retries,
 * limits), the authenticator and the caches; everything it returns has been checked against the
 * digest that addresses it.
 */
import { normalizeHost } from "./config";
import { Authenticator, baseUrl } from "./auth";
import { ContentCache, DiskCache, TtlCache } from "./cache";
import { digestOf, isDigest, matchesDigest } from "./digest";
import { Limiter } from "../limiter";
import { HttpResponse, Transport } from "./transport";
import {
    Descriptor, FetchedManifest, RegistryClient, RegistryClientOptions, RegistryEntry, RegistryError, RegistryErrorCode,
    RegistryStats, RepositoryClient,
} from "./types";

export const MEDIA_TYPES = {
    ociManifest: "application/vnd.oci.image.manifest.v1+json",
    ociIndex: "application/vnd.oci.image.index.v1+json",
    dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
    dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
} as const;

const MANIFEST_ACCEPT = Object.values(MEDIA_TYPES).join(", ");
const INDEX_TYPES: readonly string[] = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList];
const TAG = /^[\w][\w.-]{0,127}$/;
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*$/;
const MAX_REDIRECTS = 3;

/** Options beyond the contract, for tests and benchmarks. */
export interface ExtendedClientOptions extends RegistryClientOptions {
    /** First retry delay; doubles at each retry. Default 250 ms. */
    readonly retryBaseMs?: number;
    /** A Retry-After longer than this is not waited for: the request fails. Default 30 s. */
    readonly maxRetryAfterMs?: number;
    /** Environment for `passwordEnv` and DOCKER_CONFIG. Default process.env. */
    readonly env?: Readonly<Record<string, string | undefined>>;
}

interface Shared {
    readonly options: Required<Pick<RegistryClientOptions, "maxManifestBytes" | "cacheTtlMs">>;
    readonly now: () => number;
    readonly transport: Transport;
    readonly auth: Authenticator;
    readonly tags: TtlCache<string>;
    readonly referrers: TtlCache<readonly Descriptor[]>;
    readonly content: ContentCache;
    readonly disk?: DiskCache;
    readonly counters: { cacheHits: number };
}

export function createRegistryClient(entries: readonly RegistryEntry[], options: ExtendedClientOptions = {}): RegistryClient {
    const hosts = new Map<string, RegistryEntry>();
    for (const e of entries) {
        const host = normalizeHost(e.host);
        if (!hosts.has(host)) hosts.set(host, { ...e, host });
    }
    const now = options.now ?? Date.now;
    const transport = new Transport({
        timeoutMs: options.timeoutMs ?? 10_000,
        retries: options.retries ?? 2,
        retryBaseMs: options.retryBaseMs ?? 250,
        maxRetryAfterMs: options.maxRetryAfterMs ?? 30_000,
        limiter: new Limiter(options.concurrency ?? 16),
    });
    const cacheTtlMs = options.cacheTtlMs ?? 5 * 60_000;
    const shared: Shared = {
        options: { maxManifestBytes: options.maxManifestBytes ?? 4 * 1024 * 1024, cacheTtlMs },
        now,
        transport,
        auth: new Authenticator(transport, { now, env: options.env ?? process.env, azureCredential: options.azureCredential, allowedHosts: new Set(hosts.keys()) }),
        tags: new TtlCache<string>(cacheTtlMs, now),
        referrers: new TtlCache<readonly Descriptor[]>(cacheTtlMs, now),
        content: new ContentCache(),
        disk: options.cacheDir ? new DiskCache(options.cacheDir) : undefined,
        counters: { cacheHits: 0 },
    };
    return {
        allows: (host) => hosts.has(normalizeHost(host)),
        repository(host, repository) {
            const entry = hosts.get(normalizeHost(host));
            if (!entry) return undefined;
            const repo = entry.host === "docker.io" && !repository.includes("/") ? `library/${repository}` : repository;
            return new Repository(entry, repo, shared);
        },
        stats: (): RegistryStats => ({ requests: transport.counters.requests, authRequests: transport.counters.authRequests, cacheHits: shared.counters.cacheHits }),
    };
}

class Repository implements RepositoryClient {
    readonly host: string;
    private readonly base: string;
    private readonly scope: string;

    constructor(private readonly entry: RegistryEntry, readonly repository: string, private readonly shared: Shared) {
        this.host = entry.host;
        this.base = baseUrl(entry.host);
        this.scope = `repository:${repository}:pull`;
    }

    private get name(): string {
        return `${this.host}/${this.repository}`;
    }

    private fail(code: RegistryErrorCode, message: string): RegistryError {
        return new RegistryError(code, this.host, this.shared.auth.scrub(message));
    }

    private checkRepository(): void {
        if (!REPOSITORY.test(this.repository) || this.repository.length > 255) {
            throw this.fail("malformed", `"${this.repository}" is not a valid repository name of ${this.host}`);
        }
    }

    /** GET with the host's auth: pre-emptive when the scheme is known, else answering the 401 challenge once. */
    private async get(url: string, accept: string | undefined, maxBytes: number, what: string): Promise<HttpResponse> {
        this.checkRepository();
        const send = (authorization: string | undefined) => this.shared.transport.send(this.host, what, {
            method: "GET", url, maxBytes,
            headers: { ...(accept ? { accept } : {}), ...(authorization ? { authorization } : {}) },
        });
        const release = await this.shared.auth.firstContact(this.host);
        try {
            let authorization = await this.shared.auth.preemptive(this.entry, this.scope);
            let res = await send(authorization);
            if (res.status === 401) {
                if (authorization?.startsWith("Bearer ")) this.shared.auth.invalidate(this.entry, this.scope);
                authorization = await this.shared.auth.answer(this.entry, res, this.scope, what);
                res = await send(authorization);
            }
            return res;
        } finally {
            release?.();
        }
    }

    /** The error an unexpected status means, with the registry's own error code when it sent one. */
    private statusError(res: HttpResponse, what: string): RegistryError {
        let detail = "";
        try {
            const body = JSON.parse(Buffer.from(res.body.subarray(0, 4096)).toString("utf8"));
            const first = body?.errors?.[0];
            if (first && typeof first.code === "string") detail = `: ${first.code}${typeof first.message === "string" ? ` (${first.message.slice(0, 200)})` : ""}`;
        } catch { /* not a JSON error body */ }
        const s = res.status;
        const [code, said]: [RegistryErrorCode, string] =
            s === 401 ? ["unauthorized", "refused the credentials (401)"]
            : s === 403 ? ["denied", "denied access (403)"]
            : s === 404 ? ["not-found", "has no such content (404)"]
            : s === 429 ? ["rate-limited", "is still rate limiting after retries (429)"]
            : s >= 500 ? ["server", `failed with ${s}`]
            : ["server", `answered ${s}`];
        return this.fail(code, `${what}: ${this.host} ${said}${detail}`);
    }

    private async fetchManifest(reference: string, maxBytes: number): Promise<FetchedManifest> {
        const byDigest = isDigest(reference);
        const what = `manifest ${this.name}${byDigest ? "@" : ":"}${reference}`;
        const res = await this.get(`${this.base}/v2/${this.repository}/manifests/${reference}`, MANIFEST_ACCEPT, maxBytes, what);
        if (res.status !== 200) throw this.statusError(res, what);
        const bytes = res.body;
        let expected: string | undefined = byDigest ? reference : undefined;
        if (!byDigest) {
            const claimed = res.headers.get("docker-content-digest");
            if (claimed !== null) {
                if (!isDigest(claimed)) throw this.fail("malformed", `${what}: ${this.host} sent an invalid Docker-Content-Digest "${claimed.slice(0, 100)}"`);
                expected = claimed;
            }
        }
        if (expected !== undefined && !matchesDigest(bytes, expected)) {
            const alg = expected.slice(0, expected.indexOf(":"));
            throw this.fail("digest-mismatch", `${what}: ${this.host} sent ${bytes.byteLength} bytes hashing to ${digestOf(bytes, alg)}, not ${expected}`);
        }
        const mediaType = this.manifestMediaType(bytes, res.headers.get("content-type"), what);
        return { digest: expected ?? digestOf(bytes), mediaType, size: bytes.byteLength, bytes };
    }

    private manifestMediaType(bytes: Uint8Array, contentType: string | null, what: string): string {
        let json: unknown;
        try {
            json = JSON.parse(Buffer.from(bytes).toString("utf8"));
        } catch {
            throw this.fail("malformed", `${what}: ${this.host} sent a manifest that is not JSON`);
        }
        if (typeof json !== "object" || json === null || Array.isArray(json)) throw this.fail("malformed", `${what}: ${this.host} sent a manifest that is not a JSON object`);
        const declared = (json as { mediaType?: unknown }).mediaType;
        if (typeof declared === "string" && declared) return declared;
        return (contentType ?? "").split(";")[0].trim() || MEDIA_TYPES.ociManifest;
    }

    private remember(m: FetchedManifest): void {
        const key = `${this.name}@${m.digest}`;
        this.shared.content.set(key, { mediaType: m.mediaType, bytes: m.bytes });
        this.shared.disk?.write({ key: `manifest ${key}`, digest: m.digest, mediaType: m.mediaType, bytes: Buffer.from(m.bytes).toString("base64") });
    }

    /** A manifest from the memory or disk cache; disk content is re-hashed (a tampered file is a miss). */
    private cached(digest: string, maxBytes: number): FetchedManifest | undefined {
        const key = `${this.name}@${digest}`;
        let hit = this.shared.content.get(key);
        if (!hit && this.shared.disk) {
            const rec = this.shared.disk.read(`manifest ${key}`);
            if (rec?.bytes !== undefined && rec.digest === digest) {
                const bytes = new Uint8Array(Buffer.from(rec.bytes, "base64"));
                if (matchesDigest(bytes, digest)) {
                    hit = { mediaType: rec.mediaType, bytes };
                    this.shared.content.set(key, hit);
                }
            }
        }
        if (!hit) return undefined;
        if (hit.bytes.byteLength > maxBytes) throw this.fail("oversized", `manifest ${key} is ${hit.bytes.byteLength} bytes, over the limit of ${maxBytes}`);
        this.shared.counters.cacheHits++;
        return { digest, mediaType: hit.mediaType, size: hit.bytes.byteLength, bytes: hit.bytes };
    }

    async manifest(digest: string, maxBytes = this.shared.options.maxManifestBytes): Promise<FetchedManifest> {
        if (!isDigest(digest)) throw this.fail("malformed", `"${digest.slice(0, 200)}" is not a valid digest (manifest of ${this.name})`);
        const hit = this.cached(digest, maxBytes);
        if (hit) return hit;
        const m = await this.fetchManifest(digest, maxBytes);
        this.remember(m);
        return m;
    }

    async resolve(tagOrDigest: string, maxBytes = this.shared.options.maxManifestBytes): Promise<FetchedManifest> {
        if (isDigest(tagOrDigest)) return this.manifest(tagOrDigest, maxBytes);
        if (!TAG.test(tagOrDigest)) throw this.fail("malformed", `"${tagOrDigest.slice(0, 200)}" is neither a valid tag nor a digest (${this.name})`);
        const tagKey = `${this.name}:${tagOrDigest}`;
        let digest = this.shared.tags.get(tagKey);
        if (digest === undefined && this.shared.disk) {
            const rec = this.shared.disk.read(`tag ${tagKey}`);
            if (rec && rec.expiresAt !== undefined && rec.expiresAt > this.shared.now() && isDigest(rec.digest)) digest = rec.digest;
        }
        if (digest !== undefined) {
            const hit = this.cached(digest, maxBytes);
            if (hit) return hit;
        }
        const m = await this.fetchManifest(tagOrDigest, maxBytes);
        this.shared.tags.set(tagKey, m.digest);
        if (this.shared.options.cacheTtlMs > 0) {
            this.shared.disk?.write({ key: `tag ${tagKey}`, digest: m.digest, mediaType: m.mediaType, expiresAt: this.shared.now() + this.shared.options.cacheTtlMs });
        }
        this.remember(m);
        return m;
    }

    async tag(tag: string, maxBytes?: number): Promise<FetchedManifest | undefined> {
        try {
            return await this.resolve(tag, maxBytes);
        } catch (e) {
            if (e instanceof RegistryError && e.code === "not-found") return undefined;
            throw e;
        }
    }

    async blob(digest: string, maxBytes: number): Promise<Uint8Array> {
        if (!isDigest(digest)) throw this.fail("malformed", `"${digest.slice(0, 200)}" is not a valid digest (blob of ${this.name})`);
        const key = `${this.name}@${digest}#blob`;
        const hit = this.shared.content.get(key);
        if (hit) {
            if (hit.bytes.byteLength > maxBytes) throw this.fail("oversized", `blob ${this.name}@${digest} is ${hit.bytes.byteLength} bytes, over the limit of ${maxBytes}`);
            this.shared.counters.cacheHits++;
            return hit.bytes;
        }
        const what = `blob ${this.name}@${digest}`;
        let res = await this.get(`${this.base}/v2/${this.repository}/blobs/${digest}`, undefined, maxBytes, what);
        res = await this.followRedirects(res, maxBytes, what);
        if (res.status !== 200) throw this.statusError(res, what);
        if (!matchesDigest(res.body, digest)) {
            throw this.fail("digest-mismatch", `${what}: ${this.host} sent ${res.body.byteLength} bytes hashing to ${digestOf(res.body, digest.slice(0, digest.indexOf(":")))}, not ${digest}`);
        }
        if (res.body.byteLength <= 256 * 1024) this.shared.content.set(key, { mediaType: "application/octet-stream", bytes: res.body });
        return res.body;
    }

    /**
     * Registries may redirect blob downloads to storage (ACR: Azure Blob, Docker Hub: a CDN). The
     * content is verified by digest, so following is safe; credentials are never sent to another
     * origin, and only HTTPS (or loopback HTTP from a loopback registry) is followed.
     */
    private async followRedirects(first: HttpResponse, maxBytes: number, what: string): Promise<HttpResponse> {
        let res = first;
        let current = new URL(this.base);
        for (let hop = 0; [301, 302, 303, 307, 308].includes(res.status); hop++) {
            if (hop >= MAX_REDIRECTS) throw this.fail("server", `${what}: ${this.host} redirected more than ${MAX_REDIRECTS} times`);
            const location = res.headers.get("location");
            if (!location) throw this.fail("server", `${what}: ${this.host} redirected without a Location`);
            const next = new URL(location, current);
            const loopbackOk = next.protocol === "http:" && this.base.startsWith("http:") && ["127.0.0.1", "localhost", "[::1]"].includes(next.hostname);
            if (next.protocol !== "https:" && !loopbackOk) throw this.fail("server", `${what}: ${this.host} redirected to a non-HTTPS location`);
            if (next.origin === new URL(this.base).origin) {
                res = await this.get(next.toString(), undefined, maxBytes, what);
            } else {
                res = await this.shared.transport.send(this.host, what, { method: "GET", url: next.toString(), maxBytes });
            }
            current = next;
        }
        return res;
    }

    async referrers(digest: string, artifactType?: string): Promise<readonly Descriptor[]> {
        if (!isDigest(digest)) throw this.fail("malformed", `"${digest.slice(0, 200)}" is not a valid digest (referrers in ${this.name})`);
        const key = `${this.name}@${digest} ${artifactType ?? ""}`;
        const cached = this.shared.referrers.get(key);
        if (cached) { this.shared.counters.cacheHits++; return cached; }
        const list = (await this.listReferrers(digest, artifactType)).filter((d) => artifactType === undefined || d.artifactType === artifactType);
        this.shared.referrers.set(key, list);
        return list;
    }

    private async listReferrers(digest: string, artifactType?: string): Promise<readonly Descriptor[]> {
        const what = `referrers of ${this.name}@${digest}`;
        const query = artifactType !== undefined ? `?artifactType=${encodeURIComponent(artifactType)}` : "";
        const maxBytes = this.shared.options.maxManifestBytes;
        const res = await this.get(`${this.base}/v2/${this.repository}/referrers/${digest}${query}`, MEDIA_TYPES.ociIndex, maxBytes, what);
        if (res.status === 200) {
            const index = parseIndex(res.body, res.headers.get("content-type"));
            // A 200 that is not an index is a registry without the API answering something else.
            if (index !== undefined) return this.descriptors(index, what);
        } else if (![404, 405, 501].includes(res.status)) {
            throw this.statusError(res, what);
        }
        // The referrers tag schema (OCI distribution spec 1.1): tag `<alg>-<hex>` holds an index.
        const fallbackTag = digest.replace(":", "-");
        const m = await this.tag(fallbackTag);
        if (!m) return [];
        const index = parseIndex(m.bytes, m.mediaType);
        if (index === undefined || !INDEX_TYPES.includes(m.mediaType)) throw this.fail("malformed", `${what}: the fallback tag ${fallbackTag} is a ${m.mediaType}, not an image index`);
        return this.descriptors(index, `${what} (fallback tag ${fallbackTag})`);
    }

    private descriptors(index: { manifests: unknown[] }, what: string): Descriptor[] {
        return index.manifests.map((raw, i) => {
            const problem = descriptorProblem(raw);
            if (problem) throw this.fail("malformed", `${what}: manifests[${i}] ${problem}`);
            const d = raw as Descriptor;
            return {
                mediaType: d.mediaType, digest: d.digest, size: d.size,
                ...(d.artifactType !== undefined ? { artifactType: d.artifactType } : {}),
                ...(d.annotations !== undefined ? { annotations: d.annotations } : {}),
            };
        });
    }
}

/** The `manifests` of an image index, or undefined when the bytes are not one. */
function parseIndex(bytes: Uint8Array, contentType: string | null): { manifests: unknown[] } | undefined {
    let json: unknown;
    try {
        json = JSON.parse(Buffer.from(bytes).toString("utf8"));
    } catch {
        return undefined;
    }
    if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined;
    const o = json as { mediaType?: unknown; manifests?: unknown };
    const type = typeof o.mediaType === "string" ? o.mediaType : (contentType ?? "").split(";")[0].trim();
    if (!INDEX_TYPES.includes(type) || !Array.isArray(o.manifests)) return undefined;
    return { manifests: o.manifests };
}

/** Why `raw` is not a valid OCI descriptor, or undefined. */
export function descriptorProblem(raw: unknown): string | undefined {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return "is not an object";
    const d = raw as Record<string, unknown>;
    if (typeof d.mediaType !== "string" || d.mediaType.length === 0) return "has no mediaType string";
    if (typeof d.digest !== "string" || !isDigest(d.digest)) return `has an invalid digest ${JSON.stringify(d.digest)?.slice(0, 100)}`;
    if (typeof d.size !== "number" || !Number.isSafeInteger(d.size) || d.size < 0) return `has an invalid size ${JSON.stringify(d.size)}`;
    if (d.artifactType !== undefined && typeof d.artifactType !== "string") return "has a non-string artifactType";
    if (d.annotations !== undefined) {
        if (typeof d.annotations !== "object" || d.annotations === null || Array.isArray(d.annotations)) return "has annotations that are not an object";
        if (Object.values(d.annotations).some((v) => typeof v !== "string")) return "has a non-string annotation";
    }
    return undefined;
}
