/**
 * Deploy-time pinning: resolves `registry/repository:tag` to the digest it names now and judges the
 * pinned reference with the pack's own image rules, at the levels the policy config gives them —
 * so what TrustedImage refuses is exactly what the pack would stop (a mandatory finding), and what
 * the pack would only advise on comes back as an advisory. Same config reading (core/gate/config.ts),
 * same verdicts (core/rules.ts, core/gate/scan.ts, core/gate/signature.ts).
 */
import { formatReference, parseReference, type ImageReference } from "../reference";
import { checkNotLatest, checkPinnedByDigest, checkTrustedRegistry, type RuleFailure } from "../rules";
import { exemptionMatches } from "../trust";
import { loadReports, loadVex, queryDefender, type DefenderOptions } from "../evidence";
import { createRegistryClient, parseRegistriesConfig } from "../registry";
import type { RegistryClient, RegistryClientOptions, RegistryEntry } from "../registry/types";
import { blocks, type GateSetting, type ImageGateBaseConfig, type ImageGateSettings } from "./config";
import { judgeScan, type ScanContext } from "./scan";
import { judgeSignature } from "./signature";

export interface TrustedImageRequest {
    /** Registry host (login server), e.g. `contoso.azurecr.io`. */
    readonly registry: string;
    readonly repository: string;
    readonly tag?: string;
    /** A digest to pin to instead of resolving the tag. */
    readonly digest?: string;
    /** The image gates' effective settings from the policy config (`imageGateSettings`). */
    readonly gates: ImageGateSettings;
    /** Registries that may be contacted (the `registries` config form); default: those the gates list. */
    readonly registries?: readonly unknown[];
    readonly now?: Date;
    readonly clientOptions?: RegistryClientOptions;
    /** Overrides for the Defender query (credential, endpoint); tests and sovereign clouds. */
    readonly defender?: Partial<DefenderOptions>;
}

export interface TrustedImageResult {
    /** `registry/repository:tag@digest` (or `…@digest` without a tag); as written when the tag could not be resolved. */
    readonly reference: string;
    /** The pinned digest; empty when the tag could not be resolved. */
    readonly digest: string;
    /** What the pack would stop (gates at mandatory or remediate): the image may not be deployed. */
    readonly problems: readonly string[];
    /** What the pack would only advise on (gates at advisory, and checks a permissive trust policy logs). */
    readonly advisories: readonly string[];
    /** What the checks found (verdicts, signer), for logs. */
    readonly notes: readonly string[];
}

type GateName = "trusted-registries" | "require-digest" | "no-latest-tag" | "scanned-images" | "signed-images";

/**
 * The registries that may be contacted: `registries` when given, else the union of what the
 * network-backed gates list. A host two gates list is one entry (however each spells it), unless
 * they disagree on its auth.
 */
export function contactableRegistries(req: Pick<TrustedImageRequest, "registries" | "gates">): RegistryEntry[] {
    if (req.registries) {
        const r = parseRegistriesConfig(req.registries);
        if (!r.ok) throw new Error(`registries: ${r.errors.join("; ")}`);
        return r.entries;
    }
    const byHost = new Map<string, { entry: RegistryEntry; from: string }>();
    const lists: [GateName, readonly RegistryEntry[]][] = [
        ["require-digest", req.gates.requireDigest.config.registries],
        ["scanned-images", req.gates.scannedImages.config.registries],
        ["signed-images", req.gates.signedImages.config.registries],
    ];
    for (const [from, entries] of lists) {
        for (const entry of entries) {
            const seen = byHost.get(entry.host);
            if (seen && JSON.stringify(seen.entry.auth) !== JSON.stringify(entry.auth)) {
                throw new Error(`registries: ${entry.host} is listed by ${seen.from} and ${from} with different auth; give both the same entry`);
            }
            if (!seen) byHost.set(entry.host, { entry, from });
        }
    }
    return [...byHost.values()].map((v) => v.entry);
}

/** Collects each gate's failure at its level, as the pack would report it. */
class Verdicts {
    readonly problems: string[] = [];
    readonly advisories: string[] = [];
    readonly notes: string[] = [];

    /** Whether `gate` judges `ref` at all (enabled, and the image not exempt from it). */
    judges(setting: GateSetting<ImageGateBaseConfig>, ref: ImageReference): boolean {
        return setting.level !== "disabled" && !setting.config.exemptImages.some((e) => exemptionMatches(e, ref));
    }

    add(gate: GateName, setting: GateSetting<unknown>, failure: RuleFailure | undefined): void {
        if (!failure) return;
        const text = `${gate}: ${failure.reason} (fix: ${failure.fix})`;
        (blocks(setting.level) ? this.problems : this.advisories).push(text);
    }
}

/** Never throws for a refusal: problems come back in the result; it throws only for a bad request. */
export async function resolveTrustedImage(req: TrustedImageRequest): Promise<TrustedImageResult> {
    const text = `${req.registry}/${req.repository}${req.tag ? `:${req.tag}` : ""}${req.digest ? `@${req.digest}` : ""}`;
    const parsed = parseReference(text);
    if (!parsed.ok) throw new Error(`${text} is not a valid image reference: ${parsed.failure.message}`);
    if (!parsed.ref.tag && !parsed.ref.digest) throw new Error(`${text}: give a tag to resolve or a digest to pin`);
    const { gates } = req;
    const v = new Verdicts();

    // An image from an untrusted registry is refused before anything is contacted: its tag is not
    // resolved and no evidence or signature is fetched for it (the deployment is refused anyway).
    let refused = false;
    if (v.judges(gates.trustedRegistries, parsed.ref)) {
        const untrusted = checkTrustedRegistry(parsed.ref, gates.trustedRegistries.config.registries);
        v.add("trusted-registries", gates.trustedRegistries, untrusted);
        refused = untrusted !== undefined && blocks(gates.trustedRegistries.level);
    }
    const client = refused ? undefined : createRegistryClient(contactableRegistries(req), req.clientOptions);
    const ref = client ? await pin(parsed.ref, client, v) : parsed.ref;

    if (v.judges(gates.requireDigest, ref)) v.add("require-digest", gates.requireDigest, checkPinnedByDigest(ref));
    if (v.judges(gates.noLatestTag, ref)) v.add("no-latest-tag", gates.noLatestTag, checkNotLatest(ref));
    if (!client) {
        v.notes.push(`${formatReference(ref)} is refused by trusted-registries, so its scan evidence and signatures were not looked up`);
        return { reference: text, digest: ref.digest ?? "", problems: v.problems, advisories: v.advisories, notes: v.notes };
    }
    if (v.judges(gates.scannedImages, ref)) v.add("scanned-images", gates.scannedImages, await scanFailure(req, ref, client, v));
    if (v.judges(gates.signedImages, ref)) {
        const judged = await judgeSignature(ref, { registry: client, now: () => req.now ?? new Date() }, gates.signedImages.config.signature);
        v.advisories.push(...(judged.advisories ?? []).map((a) => `signed-images: ${a}`));
        v.add("signed-images", gates.signedImages, judged.failure);
        if (judged.verifiedBy) v.notes.push(`signature of ${ref.digest ?? formatReference(ref)} verified (${judged.verifiedBy})`);
    }
    return { reference: formatReference(ref) === formatReference(parsed.ref) ? text : formatReference(ref), digest: ref.digest ?? "", problems: v.problems, advisories: v.advisories, notes: v.notes };
}

/**
 * The reference to deploy: a given digest as is (the gates fetch what they need, as the pack's do);
 * a tag resolved to the digest it names now. A tag that cannot be resolved stays a tag, and the
 * gates judge it as the pack would judge the unpinned reference.
 */
async function pin(ref: ImageReference, client: RegistryClient, v: Verdicts): Promise<ImageReference> {
    if (ref.digest) return ref;
    const repo = client.repository(ref.domain, ref.path);
    if (!repo) {
        v.notes.push(`${formatReference(ref)} is a tag and ${ref.domain} is not among the registries the policy config lets imagegate contact, so it is not pinned; pin a digest or add the registry to require-digest's, scanned-images' or signed-images' registries`);
        return ref;
    }
    try {
        return { ...ref, digest: (await repo.resolve(ref.tag!)).digest };
    } catch (e) {
        v.notes.push(`${formatReference(ref)} could not be resolved, so it is not pinned: ${(e as Error).message}`);
        return ref;
    }
}

async function scanFailure(req: TrustedImageRequest, ref: ImageReference, client: RegistryClient, v: Verdicts): Promise<RuleFailure | undefined> {
    const config = req.gates.scannedImages.config;
    const files = await loadReports(config.reports, req.gates.baseDir);
    for (const w of files.warnings) v.advisories.push(`scanned-images: scan report ignored: ${w.message}`);
    const vex = await loadVex(config.vex, req.gates.baseDir, { now: req.now ?? new Date(), maxAgeDays: config.vexMaxAgeDays });
    for (const w of vex.refused) v.advisories.push(`scanned-images: ${w.message}`);
    const defender = config.defender;
    // The same verdict the scanned-images policy reaches, from the same sources.
    const ctx: ScanContext = {
        registry: client,
        reports: async () => files,
        vex: async () => vex,
        ...(defender ? { defender: { get: (d: string) => queryDefender([d], { subscriptions: defender.subscriptions, ...req.defender }) } } : {}),
        now: () => req.now ?? new Date(),
    };
    const judged = await judgeScan(ref, ctx, config);
    if (judged.summary && !judged.failure) v.notes.push(judged.summary);
    return judged.failure;
}
