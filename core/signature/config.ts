/**
 * The signature keys of the `signed-images` policy config — `notation`, `cosign`, `maxSignatures`,
 * `maxBlobBytes` — validated with the rules of the Notary Project trust store / trust policy
 * specification. Other keys (`registries`, exemptions) belong to other parts and are left alone.
 * Every error is collected and names the field.
 */
import { createHash, KeyObject, X509Certificate } from "node:crypto";
import { parseReference } from "../reference";
import { parseTrustEntries, TrustEntry } from "../trust";
import { DistinguishedName, formatDn, identitiesOverlap, parseDn, REQUIRED_RDNS, X509_SUBJECT_PREFIX } from "./dn";
import { loadCertificates, loadPublicKey, MaterialReader } from "./pem";

export type VerificationLevel = "strict" | "permissive" | "audit";
export const LEVELS: readonly VerificationLevel[] = ["strict", "permissive", "audit"];

/** Trust store types of the spec this verifier implements (`tsa` is not: timestamps are not verified). */
export type TrustStoreType = "ca" | "signingAuthority";

export interface TrustStore {
    readonly name: string;
    readonly certificates: readonly X509Certificate[];
}

export interface TrustStoreRef {
    readonly type: TrustStoreType;
    readonly name: string;
}

export interface TrustPolicy {
    readonly name: string;
    /** Fully qualified repositories (`contoso.azurecr.io/app`), or exactly `["*"]` (global scope). */
    readonly registryScopes: readonly string[];
    readonly trustStores: readonly TrustStoreRef[];
    /** `"*"`: any signer chaining to the stores; otherwise subject DNs, one of which must match. */
    readonly trustedIdentities: "*" | readonly DistinguishedName[];
    readonly level: VerificationLevel;
}

export interface NotationConfig {
    readonly trustStores: ReadonlyMap<string, TrustStore>;
    readonly trustPolicies: readonly TrustPolicy[];
}

export interface CosignKey {
    readonly key: KeyObject;
    /** `sha256:<hex>` of the DER SubjectPublicKeyInfo, to say which key verified. */
    readonly fingerprint: string;
    /** Where it came from (file path or "inline PEM"), for messages. */
    readonly source: string;
    /**
     * Repositories (or prefixes ending in "/") whose signatures the key may vouch for, checked against
     * the signed payload's `critical.identity.docker-reference`; undefined: any repository.
     */
    readonly repositories?: readonly TrustEntry[];
}

export interface CosignConfig {
    readonly keys: readonly CosignKey[];
}

export interface SignatureLimits {
    /** Signatures examined per image and format; more are reported, not fetched. */
    readonly maxSignatures: number;
    /** Largest signature envelope / layer blob fetched. */
    readonly maxBlobBytes: number;
    /** Largest manifest or referrers index fetched. */
    readonly maxManifestBytes: number;
}

export interface SignatureConfig {
    readonly notation?: NotationConfig;
    readonly cosign?: CosignConfig;
    readonly limits: SignatureLimits;
}

export const DEFAULT_LIMITS: SignatureLimits = { maxSignatures: 16, maxBlobBytes: 256 * 1024, maxManifestBytes: 4 * 1024 * 1024 };
const LIMIT_BOUNDS = { maxSignatures: [1, 1000], maxBlobBytes: [1024, 64 * 1024 * 1024], maxManifestBytes: [1024, 64 * 1024 * 1024] } as const;

export type SignatureConfigParse = { ok: true; config: SignatureConfig } | { ok: false; errors: string[] };

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function unknownKeys(obj: Record<string, unknown>, allowed: readonly string[], where: string, errors: string[]): void {
    const extra = Object.keys(obj).filter((k) => !allowed.includes(k));
    if (extra.length > 0) errors.push(`${where} has unknown keys: ${extra.join(", ")} (allowed: ${allowed.join(", ")})`);
}

/** Parses the signature part of the policy config; paths are read relative to `reader.baseDir`. */
export function parseSignatureConfig(raw: unknown, reader: MaterialReader): SignatureConfigParse {
    const errors: string[] = [];
    const c = raw === undefined || raw === null ? {} : raw;
    if (!isRecord(c)) return { ok: false, errors: ["config must be an object"] };

    const limits: { -readonly [K in keyof SignatureLimits]: number } = { ...DEFAULT_LIMITS };
    for (const key of Object.keys(LIMIT_BOUNDS) as (keyof SignatureLimits)[]) {
        const v = c[key];
        if (v === undefined) continue;
        const [min, max] = LIMIT_BOUNDS[key];
        if (typeof v === "number" && Number.isInteger(v) && v >= min && v <= max) limits[key] = v;
        else errors.push(`${key} must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
    }

    let notation: NotationConfig | undefined;
    if (c.notation !== undefined) notation = parseNotation(c.notation, reader, errors);
    let cosign: CosignConfig | undefined;
    if (c.cosign !== undefined) cosign = parseCosign(c.cosign, reader, errors);
    if (c.notation === undefined && c.cosign === undefined) {
        errors.push("signed-images needs `notation` (trust stores and trust policies) or `cosign` (public keys), or both: without them no signature can be trusted");
    }
    if (errors.length > 0) return { ok: false, errors };
    return { ok: true, config: { limits, ...(notation ? { notation } : {}), ...(cosign ? { cosign } : {}) } };
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function parseNotation(raw: unknown, reader: MaterialReader, errors: string[]): NotationConfig | undefined {
    if (!isRecord(raw)) {
        errors.push("notation must be an object { trustStores: [...], trustPolicies: [...] }");
        return undefined;
    }
    const start = errors.length;
    unknownKeys(raw, ["trustStores", "trustPolicies"], "notation", errors);
    const stores = new Map<string, TrustStore>();
    if (!Array.isArray(raw.trustStores) || raw.trustStores.length === 0) {
        errors.push("notation.trustStores must list at least one { name, certificates } store");
    } else raw.trustStores.forEach((s, i) => {
        const where = `notation.trustStores[${i}]`;
        if (!isRecord(s)) return void errors.push(`${where} must be an object { name, certificates }`);
        unknownKeys(s, ["name", "certificates"], where, errors);
        if (typeof s.name !== "string" || !NAME.test(s.name)) return void errors.push(`${where}.name must be a name of letters, digits, '.', '_', '-', got ${JSON.stringify(s.name)}`);
        if (stores.has(s.name)) return void errors.push(`${where}.name "${s.name}" is used by another trust store`);
        if (!Array.isArray(s.certificates) || s.certificates.length === 0) return void errors.push(`${where}.certificates must list at least one PEM certificate or file path`);
        const certs: X509Certificate[] = [];
        s.certificates.forEach((entry, j) => {
            const loaded = loadCertificates(entry, reader);
            if (!loaded.ok) errors.push(`${where}.certificates[${j}] ${loaded.failure.message}`);
            else certs.push(...loaded.value);
        });
        stores.set(s.name, { name: s.name, certificates: certs });
    });

    const policies: TrustPolicy[] = [];
    if (!Array.isArray(raw.trustPolicies) || raw.trustPolicies.length === 0) {
        errors.push("notation.trustPolicies must list at least one trust policy");
    } else raw.trustPolicies.forEach((p, i) => {
        const policy = parseTrustPolicy(p, `notation.trustPolicies[${i}]`, stores, errors);
        if (policy) policies.push(policy);
    });

    // The spec: one policy per repository, at most one global policy, unique names.
    const owner = new Map<string, string>();
    const names = new Set<string>();
    for (const p of policies) {
        if (names.has(p.name)) errors.push(`notation.trustPolicies: the name "${p.name}" is used twice`);
        names.add(p.name);
        for (const scope of p.registryScopes) {
            const first = owner.get(scopeKey(scope));
            if (first !== undefined) {
                errors.push(scope === "*"
                    ? `notation.trustPolicies: only one policy may have the global scope "*" ("${first}" and "${p.name}" both do)`
                    : `notation.trustPolicies: registry scope "${scope}" is in both "${first}" and "${p.name}" (one policy per repository)`);
            } else owner.set(scopeKey(scope), p.name);
        }
    }
    return errors.length > start ? undefined : { trustStores: stores, trustPolicies: policies };
}

function parseTrustPolicy(p: unknown, where: string, stores: ReadonlyMap<string, TrustStore>, errors: string[]): TrustPolicy | undefined {
    if (!isRecord(p)) {
        errors.push(`${where} must be an object { name, registryScopes, trustStores, trustedIdentities, level }`);
        return undefined;
    }
    const start = errors.length;
    const name = typeof p.name === "string" && NAME.test(p.name) ? p.name : undefined;
    if (name === undefined) errors.push(`${where}.name must be a name of letters, digits, '.', '_', '-', got ${JSON.stringify(p.name)}`);
    const label = name ? `${where} ("${name}")` : where;
    unknownKeys(p, ["name", "registryScopes", "trustStores", "trustedIdentities", "level"], label, errors);
    if ("signatureVerification" in p) errors.push(`${label}: write the verification level as "level": "strict" | "permissive" | "audit" (not notation's signatureVerification object; overrides are not supported)`);

    let level: VerificationLevel = "strict";
    if (typeof p.level === "string" && (LEVELS as readonly string[]).includes(p.level)) level = p.level as VerificationLevel;
    else if (p.level === "skip") errors.push(`${label}.level "skip" is not supported: an image that needs no signature is exempted in the policy's exemptions, where the exemption is visible`);
    else errors.push(`${label}.level must be one of ${LEVELS.join(", ")}, got ${JSON.stringify(p.level)}`);

    const scopes: string[] = [];
    if (!Array.isArray(p.registryScopes) || p.registryScopes.length === 0) {
        errors.push(`${label}.registryScopes must list fully qualified repositories ("contoso.azurecr.io/app") or be ["*"]`);
    } else {
        p.registryScopes.forEach((s, j) => {
            const msg = checkScope(s);
            if (msg) errors.push(`${label}.registryScopes[${j}] ${msg}`);
            else if (scopes.includes(s as string)) errors.push(`${label}.registryScopes[${j}] "${s}" is listed twice`);
            else scopes.push(s as string);
        });
        if (scopes.includes("*") && p.registryScopes.length > 1) errors.push(`${label}.registryScopes: the global scope "*" must be the only value`);
    }

    const refs: TrustStoreRef[] = [];
    if (!Array.isArray(p.trustStores) || p.trustStores.length === 0) {
        errors.push(`${label}.trustStores must name at least one trust store ("name", "ca:name" or "signingAuthority:name")`);
    } else p.trustStores.forEach((r, j) => {
        const m = typeof r === "string" ? /^(?:(ca|signingAuthority|tsa):)?(.+)$/.exec(r) : null;
        if (!m) return void errors.push(`${label}.trustStores[${j}] must be a trust store name, got ${JSON.stringify(r)}`);
        if (m[1] === "tsa") return void errors.push(`${label}.trustStores[${j}] "${r}": timestamp authority stores are not supported (RFC 3161 countersignatures are not verified)`);
        if (!stores.has(m[2])) return void errors.push(`${label}.trustStores[${j}] "${r}" names no store in notation.trustStores (${[...stores.keys()].join(", ") || "none"})`);
        refs.push({ type: (m[1] ?? "ca") as TrustStoreType, name: m[2] });
    });

    let identities: "*" | DistinguishedName[] = [];
    if (!Array.isArray(p.trustedIdentities) || p.trustedIdentities.length === 0) {
        errors.push(`${label}.trustedIdentities must be ["*"] or list "x509.subject: C=…, ST=…, O=…" identities`);
    } else if (p.trustedIdentities.includes("*")) {
        if (p.trustedIdentities.length > 1) errors.push(`${label}.trustedIdentities: "*" must be the only value`);
        identities = "*";
    } else {
        const dns: DistinguishedName[] = [];
        p.trustedIdentities.forEach((t, j) => {
            const at = `${label}.trustedIdentities[${j}]`;
            if (typeof t !== "string" || !t.startsWith(X509_SUBJECT_PREFIX)) return void errors.push(`${at} must start with "${X509_SUBJECT_PREFIX}", got ${JSON.stringify(t)}`);
            const dn = parseDn(t.slice(X509_SUBJECT_PREFIX.length));
            if (!dn.ok) return void errors.push(`${at}: ${dn.failure.message}`);
            const missing = REQUIRED_RDNS.filter((k) => !dn.dn.has(k));
            if (missing.length > 0) return void errors.push(`${at} must name ${REQUIRED_RDNS.join(", ")} (missing ${missing.join(", ")}), as the Notary Project trust policy requires`);
            const clash = dns.find((other) => identitiesOverlap(other, dn.dn));
            if (clash) return void errors.push(`${at} overlaps "${formatDn(clash)}": one certificate could match both (the spec forbids overlapping identities)`);
            dns.push(dn.dn);
        });
        identities = dns;
    }
    if (errors.length > start || name === undefined) return undefined;
    return { name, registryScopes: scopes, trustStores: refs, trustedIdentities: identities, level };
}

/**
 * A repository as scopes are compared: the host lower-cased (DNS names and the registry client are
 * case-insensitive about it), the path as written (repository paths are lower-case by grammar).
 */
export function scopeKey(repository: string): string {
    const i = repository.indexOf("/");
    return i === -1 ? repository : repository.slice(0, i).toLowerCase() + repository.slice(i);
}

/** A scope is "*" or a fully qualified repository written exactly as the parser normalizes it. */
function checkScope(s: unknown): string | undefined {
    if (s === "*") return undefined;
    if (typeof s !== "string") return `must be a repository or "*", got ${JSON.stringify(s)}`;
    if (s.includes("*")) return `"${s}": a repository scope must not contain "*" (use "*" alone for the global scope)`;
    const parsed = parseReference(s);
    if (!parsed.ok) return `"${s}" is not a repository: ${parsed.failure.message}`;
    if (parsed.ref.tag !== undefined || parsed.ref.digest !== undefined) return `"${s}" must be a repository without tag or digest`;
    if (parsed.ref.name !== s) return `"${s}" must be fully qualified, as the spec does no expansion: write "${parsed.ref.name}"`;
    return undefined;
}

function parseCosign(raw: unknown, reader: MaterialReader, errors: string[]): CosignConfig | undefined {
    if (!isRecord(raw)) {
        errors.push("cosign must be an object { keys: [...] }");
        return undefined;
    }
    const start = errors.length;
    unknownKeys(raw, ["keys"], "cosign", errors);
    const keys: CosignKey[] = [];
    if (!Array.isArray(raw.keys) || raw.keys.length === 0) errors.push("cosign.keys must list at least one public key (PEM text or file path), or { key, repositories }");
    else raw.keys.forEach((k, i) => {
        // A plain string is a key for any repository; { key, repositories } scopes it.
        let entry: unknown = k;
        let repositories: TrustEntry[] | undefined;
        if (isRecord(k)) {
            const at = `cosign.keys[${i}]`;
            const n = errors.length;
            unknownKeys(k, ["key", "repositories"], at, errors);
            if (!Array.isArray(k.repositories) || k.repositories.length === 0) {
                errors.push(`${at}.repositories must list the repositories ("contoso.azurecr.io/app") or prefixes ("contoso.azurecr.io/team/") the key may sign for`);
            } else {
                const parsed = parseTrustEntries(k.repositories);
                errors.push(...parsed.errors.map((e) => `${at}.repositories${e.startsWith("[") ? "" : " "}${e}`));
                repositories = parsed.entries;
            }
            if (errors.length > n) return;
            entry = k.key;
        }
        const loaded = loadPublicKey(entry, reader);
        if (!loaded.ok) return void errors.push(`cosign.keys[${i}]${isRecord(k) ? ".key" : ""} ${loaded.failure.message}`);
        const { key, where } = loaded.value;
        const unsupported = cosignKeyProblem(key);
        if (unsupported) return void errors.push(`cosign.keys[${i}] (${where}) ${unsupported}`);
        const der = key.export({ format: "der", type: "spki" });
        keys.push({ key, source: where, fingerprint: `sha256:${createHash("sha256").update(der).digest("hex")}`, ...(repositories ? { repositories } : {}) });
    });
    return errors.length > start ? undefined : { keys };
}

function cosignKeyProblem(key: KeyObject): string | undefined {
    const d = key.asymmetricKeyDetails ?? {};
    if (key.asymmetricKeyType === "ec") {
        return ["prime256v1", "secp384r1", "secp521r1"].includes(d.namedCurve ?? "") ? undefined : `is an EC key on ${d.namedCurve}; cosign keys are ECDSA P-256, P-384, P-521 or RSA`;
    }
    if (key.asymmetricKeyType === "rsa") return (d.modulusLength ?? 0) >= 2048 ? undefined : `is a ${d.modulusLength}-bit RSA key (at least 2048 bits)`;
    return `is a ${key.asymmetricKeyType} key; cosign keys are ECDSA (P-256, P-384, P-521) or RSA`;
}
