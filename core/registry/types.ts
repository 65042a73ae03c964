/**
 * The contract of the registry client: what the scan gate, the signature gate, require-digest
 * remediation and the TrustedImage component need from an OCI registry. One client, shared by all.
 *
 * Rules every implementation keeps:
 * - only hosts named in the `registries` config are ever contacted (`repository()` returns undefined
 *   for any other host, and no request is made);
 * - loopback hosts (127.0.0.0/8, ::1, localhost) are spoken to over plain HTTP, all others over HTTPS;
 * - every manifest's bytes are hashed and compared with the digest asked for (or, for a tag, the
 *   `Docker-Content-Digest` the registry claims): a mismatch is a `digest-mismatch` error;
 * - credentials never appear in errors, messages or logs.
 */

import type { Descriptor } from "../oci";
export type { Descriptor };

/** A manifest fetched and verified against its digest. */
export interface FetchedManifest {
    readonly digest: string;
    readonly mediaType: string;
    readonly size: number;
    readonly bytes: Uint8Array;
}

/** How the client authenticates to one registry. The Docker token flow is negotiated from the
 * registry's `WWW-Authenticate: Bearer` challenge with whatever credentials the entry has. */
export type RegistryAuth =
    | { readonly type: "anonymous" }
    /** Basic credentials: the password is never in the config, only the name of an env variable. */
    | { readonly type: "basic"; readonly username: string; readonly passwordEnv: string }
    /** `auths[host]` of a docker config.json (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json` by default). */
    | { readonly type: "docker-config"; readonly path?: string }
    /** ACR: an Entra ID token from DefaultAzureCredential exchanged at `/oauth2/exchange`, then `/oauth2/token`. */
    | { readonly type: "acr"; readonly tenantId?: string };

/** One entry of the `registries` config. */
export interface RegistryEntry {
    /** Exact host, port included (`contoso.azurecr.io`, `127.0.0.1:5000`); `docker.io` for Docker Hub. */
    readonly host: string;
    readonly auth: RegistryAuth;
}

export interface RegistryClientOptions {
    /** Per-request timeout. Default 10 s. */
    readonly timeoutMs?: number;
    /** Retries on 429/503/connection errors, with backoff honouring Retry-After. Default 2. */
    readonly retries?: number;
    /** Requests in flight across all registries. Default 16. */
    readonly concurrency?: number;
    /** Largest manifest read. Default 4 MiB. */
    readonly maxManifestBytes?: number;
    /** TTL of the memory cache of tag resolutions (digest-addressed content is cached forever). Default 5 min. */
    readonly cacheTtlMs?: number;
    /** Optional directory for an on-disk cache of tag resolutions and digest-addressed content. */
    readonly cacheDir?: string;
    /** Clock for the cache (tests). */
    readonly now?: () => number;
    /** Azure credential for `acr` auth (defaults to DefaultAzureCredential). */
    readonly azureCredential?: { getToken(scope: string | string[]): Promise<{ token: string } | null> };
}

export type RegistryErrorCode =
    | "not-allowed" // host not in the registries config: never contacted
    | "not-found"
    | "unauthorized"
    | "denied"
    | "rate-limited"
    | "timeout"
    | "network"
    | "server"
    | "digest-mismatch"
    | "oversized"
    | "malformed";

export class RegistryError extends Error {
    constructor(readonly code: RegistryErrorCode, readonly host: string, message: string) {
        super(message);
        this.name = "RegistryError";
    }
}

/** Access to one repository of one allowed registry. */
export interface RepositoryClient {
    readonly host: string;
    /** Repository path without the host (`team/app`; `library/nginx` on Docker Hub). */
    readonly repository: string;
    /** Resolves a tag (or a digest) to the manifest it names now, verified against its digest. */
    resolve(tagOrDigest: string): Promise<FetchedManifest>;
    /** The manifest with this digest, verified. */
    manifest(digest: string, maxBytes?: number): Promise<FetchedManifest>;
    /** A blob, verified against its digest, refused beyond maxBytes. */
    blob(digest: string, maxBytes: number): Promise<Uint8Array>;
    /** Referrers of a digest: the OCI 1.1 referrers API, falling back to the `sha256-<hex>` tag schema index. */
    referrers(digest: string, artifactType?: string): Promise<readonly Descriptor[]>;
    /** The manifest a tag points to, or undefined when the tag does not exist. */
    tag(tag: string, maxBytes?: number): Promise<FetchedManifest | undefined>;
}

export interface RegistryStats {
    /** HTTP requests sent, auth included. */
    readonly requests: number;
    readonly authRequests: number;
    readonly cacheHits: number;
}

export interface RegistryClient {
    /** True when `host` is configured (and so may be contacted). */
    allows(host: string): boolean;
    /** A client for `host/repository`, or undefined (and no network) when the host is not configured. */
    repository(host: string, repository: string): RepositoryClient | undefined;
    stats(): RegistryStats;
}
