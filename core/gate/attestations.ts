/**
 * Scan reports attached to an image digest in its registry (I/O edge): the digest's OCI referrers
 * (the registry client tries the referrers API, then the `sha256-<hex>` tag schema), keeping the
 * scan artifact types core/evidence recognizes, each manifest and layer fetched verified against its
 * descriptor, and parsed with parseAttestation (which refuses a report about another digest).
 *
 * Referrers that are something else (signatures, SBOMs, an `application/json` that is no scan) are
 * skipped. A referrer that claims to be a scan and cannot be read or parsed is a problem: the caller
 * fails the image closed rather than judging on the evidence that happened to load.
 */
import { isScanArtifactType, parseAttestation, ReportErrorCode, ScanReport } from "../evidence";
import { isVexArtifactType, parseVexAttachment } from "../evidence/vex-attestation";
import type { VexDocument } from "../evidence/vex";
import type { Descriptor, RepositoryClient } from "../registry";

/** Scan referrers examined per image; more are reported, not fetched. */
export const MAX_ATTESTATIONS = 16;
/** Largest attestation layer fetched (a Trivy JSON report of a large image is a few MiB). */
export const MAX_ATTESTATION_BYTES = 16 * 1024 * 1024;
/** Largest attestation manifest fetched. */
export const MAX_ATTESTATION_MANIFEST_BYTES = 256 * 1024;
const GENERIC_JSON = "application/json";
const CREATED_ANNOTATIONS = ["org.opencontainers.image.created", "org.opencontainers.artifact.created"];

/** parseAttestation codes that mean "this is not a vulnerability scan of an image": skipped, not failed. */
const NOT_A_SCAN: ReadonlySet<ReportErrorCode> = new Set<ReportErrorCode>([
    "unsupported-type", "unrecognized-format", "not-a-vulnerability-scan", "not-an-image-scan", "unsupported-predicate",
]);

export interface AttestationResult {
    readonly reports: readonly ScanReport[];
    /** OpenVEX documents attached to the digest (bare, or as in-toto attestations). */
    readonly vex: readonly VexDocument[];
    /** VEX documents attached and refused (malformed, expired, about another digest), with the reason. */
    readonly vexRefused: readonly string[];
    /** Why a scan referrer could not be used; any entry fails the image closed. */
    readonly problems: readonly string[];
    /** Facts for the message when the image turns out unscanned (what was skipped and why). */
    readonly notes: readonly string[];
}

interface ManifestJson {
    readonly artifactType?: unknown;
    readonly config?: { readonly mediaType?: unknown };
    readonly layers?: unknown;
    readonly annotations?: unknown;
}

function short(digest: string): string {
    return digest.length > 19 ? `${digest.slice(0, 19)}…` : digest;
}

function message(e: unknown): string {
    return (e as Error)?.message ?? String(e);
}

function stringRecord(v: unknown): Record<string, string> {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return {};
    return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === "string"));
}

/** The type a layer is parsed as: the referrer's own scan type, unless it is only generic JSON and the layer says more. */
function layerType(artifactType: string | undefined, layerMediaType: string): string | undefined {
    const a = artifactType?.trim().toLowerCase();
    const l = layerMediaType.trim().toLowerCase();
    if (a && isScanArtifactType(a) && a !== GENERIC_JSON) return a;
    if (isScanArtifactType(l)) return l;
    return a && isScanArtifactType(a) ? a : undefined;
}

function isLayer(v: unknown): v is Descriptor {
    if (v === null || typeof v !== "object") return false;
    const d = v as Record<string, unknown>;
    return typeof d.mediaType === "string" && typeof d.digest === "string" && typeof d.size === "number" && Number.isInteger(d.size) && d.size >= 0;
}

/** How attached VEX documents are judged: the verdict's clock and vexMaxAgeDays. */
export interface VexAttachmentOptions {
    readonly now: Date;
    readonly maxAgeDays: number;
}

export async function fetchAttestations(repo: RepositoryClient, digest: string, vexOptions?: VexAttachmentOptions): Promise<AttestationResult> {
    const where = `${repo.host}/${repo.repository}`;
    let referrers: readonly Descriptor[];
    try {
        referrers = await repo.referrers(digest);
    } catch (e) {
        return { reports: [], vex: [], vexRefused: [], problems: [`the attestations of ${digest} in ${where} could not be listed: ${message(e)}`], notes: [] };
    }
    // Descriptors without artifactType say nothing about themselves; their manifest is read to decide.
    const candidates = referrers.filter((r) => r.artifactType === undefined || isScanArtifactType(r.artifactType) || (vexOptions !== undefined && isVexArtifactType(r.artifactType)));
    const vex: VexDocument[] = [];
    const vexRefused: string[] = [];
    const order = { next: 0 };
    const notes: string[] = [];
    const problems: string[] = [];
    const reports: ScanReport[] = [];
    if (candidates.length > MAX_ATTESTATIONS) {
        notes.push(`${candidates.length} possible scan attestations are attached in ${where}; only the first ${MAX_ATTESTATIONS} were examined`);
    }
    for (const ref of candidates.slice(0, MAX_ATTESTATIONS)) {
        const label = `attestation ${short(ref.digest)} in ${where}`;
        let manifest: ManifestJson;
        try {
            const fetched = await repo.manifest(ref.digest, MAX_ATTESTATION_MANIFEST_BYTES);
            manifest = JSON.parse(Buffer.from(fetched.bytes).toString("utf8")) as ManifestJson;
            if (manifest === null || typeof manifest !== "object") throw new Error("the manifest is not a JSON object");
        } catch (e) {
            problems.push(`${label} could not be read: ${message(e)}`);
            continue;
        }
        const artifactType = ref.artifactType
            ?? (typeof manifest.artifactType === "string" ? manifest.artifactType : undefined)
            ?? (typeof manifest.config?.mediaType === "string" ? manifest.config.mediaType : undefined);
        const layers = Array.isArray(manifest.layers) ? manifest.layers : [];
        const annotations = { ...stringRecord(manifest.annotations), ...(ref.annotations ?? {}) };
        const created = CREATED_ANNOTATIONS.map((k) => annotations[k]).find((v) => v !== undefined);
        let used = 0;
        for (const layer of layers) {
            if (!isLayer(layer)) {
                problems.push(`${label} lists a layer that is not a valid descriptor`);
                continue;
            }
            const vexType = vexOptions && [artifactType, layer.mediaType].find((t) => t !== undefined && isVexArtifactType(t));
            const type = layerType(artifactType, layer.mediaType) ?? (vexType || undefined);
            if (type === undefined) continue;
            if (layer.size > MAX_ATTESTATION_BYTES) {
                problems.push(`${label}: its ${type} layer is ${layer.size} bytes, over the limit of ${MAX_ATTESTATION_BYTES}`);
                continue;
            }
            let bytes: Uint8Array;
            try {
                bytes = await repo.blob(layer.digest, MAX_ATTESTATION_BYTES);
            } catch (e) {
                problems.push(`${label}: its ${type} layer could not be fetched: ${message(e)}`);
                continue;
            }
            if (vexOptions) {
                const attached = parseVexAttachment(type, bytes, digest, { source: `${label} (${type})`, now: vexOptions.now, maxAgeDays: vexOptions.maxAgeDays, order });
                if (attached.kind === "vex") {
                    if (attached.result.ok) vex.push(attached.result.document);
                    else vexRefused.push(attached.result.message);
                    used++;
                    continue;
                }
            }
            const parsed = parseAttestation(type, bytes, digest, { source: `${label} (${type})`, ...(created !== undefined ? { created } : {}) });
            if (parsed.ok) {
                reports.push(parsed.report);
                used++;
            } else if (NOT_A_SCAN.has(parsed.error.code)) {
                notes.push(`${parsed.error.message} (skipped)`);
            } else {
                problems.push(parsed.error.message);
            }
        }
        if (used === 0 && layers.length === 0) notes.push(`${label} has no layers (skipped)`);
    }
    return { reports, vex, vexRefused, problems, notes };
}
