import { requireDigestGate } from "../../core/gate/config";
import { checkPinnedByDigest } from "../../core/rules";
import { imagePolicy } from "../lib/image-policy";
import { digestRemediation } from "./remediate";

const validation = imagePolicy({
    name: "require-digest",
    displayName: "Images are pinned by digest",
    description: "Container images must be pinned by digest, so what runs is exactly what was scanned and signed.",
    severity: "high",
    remediationSteps: "Reference the image as repository@sha256:<digest> (repository:tag@sha256:<digest> keeps the tag for readers). `docker buildx imagetools inspect <image>` or `az acr manifest list-metadata` shows the digest; the TrustedImage component resolves it at deploy time. At enforcement level `remediate`, tags in the registries listed in `registries` are pinned automatically.",
    gate: requireDigestGate,
    rule: () => (ref) => checkPinnedByDigest(ref),
});

export const requireDigest = {
    ...validation,
    remediateResource: digestRemediation(validation.name, validation.parseConfig),
};
