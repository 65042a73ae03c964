/**
 * The config keys every network-backed policy shares — `registries`, `concurrency`, `cacheDir` — and
 * the registry client built from them. The `registries` grammar and all transport rules are the
 * registry client's (core/registry, docs/registries.md); this module only reads them into a policy.
 */
import * as fs from "fs";
import * as path from "path";
import { createRegistryClient, parseRegistriesConfig } from "../../core/registry";
import type { ExtendedClientOptions, RegistryClient, RegistryEntry } from "../../core/registry";
import { ConfigReader, PropertySchema } from "../../core/config/reader";

export interface NetworkConfig {
    /** Registries the policy may contact; none by default (no network unless asked). */
    readonly registries: readonly RegistryEntry[];
    /** Lookups in flight at once. */
    readonly concurrency: number;
    /** Optional on-disk cache of tag resolutions and digest-addressed content (absolute). */
    readonly cacheDir?: string;
}

export const DEFAULT_CONCURRENCY = 16;

export const registriesProperty: PropertySchema = {
    type: "array",
    default: [],
    description: "Registries the policy may contact: a host (\"contoso.azurecr.io\", \"127.0.0.1:5000\") for anonymous access, or { \"host\", \"auth\" } with auth \"anonymous\", \"acr\", \"docker-config\" or { \"type\": \"basic\", \"username\", \"passwordEnv\" }. None by default: no network unless asked. Loopback hosts are spoken to over HTTP, all others over HTTPS. See docs/registries.md.",
};

export const networkProperties: Record<string, PropertySchema> = {
    registries: registriesProperty,
    concurrency: { type: "integer", minimum: 1, maximum: 256, default: DEFAULT_CONCURRENCY, description: "Image lookups in flight at once (each distinct image is looked up once per preview)." },
    cacheDir: { type: "string", minLength: 1, description: "Optional directory (relative to the policy pack) for an on-disk cache of tag resolutions and digest-addressed registry content." },
};

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

/** Reads `registries` only (require-digest remediation takes no other network keys). */
export function readRegistries(reader: ConfigReader): readonly RegistryEntry[] {
    const parsed = parseRegistriesConfig(reader.raw_("registries") ?? []);
    if (parsed.ok) return parsed.entries;
    for (const e of parsed.errors) reader.errors.push(e.startsWith("registries") ? e : `registries: ${e}`);
    return [];
}

export function readNetworkConfig(reader: ConfigReader): NetworkConfig {
    const registries = readRegistries(reader);
    const concurrency = reader.integer("concurrency", 1, 256);
    const cacheDir = reader.string("cacheDir");
    if (cacheDir !== undefined && (cacheDir.trim() === "" || cacheDir.includes("\0"))) reader.fail("cacheDir", "must be a directory path");
    return {
        registries,
        concurrency,
        ...(cacheDir ? { cacheDir: path.resolve(packDir(), cacheDir) } : {}),
    };
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
