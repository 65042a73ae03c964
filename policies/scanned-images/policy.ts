import { DEFAULT_JUDGEMENT, parseEvidenceConfig } from "../../core/evidence";
import { FAIL_ON_VALUES } from "../../core/evidence/config";
import { ConfigReader } from "../../core/config/reader";
import { ImagePolicyBaseConfig, imagePolicy } from "../lib/image-policy";
import { networkProperties, readNetworkConfig } from "../lib/registries";
import { createScanContext, judgeScan, reportWarnings, ScanContext, ScannedImagesConfig } from "./judge";

const EVIDENCE_KEYS = ["reports", "defender", "failOn", "maxAgeDays", "ignoreUnfixed", "exceptions"] as const;

function readConfig(reader: ConfigReader, base: ImagePolicyBaseConfig): ScannedImagesConfig {
    const raw: Record<string, unknown> = {};
    for (const k of EVIDENCE_KEYS) {
        const v = reader.raw_(k);
        if (v !== undefined) raw[k] = v;
    }
    const evidence = parseEvidenceConfig(raw);
    if (!evidence.ok) reader.errors.push(...evidence.errors);
    const attestations = reader.boolean("attestations");
    const network = readNetworkConfig(reader);
    if (attestations && network.registries.length === 0) {
        reader.fail("attestations", "is true but registries is empty: name the registries whose attestations may be fetched");
    }
    return {
        ...base,
        ...(evidence.ok ? evidence.config : { ...DEFAULT_JUDGEMENT, reports: [] }),
        ...network,
        attestations,
    };
}

export const scannedImages = imagePolicy<ScannedImagesConfig, ScanContext>({
    name: "scanned-images",
    displayName: "Images are scanned and free of blocking vulnerabilities",
    description: "Container images must have a recent vulnerability scan of their exact digest with no unexcepted finding at or above the configured severity.",
    severity: "high",
    // Off until configured: the gate needs evidence sources / trust material to mean anything, and
    // the pack is configured with every policy's defaults (an "all" level still turns it on).
    enforcementLevel: "disabled",
    remediationSteps: "Scan the image by digest (Trivy, Grype, or Defender for Containers), publish the report (reports, an OCI referrer attestation, or Defender), fix blocking vulnerabilities by rebuilding on a patched base, and pin the new digest. See docs/scanned-images.md.",
    tags: ["vulnerability-scanning"],
    properties: {
        reports: { type: "array", items: { type: "string", minLength: 1 }, default: [], description: "Files or directories of scanner output (Trivy JSON, Grype JSON, SARIF), relative to the policy pack directory or absolute. Matched by digest, never by tag." },
        defender: {
            type: "object",
            description: "Microsoft Defender for Containers findings from Azure Resource Graph, read with DefaultAzureCredential: { \"subscriptions\": [\"<subscription GUID>\", …] }.",
            properties: { subscriptions: { type: "array", items: { type: "string" }, description: "Subscriptions whose Defender sub-assessments are read." } },
            required: ["subscriptions"],
            additionalProperties: false,
        },
        attestations: { type: "boolean", default: false, description: "Look for scan reports attached to the image digest in its registry (OCI referrers; SARIF, Trivy JSON, cosign vulnerability attestations). Needs the registry in `registries`." },
        failOn: { type: "string", enum: FAIL_ON_VALUES, default: "high", description: "Lowest severity that blocks." },
        maxAgeDays: { type: "number", minimum: 0, default: 7, description: "A scan older than this many days no longer counts." },
        ignoreUnfixed: { type: "boolean", default: false, description: "Findings without a fixed version do not block." },
        exceptions: {
            type: "array",
            default: [],
            items: { type: "object", required: ["id", "expires", "reason"] },
            description: "Accepted vulnerabilities: [{ \"id\": \"CVE-…\", \"expires\": \"YYYY-MM-DD\", \"reason\": \"…\", \"images\": [optional references or prefixes] }]. An expired exception no longer applies.",
        },
        ...networkProperties,
    },
    readConfig,
    lookup: {
        createContext: createScanContext,
        judge: judgeScan,
        concurrency: (c) => c.concurrency,
        contextAdvisories: reportWarnings,
    },
});
