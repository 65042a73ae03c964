/**
 * Verdicts of the image-trust rules on one parsed reference. Pure: the pack, the CLI, the
 * admission generators' agreement tests and the components all judge images through these.
 */
import { ImageReference, effectiveTag, familiarName } from "./reference";
import { TrustEntry, entryMatches } from "./trust";

/** Why an image fails a rule, and how to fix it. Undefined means the rule passes. */
export interface RuleFailure {
    readonly reason: string;
    readonly fix: string;
}

/** The trust entry that admits this reference, if any. */
export function trustedBy(ref: ImageReference, entries: readonly TrustEntry[]): TrustEntry | undefined {
    return entries.find((e) => entryMatches(e, ref));
}

export function checkTrustedRegistry(ref: ImageReference, entries: readonly TrustEntry[]): RuleFailure | undefined {
    if (trustedBy(ref, entries)) return undefined;
    const list = entries.length ? entries.map((e) => e.source).join(", ") : "none configured";
    return {
        reason: `${ref.name} is not in a trusted registry (trusted: ${list})`,
        fix: "push the image to a trusted registry and reference it there, or add its registry or repository to trusted-registries' registries",
    };
}

export function checkPinnedByDigest(ref: ImageReference): RuleFailure | undefined {
    if (ref.digest !== undefined) return undefined;
    return {
        reason: `it is not pinned by digest (tag "${effectiveTag(ref)}" can be moved to other content)`,
        // With a tag written, the tag may stay beside the digest (for readers); the digest decides.
        fix: `reference it by digest: ${familiarName({ ...ref, tag: undefined })}@sha256:<digest>${ref.tag !== undefined ? ` (or ${familiarName(ref)}@sha256:<digest>)` : ""}`,
    };
}

export function checkNotLatest(ref: ImageReference): RuleFailure | undefined {
    if (ref.digest !== undefined && ref.tag === undefined) return undefined;
    if (ref.tag === undefined) {
        return {
            reason: "it has no tag and no digest, so it means the mutable tag \"latest\"",
            fix: "name an immutable version tag, or better a digest",
        };
    }
    if (ref.tag === "latest") {
        return {
            reason: "it uses the mutable tag \"latest\"" + (ref.digest ? " (the digest pins it, but the tag misleads readers)" : ""),
            fix: ref.digest ? "drop the \"latest\" tag and keep the digest" : "name an immutable version tag, or better a digest",
        };
    }
    return undefined;
}
