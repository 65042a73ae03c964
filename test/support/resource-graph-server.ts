/**
 * A loopback Azure Resource Graph endpoint speaking the documented wire format over HTTPS:
 * `POST /providers/Microsoft.ResourceGraph/resources?api-version=…` with a bearer token, request body
 * `{ subscriptions, query, options: { $top, $skipToken, resultFormat } }`, response
 * `{ totalRecords, count, resultTruncated, $skipToken?, data: [...] }` (objectArray). It holds raw
 * Defender sub-assessment resources (the documented row shape), selects those whose digest and
 * assessment key appear in the query, projects them as the query's `project` does, and pages them.
 * Faults (429 + Retry-After, 500, 401, bad JSON, hangs, resets) can be queued per request.
 */
import * as https from "https";
import { AddressInfo } from "net";
import { selfSignedCert } from "./self-signed";

export interface RecordedRequest {
    readonly method: string;
    readonly url: string;
    readonly authorization?: string;
    readonly body: any;
}

export type Fault =
    | { kind: "status"; status: number; headers?: Record<string, string>; body?: unknown }
    | { kind: "raw"; status: number; contentType: string; body: string }
    | { kind: "hang" }
    | { kind: "reset" };

export interface ResourceGraphServer {
    readonly url: string;
    /** PEM of the self-signed certificate the server presents (trust it through tlsOptions.ca). */
    readonly certPem: string;
    readonly requests: RecordedRequest[];
    /** Faults answered to the next requests, in order, before normal service resumes. */
    readonly faults: Fault[];
    /** Every following request gets this fault (persistent failures). */
    setPersistentFault(f: Fault | undefined): void;
    close(): Promise<void>;
}


/** The query's `project`, applied to a raw sub-assessment resource. */
function project(r: any): Record<string, string> {
    const p = r.properties ?? {};
    const ad = p.additionalData ?? {};
    const s = (v: unknown) => (v === undefined || v === null ? "" : String(v));
    const key = /providers\/Microsoft\.Security\/assessments\/([^/]*)/i.exec(r.id)?.[1]?.toLowerCase() ?? "";
    return {
        id: r.id, assessmentKey: key, digest: s(ad.artifactDetails?.digest),
        registryHost: s(ad.artifactDetails?.registryHost), repository: s(ad.artifactDetails?.repositoryName),
        cveId: s(ad.vulnerabilityDetails?.cveId ?? p.id), severity: s(ad.vulnerabilityDetails?.severity ?? p.status?.severity),
        statusCode: s(p.status?.code), statusCause: s(p.status?.cause), fixStatus: s(ad.softwareDetails?.fixStatus),
        packageName: s(ad.softwareDetails?.packageName), version: s(ad.softwareDetails?.version),
        fixedVersion: s(ad.softwareDetails?.fixedVersion), timeGenerated: s(p.timeGenerated),
        publishedDate: s(ad.vulnerabilityDetails?.publishedDate),
        // The assessed resource: the sub-assessment ID's prefix before /providers/Microsoft.Security/.
        clusterId: (/^(.*?)\/providers\/Microsoft\.Security\//i.exec(r.id)?.[1] ?? "").toLowerCase(),
    };
}

export async function startResourceGraphServer(opts: { token: string; resources: any[] }): Promise<ResourceGraphServer> {
    const { certPem, keyPem } = await selfSignedCert("CN=127.0.0.1", { ipSan: "127.0.0.1" });
    const requests: RecordedRequest[] = [];
    const faults: Fault[] = [];
    let persistent: Fault | undefined;
    const hung = new Set<import("http").ServerResponse>();

    const server = https.createServer({ key: keyPem, cert: certPem }, (req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            let body: any;
            try { body = JSON.parse(Buffer.concat(chunks).toString("utf8")); } catch { body = undefined; }
            requests.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body });
            const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
                res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
                res.end(JSON.stringify(value));
            };
            const fault = faults.shift() ?? persistent;
            if (fault) {
                if (fault.kind === "hang") { hung.add(res); return; }
                if (fault.kind === "reset") { req.socket.destroy(); return; }
                if (fault.kind === "raw") { res.writeHead(fault.status, { "content-type": fault.contentType }); res.end(fault.body); return; }
                return json(fault.status, fault.body ?? { error: { code: `Status${fault.status}`, message: "injected fault" } }, fault.headers);
            }
            const url = new URL(req.url!, "https://127.0.0.1");
            if (req.method !== "POST" || url.pathname !== "/providers/Microsoft.ResourceGraph/resources" || !url.searchParams.get("api-version")) {
                return json(404, { error: { code: "NotFound", message: `no route ${req.method} ${req.url}` } });
            }
            if (req.headers.authorization !== `Bearer ${opts.token}`) {
                return json(401, { error: { code: "AuthenticationFailed", message: "Authentication failed." } });
            }
            if (!body || typeof body.query !== "string" || !Array.isArray(body.subscriptions) || body.subscriptions.length === 0) {
                return json(400, { error: { code: "BadRequest", message: "query and subscriptions are required" } });
            }
            const options = body.options ?? {};
            if (options.resultFormat !== undefined && options.resultFormat !== "objectArray") {
                return json(400, { error: { code: "BadRequest", message: "this server answers objectArray only" } });
            }
            const digests = new Set((body.query.match(/sha256:[0-9a-f]{64}/g) ?? []) as string[]);
            const keys = new Set(((body.query as string).match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? []));
            const rows = opts.resources
                .filter((r) => body.subscriptions.includes(r.subscriptionId))
                .map(project)
                // A query naming no digest (the running-images inventory) selects by assessment key alone.
                .filter((r) => keys.has(r.assessmentKey) && (digests.size === 0 || digests.has(r.digest.toLowerCase())))
                .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
            const top = Math.min(Number(options.$top ?? 1000), 1000);
            const offset = options.$skipToken ? Number(Buffer.from(String(options.$skipToken), "base64").toString("utf8").replace("offset:", "")) : 0;
            const page = rows.slice(offset, offset + top);
            const next = offset + top < rows.length ? Buffer.from(`offset:${offset + top}`).toString("base64") : undefined;
            json(200, { totalRecords: rows.length, count: page.length, resultTruncated: "false", ...(next ? { $skipToken: next } : {}), data: page, facets: [] });
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    return {
        url: `https://127.0.0.1:${port}`,
        certPem, requests, faults,
        setPersistentFault: (f) => { persistent = f; },
        close: async () => {
            for (const r of hung) r.destroy();
            server.closeAllConnections();
            await new Promise<void>((resolve) => server.close(() => resolve()));
        },
    };
}

/** A raw Defender sub-assessment resource in the documented shape. */
export function subAssessment(o: {
    sub: string; registry: string; repository: string; digest: string; name: string;
    cve?: string; severity?: string; status: "Unhealthy" | "Healthy" | "NotApplicable"; cause?: string;
    fixStatus?: string; pkg?: string; version?: string; fixedVersion?: string; timeGenerated: string;
    key?: string;
    /** The assessed resource (default: the registry); a managed cluster for running-image sub-assessments. */
    resourceId?: string;
    published?: string;
}): any {
    const key = o.key ?? "c0b7cfc6-3172-465a-b378-53c7ff2cc0d5";
    const scope = o.resourceId ?? `/subscriptions/${o.sub}/resourceGroups/rg-images/providers/Microsoft.ContainerRegistry/registries/${o.registry.split(".")[0]}`;
    return {
        id: `${scope}/providers/Microsoft.Security/assessments/${key}/subassessments/${o.name}`,
        name: o.name, type: "microsoft.security/assessments/subassessments", tenantId: "00000000-0000-0000-0000-00000000aaaa",
        location: "global", resourceGroup: "rg-images", subscriptionId: o.sub,
        properties: {
            id: o.cve ?? "", displayName: o.cve ?? "",
            status: { code: o.status, severity: o.severity ?? "Low", ...(o.cause ? { cause: o.cause } : {}) },
            timeGenerated: o.timeGenerated,
            resourceDetails: { id: `/repositories/${o.repository}/images/${o.digest}`, source: "Azure" },
            additionalData: {
                assessedResourceType: "AzureContainerRegistryVulnerability",
                vulnerabilityDetails: o.cve ? { cveId: o.cve, severity: o.severity, ...(o.published ? { publishedDate: o.published } : {}) } : undefined,
                artifactDetails: { registryHost: o.registry, repositoryName: o.repository, digest: o.digest, tags: ["1.0"], artifactType: "ContainerImage", mediaType: "application/vnd.oci.image.manifest.v1+json" },
                softwareDetails: o.pkg ? { packageName: o.pkg, version: o.version ?? "", fixedVersion: o.fixedVersion ?? "", fixStatus: o.fixStatus ?? "NoFixAvailable", category: "OS" } : undefined,
            },
        },
    };
}
