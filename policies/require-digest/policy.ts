import { checkPinnedByDigest } from "../../core/rules";
import { ImagePolicyBaseConfig, imagePolicy } from "../lib/image-policy";

export const requireDigest = imagePolicy<ImagePolicyBaseConfig>({
    name: "require-digest",
    displayName: "Images are pinned by digest",
    description: "Container images must be pinned by digest, so what runs is exactly what was scanned and signed.",
    severity: "high",
    remediationSteps: "Reference the image as repository@sha256:<digest> (repository:tag@sha256:<digest> keeps the tag for readers). `docker buildx imagetools inspect <image>` or `az acr manifest list-metadata` shows the digest; the TrustedImage component resolves it at deploy time.",
    readConfig: (_reader, base) => base,
    rule: () => (ref) => checkPinnedByDigest(ref),
});
