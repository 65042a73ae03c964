/** Every policy of the pack, in the order the CLI lists them. */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import type { SeamPolicy } from "./lib/sdk";
import { noLatestTag } from "./no-latest-tag/policy";
import { requireDigest } from "./require-digest/policy";
import { hardeningPolicies } from "./hardening";
import { scannedImages } from "./scanned-images/policy";
import { signedImages } from "./signed-images/policy";
import { trustedRegistries } from "./trusted-registries/policy";

export type CatalogPolicy = (ResourceValidationPolicy | StackValidationPolicy) & SeamPolicy;

export const catalog: CatalogPolicy[] = [
    trustedRegistries,
    requireDigest,
    noLatestTag,
    scannedImages,
    signedImages,
    ...hardeningPolicies,
];
