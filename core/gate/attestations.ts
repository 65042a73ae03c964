/**
 * Scan reports attached to an image digest in its registry (I/O edge): the digest's OCI referrers
 * (the registry client tries the referrers API, then the `sha256-<hex>` tag schema), keeping the
 * scan artifact types core/evidence recognizes, each manifest and layer fetched verified against its
 * descriptor, and parsed with parseAttestation (which refuses a report about another digest).
 *
 * Referrers that are something else (signatures, SBOMs, an `application/json` that is no scan) are
 * skipped. A referrer that claims to be a scan and cannot be read or parsed is a problem: the caller
 * fails the image closed rather than judging on the evidence that happened to load.
 *
 * Anyone who can push to the repository can attach referrers, so the work is bounded whatever the
 * registry lists (AttestationLimits): manifests examined, layers per manifest, bytes per layer and
 * per image, findings per image; a blob digest listed again (in the same or another manifest) is
 * fetched and parsed once. Exceeding a limit is a problem ("too many …: N, limit M"), never more work.
 */
import { isScanArtifactType, parseAttestation, ReportErrorCode, ScanReport } from "../evidence";
import { isVexArtifactType, parseVexAttachment } from "../evidence/vex-attestation";
import type { VexDocument } from "../evidence/vex";
import type { Descriptor, RepositoryClient } from "../registry";

/** The work one image's attestations may cause (scanned-images config; defaults below). */
export interface AttestationLimits {
    /** Scan referrer manifests fetched per image; more listed is a problem, and none past it is fetched. */
    readonly maxAttestations: number;
    /** Layers one attestation manifest may list. */
    readonly maxAttestationLayers: number;
    /** Largest attestation layer fetched (a Trivy JSON report of a large image is a few MiB). */
    readonly maxAttestationBytes: number;
    /** Bytes of attestation layers fetched per image, all manifests together. */
    readonly maxAttestationTotalBytes: number;
    /** Findings read from one image's attestations, all reports together. */
    readonly maxAttestationFindings: number;
}

export const DEFAULT_ATTESTATION_LIMITS: AttestationLimits = {
    maxAttestations: 16,
    maxAttestationLayers: 8,
    maxAttestationBytes: 16 * 1024 * 1024,
    maxAttestationTotalBytes: 32 * 1024 * 1024,
    maxAttestationFindings: 100_000,
};

/** Largest attestation manifest fetched (a manifest lists descriptors; maxAttestationLayers of them are a few KiB). */
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

/**
 * The scan reports (and, with `vexOptions`, the OpenVEX documents) attached to `digest`, within
 * `limits`. VEX layers count against the same limits as scan layers (manifests, layers, bytes).
 */
export async function fetchAttestations(
    repo: RepositoryClient,
    digest: string,
    limits: AttestationLimits = DEFAULT_ATTESTATION_LIMITS,
    vexOptions?: VexAttachmentOptions,
): Promise<AttestationResult> {
    const where = `${repo.host}/${repo.repository}`;
    let referrers: readonly Descriptor[];
    try {
        referrers = await repo.referrers(digest);
    } catch (e) {
        return { reports: [], vex: [], vexRefused: [], problems: [`the attestations of ${digest} in ${where} could not be listed: ${message(e)}`], notes: [] };
    }
    // Descriptors without artifactType say nothing about themselves; their manifest is read to decide.
    // A manifest digest listed twice is one manifest.
    const candidates = [...new Map(referrers
        .filter((r) => r.artifactType === undefined || isScanArtifactType(r.artifactType) || (vexOptions !== undefined && isVexArtifactType(r.artifactType)))
        .map((r) => [r.digest, r] as const)).values()];
    const vex: VexDocument[] = [];
    const vexRefused: string[] = [];
    const order = { next: 0 };
    const notes: string[] = [];
    const problems: string[] = [];
    const reports: ScanReport[] = [];
    if (candidates.length > limits.maxAttestations) {
        problems.push(`too many possible scan attestations in ${where}: ${candidates.length}, limit ${limits.maxAttestations} (maxAttestations); none past the limit was fetched`);
    }
    /** Layer digests already fetched: the same bytes are parsed once, whoever lists them again. */
    const seen = new Set<string>();
    let bytesFetched = 0;
    let findings = 0;
    let stopped = false;
    for (const ref of candidates.slice(0, limits.maxAttestations)) {
        if (stopped) break;
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
        if (layers.length > limits.maxAttestationLayers) {
            problems.push(`${label}: too many layers: ${layers.length}, limit ${limits.maxAttestationLayers} (maxAttestationLayers); none was fetched`);
            continue;
        }
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
            if (seen.has(layer.digest)) {
                used++;
                continue;
            }
            if (layer.size > limits.maxAttestationBytes) {
                problems.push(`${label}: its ${type} layer is too large: ${layer.size} bytes, limit ${limits.maxAttestationBytes} (maxAttestationBytes)`);
                continue;
            }
            if (bytesFetched + layer.size > limits.maxAttestationTotalBytes) {
                problems.push(`too many attestation bytes for ${digest} in ${where}: ${bytesFetched + layer.size} with ${label}, limit ${limits.maxAttestationTotalBytes} (maxAttestationTotalBytes); nothing more was fetched`);
                stopped = true;
                break;
            }
            seen.add(layer.digest);
            bytesFetched += layer.size;
            let bytes: Uint8Array;
            try {
                bytes = await repo.blob(layer.digest, limits.maxAttestationBytes);
            } catch (e) {
                problems.push(`${label}: its ${type} layer could not be fetched: ${message(e)}`);
                continue;
            }
            if (vexOptions) {
                const attached = parseVexAttachment(type, bytes, digest, { source: `${label} (${type})`, now: vexOptions.now, maxAgeDays: vexOptions.maxAgeDays, order });
                if (attached.kind === "vex") {
                    if (attached.result.ok) vex.push(attached.result.document);
                    else vexRefused.push(attached.result.failure.message);
                    used++;
                    continue;
                }
            }
            const parsed = parseAttestation(type, bytes, digest, { source: `${label} (${type})`, ...(created !== undefined ? { created } : {}) });
            if (parsed.ok) {
                findings += parsed.report.findings.length;
                if (findings > limits.maxAttestationFindings) {
                    problems.push(`too many findings in the attestations of ${digest} in ${where}: ${findings} with ${label}, limit ${limits.maxAttestationFindings} (maxAttestationFindings)`);
                    stopped = true;
                    break;
                }
                reports.push(parsed.report);
                used++;
            } else if (NOT_A_SCAN.has(parsed.failure.code)) {
                notes.push(`${parsed.failure.message} (skipped)`);
            } else {
                problems.push(parsed.failure.message);
            }
        }
        if (used === 0 && layers.length === 0) notes.push(`${label} has no layers (skipped)`);
    }
    return { reports, vex, vexRefused, problems, notes };
}
