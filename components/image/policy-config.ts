/**
 * The policy config file a program shares with the pack (`pulumi preview --policy-pack policies
 * --policy-pack-config policy-config.json`), read with the pack's own meaning of it
 * (core/gate/config.ts): the admission rules generated from its registry list and TrustedImage's
 * verdicts cannot drift from the preview-time gate.
 */
import * as fs from "fs";
import * as path from "path";
import { PolicyConfigError } from "../../core/config/policy-config";
import { imageGateSettings, type ImageGateSettings } from "../../core/gate/config";
import { parseReference } from "../../core/reference";
import { entryMatches } from "../../core/trust";

export interface PolicySettings {
    /** The file the settings came from (absolute). */
    readonly file: string;
    /** The image gates' effective levels and configs, exactly as the pack will be configured. */
    readonly gates: ImageGateSettings;
}

/** Parses a policy config document; every problem is named with the file and key. */
export function parsePolicySettings(doc: unknown, file: string, packDir: string): PolicySettings {
    const where = path.basename(file);
    if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw new Error(`${where}: must be a JSON object keyed by policy name`);
    try {
        return { file, gates: imageGateSettings(doc as Record<string, unknown>, { baseDir: packDir }) };
    } catch (e) {
        if (e instanceof PolicyConfigError) throw new Error(`${where}: ${e.problems.join("; ")}`);
        throw e;
    }
}

/**
 * Reads a policy config file. `packDir` is the policy pack directory the file is used with: relative
 * report and certificate paths in it resolve there, as they do in the pack.
 */
export function loadPolicySettings(file: string, packDir: string): PolicySettings {
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
    return parsePolicySettings(doc, path.resolve(file), packDir);
}

/**
 * trusted-registries' entries as written, for the admission generators; refused when the gate is
 * disabled or empty, since admission would then have nothing to enforce.
 */
export function admissionRegistries(settings: PolicySettings): string[] {
    const where = path.basename(settings.file);
    const trusted = settings.gates.trustedRegistries;
    if (trusted.level === "disabled") throw new Error(`${where}: trusted-registries is disabled, so admission would have nothing to enforce`);
    if (trusted.config.registries.length === 0) throw new Error(`${where}: trusted-registries.registries must be a non-empty list of registry hosts or repository prefixes`);
    return trusted.config.registries.map((e) => e.source);
}

/** Whether admission should also demand digests: require-digest is not disabled. */
export function requiresDigest(settings: PolicySettings): boolean {
    return settings.gates.requireDigest.level !== "disabled";
}

/** Throws unless images from `host/repository` would pass trusted-registries. */
export function assertTrusted(settings: PolicySettings, host: string, repository: string): void {
    const ref = parseReference(`${host}/${repository}`);
    if (!ref.ok) throw new Error(`${host}/${repository} is not a valid image repository: ${ref.failure.message}`);
    if (settings.gates.trustedRegistries.level === "disabled") return;
    const entries = settings.gates.trustedRegistries.config.registries;
    if (!entries.some((e) => entryMatches(e, ref.ref))) {
        throw new Error(`${host}/${repository} is not trusted by ${path.basename(settings.file)} (trusted-registries.registries: ${entries.map((e) => e.source).join(", ")}); the environment's own images would be refused. Add the registry to the policy config.`);
    }
}
