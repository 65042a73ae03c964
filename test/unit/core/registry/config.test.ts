/** The `registries` config: every auth form, host rules, and errors that name the index and field. */
import { parseRegistriesConfig } from "../../../../core/registry";

function errors(raw: unknown): string[] {
    const r = parseRegistriesConfig(raw);
    if (r.ok) throw new Error(`expected errors for ${JSON.stringify(raw)}`);
    return r.errors;
}

test("host strings are anonymous entries; every auth form parses", () => {
    const r = parseRegistriesConfig([
        "127.0.0.1:5000",
        { host: "contoso.azurecr.io", auth: "acr" },
        { host: "fabrikam.azurecr.io", auth: { type: "acr", tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47" } },
        { host: "ghcr.io", auth: { type: "basic", username: "bot", passwordEnv: "GHCR_TOKEN" } },
        { host: "quay.io", auth: "docker-config" },
        { host: "registry.example.com:8443", auth: { type: "docker-config", path: "/etc/imagegate/docker.json" } },
        { host: "localhost:5001", auth: "anonymous" },
        { host: "[::1]:5002" },
    ]);
    expect(r).toEqual({
        ok: true,
        entries: [
            { host: "127.0.0.1:5000", auth: { type: "anonymous" } },
            { host: "contoso.azurecr.io", auth: { type: "acr" } },
            { host: "fabrikam.azurecr.io", auth: { type: "acr", tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47" } },
            { host: "ghcr.io", auth: { type: "basic", username: "bot", passwordEnv: "GHCR_TOKEN" } },
            { host: "quay.io", auth: { type: "docker-config" } },
            { host: "registry.example.com:8443", auth: { type: "docker-config", path: "/etc/imagegate/docker.json" } },
            { host: "localhost:5001", auth: { type: "anonymous" } },
            { host: "[::1]:5002", auth: { type: "anonymous" } },
        ],
    });
});

test("Docker Hub aliases normalise to docker.io, and count as duplicates of each other", () => {
    for (const h of ["docker.io", "index.docker.io", "registry-1.docker.io", "Docker.IO"]) {
        expect(parseRegistriesConfig([h])).toEqual({ ok: true, entries: [{ host: "docker.io", auth: { type: "anonymous" } }] });
    }
    expect(errors(["docker.io", { host: "index.docker.io" }])).toEqual([`registries[1].host: "index.docker.io" duplicates registries[0] (docker.io)`]);
    expect(errors(["a.io", "A.io"])[0]).toMatch(/^registries\[1\]: "A.io" duplicates registries\[0\]/);
});

test("hosts must be bare registry hosts that image references would name", () => {
    expect(errors(["https://contoso.azurecr.io"])[0]).toMatch(/^registries\[0\]: .*bare host\[:port\]/);
    expect(errors(["contoso.azurecr.io/team"])[0]).toMatch(/bare host/);
    expect(errors(["user:pw@contoso.azurecr.io"])[0]).toMatch(/bare host/);
    expect(errors(["myregistry"])[0]).toMatch(/would be read as Docker Hub's myregistry\/app/);
    expect(errors(["-bad.io"])[0]).toMatch(/not a valid registry host/);
    expect(errors(["host.io:99999"])[0]).toMatch(/outside 1-65535/);
    expect(errors([""])[0]).toMatch(/is empty/);
    expect(errors([{ host: 5 }])).toEqual(["registries[0].host: must be a string, got number 5"]);
});

test("unknown keys and bad auth fields are errors naming the index and field; all are reported", () => {
    expect(errors([
        { host: "a.io", auth: "acr", mirror: "b.io" },
        { host: "b.io", auth: { type: "basic", username: "u", password: "inline" } },
        { host: "c.io", auth: { type: "basic", username: "", passwordEnv: "1BAD" } },
        { host: "d.io", auth: { type: "oauth" } },
        { host: "e.io", auth: "token" },
        { host: "f.io", auth: { type: "acr", tenantId: "x y" } },
        { host: "g.io", auth: { type: "docker-config", path: "" } },
        42,
    ])).toEqual([
        `registries[0]: unknown field "mirror" (allowed: host, auth)`,
        `registries[1].auth: unknown field "password" (allowed: type, username, passwordEnv)`,
        `registries[1].auth.passwordEnv: must name an environment variable (the password itself never goes in the config)`,
        `registries[2].auth.username: must be a non-empty string without ":"`,
        `registries[2].auth.passwordEnv: must name an environment variable (the password itself never goes in the config)`,
        `registries[3].auth.type: must be "anonymous", "basic", "docker-config" or "acr", got "oauth"`,
        `registries[4].auth: "token" is not an auth method (use "anonymous", "acr", "docker-config" or an object)`,
        `registries[5].auth.tenantId: must be a tenant GUID or domain`,
        `registries[6].auth.path: must be a non-empty string`,
        `registries[7]: must be a host string or an object { host, auth }, got number 42`,
    ]);
});

test("the config must be an array", () => {
    expect(errors({ hosts: [] })).toEqual(["registries: must be an array, got an object"]);
    expect(parseRegistriesConfig([])).toEqual({ ok: true, entries: [] });
});
