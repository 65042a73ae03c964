import { checkNotLatest } from "../../core/rules";
import { ImagePolicyBaseConfig, imagePolicy } from "../lib/image-policy";

export const noLatestTag = imagePolicy<ImagePolicyBaseConfig>({
    name: "no-latest-tag",
    displayName: "Images do not use the latest tag",
    description: "Container images must not use the mutable \"latest\" tag, written or implied.",
    severity: "medium",
    remediationSteps: "Name an immutable version tag, or better a digest. An image with neither tag nor digest means \"latest\".",
    readConfig: (_reader, base) => base,
    rule: () => (ref) => checkNotLatest(ref),
});
