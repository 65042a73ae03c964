/**
 * Deploy-time pinning: resolves `registry/repository:tag` to the digest it names now and judges that
 * digest with the same evidence and signature code the pack runs — so what TrustedImage hands to a
 * workload is exactly what `scanned-images` and `signed-images` would let through.
 */
import { formatReference, parseReference, type ImageReference } from "../reference";
import { entryMatches, parseTrustEntries } from "../trust";
import { loadReports, parseEvidenceConfig, queryDefender, type DefenderOptions, type EvidenceConfig } from "../evidence";
import { parseSignatureConfig, type SignatureConfig } from "../signature";
import { createRegistryClient, parseRegistriesConfig } from "../registry";
import type { FetchedManifest, RegistryClient, RegistryClientOptions, RegistryEntry } from "../registry/types";
import { judgeScan, type ScanContext } from "./scan";
import { judgeSignature } from "./signature";

export interface TrustedImageRequest {
    /** Registry host (login server), e.g. `contoso.azurecr.io`. */
    readonly registry: string;
    readonly repository: string;
    readonly tag?: string;
    /** A digest to pin to instead of resolving the tag (verified against the registry when it is contactable). */
    readonly digest?: string;
    /** trusted-registries' `registries`: an image outside them is refused before anything is contacted. */
    readonly trustedRegistries: readonly string[];
    /** The `scanned-images` properties (reports, defender, attestations, failOn, maxAgeDays, …). */
    readonly evidence?: Readonly<Record<string, unknown>>;
    /** The `signed-images` properties (notation, cosign). */
    readonly signatures?: Readonly<Record<string, unknown>>;
    /** Registries that may be contacted (the `registries` config form); default: those named in evidence and signatures. */
    readonly registries?: readonly unknown[];
    /** Where relative report and certificate paths resolve (the pack directory for a shared policy config). */
    readonly baseDir: string;
    readonly now?: Date;
    readonly clientOptions?: RegistryClientOptions;
    /** Overrides for the Defender query (credential, endpoint); tests and sovereign clouds. */
    readonly defender?: Partial<DefenderOptions>;
}

export interface TrustedImageResult {
    /** `registry/repository:tag@digest`, or `registry/repository@digest` without a tag. */
    readonly reference: string;
    readonly digest: string;
    /** Why the image may not be deployed; empty when it passed every configured check. */
    readonly problems: readonly string[];
    /** What the checks found (verdicts, signer), for logs. */
    readonly notes: readonly string[];
}

/**
 * The registries that may be contacted: `registries` when given, else the union of the two policies'
 * lists. A host both list is one entry (however each spells it), unless they disagree on its auth.
 */
function contactableRegistries(req: TrustedImageRequest): RegistryEntry[] {
    const parse = (raw: unknown, where: string): RegistryEntry[] => {
        const r = parseRegistriesConfig(raw);
        if (!r.ok) throw new Error(`${where}: ${r.errors.join("; ")}`);
        return r.entries;
    };
    if (req.registries) return parse(req.registries, "registries");
    const byHost = new Map<string, { entry: RegistryEntry; from: string }>();
    for (const [from, cfg] of [["scanned-images", req.evidence], ["signed-images", req.signatures]] as const) {
        if (cfg?.registries === undefined) continue;
        for (const entry of parse(cfg.registries, `${from} registries`)) {
            const seen = byHost.get(entry.host);
            if (seen && JSON.stringify(seen.entry.auth) !== JSON.stringify(entry.auth)) {
                throw new Error(`registries: ${entry.host} is listed by ${seen.from} and ${from} with different auth; give both the same entry`);
            }
            if (!seen) byHost.set(entry.host, { entry, from });
        }
    }
    return [...byHost.values()].map((v) => v.entry);
}

/** Never throws for a refusal: problems come back in the result; it throws only for a bad request. */
export async function resolveTrustedImage(req: TrustedImageRequest): Promise<TrustedImageResult> {
    const text = `${req.registry}/${req.repository}${req.tag ? `:${req.tag}` : ""}${req.digest ? `@${req.digest}` : ""}`;
    const parsed = parseReference(text);
    if (!parsed.ok) throw new Error(`${text} is not a valid image reference: ${parsed.error.message}`);
    const ref = parsed.ref;
    if (!ref.tag && !ref.digest) throw new Error(`${text}: give a tag to resolve or a digest to pin`);
    const trust = parseTrustEntries(req.trustedRegistries);
    if (trust.errors.length) throw new Error(`trustedRegistries: ${trust.errors.join("; ")}`);
    const name = `${ref.domain}/${ref.path}`;
    if (!trust.entries.some((e) => entryMatches(e, ref))) {
        return { reference: text, digest: ref.digest ?? "", problems: [`${name} is not in a trusted registry (trusted: ${req.trustedRegistries.join(", ")})`], notes: [] };
    }

    // Bad config is an error before anything is contacted.
    const evidence = req.evidence ? parseEvidenceConfig(req.evidence) : undefined;
    if (evidence && !evidence.ok) throw new Error(`scanned-images config: ${evidence.errors.join("; ")}`);
    if (req.evidence?.attestations !== undefined && typeof req.evidence.attestations !== "boolean") {
        throw new Error(`scanned-images config: attestations must be true or false, got ${JSON.stringify(req.evidence.attestations)}`);
    }
    const signatures = req.signatures ? parseSignatureConfig(req.signatures, { baseDir: req.baseDir }) : undefined;
    if (signatures && !signatures.ok) throw new Error(`signed-images config: ${signatures.errors.join("; ")}`);
    const client = createRegistryClient(contactableRegistries(req), req.clientOptions);
    const repo = client.repository(ref.domain, ref.path);

    const problems: string[] = [];
    const notes: string[] = [];
    // A digest is checked against the registry when it may be contacted (it must exist there); a
    // tag must be resolved, so its registry must be contactable.
    let resolved: FetchedManifest | undefined;
    if (repo) {
        try {
            resolved = await repo.resolve(ref.digest ?? ref.tag!);
        } catch (e) {
            return { reference: text, digest: ref.digest ?? "", problems: [`${formatReference(ref)} could not be resolved: ${(e as Error).message}`], notes };
        }
    } else if (!ref.digest) {
        return { reference: text, digest: "", problems: [`${formatReference(ref)} is a tag and ${ref.domain} is not among the registries that may be contacted, so its digest cannot be resolved; pin a digest or add the registry`], notes };
    }
    const digest = ref.digest ?? resolved!.digest;
    const pinned = formatReference({ ...ref, digest });

    problems.push(...(await judgeEvidence(req, evidence?.config, ref, digest, client, notes)));
    problems.push(...(await judgeSignatures(req, signatures?.config, ref, digest, client, notes)));
    return { reference: pinned, digest, problems, notes };
}

async function judgeEvidence(req: TrustedImageRequest, config: EvidenceConfig | undefined, ref: ImageReference, digest: string, client: RegistryClient, notes: string[]): Promise<string[]> {
    if (!config || !req.evidence) return [`no scan evidence is configured (scanned-images), so ${digest} cannot be shown to be scanned`];
    const files = await loadReports(config.reports, req.baseDir);
    for (const w of files.warnings) notes.push(`scan report ignored: ${w.message}`);
    const defender = config.defender;
    // The same verdict the scanned-images policy reaches, from the same sources.
    const ctx: ScanContext = {
        registry: client,
        reports: async () => files,
        ...(defender ? { defender: { get: (d: string) => queryDefender([d], { subscriptions: defender.subscriptions, ...req.defender }) } } : {}),
        now: () => req.now ?? new Date(),
    };
    const judged = await judgeScan({ ...ref, digest }, ctx, { ...config, attestations: req.evidence.attestations === true });
    if (judged.failure) return [`${judged.failure.reason} (fix: ${judged.failure.fix})`];
    if (judged.summary) notes.push(judged.summary);
    return [];
}

async function judgeSignatures(req: TrustedImageRequest, config: SignatureConfig | undefined, ref: ImageReference, digest: string, client: RegistryClient, notes: string[]): Promise<string[]> {
    if (!req.signatures) return [];
    // The same verdict the signed-images policy reaches.
    const judged = await judgeSignature({ ...ref, digest }, { registry: client, now: () => req.now ?? new Date() }, config);
    notes.push(...(judged.advisories ?? []));
    if (judged.failure) return [`${judged.failure.reason} (fix: ${judged.failure.fix})`];
    notes.push(`signature of ${digest} verified (${judged.verifiedBy})`);
    return [];
}
