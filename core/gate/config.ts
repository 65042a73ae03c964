/**
 * What the image gates' entries of a policy config mean — trusted-registries, require-digest,
 * no-latest-tag, scanned-images, signed-images: their default enforcement levels, config schemas and
 * parsers, and the effective settings of a whole config file. The one owner: the pack's policies
 * take their schema and parser from here, and the TrustedImage component and the environment program
 * read a config file through `imageGateSettings`, so a program and the pack cannot read the same
 * file two ways.
 */
import * as path from "path";
import { ConfigReader, type ConfigResult, type ConfigSchema, type PropertySchema } from "../config/reader";
import { PolicyConfigError, reconcilePolicyConfig, type EnforcementLevel, type PolicyConfigFile, type PolicyDeclaration } from "../config/policy-config";
import { DEFAULT_JUDGEMENT, DEFAULT_VEX_MAX_AGE_DAYS, FAIL_ON_VALUES, parseEvidenceConfig, type EvidenceConfig } from "../evidence/config";
import { MAX_REPORT_BYTES } from "../evidence/json";
import { pathProblem } from "../regular-file";
import { DEFAULT_ATTESTATION_LIMITS, type AttestationLimits } from "./attestations";
import { MAX_DOCKER_CONFIG_BYTES } from "../registry/auth";
import { parseRegistriesConfig } from "../registry/config";
import type { RegistryEntry } from "../registry/types";
import { parseSignatureConfig, type SignatureConfig } from "../signature/config";
import { parseExemptions, parseTrustEntries, type Exemption, type TrustEntry } from "../trust";

/** Where relative paths in a config (reports, certificates, cacheDir) resolve: the policy pack directory. */
export interface GateConfigContext {
    readonly baseDir: string;
}

/** One image gate's declaration. */
export interface GateDeclaration<C> {
    readonly name: string;
    /** The level the gate has when the config file says nothing (and no `all`). */
    readonly defaultLevel: EnforcementLevel;
    readonly schema: ConfigSchema;
    readonly parse: (raw: Record<string, unknown>, ctx: GateConfigContext) => ConfigResult<C>;
}

// ---------------------------------------------------------------------------------------------
// Shared parts
// ---------------------------------------------------------------------------------------------

/** Config every image gate takes. */
export interface ImageGateBaseConfig {
    /** Exact normalized references, or prefixes ending in "/". Never container names. */
    readonly exemptImages: readonly Exemption[];
    /** What an image that is unknown at preview yields: an advisory note, or a violation at the gate's level. */
    readonly unknownImages: "advisory" | "enforce";
}

export const baseImageProperties: Record<string, PropertySchema> = {
    exemptImages: {
        type: "array",
        items: { type: "string", minLength: 1 },
        default: [],
        description: "Images this policy does not judge: exact references (\"docker.io/library/nginx:1.27\"; a bare repository exempts every tag and digest of it) or prefixes ending in \"/\" (\"mcr.microsoft.com/oss/\"). Matched after normalization; container names are never used.",
    },
    unknownImages: {
        type: "string",
        enum: ["advisory", "enforce"],
        default: "advisory",
        description: "An image that is an output of another resource is unknown at preview. \"advisory\" reports that it will be checked during `pulumi up`; \"enforce\" reports it at the policy's enforcement level.",
    },
};

function readBase(reader: ConfigReader): ImageGateBaseConfig {
    const parsed = parseExemptions(reader.stringArray("exemptImages"));
    reader.addItemErrors("exemptImages", parsed.errors);
    return { exemptImages: parsed.exemptions, unknownImages: reader.enumValue("unknownImages", ["advisory", "enforce"] as const) };
}

/** A gate: schema = base + own properties; parse = base fields + `read`. */
function gate<C extends ImageGateBaseConfig>(name: string, defaultLevel: EnforcementLevel, properties: Record<string, PropertySchema>, read: (reader: ConfigReader, base: ImageGateBaseConfig, ctx: GateConfigContext) => C): GateDeclaration<C> {
    const schema: ConfigSchema = { properties: { ...baseImageProperties, ...properties } };
    return {
        name,
        defaultLevel,
        schema,
        parse: (raw, ctx) => {
            const reader = new ConfigReader(raw ?? {}, schema);
            return reader.result(read(reader, readBase(reader), ctx));
        },
    };
}

/** The registries a network-backed gate may contact, and how. */
export interface NetworkConfig {
    /** Registries the gate may contact; none by default (no network unless asked). */
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

/** Reads `registries` only (require-digest remediation takes no other network keys). */
export function readRegistries(reader: ConfigReader): readonly RegistryEntry[] {
    const parsed = parseRegistriesConfig(reader.raw_("registries") ?? []);
    if (parsed.ok) {
        // An explicit docker config path is read at every registry login: refuse now what could not be read safely then.
        parsed.entries.forEach((e, i) => {
            if (e.auth.type !== "docker-config" || e.auth.path === undefined) return;
            const problem = pathProblem(e.auth.path, MAX_DOCKER_CONFIG_BYTES);
            if (problem) reader.errors.push(`registries[${i}].auth.path: ${e.auth.path} ${problem}`);
        });
        return parsed.entries;
    }
    for (const e of parsed.errors) reader.errors.push(e.startsWith("registries") ? e : `registries: ${e}`);
    return [];
}

function readNetwork(reader: ConfigReader, ctx: GateConfigContext): NetworkConfig {
    const registries = readRegistries(reader);
    const concurrency = reader.integer("concurrency", 1, 256);
    const cacheDir = reader.string("cacheDir");
    if (cacheDir !== undefined && (cacheDir.trim() === "" || cacheDir.includes("\0"))) reader.fail("cacheDir", "must be a directory path");
    return { registries, concurrency, ...(cacheDir ? { cacheDir: path.resolve(ctx.baseDir, cacheDir) } : {}) };
}

/** The raw values of `keys` (defaults applied), for parsers that own a group of keys. */
function pick(reader: ConfigReader, keys: readonly string[]): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    for (const k of keys) {
        const v = reader.raw_(k);
        if (v !== undefined) raw[k] = v;
    }
    return raw;
}

// ---------------------------------------------------------------------------------------------
// The gates
// ---------------------------------------------------------------------------------------------

export interface TrustedRegistriesConfig extends ImageGateBaseConfig {
    readonly registries: readonly TrustEntry[];
}

export const trustedRegistriesGate = gate<TrustedRegistriesConfig>("trusted-registries", "mandatory", {
    registries: {
        type: "array",
        items: { type: "string", minLength: 1 },
        default: [],
        description: "Trusted registries (\"contoso.azurecr.io\", a host matched exactly, port included) or repository prefixes (\"mcr.microsoft.com/oss/\": only repositories below it; \"docker.io/library/nginx\": that repository and below). Matched against normalized references on path-segment boundaries.",
    },
}, (reader, base) => {
    const parsed = parseTrustEntries(reader.stringArray("registries"));
    reader.addItemErrors("registries", parsed.errors);
    return { ...base, registries: parsed.entries };
});

export interface RequireDigestConfig extends ImageGateBaseConfig {
    /** Registries remediation may contact to resolve tags; none by default. */
    readonly registries: readonly RegistryEntry[];
}

export const requireDigestGate = gate<RequireDigestConfig>("require-digest", "mandatory", {
    registries: {
        ...registriesProperty,
        description: `Registries remediation may contact to resolve tags to digests (enforcement level "remediate"). ${registriesProperty.description}`,
    },
}, (reader, base) => ({ ...base, registries: readRegistries(reader) }));

export const noLatestTagGate = gate<ImageGateBaseConfig>("no-latest-tag", "mandatory", {}, (_reader, base) => base);

export interface ScannedImagesConfig extends ImageGateBaseConfig, NetworkConfig, EvidenceConfig {
    /** Look for scan reports attached to the digest in its registry (OCI referrers). */
    readonly attestations: boolean;
    /** Bounds on the work one image's attestations may cause. */
    readonly attestationLimits: AttestationLimits;
}

/** The attestation limit keys: [min, max] and what each bounds (defaults in DEFAULT_ATTESTATION_LIMITS). */
const ATTESTATION_LIMIT_KEYS: Readonly<Record<keyof AttestationLimits, readonly [number, number, string]>> = {
    maxAttestations: [1, 1024, "Scan attestation manifests fetched per image; more attached fails the image (\"too many possible scan attestations: N, limit M\")."],
    maxAttestationLayers: [1, 1024, "Layers one attestation manifest may list; more fails the image."],
    maxAttestationBytes: [1024, 256 * 1024 * 1024, "Largest attestation layer (report) fetched, in bytes."],
    maxAttestationTotalBytes: [1024, 1024 * 1024 * 1024, "Bytes of attestation layers fetched per image, all attestations together (a digest listed again counts once)."],
    maxAttestationFindings: [1, 10_000_000, "Findings read from one image's attestations, all reports together."],
};

const attestationLimitProperties: Record<string, PropertySchema> = Object.fromEntries(Object.entries(ATTESTATION_LIMIT_KEYS).map(([k, [minimum, maximum, description]]) =>
    [k, { type: "integer", minimum, maximum, default: DEFAULT_ATTESTATION_LIMITS[k as keyof AttestationLimits], description }]));

function readAttestationLimits(reader: ConfigReader): AttestationLimits {
    const out = { ...DEFAULT_ATTESTATION_LIMITS };
    for (const [k, [min, max]] of Object.entries(ATTESTATION_LIMIT_KEYS)) out[k as keyof AttestationLimits] = reader.integer(k, min, max);
    return out;
}

const EVIDENCE_KEYS = ["reports", "vex", "vexMaxAgeDays", "defender", "failOn", "maxAgeDays", "ignoreUnfixed", "exceptions"] as const;

// Off until configured: the gate needs evidence sources to mean anything, and the pack is configured
// with every policy's defaults (an "all" level still turns it on).
export const scannedImagesGate = gate<ScannedImagesConfig>("scanned-images", "disabled", {
    reports: { type: "array", items: { type: "string", minLength: 1 }, default: [], description: "Files or directories of scanner output (Trivy JSON, Grype JSON, SARIF), relative to the policy pack directory or absolute. Matched by digest, never by tag." },
    vex: { type: "array", items: { type: "string", minLength: 1 }, default: [], description: "Files or directories of OpenVEX documents, relative to the policy pack directory or absolute. A not_affected or fixed statement about the image digest (or its repository) removes the finding it names, with the justification shown; with `attestations: true` OpenVEX documents attached to the digest count too. See docs/scanned-images.md." },
    vexMaxAgeDays: { type: "number", minimum: 0, default: 180, description: "A VEX document last updated longer ago than this is refused as expired." },
    defender: {
        type: "object",
        description: "Microsoft Defender for Containers findings from Azure Resource Graph, read with DefaultAzureCredential: { \"subscriptions\": [\"<subscription GUID>\", …] }.",
        properties: { subscriptions: { type: "array", items: { type: "string" }, description: "Subscriptions whose Defender sub-assessments are read." } },
        required: ["subscriptions"],
        additionalProperties: false,
    },
    attestations: { type: "boolean", default: false, description: "Look for scan reports attached to the image digest in its registry (OCI referrers; SARIF, Trivy JSON, cosign vulnerability attestations). Needs the registry in `registries`." },
    failOn: { type: "string", enum: FAIL_ON_VALUES, default: "high", description: "Lowest severity that blocks." },
    maxAgeDays: { type: "number", minimum: 0, default: 7, description: "A scan older than this many days no longer counts." },
    ignoreUnfixed: { type: "boolean", default: false, description: "Findings without a fixed version do not block." },
    exceptions: {
        type: "array",
        default: [],
        items: { type: "object", required: ["id", "expires", "reason"] },
        description: "Accepted vulnerabilities: [{ \"id\": \"CVE-…\", \"expires\": \"YYYY-MM-DD\", \"reason\": \"…\", \"images\": [optional references or prefixes] }]. An expired exception no longer applies.",
    },
    ...attestationLimitProperties,
    ...networkProperties,
}, (reader, base, ctx) => {
    const evidence = parseEvidenceConfig(pick(reader, EVIDENCE_KEYS));
    if (!evidence.ok) reader.errors.push(...evidence.errors);
    else for (const key of ["reports", "vex"] as const) evidence.config[key].forEach((p, i) => {
        // Refused here, not at every image: a path that does not exist, or a FIFO/device, is a config mistake.
        const full = path.resolve(ctx.baseDir, p);
        const problem = pathProblem(full, MAX_REPORT_BYTES, "file-or-directory");
        if (problem) reader.errors.push(`${key}[${i}]: ${full} ${problem}`);
    });
    const attestations = reader.boolean("attestations");
    const network = readNetwork(reader, ctx);
    if (attestations && network.registries.length === 0) {
        reader.fail("attestations", "is true but registries is empty: name the registries whose attestations may be fetched");
    }
    return {
        ...base,
        ...(evidence.ok ? evidence.config : { ...DEFAULT_JUDGEMENT, reports: [], vex: [], vexMaxAgeDays: DEFAULT_VEX_MAX_AGE_DAYS }),
        ...network,
        attestations,
        attestationLimits: readAttestationLimits(reader),
    };
});

export interface SignedImagesConfig extends ImageGateBaseConfig, NetworkConfig {
    /** Undefined when neither `notation` nor `cosign` is configured: nothing can be trusted. */
    readonly signature?: SignatureConfig;
}

const SIGNATURE_KEYS = ["notation", "cosign", "maxSignatures", "maxBlobBytes", "maxManifestBytes"] as const;

export const signedImagesGate = gate<SignedImagesConfig>("signed-images", "disabled", {
    notation: {
        type: "object",
        description: "Notary Project trust stores and trust policies: { \"trustStores\": [{ \"name\", \"certificates\": [PEM text or file path] }], \"trustPolicies\": [{ \"name\", \"registryScopes\": [\"contoso.azurecr.io/app\" | \"*\"], \"trustStores\": [\"name\"], \"trustedIdentities\": [\"x509.subject: CN=…, O=…\"] | [\"*\"], \"level\": \"strict\" | \"permissive\" | \"audit\" }] }.",
    },
    cosign: {
        type: "object",
        description: "cosign key-based verification: { \"keys\": [PEM public key text or file path, or { \"key\", \"repositories\": [\"contoso.azurecr.io/app\", \"contoso.azurecr.io/team/\"] }] } (ECDSA P-256/P-384/P-521 or RSA). A key with repositories vouches only for signatures whose critical.identity.docker-reference is among them.",
    },
    maxSignatures: { type: "integer", minimum: 1, maximum: 1000, default: 16, description: "Signature manifests fetched and signatures verified per image and format; more attached is reported (\"too many … signatures: N, limit M\"), never fetched." },
    maxBlobBytes: { type: "integer", minimum: 1024, default: 262144, description: "Largest signature envelope or payload fetched." },
    maxManifestBytes: { type: "integer", minimum: 1024, default: 4194304, description: "Largest signature manifest or referrers index fetched." },
    ...networkProperties,
}, (reader, base, ctx) => {
    const raw = pick(reader, SIGNATURE_KEYS);
    // Certificate and key paths are relative to the policy pack directory, like report paths.
    // Without trust material the config is still accepted (the pack is configured with every
    // policy's defaults, enabled or not); each image then fails saying what to configure.
    const configured = raw.notation !== undefined || raw.cosign !== undefined;
    const parsed = configured ? parseSignatureConfig(raw, { baseDir: ctx.baseDir }) : undefined;
    if (parsed && !parsed.ok) reader.errors.push(...parsed.errors);
    return { ...base, ...readNetwork(reader, ctx), ...(parsed?.ok ? { signature: parsed.config } : {}) };
});

// ---------------------------------------------------------------------------------------------
// A whole config file
// ---------------------------------------------------------------------------------------------

/** One gate's effective setting: the level after `all` and defaults, and the parsed config. */
export interface GateSetting<C> {
    readonly level: EnforcementLevel;
    readonly config: C;
}

export interface ImageGateSettings {
    /** Where relative paths in the config (reports, certificates, cacheDir) resolve. */
    readonly baseDir: string;
    readonly trustedRegistries: GateSetting<TrustedRegistriesConfig>;
    readonly requireDigest: GateSetting<RequireDigestConfig>;
    readonly noLatestTag: GateSetting<ImageGateBaseConfig>;
    readonly scannedImages: GateSetting<ScannedImagesConfig>;
    readonly signedImages: GateSetting<SignedImagesConfig>;
}

export const IMAGE_GATES = [trustedRegistriesGate, requireDigestGate, noLatestTagGate, scannedImagesGate, signedImagesGate] as const;

/** The gates as a pack declares them, for reconciliation (the pack's level is mandatory). */
function declarations(): PolicyDeclaration[] {
    return IMAGE_GATES.map((g) => ({ name: g.name, enforcementLevel: g.defaultLevel, configSchema: g.schema as PolicyDeclaration["configSchema"] }));
}

/**
 * The image gates' effective settings in a policy config file, exactly as the pack will be
 * configured with it: levels after `all`, schema defaults, each gate's config parsed. Entries for
 * other policies (the hardening ones) are left to the pack. Throws PolicyConfigError naming every
 * problem.
 */
export function imageGateSettings(file: PolicyConfigFile, ctx: GateConfigContext): ImageGateSettings {
    const mine = new Set<string>(IMAGE_GATES.map((g) => g.name));
    const relevant = Object.fromEntries(Object.entries(file).filter(([k]) => k === "all" || mine.has(k)));
    return gateSettingsOf(reconcilePolicyConfig({ name: "imagegate", version: "", policies: declarations() }, relevant), ctx);
}

/**
 * The image gates' settings from an already reconciled config (what the pack was configured with:
 * one entry per policy, levels and defaults applied). A gate missing from it has its defaults.
 */
export function gateSettingsOf(reconciled: Readonly<Record<string, { readonly enforcementLevel: EnforcementLevel; readonly properties: Record<string, unknown> }>>, ctx: GateConfigContext): ImageGateSettings {
    const problems: string[] = [];
    const setting = <C>(g: GateDeclaration<C>): GateSetting<C> => {
        const c = reconciled[g.name] ?? { enforcementLevel: g.defaultLevel, properties: {} };
        const parsed = g.parse(c.properties, ctx);
        if (!parsed.ok) {
            problems.push(`${g.name}: ${parsed.errors.join("; ")}`);
            return { level: c.enforcementLevel, config: undefined as unknown as C };
        }
        return { level: c.enforcementLevel, config: parsed.config };
    };
    const settings: ImageGateSettings = {
        baseDir: ctx.baseDir,
        trustedRegistries: setting(trustedRegistriesGate),
        requireDigest: setting(requireDigestGate),
        noLatestTag: setting(noLatestTagGate),
        scannedImages: setting(scannedImagesGate),
        signedImages: setting(signedImagesGate),
    };
    if (problems.length) throw new PolicyConfigError(problems, "invalid policy config:");
    return settings;
}

/** Whether a gate at this level stops a deployment (what the pack reports as mandatory). */
export function blocks(level: EnforcementLevel): boolean {
    return level === "mandatory" || level === "remediate";
}
