import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { buildDefenderQuery, DefenderOptions, queryDefender, DEFENDER_ASSESSMENT_KEYS } from "../../../../core/evidence/defender";
import { judgeImage } from "../../../../core/evidence/judge";
import { parseEvidenceConfig } from "../../../../core/evidence/config";
import { parseReference } from "../../../../core/reference";
import { ResourceGraphServer, startResourceGraphServer, subAssessment } from "../../../support/resource-graph-server";

const SUB = "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d";
const OTHER_SUB = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a";
const TOKEN = "loopback-test-token";
const A = "sha256:a172cedcae47474b615c54d510a5d84a8dea3032e958587430b413538be3f333";
const B = "sha256:3b066804f6d1d077173cfe4d06002e6a61e6f21c2b2e648417962115f1afcd8e";
const C = "sha256:20e8cdb5b4093e18eb565f0a0c148e44da1f0b8c5447f27c47881675bfa86c10";
const D = "sha256:331e585dba0d4b6229de0b141eb99c3105cd7b6d308c9b9754b81c6e96a099bf";

class StaticCredential implements TokenCredential {
    calls = 0;
    async getToken(): Promise<AccessToken> {
        this.calls++;
        return { token: TOKEN, expiresOnTimestamp: Date.now() + 3600_000 };
    }
}

const base = { sub: SUB, registry: "contosoimages.azurecr.io", repository: "team/app" };
const resources = [
    subAssessment({ ...base, digest: A, name: "a1", cve: "CVE-2024-5535", severity: "Critical", status: "Unhealthy", pkg: "libssl3", version: "3.0.14", fixedVersion: "3.0.15", fixStatus: "FixAvailable", timeGenerated: "2026-11-21T03:00:00Z" }),
    subAssessment({ ...base, digest: A, name: "a2", cve: "CVE-2023-45853", severity: "High", status: "Unhealthy", pkg: "zlib1g", version: "1.2.13", fixStatus: "NoFixAvailable", timeGenerated: "2026-11-21T03:00:00Z" }),
    subAssessment({ ...base, digest: A, name: "a3", cve: "CVE-2024-2511", severity: "Medium", status: "Unhealthy", pkg: "libssl3", version: "3.0.14", fixedVersion: "3.0.15", fixStatus: "FixAvailable", timeGenerated: "2026-11-21T03:00:00Z", key: "33422d8f-ab1e-42be-bc9a-38685bb567b9" }),
    subAssessment({ ...base, digest: A, name: "a4", cve: "CVE-2022-0001", severity: "High", status: "Healthy", pkg: "bash", version: "5.2", timeGenerated: "2026-11-21T04:30:00Z" }),
    subAssessment({ ...base, digest: A, name: "a5", cve: "CVE-2011-3374", severity: "Low", status: "Unhealthy", pkg: "apt", version: "2.6.1", timeGenerated: "2026-11-21T03:00:00Z" }),
    subAssessment({ ...base, repository: "team/legacy", digest: B, name: "b1", status: "NotApplicable", cause: "Unsupported OS", timeGenerated: "2026-11-21T03:00:00Z" }),
    // Not asked for, and another subscription: never returned.
    subAssessment({ ...base, digest: C, name: "c1", cve: "CVE-2024-1", severity: "Critical", status: "Unhealthy", timeGenerated: "2026-11-21T03:00:00Z" }),
    subAssessment({ ...base, sub: OTHER_SUB, digest: A, name: "z1", cve: "CVE-2024-9", severity: "Critical", status: "Unhealthy", timeGenerated: "2026-11-21T03:00:00Z" }),
    // A legacy (retired Qualys) assessment key is not queried.
    subAssessment({ ...base, digest: A, name: "q1", cve: "CVE-2019-1", severity: "High", status: "Unhealthy", timeGenerated: "2026-11-21T03:00:00Z", key: "dbd0cb49-b563-45e7-9724-889e799fa648" }),
];

let server: ResourceGraphServer;
let credential: StaticCredential;

beforeAll(async () => {
    server = await startResourceGraphServer({ token: TOKEN, resources });
});
afterAll(async () => {
    await server.close();
});
beforeEach(() => {
    server.requests.length = 0;
    server.faults.length = 0;
    server.setPersistentFault(undefined);
    credential = new StaticCredential();
});

function options(extra: Partial<DefenderOptions> = {}): DefenderOptions {
    return {
        subscriptions: [SUB],
        credential,
        clientOptions: {
            endpoint: server.url,
            credentialScopes: "https://management.azure.com/.default",
            tlsOptions: { ca: server.certPem },
            retryOptions: { maxRetries: 2, retryDelayInMs: 10, maxRetryDelayInMs: 40 },
        },
        timeoutMs: 10_000,
        ...extra,
    };
}

async function lookup(digests: string[], extra: Partial<DefenderOptions> = {}) {
    const r = await queryDefender(digests, options(extra));
    if (!r.ok) throw new Error(`${r.failure.code}: ${r.failure.message}`);
    return r.lookup;
}

async function failure(digests: string[], extra: Partial<DefenderOptions> = {}) {
    const r = await queryDefender(digests, options(extra));
    if (r.ok) throw new Error("expected a failure");
    return r.failure;
}

test("the query names both assessment keys and every digest, validated", () => {
    const q = buildDefenderQuery([A, B]);
    for (const k of DEFENDER_ASSESSMENT_KEYS) expect(q).toContain(`"${k}"`);
    expect(q).toContain(`"${A}", "${B}"`);
    expect(() => buildDefenderQuery(['sha256:abc") | project secret'])).toThrow(/cannot query Defender/);
});

test("one batched query for all digests, paged through $skipToken, through the real SDK over TLS", async () => {
    const l = await lookup([A, B, D], { pageSize: 2 });
    // 6 matching rows (A: 5 under the two keys, B: 1) at 2 per page.
    expect(l.queries).toBe(1);
    expect(l.pages).toBe(3);
    expect(server.requests).toHaveLength(3);
    for (const r of server.requests) {
        expect(r.method).toBe("POST");
        expect(r.url).toMatch(/^\/providers\/Microsoft\.ResourceGraph\/resources\?api-version=/);
        expect(r.authorization).toBe(`Bearer ${TOKEN}`);
        expect(r.body.subscriptions).toEqual([SUB]);
        expect(r.body.options).toMatchObject({ resultFormat: "objectArray", $top: 2 });
    }
    expect(server.requests[0].body.options.$skipToken).toBeUndefined();
    expect(server.requests.slice(1).map((r) => r.body.options.$skipToken)).toEqual([
        Buffer.from("offset:2").toString("base64"), Buffer.from("offset:4").toString("base64"),
    ]);

    const a = l.reports.get(A)!;
    expect(a.tool).toBe("defender");
    expect(a.digests).toEqual([`contosoimages.azurecr.io/team/app@${A}`, A]);
    // Healthy rows prove the assessment (and date it) but are not findings.
    expect(a.scannedAt.toISOString()).toBe("2026-11-21T04:30:00.000Z");
    expect(a.findings.map((f) => [f.id, f.severity, f.fixAvailable]).sort()).toEqual([
        ["CVE-2011-3374", "low", false], ["CVE-2023-45853", "high", false], ["CVE-2024-2511", "medium", true], ["CVE-2024-5535", "critical", true],
    ]);
    // NotApplicable is a note, not a scan; a digest without rows has no Defender evidence at all.
    expect(l.reports.has(B)).toBe(false);
    expect(l.notes.get(B)).toEqual([`Defender marks ${B} NotApplicable (Unsupported OS), so it has not assessed it`]);
    expect(l.reports.has(D)).toBe(false);
    expect(l.notes.has(D)).toBe(false);
    expect(l.reports.has(C)).toBe(false);
});

test("more than 200 digests are split into batched queries, each naming its own digests", async () => {
    const many = Array.from({ length: 250 }, (_, i) => `sha256:${i.toString(16).padStart(64, "0")}`);
    const l = await lookup([...many, A]);
    expect(l.queries).toBe(2);
    expect(server.requests).toHaveLength(2);
    const named = server.requests.map((r) => (r.body.query.match(/sha256:[0-9a-f]{64}/g) ?? []).length);
    expect(named).toEqual([200, 51]);
    expect(l.reports.get(A)!.findings).toHaveLength(4);
});

test("Defender evidence feeds the verdict: absence of rows is unscanned, not clean", async () => {
    const l = await lookup([A, D]);
    const cfg = parseEvidenceConfig({});
    if (!cfg.ok) throw new Error();
    const now = new Date("2026-11-22T12:00:00Z");
    const ref = (d: string) => { const p = parseReference(`contosoimages.azurecr.io/team/app@${d}`); if (!p.ok) throw new Error(); return p.ref; };
    const va = judgeImage({ ref: ref(A), digest: A, reports: [l.reports.get(A)!] }, cfg.config, now);
    expect(va.kind).toBe("vulnerable");
    expect(va.blocking.map((f) => f.id)).toEqual(["CVE-2024-5535", "CVE-2023-45853"]);
    const vd = judgeImage({ ref: ref(D), digest: D, reports: l.reports.has(D) ? [l.reports.get(D)!] : [] }, cfg.config, now);
    expect(vd.kind).toBe("unscanned");
});

test("429 with Retry-After (and ARG's quota headers) is retried after the delay", async () => {
    server.faults.push({ kind: "status", status: 429, headers: { "Retry-After": "1", "x-ms-user-quota-remaining": "0", "x-ms-user-quota-resets-after": "00:00:01" },
        body: { error: { code: "RateLimiting", message: "Please provide below info when asking for support" } } });
    const started = Date.now();
    const l = await lookup([A]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(server.requests).toHaveLength(2);
    expect(l.reports.get(A)!.findings).toHaveLength(4);
});

test("429 with only Resource Graph's quota headers waits until the quota resets", async () => {
    server.faults.push({ kind: "status", status: 429, headers: { "x-ms-user-quota-remaining": "0", "x-ms-user-quota-resets-after": "00:00:01" } });
    const started = Date.now();
    const l = await lookup([A]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(server.requests).toHaveLength(2);
    expect(l.reports.has(A)).toBe(true);
});

test("429 that never ends: throttled error once retries run out", async () => {
    server.setPersistentFault({ kind: "status", status: 429, headers: { "Retry-After": "0" } });
    const e = await failure([A]);
    expect(e.code).toBe("throttled");
    expect(server.requests).toHaveLength(3); // first try + maxRetries 2
});

test("a huge Retry-After cannot stall the preview: the deadline wins", async () => {
    server.faults.push({ kind: "status", status: 429, headers: { "Retry-After": "3600" } });
    const started = Date.now();
    const e = await failure([A], { timeoutMs: 500 });
    expect(e.code).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(5_000);
});

test("server errors are retried, then reported", async () => {
    server.setPersistentFault({ kind: "status", status: 500 });
    const e = await failure([A]);
    expect(e).toMatchObject({ code: "server", status: 500 });
    expect(server.requests).toHaveLength(3);
});

test("a 500 followed by success recovers", async () => {
    server.faults.push({ kind: "status", status: 503 });
    expect((await lookup([A])).reports.has(A)).toBe(true);
});

test("401 from Resource Graph is an auth error", async () => {
    server.faults.push({ kind: "status", status: 401, body: { error: { code: "InvalidAuthenticationToken", message: "The access token is invalid." } } });
    const e = await failure([A]);
    expect(e).toMatchObject({ code: "auth", status: 401 });
    expect(e.message).toMatch(/Reader on the subscriptions/);
});

test("a credential that fails is an auth error, and no request is sent", async () => {
    const broken: TokenCredential = { getToken: async () => { throw new Error("DefaultAzureCredential failed to retrieve a token from the included credentials.\nEnvironmentCredential: missing"); } };
    const e = await failure([A], { credential: broken });
    expect(e.code).toBe("auth");
    expect(e.message).toMatch(/cannot get an Azure token/);
    expect(e.message).not.toMatch(/\n/);
    expect(server.requests).toHaveLength(0);
});

test("malformed JSON, a missing data array and an unknown status are malformed responses", async () => {
    server.faults.push({ kind: "raw", status: 200, contentType: "application/json", body: '{"totalRecords": 1, "data": [' });
    expect((await failure([A])).code).toBe("malformed");
    server.faults.push({ kind: "status", status: 200, body: { totalRecords: 0, count: 0, resultTruncated: "false", data: { rows: [] } } });
    expect((await failure([A])).code).toBe("malformed");
    server.faults.push({ kind: "status", status: 200, body: { totalRecords: 1, count: 1, resultTruncated: "false", data: [{ id: "x", digest: A, statusCode: "Pending", timeGenerated: "2026-11-21T00:00:00Z" }] } });
    const e = await failure([A]);
    expect(e.code).toBe("malformed");
    expect(e.message).toMatch(/status "Pending"/);
});

test("results truncated without a $skipToken are refused", async () => {
    server.faults.push({ kind: "status", status: 200, body: { totalRecords: 5000, count: 0, resultTruncated: "true", data: [] } });
    expect((await failure([A])).code).toBe("truncated");
});

test("a hung server times out; a reset connection is a network error", async () => {
    server.faults.push({ kind: "hang" });
    expect((await failure([A], { timeoutMs: 300 })).code).toBe("timeout");
    server.setPersistentFault({ kind: "reset" });
    expect((await failure([A])).code).toBe("network");
});

test("TLS is verified: without the test CA the connection is refused", async () => {
    const o = options();
    const e = await queryDefender([A], { ...o, clientOptions: { ...o.clientOptions, tlsOptions: undefined, retryOptions: { maxRetries: 0 } } });
    expect(e.ok).toBe(false);
    if (!e.ok) {
        expect(e.failure.code).toBe("network");
        expect(e.failure.message).toMatch(/certificate/i);
    }
    expect(server.requests).toHaveLength(0);
});

test("bad input fails closed without a request", async () => {
    expect((await failure(["sha256:abc"])).code).toBe("config");
    expect((await failure([A], { subscriptions: ["not-a-guid"] })).code).toBe("config");
    const none = await lookup([]);
    expect(none.queries).toBe(0);
    expect(server.requests).toHaveLength(0);
});
