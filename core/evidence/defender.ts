/**
 * Microsoft Defender for Containers findings, read from Azure Resource Graph (I/O edge) through
 * @azure/arm-resourcegraph with @azure/identity's DefaultAzureCredential (or an injected credential).
 *
 * What counts as evidence (see docs/scanned-images.md): Defender publishes one sub-assessment per
 * vulnerability per image under the registry assessments c0b7cfc6-… (MDVM) and 33422d8f-…. A digest
 * is "scanned by Defender" only if at least one sub-assessment for that exact digest is Unhealthy
 * (an open finding) or Healthy (assessed, resolved); its scan time is the newest `timeGenerated`.
 * A digest with no rows has NO Defender evidence — absence of findings is not proof of a scan
 * (unsupported OS, scan pending, registry outside the plan, image older than the rescan window).
 * NotApplicable rows say Defender could not assess the image; they are reported as notes, not as a scan.
 * The registry-level assessment status is not used: it does not say which digests were scanned.
 */
import type { TokenCredential, GetTokenOptions, AccessToken } from "@azure/core-auth";
import type { ResourceGraphClient, ResourceGraphClientOptionalParams, QueryRequest } from "@azure/arm-resourcegraph";
import { validateDigest } from "../reference";
import { isRecord } from "./json";
import { severityFromWord } from "./severity";
import { parseTimestamp } from "./time";
import { Vulnerability, ScanReport } from "./types";

export const DEFENDER_ASSESSMENT_KEYS: readonly string[] = [
    "c0b7cfc6-3172-465a-b378-53c7ff2cc0d5", // Azure registry container images should have vulnerabilities resolved (MDVM)
    "33422d8f-ab1e-42be-bc9a-38685bb567b9", // Container images in Azure registry should have vulnerability findings resolved
];

/** Digests per query; a preview with more distinct digests sends one query per this many. */
export const DIGESTS_PER_QUERY = 200;

export type DefenderErrorCode = "config" | "auth" | "throttled" | "server" | "bad-request" | "malformed" | "truncated" | "network" | "timeout";

export class DefenderError extends Error {
    constructor(readonly code: DefenderErrorCode, message: string, readonly status?: number) {
        super(message);
        this.name = "DefenderError";
    }
}

/** One sub-assessment row as the query projects it. */
export interface DefenderRow {
    readonly id: string;
    readonly assessmentKey: string;
    readonly digest: string;
    readonly registryHost: string;
    readonly repository: string;
    readonly cveId: string;
    readonly severity: string;
    readonly statusCode: string;
    readonly statusCause: string;
    readonly fixStatus: string;
    readonly packageName: string;
    readonly version: string;
    readonly fixedVersion: string;
    readonly timeGenerated: string;
    /** The vulnerability's publication date (vulnerabilityDetails.publishedDate); may be empty. */
    readonly publishedDate?: string;
}

export interface DefenderLookup {
    /** `sha256:…` → the Defender scan of that digest (only for digests with Unhealthy/Healthy rows). */
    readonly reports: ReadonlyMap<string, ScanReport>;
    /** `sha256:…` → why Defender has no scan of it, when it says (NotApplicable). */
    readonly notes: ReadonlyMap<string, readonly string[]>;
    readonly queries: number;
    readonly pages: number;
}

export interface DefenderOptions {
    readonly subscriptions: readonly string[];
    /** Default: DefaultAzureCredential from @azure/identity. */
    readonly credential?: TokenCredential;
    /** Passed to ResourceGraphClient (endpoint/$host, tlsOptions, retryOptions, …). */
    readonly clientOptions?: ResourceGraphClientOptionalParams;
    /** Deadline for all queries of one lookup, paging and 429 retries included (default 60 s). */
    readonly timeoutMs?: number;
    /** Rows per page ($top; Resource Graph allows at most 1000). */
    readonly pageSize?: number;
    /** Pages per query before giving up (default 100). */
    readonly maxPages?: number;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The Resource Graph query for a batch of digests. Digests are validated (algorithm:lowercase hex)
 * before they are written into the query, so nothing else can reach the query text.
 */
export function buildDefenderQuery(digests: readonly string[]): string {
    for (const d of digests) {
        const err = validateDigest(d);
        if (err) throw new DefenderError("config", `cannot query Defender for "${d}": ${err.message}`);
    }
    const keys = DEFENDER_ASSESSMENT_KEYS.map((k) => `"${k}"`).join(", ");
    const list = digests.map((d) => `"${d}"`).join(", ");
    return [
        "securityresources",
        '| where type =~ "microsoft.security/assessments/subassessments"',
        '| extend assessmentKey = tolower(extract(@"(?i)providers/Microsoft.Security/assessments/([^/]*)", 1, id))',
        `| where assessmentKey in (${keys})`,
        "| extend digest = tostring(properties.additionalData.artifactDetails.digest)",
        `| where digest in~ (${list})`,
        "| project id, assessmentKey, digest,",
        "    registryHost = tostring(properties.additionalData.artifactDetails.registryHost),",
        "    repository = tostring(properties.additionalData.artifactDetails.repositoryName),",
        "    cveId = tostring(coalesce(properties.additionalData.vulnerabilityDetails.cveId, properties.id)),",
        "    severity = tostring(coalesce(properties.additionalData.vulnerabilityDetails.severity, properties.status.severity)),",
        "    statusCode = tostring(properties.status.code),",
        "    statusCause = tostring(properties.status.cause),",
        "    fixStatus = tostring(properties.additionalData.softwareDetails.fixStatus),",
        "    packageName = tostring(properties.additionalData.softwareDetails.packageName),",
        "    version = tostring(properties.additionalData.softwareDetails.version),",
        "    fixedVersion = tostring(properties.additionalData.softwareDetails.fixedVersion),",
        "    timeGenerated = tostring(properties.timeGenerated),",
        "    publishedDate = tostring(properties.additionalData.vulnerabilityDetails.publishedDate)",
        "| order by id asc",
    ].join("\n");
}

const ROW_FIELDS: readonly (keyof DefenderRow)[] = ["id", "assessmentKey", "digest", "registryHost", "repository", "cveId", "severity",
    "statusCode", "statusCause", "fixStatus", "packageName", "version", "fixedVersion", "timeGenerated", "publishedDate"];

function readRow(v: unknown, i: number): DefenderRow {
    if (!isRecord(v)) throw new DefenderError("malformed", `Resource Graph row ${i} is not an object`);
    const row: Record<string, string> = {};
    for (const f of ROW_FIELDS) {
        const x = v[f] ?? "";
        if (typeof x !== "string") throw new DefenderError("malformed", `Resource Graph row ${i}: ${f} is not a string`);
        row[f] = x;
    }
    return row as unknown as DefenderRow;
}

function published(v: string): Date | undefined {
    const t = parseTimestamp(v);
    return t.ok ? t.date : undefined;
}

/** Rows → per-digest evidence (pure). Only digests in `wanted` are kept. */
export function rowsToEvidence(rows: readonly DefenderRow[], wanted: readonly string[]): { reports: Map<string, ScanReport>; notes: Map<string, string[]> } {
    const want = new Set(wanted);
    const byDigest = new Map<string, DefenderRow[]>();
    for (const r of rows) {
        const d = r.digest.toLowerCase();
        if (!want.has(d)) continue;
        const list = byDigest.get(d) ?? [];
        list.push(r);
        byDigest.set(d, list);
    }
    const reports = new Map<string, ScanReport>();
    const notes = new Map<string, string[]>();
    for (const [digest, list] of byDigest) {
        const assessed = list.filter((r) => /^(unhealthy|healthy)$/i.test(r.statusCode));
        const notApplicable = list.filter((r) => /^notapplicable$/i.test(r.statusCode));
        const odd = list.filter((r) => !/^(unhealthy|healthy|notapplicable)$/i.test(r.statusCode));
        if (odd.length > 0) throw new DefenderError("malformed", `Defender sub-assessment ${odd[0].id} has status "${odd[0].statusCode}" (expected Unhealthy, Healthy or NotApplicable)`);
        if (assessed.length === 0) {
            const causes = [...new Set(notApplicable.map((r) => r.statusCause).filter((c) => c !== ""))];
            notes.set(digest, [`Defender marks ${digest} NotApplicable${causes.length ? ` (${causes.join(", ")})` : ""}, so it has not assessed it`]);
            continue;
        }
        let scannedAt: Date | undefined;
        const findings: Vulnerability[] = [];
        for (const r of assessed) {
            const t = parseTimestamp(r.timeGenerated);
            if (!t.ok) throw new DefenderError("malformed", `Defender sub-assessment ${r.id}: timeGenerated ${t.failure.message}`);
            if (!scannedAt || t.date > scannedAt) scannedAt = t.date;
            if (!/^unhealthy$/i.test(r.statusCode)) continue;
            if (r.cveId === "") throw new DefenderError("malformed", `Defender sub-assessment ${r.id} has no vulnerability ID`);
            findings.push({
                id: r.cveId,
                severity: severityFromWord(r.severity) ?? "unknown",
                fixAvailable: /^fixavailable$/i.test(r.fixStatus),
                package: r.packageName,
                installedVersion: r.version,
                ...(r.fixedVersion ? { fixedVersion: r.fixedVersion } : {}),
                ...(published(r.publishedDate ?? "") ? { published: published(r.publishedDate ?? "") } : {}),
            });
        }
        const first = assessed[0];
        const repo = first.registryHost && first.repository ? `${first.registryHost.toLowerCase()}/${first.repository}` : "";
        reports.set(digest, {
            tool: "defender", format: "defender",
            source: `Defender for Containers${repo ? ` (${repo})` : ""}`,
            digests: repo ? [`${repo}@${digest}`, digest] : [digest],
            scannedAt: scannedAt!, findings,
        });
    }
    return { reports, notes };
}

/** The credential's failures are auth failures, whatever the credential throws. */
function authTagged(credential: TokenCredential): TokenCredential {
    return {
        async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
            let token: AccessToken | null;
            try {
                token = await credential.getToken(scopes, options);
            } catch (e) {
                throw new DefenderError("auth", `cannot get an Azure token for Resource Graph: ${(e as Error).message?.split("\n")[0] ?? String(e)}`);
            }
            if (!token) throw new DefenderError("auth", "the Azure credential returned no token for Resource Graph");
            return token;
        },
    };
}

function classify(e: unknown, aborted: boolean, timeoutMs: number): DefenderError {
    if (e instanceof DefenderError) return e;
    const err = e as { name?: string; statusCode?: number; code?: string; message?: string };
    if (aborted || err.name === "AbortError") return new DefenderError("timeout", `Resource Graph did not answer within ${timeoutMs} ms`);
    const status = err.statusCode;
    if (err.code === "PARSE_ERROR") return new DefenderError("malformed", `Resource Graph answered${status ? ` HTTP ${status}` : ""} with a body that is not JSON`, status);
    if (status === 401 || status === 403) return new DefenderError("auth", `Resource Graph refused the credential (HTTP ${status}); the identity needs Reader on the subscriptions`, status);
    if (status === 429) return new DefenderError("throttled", "Resource Graph is throttling requests (HTTP 429) and retries ran out", status);
    if (status !== undefined && status >= 500) return new DefenderError("server", `Resource Graph failed (HTTP ${status})`, status);
    if (status !== undefined && status >= 400) return new DefenderError("bad-request", `Resource Graph rejected the query (HTTP ${status}): ${(err.message ?? "").split("\n")[0].slice(0, 300)}`, status);
    return new DefenderError("network", `cannot reach Resource Graph: ${(err.message ?? String(e)).split("\n")[0].slice(0, 300)}`);
}

async function makeClient(options: DefenderOptions): Promise<ResourceGraphClient> {
    let credential = options.credential;
    if (!credential) {
        const identity = await import("@azure/identity");
        credential = new identity.DefaultAzureCredential();
    }
    const { ResourceGraphClient } = await import("@azure/arm-resourcegraph");
    const clientOptions: ResourceGraphClientOptionalParams = {
        retryOptions: { maxRetries: 3, retryDelayInMs: 500, maxRetryDelayInMs: 5_000 },
        ...options.clientOptions,
    };
    // A custom endpoint (sovereign cloud, test server) is also where requests go.
    if (clientOptions.endpoint && !clientOptions.$host) clientOptions.$host = clientOptions.endpoint;
    const client = new ResourceGraphClient(authTagged(credential), clientOptions);
    // Runs inside the retry policy, so the SDK's throttling strategy sees the translated header.
    client.pipeline.addPolicy({ name: "resourceGraphQuotaRetryAfter", sendRequest: async (req, next) => quotaRetryAfter(await next(req)) }, { afterPhase: "Retry" });
    return client;
}

/**
 * Resource Graph documents its throttling with `x-ms-user-quota-remaining` and
 * `x-ms-user-quota-resets-after` (hh:mm:ss) rather than Retry-After. On a 429 without Retry-After, the
 * reset time becomes `retry-after-ms`, which the SDK's throttling retry honours.
 */
export function quotaRetryAfter<R extends { status: number; headers: { get(name: string): string | undefined; set(name: string, value: string): void } }>(res: R): R {
    if (res.status !== 429 || res.headers.get("retry-after") || res.headers.get("retry-after-ms") || res.headers.get("x-ms-retry-after-ms")) return res;
    const m = /^(\d{1,2}):(\d{2}):(\d{2})(?:\.\d+)?$/.exec(res.headers.get("x-ms-user-quota-resets-after") ?? "");
    if (m) res.headers.set("retry-after-ms", String(((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000));
    return res;
}

/**
 * Runs one Resource Graph query for `subscriptions`, following `$skipToken` pages within
 * `maxPages`, and returns the raw rows (objectArray). 429s are retried by the SDK's throttling
 * policy, honouring Retry-After / x-ms-retry-after-ms. Throws DefenderError. The one pager: the
 * registry findings and the running-images inventory both go through it.
 */
export async function resourceGraphRows(client: ResourceGraphClient, query: string, subscriptions: readonly string[], opts: { pageSize: number; maxPages: number; signal: AbortSignal; maxRows?: number }, counters: { pages: number } = { pages: 0 }): Promise<unknown[]> {
    const rows: unknown[] = [];
    let skipToken: string | undefined;
    const seenTokens = new Set<string>();
    for (let page = 0; ; page++) {
        if (page >= opts.maxPages) throw new DefenderError("truncated", `Resource Graph returned more than ${opts.maxPages} pages; refusing to judge on partial results`);
        const request: QueryRequest = {
            subscriptions: [...subscriptions],
            query,
            options: { resultFormat: "objectArray", top: opts.pageSize, ...(skipToken ? { skipToken } : {}) },
        };
        // The SDK's mapper turns the `data` array into an object keyed "0", "1", …; the raw
        // body (onResponse) is parsed and checked here instead.
        let text: string | null | undefined;
        await client.resources(request, { abortSignal: opts.signal, onResponse: (raw) => { text = raw.bodyAsText; } });
        counters.pages++;
        let body: unknown;
        try {
            body = JSON.parse(text ?? "");
        } catch {
            throw new DefenderError("malformed", "Resource Graph answered with a body that is not JSON");
        }
        if (!isRecord(body)) throw new DefenderError("malformed", "Resource Graph response is not a JSON object");
        const data = body.data;
        if (!Array.isArray(data)) throw new DefenderError("malformed", "Resource Graph response has no data array (objectArray format)");
        rows.push(...data);
        if (opts.maxRows !== undefined && rows.length > opts.maxRows) throw new DefenderError("truncated", `Resource Graph returned more than ${opts.maxRows} rows; refusing to judge on partial results`);
        const next = body.$skipToken;
        if (next !== undefined && typeof next !== "string") throw new DefenderError("malformed", "Resource Graph $skipToken is not a string");
        if (!next) {
            if (String(body.resultTruncated) === "true") throw new DefenderError("truncated", "Resource Graph truncated the results without a $skipToken; refusing to judge on partial results");
            return rows;
        }
        if (seenTokens.has(next)) throw new DefenderError("malformed", "Resource Graph repeated a $skipToken");
        seenTokens.add(next);
        skipToken = next;
    }
}

/** A client and a deadline for a group of queries; `run` classifies every failure as a DefenderError. */
export async function withResourceGraph<T>(options: DefenderOptions, run: (client: ResourceGraphClient, signal: AbortSignal) => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; failure: DefenderError }> {
    const timeoutMs = options.timeoutMs ?? 60_000;
    if (options.subscriptions.length === 0 || !options.subscriptions.every((s) => GUID.test(s))) {
        return { ok: false, failure: new DefenderError("config", "defender.subscriptions must list subscription IDs (GUIDs)") };
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
        const client = await makeClient(options);
        return { ok: true, value: await run(client, controller.signal) };
    } catch (e) {
        return { ok: false, failure: classify(e, controller.signal.aborted, timeoutMs) };
    } finally {
        clearTimeout(timer);
    }
}

export function pageOptions(options: DefenderOptions): { pageSize: number; maxPages: number } {
    return { pageSize: Math.min(Math.max(options.pageSize ?? 1000, 1), 1000), maxPages: options.maxPages ?? 100 };
}

/**
 * Looks up Defender's findings for `digests` (bare `sha256:…`), one query per
 * DIGESTS_PER_QUERY digests, following `$skipToken` pages, within the overall deadline.
 * Never throws: failures come back as a DefenderError.
 */
export async function queryDefender(digests: readonly string[], options: DefenderOptions): Promise<{ ok: true; lookup: DefenderLookup } | { ok: false; failure: DefenderError }> {
    const wanted = [...new Set(digests)];
    if (options.subscriptions.length === 0 || !options.subscriptions.every((s) => GUID.test(s))) {
        return { ok: false, failure: new DefenderError("config", "defender.subscriptions must list subscription IDs (GUIDs)") };
    }
    if (wanted.length === 0) return { ok: true, lookup: { reports: new Map(), notes: new Map(), queries: 0, pages: 0 } };
    for (const d of wanted) {
        const err = validateDigest(d);
        if (err) return { ok: false, failure: new DefenderError("config", `cannot query Defender for "${d}": ${err.message}`) };
    }
    const counters = { pages: 0 };
    let queries = 0;
    const r = await withResourceGraph(options, async (client, signal) => {
        const rows: DefenderRow[] = [];
        for (let i = 0; i < wanted.length; i += DIGESTS_PER_QUERY) {
            const query = buildDefenderQuery(wanted.slice(i, i + DIGESTS_PER_QUERY));
            queries++;
            const raw = await resourceGraphRows(client, query, options.subscriptions, { ...pageOptions(options), signal }, counters);
            const offset = rows.length;
            raw.forEach((x, j) => rows.push(readRow(x, offset + j)));
        }
        return rowsToEvidence(rows, wanted);
    });
    if (!r.ok) return r;
    return { ok: true, lookup: { reports: r.value.reports, notes: r.value.notes, queries, pages: counters.pages } };
}
