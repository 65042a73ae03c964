/**
 * A REAL OCI registry for tests: Debian's `docker-registry` (CNCF distribution 2.8) started on
 * 127.0.0.1 at a free port with a temp storage dir, plus a fault proxy to put in front of it.
 *
 *   const reg = await startRegistry();                         // "open" (anonymous)
 *   const reg = await startRegistry({ mode: "basic" });        // htpasswd; reg.username / reg.password
 *   const reg = await startRegistry({ mode: "token" });        // Docker token auth; reg.tokenServer
 *   const img = await reg.pushImage("team/app", "1.0");        // small valid OCI image (config + 1 layer)
 *   await reg.pushArtifact("team/app", { subject: img.descriptor, artifactType: "application/x.scan",
 *       layers: [{ mediaType: "application/json", bytes: Buffer.from("{}") }] });
 *   await reg.tag("team/app", "stable", img.manifest);
 *   const proxy = await startFaultProxy(reg, { latencyMs: 20, serveReferrersApi: true });  // proxy.host
 *   await proxy.stop(); await reg.stop();                      // in afterAll
 *   const { entry, env } = clientEntry(reg);                   // for createRegistryClient([entry], { env })
 *
 * Also: `startAcrFacade(tokenReg, { aadToken, tenant })` (an ACR-like host speaking /oauth2/exchange
 * and /oauth2/token), `startLatencyProxy(reg, ms)` (cheap TCP latency, for benchmarks), and
 * `startConnectionCounter()` (a server that proves it was never contacted).
 *
 * Pushes go through the registry's HTTP API (monolithic blob upload POST+PUT, manifest PUT) with the
 * harness's own admin credentials (basic: the htpasswd user; token: a token minted for the push).
 * `pushArtifact` also maintains the referrers tag-schema index `sha256-<hex>` of the subject,
 * because distribution 2.8 has no referrers API; the fault proxy's `serveReferrersApi` answers
 * `GET /v2/<repo>/referrers/<digest>` from that index, to exercise the API path of clients.
 *
 * Token mode: a loopback token server (`reg.tokenServer`) issues ES256 JWTs per the Docker registry
 * token spec, with an `x5c` header whose certificate is the registry's `rootcertbundle`. It accepts
 * the harness user with Basic auth (and anonymous pulls when `anonymousPull` is set).
 */
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash, KeyObject, randomBytes, sign as cryptoSign } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Descriptor } from "../../core/oci";
import { selfSignedCert } from "./self-signed";

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
export const OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
export const OCI_EMPTY = "application/vnd.oci.empty.v1+json";

export type { Descriptor };

/** A manifest as pushed: same shape as core/registry FetchedManifest. */
export interface PushedManifest {
    readonly digest: string;
    readonly mediaType: string;
    readonly size: number;
    readonly bytes: Uint8Array;
}

export interface PushedImage {
    readonly manifest: PushedManifest;
    /** Descriptor of the manifest (what a subject / an index entry names). */
    readonly descriptor: Descriptor;
    readonly config: Descriptor;
    readonly layers: readonly Descriptor[];
}

export interface ArtifactSpec {
    readonly subject: Descriptor;
    readonly artifactType: string;
    readonly layers: readonly { readonly mediaType: string; readonly bytes: Uint8Array }[];
    readonly annotations?: Readonly<Record<string, string>>;
    /** Also tag the artifact manifest (e.g. cosign's `sha256-<hex>.sig`). */
    readonly tag?: string;
}

export type RegistryMode = "open" | "basic" | "token";

export interface StartRegistryOptions {
    readonly mode?: RegistryMode;
    /** Token mode: the token server grants pull to anonymous callers too. Default false. */
    readonly anonymousPull?: boolean;
    /** Token mode: lifetime of issued tokens (expires_in). Default 300 s. */
    readonly tokenLifetimeSeconds?: number;
}

export interface TokenServer {
    readonly url: string;
    /** The `service` the registry expects in tokens (the JWT audience). */
    readonly service: string;
    readonly issuer: string;
    /** Requests received: scope and whether Basic credentials were presented and valid. */
    readonly requests: { scope: string | null; service: string | null; user: string | undefined }[];
    /** Mints a registry JWT granting `actions` on `repository` (used by the ACR facade and the harness). */
    mint(access: readonly { type: string; name: string; actions: string[] }[], subject?: string): string;
}

export interface TestRegistry {
    /** `127.0.0.1:<port>`: the host a registries config names. */
    readonly host: string;
    /** `http://127.0.0.1:<port>` */
    readonly url: string;
    readonly mode: RegistryMode;
    /** Basic and token modes: the one user (push and pull). */
    readonly username?: string;
    readonly password?: string;
    readonly tokenServer?: TokenServer;
    /** Pushes a small valid OCI image whose content differs at every call; tags it when `tag` is given. */
    pushImage(repo: string, tag?: string, opts?: { readonly annotations?: Readonly<Record<string, string>> }): Promise<PushedImage>;
    /** Pushes an OCI 1.1 artifact manifest with `subject`, and adds it to the subject's `sha256-<hex>` fallback index. */
    pushArtifact(repo: string, spec: ArtifactSpec): Promise<PushedImage>;
    /** Points `tag` at an already pushed manifest. */
    tag(repo: string, tag: string, manifest: PushedManifest): Promise<void>;
    pushBlob(repo: string, bytes: Uint8Array): Promise<string>;
    /** PUTs raw manifest bytes at a tag or digest reference. */
    pushManifest(repo: string, reference: string, bytes: Uint8Array, mediaType: string): Promise<PushedManifest>;
    stop(): Promise<void>;
}

/**
 * The registries-config entry a client needs for `reg` (basic credentials for basic and token
 * modes, with the password in `env` under `passwordEnv`), and that env to pass as the client's `env`.
 */
export function clientEntry(reg: Pick<TestRegistry, "host" | "mode" | "username" | "password">, passwordEnv = "IMAGEGATE_TEST_REGISTRY_PASSWORD"):
    { entry: { host: string; auth: { type: "anonymous" } | { type: "basic"; username: string; passwordEnv: string } }; env: Record<string, string> } {
    if (reg.mode === "open" || !reg.username || !reg.password) return { entry: { host: reg.host, auth: { type: "anonymous" } }, env: {} };
    return { entry: { host: reg.host, auth: { type: "basic", username: reg.username, passwordEnv } }, env: { [passwordEnv]: reg.password } };
}

export function sha256(bytes: Uint8Array): string {
    return "sha256:" + createHash("sha256").update(bytes).digest("hex");
}

export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const s = http.createServer();
        s.on("error", reject);
        s.listen(0, "127.0.0.1", () => {
            const port = (s.address() as AddressInfo).port;
            s.close(() => resolve(port));
        });
    });
}

function listen(server: http.Server): Promise<number> {
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
    });
}

function closeServer(server: http.Server): Promise<void> {
    return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
    });
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => resolve(Buffer.concat(chunks)));
        req.on("error", reject);
    });
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");


/** Docker token spec JWT: ES256, `x5c` = [leaf DER] so distribution verifies it against rootcertbundle. */
function signJwt(key: KeyObject, certDer: Buffer, claims: Record<string, unknown>): string {
    const header = { typ: "JWT", alg: "ES256", x5c: [certDer.toString("base64")] };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const sig = cryptoSign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" });
    return `${input}.${b64url(sig)}`;
}

function parseBasic(header: string | undefined): { user: string; pass: string } | undefined {
    if (!header?.startsWith("Basic ")) return undefined;
    const raw = Buffer.from(header.slice(6), "base64").toString();
    const i = raw.indexOf(":");
    return i < 0 ? undefined : { user: raw.slice(0, i), pass: raw.slice(i + 1) };
}

/** `repository:team/app:pull,push` → access claim entries. */
function parseScopes(scopes: string[]): { type: string; name: string; actions: string[] }[] {
    return scopes.flatMap((s) => s.split(" ")).filter(Boolean).map((s) => {
        const first = s.indexOf(":");
        const last = s.lastIndexOf(":");
        return { type: s.slice(0, first), name: s.slice(first + 1, last), actions: s.slice(last + 1).split(",") };
    });
}

async function startTokenServer(opts: { username: string; password: string; anonymousPull: boolean; lifetime: number }):
    Promise<{ server: http.Server; token: TokenServer; certPem: string }> {
    const { certPem, certDer, key } = await selfSignedCert("CN=imagegate test token issuer");
    const service = "imagegate-test-registry";
    const issuer = "imagegate-test-issuer";
    const requests: TokenServer["requests"] = [];
    const mint = (access: readonly { type: string; name: string; actions: string[] }[], subject = "") => {
        const now = Math.floor(Date.now() / 1000);
        return signJwt(key, certDer, {
            iss: issuer, sub: subject, aud: service, exp: now + opts.lifetime, nbf: now - 10, iat: now,
            jti: randomBytes(8).toString("hex"), access,
        });
    };
    const server = http.createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://x");
        const creds = parseBasic(req.headers.authorization);
        const valid = creds !== undefined && creds.user === opts.username && creds.pass === opts.password;
        requests.push({ scope: url.searchParams.get("scope"), service: url.searchParams.get("service"), user: valid ? creds.user : undefined });
        if (url.pathname !== "/token") { res.writeHead(404).end(); return; }
        if (creds !== undefined && !valid) { res.writeHead(401, { "content-type": "application/json" }).end('{"details":"bad credentials"}'); return; }
        if (!valid && !opts.anonymousPull) { res.writeHead(401, { "content-type": "application/json" }).end('{"details":"authentication required"}'); return; }
        const access = parseScopes(url.searchParams.getAll("scope")).map((a) => ({
            ...a, actions: valid ? a.actions : a.actions.filter((x) => x === "pull"),
        }));
        const token = mint(access, valid ? creds.user : "");
        res.writeHead(200, { "content-type": "application/json" })
            .end(JSON.stringify({ token, access_token: token, expires_in: opts.lifetime, issued_at: new Date().toISOString() }));
    });
    const port = await listen(server);
    return { server, certPem, token: { url: `http://127.0.0.1:${port}/token`, service, issuer, requests, mint } };
}

function registryConfig(port: number, storage: string, auth: string): string {
    return [
        "version: 0.1",
        "log:",
        "  level: error",
        "  accesslog:",
        "    disabled: true",
        "storage:",
        "  filesystem:",
        `    rootdirectory: ${storage}`,
        "  delete:",
        "    enabled: true",
        "http:",
        `  addr: 127.0.0.1:${port}`,
        `  secret: ${randomBytes(16).toString("hex")}`,
        auth,
        "",
    ].join("\n");
}

async function waitReady(url: string, child: ChildProcess, stderr: () => string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${stderr()}`);
        try {
            const r = await fetch(`${url}/v2/`);
            await r.arrayBuffer();
            if (r.status === 200 || r.status === 401) return;
        } catch { /* not listening yet */ }
        await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`docker-registry did not answer /v2/ within ${timeoutMs} ms: ${stderr()}`);
}

/** A minimal ustar archive holding one file: a valid image layer. */
function tarOneFile(name: string, content: Buffer): Buffer {
    const header = Buffer.alloc(512);
    header.write(name, 0, 100, "utf8");
    header.write("0000644\0", 100);
    header.write("0000000\0", 108);
    header.write("0000000\0", 116);
    header.write(content.length.toString(8).padStart(11, "0") + "\0", 124);
    header.write("00000000000\0", 136);
    header.write("        ", 148); // checksum computed with spaces
    header.write("0", 156);
    header.write("ustar\0", 257);
    header.write("00", 263);
    let sum = 0;
    for (const b of header) sum += b;
    header.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
    const pad = Buffer.alloc((512 - (content.length % 512)) % 512);
    return Buffer.concat([header, content, pad, Buffer.alloc(1024)]);
}

const canonical = (v: unknown) => Buffer.from(JSON.stringify(v));

/** Starts docker-registry. Always `stop()` it (afterAll). */
export async function startRegistry(options: StartRegistryOptions = {}): Promise<TestRegistry> {
    const mode = options.mode ?? "open";
    const dir = mkdtempSync(join(tmpdir(), "imagegate-registry-"));
    const storage = join(dir, "storage");
    const username = mode === "open" ? undefined : "imagegate";
    const password = mode === "open" ? undefined : randomBytes(12).toString("hex");
    let tokenServer: { server: http.Server; token: TokenServer; certPem: string } | undefined;
    let auth = "";
    if (mode === "basic") {
        const line = execFileSync("htpasswd", ["-Bbn", username!, password!], { encoding: "utf8" }).trim();
        writeFileSync(join(dir, "htpasswd"), line + "\n");
        auth = ["auth:", "  htpasswd:", "    realm: imagegate-test", `    path: ${join(dir, "htpasswd")}`].join("\n");
    } else if (mode === "token") {
        tokenServer = await startTokenServer({ username: username!, password: password!, anonymousPull: options.anonymousPull ?? false, lifetime: options.tokenLifetimeSeconds ?? 300 });
        writeFileSync(join(dir, "root.pem"), tokenServer.certPem);
        auth = ["auth:", "  token:", `    realm: ${tokenServer.token.url}`, `    service: ${tokenServer.token.service}`,
            `    issuer: ${tokenServer.token.issuer}`, `    rootcertbundle: ${join(dir, "root.pem")}`].join("\n");
    }
    const port = await freePort();
    const configPath = join(dir, "config.yml");
    writeFileSync(configPath, registryConfig(port, storage, auth));
    const child = spawn("/usr/bin/docker-registry", ["serve", configPath], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (c: Buffer) => { if (stderr.length < 20_000) stderr += c.toString(); });
    const host = `127.0.0.1:${port}`;
    const url = `http://${host}`;
    // A test process that exits without stop() (crash, forgotten afterAll) must not leave an orphan.
    const onExit = () => {
        try { child.kill("SIGKILL"); } catch { /* already gone */ }
        rmSync(dir, { recursive: true, force: true });
    };
    process.once("exit", onExit);
    const cleanup = async () => {
        process.removeListener("exit", onExit);
        if (child.exitCode === null && child.signalCode === null) {
            const exited = new Promise<void>((r) => child.once("exit", () => r()));
            child.kill("SIGTERM");
            const t = setTimeout(() => child.kill("SIGKILL"), 3000);
            await exited;
            clearTimeout(t);
        }
        if (tokenServer) await closeServer(tokenServer.server);
        rmSync(dir, { recursive: true, force: true });
    };
    try {
        await waitReady(url, child, () => stderr);
    } catch (e) {
        await cleanup();
        throw e;
    }

    const authHeader = (repo: string): Record<string, string> => {
        if (mode === "basic") return { authorization: "Basic " + Buffer.from(`${username}:${password}`).toString("base64") };
        if (mode === "token") return { authorization: "Bearer " + tokenServer!.token.mint([{ type: "repository", name: repo, actions: ["pull", "push"] }], username) };
        return {};
    };
    const call = async (repo: string, method: string, path: string, body?: Uint8Array, headers: Record<string, string> = {}) => {
        const r = await fetch(new URL(path, url), { method, body, headers: { ...authHeader(repo), ...headers } });
        const text = Buffer.from(await r.arrayBuffer());
        if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status}: ${text.toString().slice(0, 500)}`);
        return { status: r.status, headers: r.headers, body: text };
    };
    const pushBlob = async (repo: string, bytes: Uint8Array): Promise<string> => {
        const digest = sha256(bytes);
        const start = await call(repo, "POST", `/v2/${repo}/blobs/uploads/`);
        const loc = new URL(start.headers.get("location")!, url);
        loc.searchParams.set("digest", digest);
        await call(repo, "PUT", loc.pathname + loc.search, bytes, { "content-type": "application/octet-stream" });
        return digest;
    };
    const pushManifest = async (repo: string, reference: string, bytes: Uint8Array, mediaType: string): Promise<PushedManifest> => {
        await call(repo, "PUT", `/v2/${repo}/manifests/${reference}`, bytes, { "content-type": mediaType });
        return { digest: sha256(bytes), mediaType, size: bytes.byteLength, bytes };
    };
    const getManifest = async (repo: string, reference: string): Promise<Buffer | undefined> => {
        const r = await fetch(`${url}/v2/${repo}/manifests/${reference}`, { headers: { ...authHeader(repo), accept: OCI_INDEX } });
        const b = Buffer.from(await r.arrayBuffer());
        if (r.status === 404) return undefined;
        if (r.status !== 200) throw new Error(`GET manifest ${reference} → ${r.status}`);
        return b;
    };
    const pushBlobs = async (repo: string, items: readonly { mediaType: string; bytes: Uint8Array }[]): Promise<Descriptor[]> => {
        const out: Descriptor[] = [];
        for (const it of items) out.push({ mediaType: it.mediaType, digest: await pushBlob(repo, it.bytes), size: it.bytes.byteLength });
        return out;
    };
    // Updates to one subject's fallback index are serialized: read-modify-write of a tag.
    let indexLock: Promise<unknown> = Promise.resolve();

    return {
        host, url, mode, username, password, tokenServer: tokenServer?.token,
        pushBlob, pushManifest,
        async pushImage(repo, tag, opts = {}) {
            const nonce = randomBytes(16).toString("hex");
            const layerBytes = tarOneFile("imagegate.txt", Buffer.from(`imagegate test layer ${nonce}\n`));
            const [layer] = await pushBlobs(repo, [{ mediaType: OCI_LAYER, bytes: layerBytes }]);
            const configBytes = canonical({
                architecture: "amd64", os: "linux", config: { Labels: { "imagegate.test": nonce } },
                rootfs: { type: "layers", diff_ids: [layer.digest] },
            });
            const [config] = await pushBlobs(repo, [{ mediaType: OCI_CONFIG, bytes: configBytes }]);
            const manifest = canonical({
                schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer],
                ...(opts.annotations ? { annotations: opts.annotations } : {}),
            });
            const pushed = await pushManifest(repo, tag ?? sha256(manifest), manifest, OCI_MANIFEST);
            return { manifest: pushed, descriptor: { mediaType: OCI_MANIFEST, digest: pushed.digest, size: pushed.size }, config, layers: [layer] };
        },
        async pushArtifact(repo, spec) {
            const emptyBytes = Buffer.from("{}");
            const [config] = await pushBlobs(repo, [{ mediaType: OCI_EMPTY, bytes: emptyBytes }]);
            const layers = await pushBlobs(repo, spec.layers);
            const subject = { mediaType: spec.subject.mediaType, digest: spec.subject.digest, size: spec.subject.size };
            const bytes = canonical({
                schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: spec.artifactType, config, layers, subject,
                ...(spec.annotations ? { annotations: spec.annotations } : {}),
            });
            const pushed = await pushManifest(repo, sha256(bytes), bytes, OCI_MANIFEST);
            if (spec.tag) await pushManifest(repo, spec.tag, bytes, OCI_MANIFEST);
            const entry: Descriptor = {
                mediaType: OCI_MANIFEST, digest: pushed.digest, size: pushed.size, artifactType: spec.artifactType,
                ...(spec.annotations ? { annotations: spec.annotations } : {}),
            };
            const fallbackTag = spec.subject.digest.replace(":", "-");
            const update = indexLock.then(async () => {
                const current = await getManifest(repo, fallbackTag);
                const manifests: Descriptor[] = current ? JSON.parse(current.toString()).manifests ?? [] : [];
                if (!manifests.some((m) => m.digest === entry.digest)) manifests.push(entry);
                await pushManifest(repo, fallbackTag, canonical({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }), OCI_INDEX);
            });
            indexLock = update.catch(() => undefined);
            await update;
            return { manifest: pushed, descriptor: entry, config, layers };
        },
        async tag(repo, tag, manifest) {
            await pushManifest(repo, tag, manifest.bytes, manifest.mediaType);
        },
        stop: cleanup,
    };
}

// ---------------------------------------------------------------------------------------------
// Fault proxy

export interface FaultOptions {
    /** Delay before each request is forwarded. */
    latencyMs?: number;
    /** The first `n` matching requests are answered with `status` (and Retry-After when set). */
    failFirst?: { n: number; status: number; retryAfter?: string; body?: string; headers?: Record<string, string> };
    /** Destroy the socket of the first `n` matching requests without answering. */
    resetConnections?: number;
    /** Answer matching requests with the real headers but only half the body, then drop the connection. */
    truncate?: boolean;
    /** Flip a byte of matching response bodies, keeping headers (Docker-Content-Digest) intact. */
    corruptBody?: boolean;
    /** Replace matching response bodies by this text (e.g. malformed JSON), keeping the status. */
    replaceBody?: string;
    /** With replaceBody: answer with this status instead of the registry's. */
    replaceStatus?: number;
    /** Answer matching requests with a body of this many bytes, streamed without Content-Length. */
    oversizedBytes?: number;
    /** Never answer matching requests (timeouts). */
    hang?: boolean;
    /** Answer `GET /v2/<repo>/referrers/<digest>` from the `sha256-<hex>` fallback index behind. */
    serveReferrersApi?: boolean;
    /** Answer matching requests with `307 Location: <redirectTo><path>` (blob storage redirects). */
    redirectTo?: string;
    /** Response headers removed from matching responses (e.g. docker-content-digest). */
    dropHeaders?: string[];
    /** Only requests whose path matches are faulted (default: every request except `/v2/`). */
    match?: RegExp;
}

export interface FaultProxy {
    /** `127.0.0.1:<port>` */
    readonly host: string;
    readonly url: string;
    /** Every request received: method, path (query included), and whether it carried Authorization. */
    readonly requests: { method: string; path: string; authorization: boolean }[];
    /** TCP connections accepted. */
    connections: number;
    /** Requests in flight now, and the most seen at once. */
    readonly inFlight: { now: number; max: number };
    /** Replace the fault options (counters of failFirst/resetConnections restart). */
    set(options: FaultOptions): void;
    stop(): Promise<void>;
}

/**
 * An HTTP proxy in front of `target` (a TestRegistry or any `{ url }`) that injects faults. It
 * forwards method, path, headers and body, and rewrites nothing unless a fault says so.
 */
export async function startFaultProxy(target: { url: string }, initial: FaultOptions = {}): Promise<FaultProxy> {
    let opts = initial;
    let failed = 0;
    let reset = 0;
    const requests: FaultProxy["requests"] = [];
    const inFlight = { now: 0, max: 0 };
    const sockets = new Set<Socket>();
    const proxy: FaultProxy = {
        host: "", url: "", requests, connections: 0, inFlight,
        set(o) { opts = o; failed = 0; reset = 0; },
        stop: async () => { for (const s of sockets) s.destroy(); await closeServer(server); },
    };
    const forward = async (req: http.IncomingMessage, body: Buffer, pathOverride?: string, extra: Record<string, string> = {}) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) {
            if (typeof v === "string" && !["host", "connection", "content-length", "transfer-encoding"].includes(k)) headers[k] = v;
        }
        Object.assign(headers, extra);
        return fetch(new URL(pathOverride ?? req.url ?? "/", target.url), {
            method: req.method, headers, body: ["GET", "HEAD"].includes(req.method ?? "GET") ? undefined : body, redirect: "manual",
        });
    };
    const server = http.createServer(async (req, res) => {
        inFlight.now++;
        inFlight.max = Math.max(inFlight.max, inFlight.now);
        res.on("close", () => { inFlight.now--; });
        const path = req.url ?? "/";
        requests.push({ method: req.method ?? "GET", path, authorization: req.headers.authorization !== undefined });
        try {
            const body = await readBody(req);
            const o = opts;
            const matches = o.match ? o.match.test(path) : path !== "/v2/";
            if (o.latencyMs) await new Promise((r) => setTimeout(r, o.latencyMs));
            if (matches && o.hang) return; // the client times out; stop() destroys the socket
            if (matches && o.resetConnections !== undefined && reset < o.resetConnections) { reset++; req.socket.destroy(); return; }
            if (matches && o.failFirst && failed < o.failFirst.n) {
                failed++;
                const h: Record<string, string> = { "content-type": "application/json" };
                if (o.failFirst.retryAfter !== undefined) h["retry-after"] = o.failFirst.retryAfter;
                Object.assign(h, o.failFirst.headers);
                res.writeHead(o.failFirst.status, h).end(o.failFirst.body ?? JSON.stringify({ errors: [{ code: "TOOMANYREQUESTS", message: "injected fault" }] }));
                return;
            }
            if (matches && o.redirectTo !== undefined) { res.writeHead(307, { location: o.redirectTo + path }).end(); return; }
            if (matches && o.oversizedBytes !== undefined) {
                res.writeHead(200, { "content-type": OCI_MANIFEST });
                const chunk = Buffer.alloc(64 * 1024, 0x20);
                let sent = 0;
                const pump = () => {
                    while (sent < o.oversizedBytes!) {
                        const n = Math.min(chunk.length, o.oversizedBytes! - sent);
                        sent += n;
                        if (!res.write(chunk.subarray(0, n))) { res.once("drain", pump); return; }
                    }
                    res.end();
                };
                res.on("error", () => undefined);
                pump();
                return;
            }
            const referrers = /^\/v2\/(.+)\/referrers\/([a-z0-9]+):([a-f0-9]+)(\?.*)?$/.exec(path);
            let upstream: Response;
            if (o.serveReferrersApi && referrers && req.method === "GET") {
                const [, repo, alg, hex, query] = referrers;
                // distribution 2.8 only serves an OCI index to clients that accept it.
                const r = await forward(req, body, `/v2/${repo}/manifests/${alg}-${hex}`, { accept: OCI_INDEX });
                const artifactType = new URLSearchParams(query ?? "").get("artifactType");
                const found = Buffer.from(await r.arrayBuffer());
                if (r.status !== 200 && r.status !== 404) { res.writeHead(r.status, Object.fromEntries(r.headers)).end(found); return; }
                // No fallback index: the subject has no referrers (the API answers an empty index).
                const index = r.status === 404 ? { manifests: [] } : JSON.parse(found.toString());
                const manifests = (index.manifests ?? []).filter((m: Descriptor) => !artifactType || m.artifactType === artifactType);
                const h: Record<string, string> = { "content-type": OCI_INDEX };
                if (artifactType) h["oci-filters-applied"] = "artifactType";
                upstream = new Response(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }), { status: 200, headers: h });
            } else {
                upstream = await forward(req, body);
            }
            let out = Buffer.from(await upstream.arrayBuffer());
            const headers: Record<string, string> = {};
            upstream.headers.forEach((v, k) => { if (!["content-length", "transfer-encoding", "connection", "content-encoding"].includes(k)) headers[k] = v; });
            if (matches) for (const h of o.dropHeaders ?? []) delete headers[h.toLowerCase()];
            if (matches && o.corruptBody && out.length > 0) { out = Buffer.from(out); out[out.length >> 1] ^= 0x01; }
            if (matches && o.replaceBody !== undefined) out = Buffer.from(o.replaceBody);
            if (matches && o.truncate && out.length > 1) {
                res.writeHead(upstream.status, { ...headers, "content-length": String(out.length) });
                res.write(out.subarray(0, out.length >> 1), () => req.socket.destroy());
                return;
            }
            const status = matches && o.replaceBody !== undefined && o.replaceStatus !== undefined ? o.replaceStatus : upstream.status;
            res.writeHead(status, { ...headers, "content-length": String(out.length) }).end(req.method === "HEAD" ? undefined : out);
        } catch (e) {
            if (!res.headersSent) res.writeHead(502).end(String(e));
            else res.destroy();
        }
    });
    server.on("connection", (s: Socket) => { proxy.connections++; sockets.add(s); s.on("close", () => sockets.delete(s)); });
    const port = await listen(server);
    Object.assign(proxy, { host: `127.0.0.1:${port}`, url: `http://127.0.0.1:${port}` });
    return proxy;
}

/** A loopback server that counts connections and answers nothing useful: proves a host is never contacted. */
export async function startConnectionCounter(): Promise<{ host: string; connections: () => number; stop(): Promise<void> }> {
    let n = 0;
    const server = http.createServer((_req, res) => { res.writeHead(200, { "content-type": "application/json" }).end("{}"); });
    server.on("connection", () => { n++; });
    const port = await listen(server);
    return { host: `127.0.0.1:${port}`, connections: () => n, stop: () => closeServer(server) };
}

// ---------------------------------------------------------------------------------------------
// ACR facade

export interface AcrFacade {
    /** `127.0.0.1:<port>`: the "ACR" host a registries entry with auth "acr" names. */
    readonly host: string;
    /** Form fields of every /oauth2/exchange and /oauth2/token call, in order. */
    readonly calls: { path: string; form: Record<string, string> }[];
    stop(): Promise<void>;
}

/**
 * An ACR-like front for a token-mode TestRegistry: `/v2/*` is proxied (its Bearer challenge points
 * at this host's `/oauth2/token`, service = this host, as ACR's does), `/oauth2/exchange` swaps the
 * expected Entra token for a refresh token, and `/oauth2/token` swaps that for a registry JWT.
 * Every form field is validated as ACR does; anything else is a 400/401.
 */
export async function startAcrFacade(reg: TestRegistry, expect: { aadToken: string; tenant?: string }): Promise<AcrFacade> {
    if (!reg.tokenServer) throw new Error("startAcrFacade needs a token-mode registry");
    const mint = reg.tokenServer.mint;
    const calls: AcrFacade["calls"] = [];
    const refreshTokens = new Set<string>();
    let host = "";
    const server = http.createServer(async (req, res): Promise<unknown> => {
        const body = await readBody(req);
        const path = req.url ?? "/";
        const deny = (status: number, error: string) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ errors: [{ code: error }] }));
        if (req.method === "POST" && (path === "/oauth2/exchange" || path === "/oauth2/token")) {
            if (!(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) return deny(400, "UNSUPPORTED_CONTENT_TYPE");
            const form = Object.fromEntries(new URLSearchParams(body.toString()));
            calls.push({ path, form });
            if (form.service !== host) return deny(400, "INVALID_SERVICE");
            if (path === "/oauth2/exchange") {
                if (form.grant_type !== "access_token") return deny(400, "UNSUPPORTED_GRANT_TYPE");
                if (expect.tenant !== undefined && form.tenant !== expect.tenant) return deny(401, "INVALID_TENANT");
                if (form.access_token !== expect.aadToken) return deny(401, "INVALID_AAD_TOKEN");
                const refresh = randomBytes(24).toString("base64url");
                refreshTokens.add(refresh);
                return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ refresh_token: refresh }));
            }
            if (form.grant_type !== "refresh_token") return deny(400, "UNSUPPORTED_GRANT_TYPE");
            if (!refreshTokens.has(form.refresh_token)) return deny(401, "INVALID_REFRESH_TOKEN");
            if (!form.scope) return deny(400, "MISSING_SCOPE");
            const access = parseScopes([form.scope]).map((a) => ({ ...a, actions: a.actions.filter((x) => x === "pull") }));
            return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ access_token: mint(access, "acr-user") }));
        }
        const upstream = await fetch(new URL(path, reg.url), {
            method: req.method, body: ["GET", "HEAD"].includes(req.method ?? "GET") ? undefined : body,
            headers: Object.fromEntries(Object.entries(req.headers).filter(([k, v]) => typeof v === "string" && !["host", "connection", "content-length"].includes(k))) as Record<string, string>,
        });
        const out = Buffer.from(await upstream.arrayBuffer());
        const headers: Record<string, string> = {};
        upstream.headers.forEach((v, k) => { if (!["content-length", "transfer-encoding", "connection"].includes(k)) headers[k] = v; });
        if (headers["www-authenticate"]) {
            headers["www-authenticate"] = headers["www-authenticate"]
                .replace(/realm="[^"]*"/, `realm="http://${host}/oauth2/token"`)
                .replace(/service="[^"]*"/, `service="${host}"`);
        }
        return res.writeHead(upstream.status, { ...headers, "content-length": String(out.length) }).end(out);
    });
    const port = await listen(server);
    host = `127.0.0.1:${port}`;
    return { host, calls, stop: () => closeServer(server) };
}

// ---------------------------------------------------------------------------------------------
// Latency proxy

/**
 * A TCP-level proxy that delays every chunk from client to server by `latencyMs`: a network round
 * trip's worth of latency per request, at almost no CPU cost (for benchmarks, where the HTTP-level
 * fault proxy would compete with the client for the same event loop).
 */
export async function startLatencyProxy(target: { host: string }, latencyMs: number): Promise<{ host: string; connections: () => number; stop(): Promise<void> }> {
    const net = await import("node:net");
    const [targetHost, targetPort] = [target.host.slice(0, target.host.lastIndexOf(":")), Number(target.host.slice(target.host.lastIndexOf(":") + 1))];
    const sockets = new Set<Socket>();
    let connections = 0;
    const server = net.createServer((client) => {
        connections++;
        const upstream = net.connect(targetPort, targetHost);
        for (const s of [client, upstream]) { sockets.add(s); s.on("close", () => sockets.delete(s)); s.on("error", () => { client.destroy(); upstream.destroy(); }); }
        client.on("data", (chunk) => { setTimeout(() => { if (!upstream.destroyed) upstream.write(chunk); }, latencyMs); });
        client.on("end", () => setTimeout(() => upstream.end(), latencyMs));
        upstream.pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
        connections: () => connections,
        stop: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
    };
}
