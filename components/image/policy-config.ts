/**
 * The trust settings of an environment, read from the same policy-config.json the pack is given
 * (`pulumi preview --policy-pack policies --policy-pack-config policy-config.json`), so the cluster's
 * admission rules and the preview-time gate are generated from one registry list and cannot drift.
 */
import * as fs from "fs";
import * as path from "path";
import { parseReference } from "../../core/reference";
import { entryMatches, parseTrustEntries } from "../../core/trust";

export interface TrustSettings {
    /** The file the settings came from (absolute). */
    readonly file: string;
    /** trusted-registries' `registries`, as written. */
    readonly registries: readonly string[];
    /** True unless require-digest is disabled: admission then also demands digests. */
    readonly requireDigest: boolean;
    /** The scanned-images entry's properties (reports, defender, failOn, …), when it is enabled. */
    readonly scannedImages?: Readonly<Record<string, unknown>>;
    /** The signed-images entry's properties, when it is enabled. */
    readonly signedImages?: Readonly<Record<string, unknown>>;
}

type Entry = string | Record<string, unknown> | undefined;

function levelOf(all: Entry, entry: Entry): string | undefined {
    if (typeof entry === "string") return entry;
    if (entry && typeof entry.enforcementLevel === "string") return entry.enforcementLevel;
    return typeof all === "string" ? all : undefined;
}

function propertiesOf(entry: Entry): Record<string, unknown> {
    if (!entry || typeof entry === "string") return {};
    const { enforcementLevel: _level, ...props } = entry;
    return props;
}

/** Parses a policy config document; every problem is named with the file and key. */
export function parseTrustSettings(doc: unknown, file: string): TrustSettings {
    const where = path.basename(file);
    if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw new Error(`${where}: must be a JSON object keyed by policy name`);
    const cfg = doc as Record<string, Entry>;
    const trusted = cfg["trusted-registries"];
    if (levelOf(cfg.all, trusted) === "disabled") throw new Error(`${where}: trusted-registries is disabled, so admission would have nothing to enforce`);
    const registries = propertiesOf(trusted).registries;
    if (!Array.isArray(registries) || registries.length === 0 || !registries.every((r) => typeof r === "string")) {
        throw new Error(`${where}: trusted-registries.registries must be a non-empty list of registry hosts or repository prefixes`);
    }
    const parsed = parseTrustEntries(registries);
    if (parsed.errors.length) throw new Error(`${where}: trusted-registries.registries: ${parsed.errors.join("; ")}`);
    const enabled = (name: string) => cfg[name] !== undefined && levelOf(cfg.all, cfg[name]) !== "disabled";
    return {
        file,
        registries,
        requireDigest: levelOf(cfg.all, cfg["require-digest"]) !== "disabled",
        ...(enabled("scanned-images") ? { scannedImages: propertiesOf(cfg["scanned-images"]) } : {}),
        ...(enabled("signed-images") ? { signedImages: propertiesOf(cfg["signed-images"]) } : {}),
    };
}

export function loadTrustSettings(file: string): TrustSettings {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new Error(`policy config ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
    }
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (e) {
        throw new Error(`policy config ${file}: not valid JSON: ${(e as Error).message}`);
    }
    return parseTrustSettings(doc, path.resolve(file));
}

/** Throws unless images from `host/repository` would pass trusted-registries. */
export function assertTrusted(settings: TrustSettings, host: string, repository: string): void {
    const ref = parseReference(`${host}/${repository}`);
    if (!ref.ok) throw new Error(`${host}/${repository} is not a valid image repository: ${ref.error.message}`);
    const { entries } = parseTrustEntries(settings.registries);
    if (!entries.some((e) => entryMatches(e, ref.ref))) {
        throw new Error(`${host}/${repository} is not trusted by ${path.basename(settings.file)} (trusted-registries.registries: ${settings.registries.join(", ")}); the environment's own images would be refused. Add the registry to the policy config.`);
    }
}
