/**
 * Authentication to registries: basic credentials (from an env variable or a docker config), the
 * Docker token flow negotiated from a `WWW-Authenticate: Bearer` challenge, and the ACR exchange of
 * an Entra ID token for a registry refresh token, then an access token. Tokens are cached per host
 * and scope until they expire. Every secret seen is remembered so messages can be scrubbed of it.
 */
import { FileProblem, readRegularFile } from "../regular-file";
import { homedir } from "node:os";
import { join } from "node:path";
import { normalizeHost } from "./config";
import { HttpResponse, Transport } from "./transport";
import { RegistryClientOptions, RegistryEntry, RegistryError } from "./types";

export interface Challenge {
    readonly scheme: string;
    readonly params: Readonly<Record<string, string>>;
}

/** Parses the first challenge of a WWW-Authenticate header (`Bearer realm="…",service="…",scope="…"`). */
export function parseChallenge(header: string | null): Challenge | undefined {
    if (!header) return undefined;
    const m = /^\s*([A-Za-z][A-Za-z0-9_-]*)\s*(.*)$/s.exec(header);
    if (!m) return undefined;
    const params: Record<string, string> = {};
    const re = /([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*,?\s*/gy;
    let p: RegExpExecArray | null;
    while ((p = re.exec(m[2])) !== null && p[0].length > 0) params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, "$1") : p[3];
    return { scheme: m[1].toLowerCase(), params };
}

/** 127.0.0.0/8, ::1 and localhost, with or without a port. */
export function isLoopback(host: string): boolean {
    const name = host.startsWith("[") ? host.slice(1, host.indexOf("]")) : host.replace(/:[0-9]+$/, "");
    return name === "localhost" || name === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/** The base URL of a registry host: plain HTTP only on loopback; Docker Hub's API lives at registry-1. */
export function baseUrl(host: string): string {
    if (host === "docker.io") return "https://registry-1.docker.io";
    return `${isLoopback(host) ? "http" : "https"}://${host}`;
}

interface BasicCredentials { readonly username: string; readonly password: string }

interface CachedToken { readonly token: string; readonly expiresAt: number }

const TOKEN_MAX_BYTES = 1024 * 1024;
const DEFAULT_TOKEN_SECONDS = 60; // the Docker token spec's default when expires_in is absent
const ACR_REFRESH_SECONDS = 60 * 60; // ACR refresh tokens live ~3 h; re-exchange well before
const ARM_SCOPE = "https://management.azure.com/.default";

/** What the token services of well-known registries are called when they are not the registry host. */
const KNOWN_REALMS: Readonly<Record<string, readonly string[]>> = { "docker.io": ["auth.docker.io"] };

export type AzureCredential = NonNullable<RegistryClientOptions["azureCredential"]>;

export interface AuthOptions {
    readonly now: () => number;
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly azureCredential?: AzureCredential;
    /** Hosts of the registries config: a token realm may live on one of them. */
    readonly allowedHosts: ReadonlySet<string>;
}

export class Authenticator {
    private readonly tokens = new Map<string, CachedToken>();
    private readonly challenges = new Map<string, Challenge>();
    private readonly basic = new Map<string, Promise<BasicCredentials | undefined>>();
    private readonly acrRefresh = new Map<string, CachedToken>();
    private readonly pending = new Map<string, Promise<CachedToken>>();
    private readonly contacted = new Map<string, Promise<void>>();
    private readonly secrets = new Set<string>();
    private azure: AzureCredential | undefined;

    constructor(private readonly transport: Transport, private readonly options: AuthOptions) {
        this.azure = options.azureCredential;
    }

    /** Removes every credential this client has seen from `text`. */
    scrub(text: string): string {
        let out = text;
        for (const s of this.secrets) if (s.length >= 4) out = out.split(s).join("***");
        return out;
    }

    private remember(...values: (string | undefined)[]): void {
        for (const v of values) if (v) this.secrets.add(v);
    }

    /**
     * Serializes the first contact with a host: until one exchange has shown whether (and how) the
     * host challenges, other requests wait, so a burst does not earn one 401 per request. Returns a
     * release function to the caller that makes the first contact, undefined to the others.
     */
    async firstContact(host: string): Promise<(() => void) | undefined> {
        const settled = this.contacted.get(host);
        if (settled) { await settled; return undefined; }
        let release!: () => void;
        this.contacted.set(host, new Promise<void>((resolve) => { release = resolve; }));
        return release;
    }

    /** The Authorization header to send before any challenge, when the host's scheme is known. */
    async preemptive(entry: RegistryEntry, scope: string): Promise<string | undefined> {
        const challenge = this.challenges.get(entry.host);
        if (!challenge) return undefined;
        if (challenge.scheme === "basic") {
            const creds = await this.credentials(entry);
            return creds ? basicHeader(creds) : undefined;
        }
        const cached = this.tokens.get(`${entry.host} ${scope}`);
        if (cached && cached.expiresAt > this.options.now()) return `Bearer ${cached.token}`;
        if (challenge.scheme === "bearer") return this.bearer(entry, challenge, scope);
        return undefined;
    }

    /** Answers a 401: the Authorization header to retry with, or throws `unauthorized`. */
    async answer(entry: RegistryEntry, response: HttpResponse, scope: string, what: string): Promise<string> {
        const challenge = parseChallenge(response.headers.get("www-authenticate"));
        if (!challenge) throw new RegistryError("unauthorized", entry.host, `${what}: ${entry.host} answered 401 without a usable WWW-Authenticate challenge`);
        this.challenges.set(entry.host, challenge);
        if (challenge.scheme === "basic") {
            const creds = await this.credentials(entry);
            if (!creds) throw new RegistryError("unauthorized", entry.host, `${what}: ${entry.host} requires credentials and its registries entry has ${describeAuth(entry)}`);
            return basicHeader(creds);
        }
        if (challenge.scheme === "bearer") {
            // The challenge's scope is what the registry wants for this request; ours is the default.
            const header = await this.bearer(entry, challenge, challenge.params.scope ?? scope);
            if (challenge.params.scope && challenge.params.scope !== scope) {
                const cached = this.tokens.get(`${entry.host} ${challenge.params.scope}`);
                if (cached) this.tokens.set(`${entry.host} ${scope}`, cached);
            }
            return header;
        }
        throw new RegistryError("unauthorized", entry.host, `${what}: ${entry.host} asks for ${challenge.scheme} authentication, which is not supported`);
    }

    /** Forgets a token the registry refused, so the next attempt fetches a fresh one. */
    invalidate(entry: RegistryEntry, scope: string): void {
        this.tokens.delete(`${entry.host} ${scope}`);
    }

    private async bearer(entry: RegistryEntry, challenge: Challenge, scope: string): Promise<string> {
        const key = `${entry.host} ${scope}`;
        const cached = this.tokens.get(key);
        if (cached && cached.expiresAt > this.options.now()) return `Bearer ${cached.token}`;
        // Concurrent requests for one scope share one token fetch.
        let pending = this.pending.get(key);
        if (!pending) {
            pending = (entry.auth.type === "acr" ? this.acrToken(entry, challenge, scope) : this.dockerToken(entry, challenge, scope))
                .then((token) => { this.tokens.set(key, token); return token; })
                .finally(() => this.pending.delete(key));
            this.pending.set(key, pending);
        }
        return `Bearer ${(await pending).token}`;
    }

    /** The realm URL of a challenge, if it is one we may send credentials to. */
    private realmUrl(entry: RegistryEntry, challenge: Challenge): URL {
        const realm = challenge.params.realm;
        let url: URL;
        try {
            url = new URL(realm ?? "");
        } catch {
            throw new RegistryError("unauthorized", entry.host, `${entry.host}'s token challenge has no valid realm URL`);
        }
        const realmHost = normalizeHost(url.host);
        const loopbackPair = isLoopback(entry.host) && isLoopback(url.host);
        const trusted = realmHost === entry.host || this.options.allowedHosts.has(realmHost) || loopbackPair
            || (KNOWN_REALMS[entry.host] ?? []).includes(realmHost);
        if (!trusted) {
            throw new RegistryError("unauthorized", entry.host,
                `${entry.host}'s token service is on ${url.host}, which is not in the registries config (add it to allow it)`);
        }
        if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url.host))) {
            throw new RegistryError("unauthorized", entry.host, `${entry.host}'s token service ${url.host} is not HTTPS`);
        }
        return url;
    }

    private async dockerToken(entry: RegistryEntry, challenge: Challenge, scope: string): Promise<CachedToken> {
        const url = this.realmUrl(entry, challenge);
        if (challenge.params.service) url.searchParams.set("service", challenge.params.service);
        if (scope) url.searchParams.set("scope", scope);
        const creds = await this.credentials(entry);
        const headers: Record<string, string> = { accept: "application/json" };
        if (creds) headers.authorization = basicHeader(creds);
        const what = `token for ${scope || "the registry"}`;
        const res = await this.transport.send(entry.host, what, { method: "GET", url: url.toString(), headers, maxBytes: TOKEN_MAX_BYTES, auth: true });
        const body = this.tokenBody(entry, res, what, creds !== undefined);
        const token = typeof body.token === "string" && body.token ? body.token : typeof body.access_token === "string" ? body.access_token : "";
        if (!token) throw new RegistryError("malformed", entry.host, `${what}: the token service answered without a token`);
        this.remember(token, typeof body.refresh_token === "string" ? body.refresh_token : undefined);
        return { token, expiresAt: this.expiry(body.expires_in, DEFAULT_TOKEN_SECONDS) };
    }

    private async acrToken(entry: RegistryEntry, challenge: Challenge, scope: string): Promise<CachedToken> {
        const service = challenge.params.service ?? entry.host;
        const base = baseUrl(entry.host);
        const refresh = await this.acrRefreshToken(entry, service, base);
        const form = new URLSearchParams({ grant_type: "refresh_token", service, scope, refresh_token: refresh });
        const what = `ACR access token for ${scope}`;
        const res = await this.transport.send(entry.host, what, {
            method: "POST", url: `${base}/oauth2/token`, headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
            body: form.toString(), maxBytes: TOKEN_MAX_BYTES, auth: true,
        });
        if (res.status === 401) this.acrRefresh.delete(entry.host);
        const body = this.tokenBody(entry, res, what, true);
        if (typeof body.access_token !== "string" || !body.access_token) throw new RegistryError("malformed", entry.host, `${what}: /oauth2/token answered without an access_token`);
        this.remember(body.access_token);
        return { token: body.access_token, expiresAt: this.expiry(body.expires_in, DEFAULT_TOKEN_SECONDS) };
    }

    private async acrRefreshToken(entry: RegistryEntry, service: string, base: string): Promise<string> {
        const cached = this.acrRefresh.get(entry.host);
        if (cached && cached.expiresAt > this.options.now()) return cached.token;
        const credential = await this.azureCredential();
        let aad: string | undefined;
        try {
            aad = (await credential.getToken(ARM_SCOPE))?.token;
        } catch (e) {
            throw new RegistryError("unauthorized", entry.host, `could not get an Entra ID token for ${entry.host}: ${this.scrub((e as Error)?.message ?? String(e))}`);
        }
        if (!aad) throw new RegistryError("unauthorized", entry.host, `could not get an Entra ID token for ${entry.host} (the credential returned none)`);
        this.remember(aad);
        const form = new URLSearchParams({ grant_type: "access_token", service });
        if (entry.auth.type === "acr" && entry.auth.tenantId) form.set("tenant", entry.auth.tenantId);
        form.set("access_token", aad);
        const what = "ACR token exchange";
        const res = await this.transport.send(entry.host, what, {
            method: "POST", url: `${base}/oauth2/exchange`, headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
            body: form.toString(), maxBytes: TOKEN_MAX_BYTES, auth: true,
        });
        const body = this.tokenBody(entry, res, what, true);
        if (typeof body.refresh_token !== "string" || !body.refresh_token) throw new RegistryError("malformed", entry.host, `${what}: /oauth2/exchange answered without a refresh_token`);
        this.remember(body.refresh_token);
        this.acrRefresh.set(entry.host, { token: body.refresh_token, expiresAt: this.options.now() + ACR_REFRESH_SECONDS * 1000 });
        return body.refresh_token;
    }

    private async azureCredential(): Promise<AzureCredential> {
        if (!this.azure) {
            // Loaded on first ACR use only: @azure/identity is heavy and most runs never need it.
            const { DefaultAzureCredential } = await import("@azure/identity");
            this.azure = new DefaultAzureCredential();
        }
        return this.azure;
    }

    private tokenBody(entry: RegistryEntry, res: HttpResponse, what: string, withCredentials: boolean): Record<string, unknown> {
        if (res.status === 401 || res.status === 403) {
            throw new RegistryError(res.status === 401 ? "unauthorized" : "denied", entry.host,
                `${what}: the token service of ${entry.host} refused ${withCredentials ? "the credentials of" : "anonymous access for"} its registries entry (${res.status})`);
        }
        if (res.status === 429) throw new RegistryError("rate-limited", entry.host, `${what}: the token service of ${entry.host} is rate limiting (429)`);
        if (res.status !== 200) throw new RegistryError(res.status >= 500 ? "server" : "unauthorized", entry.host, `${what}: the token service of ${entry.host} answered ${res.status}`);
        let body: unknown;
        try {
            body = JSON.parse(Buffer.from(res.body).toString("utf8"));
        } catch {
            throw new RegistryError("malformed", entry.host, `${what}: the token service of ${entry.host} answered with malformed JSON`);
        }
        if (typeof body !== "object" || body === null || Array.isArray(body)) throw new RegistryError("malformed", entry.host, `${what}: the token service of ${entry.host} answered with a non-object`);
        return body as Record<string, unknown>;
    }

    private expiry(expiresIn: unknown, fallbackSeconds: number): number {
        const seconds = typeof expiresIn === "number" && Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : fallbackSeconds;
        // Renew a little early, so a token does not expire between the cache check and its use.
        return this.options.now() + Math.max(1, seconds - 5) * 1000;
    }

    /** Basic credentials of an entry (resolved once), or undefined for anonymous / ACR. */
    private credentials(entry: RegistryEntry): Promise<BasicCredentials | undefined> {
        let p = this.basic.get(entry.host);
        if (!p) {
            p = this.resolveCredentials(entry);
            this.basic.set(entry.host, p);
            p.catch(() => this.basic.delete(entry.host)); // a fixed env/config is picked up next time
        }
        return p;
    }

    private async resolveCredentials(entry: RegistryEntry): Promise<BasicCredentials | undefined> {
        const auth = entry.auth;
        if (auth.type === "basic") {
            const password = this.options.env[auth.passwordEnv];
            if (password === undefined || password === "") {
                throw new RegistryError("unauthorized", entry.host, `the password of ${entry.host} is read from $${auth.passwordEnv}, which is not set`);
            }
            this.remember(password, Buffer.from(`${auth.username}:${password}`).toString("base64"));
            return { username: auth.username, password };
        }
        if (auth.type === "docker-config") {
            const creds = await dockerConfigCredentials(entry.host, auth.path, this.options.env);
            this.remember(creds.password, Buffer.from(`${creds.username}:${creds.password}`).toString("base64"));
            return creds;
        }
        return undefined;
    }
}

function basicHeader(c: BasicCredentials): string {
    return "Basic " + Buffer.from(`${c.username}:${c.password}`).toString("base64");
}

function describeAuth(entry: RegistryEntry): string {
    return entry.auth.type === "anonymous" ? "no credentials (anonymous)" : `auth "${entry.auth.type}"`;
}

/** The host an `auths` key of a docker config names (`https://index.docker.io/v1/` → docker.io). */
function authsKeyHost(key: string): string {
    const stripped = key.replace(/^[a-z]+:\/\//i, "").replace(/\/.*$/, "");
    return normalizeHost(stripped);
}

/** A docker config.json is a few KiB; anything larger is not one. */
export const MAX_DOCKER_CONFIG_BYTES = 1024 * 1024;

/** `auths[host]` of a docker config.json. Credential helpers are out of scope and say so. */
export async function dockerConfigCredentials(host: string, path: string | undefined, env: Readonly<Record<string, string | undefined>>): Promise<BasicCredentials> {
    const file = path ?? join(env.DOCKER_CONFIG ?? join(homedir(), ".docker"), "config.json");
    let config: Record<string, unknown>;
    try {
        // A regular file of bounded size (core/regular-file): a FIFO or device there would hang the pack.
        const parsed: unknown = JSON.parse((await readRegularFile(file, MAX_DOCKER_CONFIG_BYTES)).toString("utf8"));
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
        config = parsed as Record<string, unknown>;
    } catch (e) {
        const reason = e instanceof FileProblem ? e.problem : "is not a JSON object";
        throw new RegistryError("unauthorized", host, `the docker config ${file} for ${host} ${reason}`);
    }
    const auths = typeof config.auths === "object" && config.auths !== null ? config.auths as Record<string, unknown> : {};
    const key = Object.keys(auths).find((k) => authsKeyHost(k) === host);
    const entry = key !== undefined ? auths[key] as Record<string, unknown> | null : undefined;
    if (!entry || typeof entry !== "object") {
        const helpers = config.credHelpers as Record<string, unknown> | undefined;
        if ((helpers && typeof helpers === "object" && Object.keys(helpers).some((k) => authsKeyHost(k) === host)) || typeof config.credsStore === "string") {
            throw new RegistryError("unauthorized", host,
                `the docker config ${file} keeps ${host}'s credentials in a credential helper (credsStore/credHelpers), which imagegate does not run; use auth "basic" with passwordEnv, or an auths entry`);
        }
        throw new RegistryError("unauthorized", host, `the docker config ${file} has no auths entry for ${host}`);
    }
    if (typeof entry.identitytoken === "string" && entry.identitytoken) {
        throw new RegistryError("unauthorized", host, `the docker config ${file} holds an identity token for ${host}, which is not supported; use a username and password`);
    }
    if (typeof entry.auth === "string" && entry.auth) {
        const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
        const i = decoded.indexOf(":");
        if (i <= 0) throw new RegistryError("unauthorized", host, `the docker config ${file} has an auths entry for ${host} whose "auth" is not base64 of user:password`);
        return { username: decoded.slice(0, i), password: decoded.slice(i + 1) };
    }
    if (typeof entry.username === "string" && entry.username && typeof entry.password === "string") {
        return { username: entry.username, password: entry.password };
    }
    throw new RegistryError("unauthorized", host, `the docker config ${file} has an auths entry for ${host} without credentials`);
}
