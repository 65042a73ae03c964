import { noLatestTagGate } from "../../core/gate/config";
import { checkNotLatest } from "../../core/rules";
import { imagePolicy } from "../lib/image-policy";

export const noLatestTag = imagePolicy({
    name: "no-latest-tag",
    displayName: "Images do not use the latest tag",
    description: "Container images must not use the mutable \"latest\" tag, written or implied.",
    severity: "medium",
    remediationSteps: "Name an immutable version tag, or better a digest. An image with neither tag nor digest means \"latest\".",
    gate: noLatestTagGate,
    rule: () => (ref) => checkNotLatest(ref),
});
