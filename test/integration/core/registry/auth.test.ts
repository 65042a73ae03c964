/**
 * Authentication against real docker-registry instances: htpasswd basic auth (env password, docker
 * config), the Docker token flow (distribution's `auth: token` with a loopback token server), and
 * the ACR exchange through an ACR-like facade with an injected Entra credential. No credential may
 * appear in any error.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRegistryClient, parseChallenge, RegistryEntry, RegistryError } from "../../../../core/registry";
import { AcrFacade, clientEntry, PushedImage, startAcrFacade, startFaultProxy, startRegistry, TestRegistry } from "../../../support/registry";

let basic: TestRegistry;
let token: TestRegistry;
let basicImg: PushedImage;
let tokenImg: PushedImage;
let dir: string;

beforeAll(async () => {
    [basic, token] = await Promise.all([startRegistry({ mode: "basic" }), startRegistry({ mode: "token" })]);
    basicImg = await basic.pushImage("team/app", "1.0");
    tokenImg = await token.pushImage("team/app", "1.0");
    dir = mkdtempSync(join(tmpdir(), "imagegate-auth-"));
}, 60_000);

afterAll(async () => {
    await basic?.stop();
    await token?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Every string a secret could leak through. */
function errorText(e: unknown): string {
    const err = e as RegistryError;
    return `${err.message} ${err.stack ?? ""} ${JSON.stringify(err)}`;
}

function expectNoSecret(e: unknown, ...secrets: string[]): void {
    const text = errorText(e);
    for (const s of secrets) {
        expect(text).not.toContain(s);
        expect(text).not.toContain(Buffer.from(s).toString("base64"));
    }
}

describe("basic auth (htpasswd)", () => {
    const entry = (): RegistryEntry => ({ host: basic.host, auth: { type: "basic", username: basic.username!, passwordEnv: "REG_PASSWORD" } });

    test("the password comes from the env variable; after the first challenge, Basic is sent up front", async () => {
        const client = createRegistryClient([entry()], { env: { REG_PASSWORD: basic.password } });
        const r = client.repository(basic.host, "team/app")!;
        expect((await r.resolve("1.0")).digest).toBe(basicImg.manifest.digest);
        expect(client.stats().requests).toBe(2); // 401 challenge, then the authenticated GET
        await r.manifest(basicImg.config.digest).catch(() => undefined);
        expect(client.stats().requests).toBe(3); // no second challenge
    });

    test("anonymous access is unauthorized, naming the registry and the reference", async () => {
        const client = createRegistryClient([{ host: basic.host, auth: { type: "anonymous" } }]);
        const e = await client.repository(basic.host, "team/app")!.resolve("1.0").catch((x) => x);
        expect(e).toBeInstanceOf(RegistryError);
        expect(e.code).toBe("unauthorized");
        expect(e.message).toContain(basic.host);
    });

    test("a wrong password is unauthorized and never printed", async () => {
        const client = createRegistryClient([entry()], { env: { REG_PASSWORD: "wrong-secret-password" } });
        const e = await client.repository(basic.host, "team/app")!.resolve("1.0").catch((x) => x);
        expect(e.code).toBe("unauthorized");
        expectNoSecret(e, "wrong-secret-password", `${basic.username}:wrong-secret-password`);
    });

    test("an unset env variable says which variable", async () => {
        const client = createRegistryClient([entry()], { env: {} });
        await expect(client.repository(basic.host, "team/app")!.resolve("1.0")).rejects.toThrow(/\$REG_PASSWORD, which is not set/);
    });

    test("docker config auths: base64 auth and username/password, keyed by host or URL", async () => {
        const a = join(dir, "a.json");
        writeFileSync(a, JSON.stringify({ auths: { [`https://${basic.host}`]: { auth: Buffer.from(`${basic.username}:${basic.password}`).toString("base64") } } }));
        const c1 = createRegistryClient([{ host: basic.host, auth: { type: "docker-config", path: a } }]);
        expect((await c1.repository(basic.host, "team/app")!.resolve("1.0")).digest).toBe(basicImg.manifest.digest);
        const b = join(dir, "b.json");
        writeFileSync(b, JSON.stringify({ auths: { [basic.host]: { username: basic.username, password: basic.password } } }));
        const c2 = createRegistryClient([{ host: basic.host, auth: { type: "docker-config", path: b } }]);
        expect((await c2.repository(basic.host, "team/app")!.resolve("1.0")).digest).toBe(basicImg.manifest.digest);
        // $DOCKER_CONFIG/config.json is the default location
        writeFileSync(join(dir, "config.json"), JSON.stringify({ auths: { [basic.host]: { username: basic.username, password: basic.password } } }));
        const c3 = createRegistryClient([{ host: basic.host, auth: { type: "docker-config" } }], { env: { DOCKER_CONFIG: dir } });
        expect((await c3.repository(basic.host, "team/app")!.resolve("1.0")).digest).toBe(basicImg.manifest.digest);
    });

    test("credential helpers are refused with a clear error; a missing entry or file says so", async () => {
        const helpers = join(dir, "helpers.json");
        writeFileSync(helpers, JSON.stringify({ credsStore: "desktop", auths: {} }));
        const c1 = createRegistryClient([{ host: basic.host, auth: { type: "docker-config", path: helpers } }]);
        await expect(c1.repository(basic.host, "team/app")!.resolve("1.0")).rejects.toThrow(/credential helper \(credsStore\/credHelpers\)/);
        const other = join(dir, "other.json");
        writeFileSync(other, JSON.stringify({ auths: { "ghcr.io": { auth: Buffer.from("u:topsecretvalue").toString("base64") } } }));
        const c2 = createRegistryClient([{ host: basic.host, auth: { type: "docker-config", path: other } }]);
        const e = await c2.repository(basic.host, "team/app")!.resolve("1.0").catch((x) => x);
        expect(e.message).toMatch(/has no auths entry for 127\.0\.0\.1:\d+/);
        expectNoSecret(e, "topsecretvalue");
        const identity = join(dir, "identity.json");
        writeFileSync(identity, JSON.stringify({ auths: { [basic.host]: { identitytoken: "oauth-identity-secret" } } }));
        const ci = createRegistryClient([{ host: basic.host, auth: { type: "docker-config", path: identity } }]);
        const ei = await ci.repository(basic.host, "team/app")!.resolve("1.0").catch((x) => x);
        expect(ei.message).toMatch(/identity token .* not supported/);
        expectNoSecret(ei, "oauth-identity-secret");
        const c3 = createRegistryClient([{ host: basic.host, auth: { type: "docker-config", path: join(dir, "absent.json") } }]);
        await expect(c3.repository(basic.host, "team/app")!.resolve("1.0")).rejects.toThrow(/does not exist/);
    });
});

describe("Docker token flow (distribution auth: token)", () => {
    const entry = (): RegistryEntry => ({ host: token.host, auth: { type: "basic", username: token.username!, passwordEnv: "TOKEN_PASSWORD" } });

    test("401 Bearer challenge → token from the realm with service and scope → retry; tokens are cached per scope", async () => {
        const client = createRegistryClient([entry()], { env: { TOKEN_PASSWORD: token.password } });
        const before = token.tokenServer!.requests.length;
        const r = client.repository(token.host, "team/app")!;
        expect((await r.resolve("1.0")).digest).toBe(tokenImg.manifest.digest);
        expect((await r.referrers(tokenImg.manifest.digest))).toEqual([]);
        await r.blob(tokenImg.layers[0].digest, 1 << 20);
        const asked = token.tokenServer!.requests.slice(before);
        expect(asked).toEqual([{ scope: "repository:team/app:pull", service: token.tokenServer!.service, user: token.username }]);
        expect(client.stats().authRequests).toBe(1);
        // a second repository needs its own scope: fetched up front, without another 401 round trip
        const other = await token.pushImage("team/other", "1");
        const requests = client.stats().requests;
        expect((await client.repository(token.host, "team/other")!.resolve("1")).digest).toBe(other.manifest.digest);
        expect(client.stats().requests - requests).toBe(2);
        expect(token.tokenServer!.requests.at(-1)!.scope).toBe("repository:team/other:pull");
    });

    test("clientEntry gives other suites a working entry for a token-mode registry", async () => {
        const { entry, env } = clientEntry(token);
        const client = createRegistryClient([entry], { env });
        expect((await client.repository(token.host, "team/app")!.resolve("1.0")).digest).toBe(tokenImg.manifest.digest);
    });

    test("tokens are renewed after expires_in (injected clock)", async () => {
        let t = 5_000_000;
        const client = createRegistryClient([entry()], { env: { TOKEN_PASSWORD: token.password }, now: () => t, cacheTtlMs: 0 });
        const r = client.repository(token.host, "team/app")!;
        await r.resolve("1.0");
        await r.resolve("1.0");
        expect(client.stats().authRequests).toBe(1);
        t += 300_000;
        await r.resolve("1.0");
        expect(client.stats().authRequests).toBe(2);
    });

    test("bad credentials at the token service are unauthorized, without the password", async () => {
        const client = createRegistryClient([entry()], { env: { TOKEN_PASSWORD: "token-wrong-secret" } });
        const e = await client.repository(token.host, "team/app")!.resolve("1.0").catch((x) => x);
        expect(e.code).toBe("unauthorized");
        expect(e.message).toMatch(/token service/);
        expectNoSecret(e, "token-wrong-secret");
    });

    test("anonymous pull through the token flow when the token service allows it", async () => {
        const open = await startRegistry({ mode: "token", anonymousPull: true });
        try {
            const img = await open.pushImage("pub/app", "v1");
            const client = createRegistryClient([{ host: open.host, auth: { type: "anonymous" } }]);
            expect((await client.repository(open.host, "pub/app")!.resolve("v1")).digest).toBe(img.manifest.digest);
            expect(open.tokenServer!.requests.at(-1)!.user).toBeUndefined();
        } finally {
            await open.stop();
        }
    });
});

describe("ACR exchange", () => {
    let acr: AcrFacade;
    const aadToken = "eyJ.entra-token-secret.sig";
    beforeAll(async () => { acr = await startAcrFacade(token, { aadToken, tenant: "contoso.onmicrosoft.com" }); });
    afterAll(async () => { await acr?.stop(); });

    test("Entra token (ARM scope) → /oauth2/exchange → /oauth2/token → pull", async () => {
        const scopes: unknown[] = [];
        const azureCredential = { async getToken(scope: string | string[]) { scopes.push(scope); return { token: aadToken }; } };
        const client = createRegistryClient([{ host: acr.host, auth: { type: "acr", tenantId: "contoso.onmicrosoft.com" } }], { azureCredential });
        const r = client.repository(acr.host, "team/app")!;
        expect((await r.resolve("1.0")).digest).toBe(tokenImg.manifest.digest);
        expect(scopes).toEqual(["https://management.azure.com/.default"]);
        expect(acr.calls.map((c) => c.path)).toEqual(["/oauth2/exchange", "/oauth2/token"]);
        expect(acr.calls[0].form).toEqual({ grant_type: "access_token", service: acr.host, tenant: "contoso.onmicrosoft.com", access_token: aadToken });
        expect(acr.calls[1].form).toMatchObject({ grant_type: "refresh_token", service: acr.host, scope: "repository:team/app:pull" });
        // the refresh token is reused for another scope: one more /oauth2/token, no new exchange
        await token.pushImage("team/acr2", "x");
        await client.repository(acr.host, "team/acr2")!.resolve("x");
        expect(acr.calls.map((c) => c.path)).toEqual(["/oauth2/exchange", "/oauth2/token", "/oauth2/token"]);
        expect(scopes).toHaveLength(1);
    });

    test("a refused Entra token is unauthorized and never printed; a failing credential says so", async () => {
        const wrong = "eyJ.wrong-entra-secret.sig";
        const c1 = createRegistryClient([{ host: acr.host, auth: { type: "acr", tenantId: "contoso.onmicrosoft.com" } }], { azureCredential: { getToken: async () => ({ token: wrong }) } });
        const e1 = await c1.repository(acr.host, "team/app")!.resolve("1.0").catch((x) => x);
        expect(e1.code).toBe("unauthorized");
        expectNoSecret(e1, wrong);
        const c2 = createRegistryClient([{ host: acr.host, auth: { type: "acr" } }], { azureCredential: { getToken: async () => { throw new Error(`no identity (had ${wrong})`); } } });
        const e2 = await c2.repository(acr.host, "team/app")!.resolve("1.0").catch((x) => x);
        expect(e2.message).toMatch(/could not get an Entra ID token/);
    });
});

test("credentials are never sent to a token realm on a host outside the config", async () => {
    const proxy = await startFaultProxy(basic, {
        failFirst: { n: 1, status: 401, headers: { "www-authenticate": 'Bearer realm="https://auth.evil.example/token",service="x"' } },
    });
    try {
        const client = createRegistryClient([{ host: proxy.host, auth: { type: "basic", username: "u", passwordEnv: "P" } }], { env: { P: "realm-secret" } });
        const e = await client.repository(proxy.host, "team/app")!.resolve("1.0").catch((x) => x);
        expect(e.code).toBe("unauthorized");
        expect(e.message).toMatch(/token service is on auth\.evil\.example, which is not in the registries config/);
        expect(client.stats()).toMatchObject({ requests: 1, authRequests: 0 });
    } finally {
        await proxy.stop();
    }
});

test("a blob redirected to another origin is followed without the credentials, and still verified", async () => {
    const open = await startRegistry();
    const storage = await startFaultProxy(open);
    const front = await startFaultProxy(basic, { redirectTo: storage.url, match: /\/blobs\// });
    try {
        const bytes = Buffer.from(`redirected blob ${Date.now()}`);
        const digest = await basic.pushBlob("team/app", bytes);
        expect(await open.pushBlob("team/app", bytes)).toBe(digest);
        const client = createRegistryClient([{ host: front.host, auth: { type: "basic", username: basic.username!, passwordEnv: "P" } }], { env: { P: basic.password } });
        const r = client.repository(front.host, "team/app")!;
        await r.resolve("1.0"); // learns the Basic challenge: later requests carry credentials up front
        expect(Buffer.from(await r.blob(digest, 1024)).equals(bytes)).toBe(true);
        expect(front.requests.at(-1)).toMatchObject({ path: `/v2/team/app/blobs/${digest}`, authorization: true });
        expect(storage.requests).toEqual([{ method: "GET", path: `/v2/team/app/blobs/${digest}`, authorization: false }]);
        // a storage that serves other bytes is caught by the digest check
        storage.set({ corruptBody: true });
        const other = await basic.pushBlob("team/app", Buffer.from("second blob"));
        await open.pushBlob("team/app", Buffer.from("second blob"));
        await expect(r.blob(other, 1024)).rejects.toMatchObject({ code: "digest-mismatch" });
    } finally {
        await front.stop();
        await storage.stop();
        await open.stop();
    }
});

test("WWW-Authenticate challenges parse with quoted commas and escapes", () => {
    expect(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull,push"')).toEqual({
        scheme: "bearer", params: { realm: "https://auth.docker.io/token", service: "registry.docker.io", scope: "repository:library/nginx:pull,push" },
    });
    expect(parseChallenge('Basic realm="a \\"quoted\\" realm", charset=UTF-8')).toEqual({ scheme: "basic", params: { realm: 'a "quoted" realm', charset: "UTF-8" } });
    expect(parseChallenge(null)).toBeUndefined();
    expect(parseChallenge("")).toBeUndefined();
});
