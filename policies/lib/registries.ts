/**
 * The pack's side of the network-backed gates: the pack directory (relative config paths resolve
 * against it) and the registry clients, shared by every policy configured with the same registries.
 * What the `registries`/`concurrency`/`cacheDir` keys mean is core/gate/config.ts's; the transport
 * rules are the registry client's (core/registry, docs/registries.md).
 */
import * as fs from "fs";
import * as path from "path";
import { DEFAULT_CONCURRENCY, type NetworkConfig } from "../../core/gate/config";
import { createRegistryClient } from "../../core/registry";
import type { ExtendedClientOptions, RegistryClient } from "../../core/registry";

/**
 * The policy pack directory, which relative config paths (reports, certificates, cacheDir) are
 * resolved against. The Pulumi CLI runs the pack with it as the working directory; when the
 * policies are loaded from source elsewhere (jest), the source folder's parent is the pack.
 */
export function packDir(): string {
    const cwd = process.cwd();
    if (fs.existsSync(path.join(cwd, "PulumiPolicy.yaml"))) return cwd;
    const source = path.resolve(__dirname, "..");
    return fs.existsSync(path.join(source, "PulumiPolicy.yaml")) ? source : cwd;
}

/** Client timings a test may shorten; never hosts, credentials or anything the user config sets. */
export type RegistryTimings = Pick<ExtendedClientOptions, "timeoutMs" | "retries" | "retryBaseMs" | "maxRetryAfterMs">;
let timings: RegistryTimings = {};

/**
 * Test hook: shorter per-request timeouts and retry delays for clients created afterwards, so fault
 * cases (a hanging registry) finish in seconds. Production uses the client's defaults (10 s timeout,
 * 2 retries with backoff honouring Retry-After). Deliberately not an env variable or config key.
 */
export function setRegistryTimingsForTests(t: RegistryTimings | undefined): void {
    timings = t ?? {};
}

/** Clients by their settings: policies configured with the same registries share one client. */
const clients = new Map<string, RegistryClient>();
const MAX_CLIENTS = 8;

/**
 * The client for a parsed config; only the configured hosts are ever contacted. scanned-images,
 * signed-images and require-digest usually list the same registries: sharing the client shares its
 * caches, so a tag is resolved and a manifest fetched once per preview, not once per policy.
 */
export function registryClientFor(config: Pick<NetworkConfig, "registries"> & Partial<NetworkConfig>): RegistryClient {
    const options = {
        ...timings,
        concurrency: config.concurrency ?? DEFAULT_CONCURRENCY,
        ...(config.cacheDir ? { cacheDir: config.cacheDir } : {}),
    };
    const key = JSON.stringify([config.registries, options]);
    let client = clients.get(key);
    if (!client) {
        client = createRegistryClient(config.registries, options);
        clients.set(key, client);
        while (clients.size > MAX_CLIENTS) clients.delete(clients.keys().next().value as string);
    }
    return client;
}

/** Forgets the shared clients and their caches (tests start each case from a cold preview). */
export function resetRegistryClients(): void {
    clients.clear();
}
