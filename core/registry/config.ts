/**
 * The `registries` config: which registry hosts may be contacted, and how to authenticate to each.
 * Pure: validates shape and meaning, never reads env variables or files (that happens at first use).
 */
import { DOCKER_HUB, describe, splitDomain } from "../reference";
import { RegistryAuth, RegistryEntry } from "./types";

export type RegistriesConfigResult = { ok: true; entries: RegistryEntry[] } | { ok: false; errors: string[] };

// The domain grammar of distribution/reference (core/reference.ts DOMAIN_AND_PORT), anchored.
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const HOST = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]{1,5})?$`);
const HUB_ALIASES = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The host as the client keys it: lower-case, Docker Hub aliases folded into `docker.io`. */
export function normalizeHost(host: string): string {
    const h = host.toLowerCase();
    return HUB_ALIASES.has(h) ? DOCKER_HUB : h;
}

/** Why `host` is not a registry host (as an image reference's first component), or undefined. */
export function hostProblem(host: string): string | undefined {
    if (host.length === 0) return "is empty";
    if (/[/\s@]/.test(host) || /^[a-z]+:\/\//i.test(host)) return `"${host}" must be a bare host[:port] (no scheme, path or credentials)`;
    if (!HOST.test(host)) return `"${host}" is not a valid registry host[:port]`;
    const port = /:([0-9]+)$/.exec(host.replace(/^\[[^\]]*\]/, ""))?.[1];
    if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return `"${host}" has port ${port} outside 1-65535`;
    // docker reads a first component without "." or ":" (other than localhost) as a Docker Hub namespace.
    if (normalizeHost(splitDomain(`${host}/x`).domain) !== normalizeHost(host)) {
        return `"${host}" has no "." or ":" so an image "${host}/app" would be read as Docker Hub's ${host}/app; write the full host`;
    }
    return undefined;
}

function unknownKeys(obj: Record<string, unknown>, allowed: readonly string[], where: string, errors: string[]): void {
    for (const k of Object.keys(obj)) if (!allowed.includes(k)) errors.push(`${where}: unknown field "${k}" (allowed: ${allowed.join(", ")})`);
}

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function parseAuth(raw: unknown, where: string, errors: string[]): RegistryAuth | undefined {
    if (raw === undefined || raw === "anonymous") return { type: "anonymous" };
    if (raw === "acr") return { type: "acr" };
    if (raw === "docker-config") return { type: "docker-config" };
    if (typeof raw === "string") {
        errors.push(`${where}: "${raw}" is not an auth method (use "anonymous", "acr", "docker-config" or an object)`);
        return undefined;
    }
    if (!isObject(raw)) { errors.push(`${where}: must be a string or an object, got ${describe(raw)}`); return undefined; }
    const n = errors.length;
    switch (raw.type) {
        case "anonymous":
            unknownKeys(raw, ["type"], where, errors);
            return errors.length === n ? { type: "anonymous" } : undefined;
        case "basic": {
            unknownKeys(raw, ["type", "username", "passwordEnv"], where, errors);
            if (typeof raw.username !== "string" || raw.username.length === 0 || raw.username.includes(":")) {
                errors.push(`${where}.username: must be a non-empty string without ":"`);
            }
            if (typeof raw.passwordEnv !== "string" || !ENV_NAME.test(raw.passwordEnv)) {
                errors.push(`${where}.passwordEnv: must name an environment variable (the password itself never goes in the config)`);
            }
            return errors.length === n ? { type: "basic", username: raw.username as string, passwordEnv: raw.passwordEnv as string } : undefined;
        }
        case "docker-config":
            unknownKeys(raw, ["type", "path"], where, errors);
            if (raw.path !== undefined && (typeof raw.path !== "string" || raw.path.length === 0)) errors.push(`${where}.path: must be a non-empty string`);
            return errors.length === n ? { type: "docker-config", ...(raw.path !== undefined ? { path: raw.path as string } : {}) } : undefined;
        case "acr":
            unknownKeys(raw, ["type", "tenantId"], where, errors);
            if (raw.tenantId !== undefined && (typeof raw.tenantId !== "string" || !/^[A-Za-z0-9.-]+$/.test(raw.tenantId))) {
                errors.push(`${where}.tenantId: must be a tenant GUID or domain`);
            }
            return errors.length === n ? { type: "acr", ...(raw.tenantId !== undefined ? { tenantId: raw.tenantId as string } : {}) } : undefined;
        default:
            errors.push(`${where}.type: must be "anonymous", "basic", "docker-config" or "acr", got ${describe(raw.type)}`);
            return undefined;
    }
}

/** Parses the `registries` config. Every problem is reported, naming the index and field. */
export function parseRegistriesConfig(raw: unknown): RegistriesConfigResult {
    if (!Array.isArray(raw)) return { ok: false, errors: [`registries: must be an array, got ${describe(raw)}`] };
    const errors: string[] = [];
    const entries: RegistryEntry[] = [];
    const seen = new Map<string, number>();
    raw.forEach((item, i) => {
        const where = `registries[${i}]`;
        let host: unknown;
        let auth: RegistryAuth | undefined = { type: "anonymous" };
        if (typeof item === "string") {
            host = item;
        } else if (isObject(item)) {
            unknownKeys(item, ["host", "auth"], where, errors);
            host = item.host;
            auth = parseAuth(item.auth, `${where}.auth`, errors);
        } else {
            errors.push(`${where}: must be a host string or an object { host, auth }, got ${describe(item)}`);
            return;
        }
        const hostWhere = typeof item === "string" ? where : `${where}.host`;
        if (typeof host !== "string") { errors.push(`${hostWhere}: must be a string, got ${describe(host)}`); return; }
        const problem = hostProblem(host);
        if (problem) { errors.push(`${hostWhere}: ${problem}`); return; }
        const normalized = normalizeHost(host);
        const previous = seen.get(normalized);
        if (previous !== undefined) { errors.push(`${hostWhere}: "${host}" duplicates registries[${previous}] (${normalized})`); return; }
        seen.set(normalized, i);
        if (auth) entries.push({ host: normalized, auth });
    });
    return errors.length > 0 ? { ok: false, errors } : { ok: true, entries };
}
