import { scannedImagesGate } from "../../core/gate/config";
import { imagePolicy } from "../lib/image-policy";
import { createScanContext, judgeScan, reportWarnings } from "./judge";

export const scannedImages = imagePolicy({
    name: "scanned-images",
    displayName: "Images are scanned and free of blocking vulnerabilities",
    description: "Container images must have a recent vulnerability scan of their exact digest with no unexcepted finding at or above the configured severity.",
    severity: "high",
    remediationSteps: "Scan the image by digest (Trivy, Grype, or Defender for Containers), publish the report (reports, an OCI referrer attestation, or Defender), fix blocking vulnerabilities by rebuilding on a patched base, and pin the new digest. See docs/scanned-images.md.",
    tags: ["vulnerability-scanning"],
    gate: scannedImagesGate,
    lookup: {
        createContext: createScanContext,
        judge: judgeScan,
        concurrency: (c) => c.concurrency,
        contextAdvisories: reportWarnings,
    },
});
