/** Hashing of fetched content against the digest it is addressed by. */
import { createHash } from "node:crypto";
import { validateDigest } from "../reference";

export function isDigest(s: string): boolean {
    return validateDigest(s) === undefined;
}

/** `alg:hex` of `bytes` with the algorithm of `like` (sha256 by default). */
export function digestOf(bytes: Uint8Array, algorithm = "sha256"): string {
    return `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
}

/** True when `bytes` hash to `digest` (a validated sha256/384/512 digest). */
export function matchesDigest(bytes: Uint8Array, digest: string): boolean {
    const alg = digest.slice(0, digest.indexOf(":"));
    return digestOf(bytes, alg) === digest;
}
