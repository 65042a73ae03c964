/** The OCI registry client: config, client, and the adapter to signature verification. */
export * from "./types";
export * from "./config";
export { createRegistryClient, MEDIA_TYPES, descriptorProblem } from "./client";
export type { ExtendedClientOptions } from "./client";
export { signatureSource } from "./signature-source";
export { isLoopback, baseUrl, parseChallenge } from "./auth";
export { retryAfterMs } from "./transport";
