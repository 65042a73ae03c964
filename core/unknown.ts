/**
 * Values that are not known yet at preview (outputs of resources still to be created). The engine
 * marshals them to analyzers as fixed sentinel strings (the analyzer protocol's encoding, not an SDK
 * detail); the pack hands the core raw properties (policies/lib/sdk.ts unwraps the SDK's proxy) and
 * the core recognizes the sentinels itself, so it can judge each image separately.
 */

/** The engine's sentinels, one per value kind (see @pulumi/policy proxy.js, @pulumi/pulumi runtime/rpc). */
export const UNKNOWN_SENTINELS: readonly string[] = [
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string (also the untyped unknown)
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
    "030794c1-ac77-496b-92df-f27374a8bd58", // asset
    "e48ece36-62e2-4504-bad9-02848725956a", // archive
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
];
export const UNKNOWN_STRING = UNKNOWN_SENTINELS[0];

const sentinelSet = new Set(UNKNOWN_SENTINELS);

export function isUnknown(value: unknown): boolean {
    return typeof value === "string" && sentinelSet.has(value);
}

/** True when the value or anything inside it is unknown. */
export function containsUnknown(value: unknown): boolean {
    if (isUnknown(value)) return true;
    if (Array.isArray(value)) return value.some(containsUnknown);
    if (value !== null && typeof value === "object") return Object.values(value).some(containsUnknown);
    return false;
}
