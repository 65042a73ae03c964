/**
 * What Defender for Containers sees running: the images of the sub-assessments of "Azure running
 * container images should have vulnerabilities resolved (powered by MDVM)" (assessment
 * c609cf0f-71ab-41e9-a3c6-9a1f7fe1b8d5, on managed clusters), read from Azure Resource Graph through
 * the Resource Graph client of core/evidence/defender.ts, for the subscriptions in scanned-images'
 * defender config. A sub-assessment's ID is the assessed resource's ID (the cluster) followed by
 * `/providers/Microsoft.Security/assessments/<key>/subassessments/<id>`; the image is the MDVM
 * sub-assessment's artifactDetails (registryHost, repositoryName, digest).
 *
 * Defender lists running images that it has assessed; an image it cannot assess has no row. The
 * inventory therefore complements the stacks' state and a cluster's own listing (`kubectl get pods`);
 * it does not replace them.
 */
import { DefenderError, pageOptions, resourceGraphRows, withResourceGraph, type DefenderOptions } from "../evidence/defender";
import { isRecord } from "../evidence/json";
import { parseReference } from "../reference";

export const RUNNING_IMAGES_ASSESSMENT_KEY = "c609cf0f-71ab-41e9-a3c6-9a1f7fe1b8d5";
/** Rows read at most (one per image per cluster after `distinct`); more is refused, not judged in part. */
export const MAX_RUNNING_ROWS = 100_000;

export const RUNNING_IMAGES_QUERY = [
    "securityresources",
    '| where type =~ "microsoft.security/assessments/subassessments"',
    '| extend assessmentKey = tolower(extract(@"(?i)providers/Microsoft.Security/assessments/([^/]*)", 1, id))',
    `| where assessmentKey == "${RUNNING_IMAGES_ASSESSMENT_KEY}"`,
    '| extend clusterId = tolower(extract(@"(?i)^(.*?)/providers/Microsoft\\.Security/", 1, id))',
    "| project clusterId,",
    "    registryHost = tostring(properties.additionalData.artifactDetails.registryHost),",
    "    repository = tostring(properties.additionalData.artifactDetails.repositoryName),",
    "    digest = tostring(properties.additionalData.artifactDetails.digest)",
    "| distinct clusterId, registryHost, repository, digest",
    "| order by clusterId asc, registryHost asc, repository asc, digest asc",
].join("\n");

export interface RunningImage {
    /** `registryHost/repository@digest`, as Defender names it. */
    readonly reference: string;
}

export interface RunningCluster {
    /** The cluster's ARM ID (lowercase). */
    readonly clusterId: string;
    /** Its name (last ID segment), for messages. */
    readonly name: string;
    readonly images: readonly RunningImage[];
    /** Rows that name no usable image (no digest, a malformed name): reported, never skipped. */
    readonly unreadable: readonly string[];
}

export type RunningImagesResult = { ok: true; clusters: RunningCluster[] } | { ok: false; failure: DefenderError };

/** Rows → clusters (pure). */
export function rowsToClusters(rows: readonly unknown[]): RunningCluster[] {
    const byCluster = new Map<string, { images: Map<string, RunningImage>; unreadable: string[] }>();
    rows.forEach((row, i) => {
        if (!isRecord(row)) throw new DefenderError("malformed", `Resource Graph row ${i} is not an object`);
        const f = (k: string) => (typeof row[k] === "string" ? (row[k] as string) : "");
        const clusterId = f("clusterId").toLowerCase();
        if (!clusterId) throw new DefenderError("malformed", `Resource Graph row ${i} names no cluster`);
        const entry = byCluster.get(clusterId) ?? { images: new Map<string, RunningImage>(), unreadable: [] as string[] };
        byCluster.set(clusterId, entry);
        const text = `${f("registryHost").toLowerCase()}/${f("repository")}@${f("digest").toLowerCase()}`;
        const parsed = parseReference(text);
        if (!f("registryHost") || !f("repository") || !f("digest") || !parsed.ok) {
            entry.unreadable.push(`Defender lists a running image it names only as ${JSON.stringify(text.slice(0, 300))}${parsed.ok ? "" : ` (${parsed.failure.message})`}`);
            return;
        }
        entry.images.set(text, { reference: text });
    });
    return [...byCluster.entries()].map(([clusterId, e]) => ({
        clusterId, name: clusterId.split("/").pop() ?? clusterId, images: [...e.images.values()], unreadable: e.unreadable,
    }));
}

/** Never throws. */
export async function queryRunningImages(options: DefenderOptions): Promise<RunningImagesResult> {
    const r = await withResourceGraph(options, async (client, signal) =>
        rowsToClusters(await resourceGraphRows(client, RUNNING_IMAGES_QUERY, options.subscriptions, { ...pageOptions(options), signal, maxRows: MAX_RUNNING_ROWS })));
    return r.ok ? { ok: true, clusters: r.value } : r;
}
