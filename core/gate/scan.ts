/**
 * The scan gate's verdict on one image: find the digest (the reference's own, or the tag resolved
 * now in a contactable registry), gather the evidence every configured source has about that digest
 * (report files, Defender for Containers, attestations in the registry), and judge it with the
 * evidence core. Every failure to gather evidence fails the image closed, saying why. Shared by the
 * `scanned-images` policy and the TrustedImage component, so both judge an image the same way.
 */
import {
    collectEvidence, DefenderError, DefenderLookup, EvidenceConfig, judgeImage, LoadedReports, LoadedVex, Verdict, VerdictKind,
} from "../evidence";
import { familiarName, ImageReference } from "../reference";
import type { RegistryClient } from "../registry";
import { RuleFailure } from "../rules";
import { AttestationLimits, fetchAttestations } from "./attestations";

/** What the scan gate judges by: the evidence keys plus whether to read attestations. */
export interface ScanConfig extends EvidenceConfig {
    /** Look for scan reports attached to the digest in its registry (OCI referrers). */
    readonly attestations: boolean;
    /** Bounds on the work attestations may cause (defaults: DEFAULT_ATTESTATION_LIMITS). */
    readonly attestationLimits?: AttestationLimits;
}

export type DefenderAnswer = { ok: true; lookup: DefenderLookup } | { ok: false; failure: DefenderError };

/** The I/O a verdict needs; the pack builds one per config for the life of its process. */
export interface ScanContext {
    readonly registry: RegistryClient;
    /** Report files, loaded once. */
    readonly reports: () => Promise<LoadedReports>;
    /** OpenVEX files, loaded once (none when absent). */
    readonly vex?: () => Promise<LoadedVex>;
    /** Defender for Containers' answer for a digest (the pack batches digests into one query). */
    readonly defender?: { get(digest: string): Promise<DefenderAnswer> };
    /** Clock of the verdicts (tests may replace it). */
    now: () => Date;
}

export interface ScanJudgement {
    /** Why the image fails and how to fix it; undefined when it passes. */
    readonly failure?: RuleFailure;
    /** The digest judged (resolved from the tag when the reference had none). */
    readonly digest?: string;
    /** The verdict's own sentence, also when it passes (for logs). */
    readonly summary?: string;
    /** The evidence verdict itself, when evidence was gathered (audit reads its findings and dates). */
    readonly verdict?: Verdict;
}

const FIX: Record<VerdictKind, string> = {
    clean: "",
    unscanned: "scan the image by digest (`trivy image --format json`, `grype -o json`) and add the report to scanned-images' reports, attach it to the digest as an OCI referrer (`attestations: true`), or enable Defender for Containers on the registry",
    stale: "rescan the image and publish the new report (reports, attestation or Defender); a scan older than maxAgeDays does not count",
    vulnerable: "rebuild the image on a patched base image (or upgrade the named packages), rescan and pin the new digest; or add a time-limited entry to scanned-images' exceptions with a reason",
};

function failure(reason: string, fix: string, digest?: string): ScanJudgement {
    return { failure: { reason, fix }, ...(digest ? { digest } : {}) };
}

function message(e: unknown): string {
    return (e as Error)?.message ?? String(e);
}

/** The digest to judge: the reference's own, or its tag resolved now. */
async function digestOf(ref: ImageReference, registry: RegistryClient): Promise<{ digest: string } | { failure: RuleFailure }> {
    if (ref.digest !== undefined) return { digest: ref.digest };
    const tag = ref.tag ?? "latest";
    const repo = registry.repository(ref.domain, ref.path);
    if (!repo) {
        return {
            failure: {
                reason: `it is a tag only and its registry ${ref.domain} is not contactable (not in scanned-images' registries), so the content it names cannot be known; scan evidence is about digests`,
                fix: `pin by digest (${familiarName({ ...ref, tag: undefined })}@sha256:<digest>) or add the registry to scanned-images' registries`,
            },
        };
    }
    try {
        return { digest: (await repo.resolve(tag)).digest };
    } catch (e) {
        return {
            failure: {
                reason: `tag "${tag}" could not be resolved to a digest in ${ref.domain}: ${message(e)}`,
                fix: "check that the tag exists and the registry is reachable with the configured credentials, or pin by digest",
            },
        };
    }
}

/** The scan verdict on one image, failing closed on every evidence source that cannot be read. */
export async function judgeScan(ref: ImageReference, ctx: ScanContext, config: ScanConfig): Promise<ScanJudgement> {
    const resolved = await digestOf(ref, ctx.registry);
    if ("failure" in resolved) return { failure: resolved.failure };
    const digest = resolved.digest;
    const resolvedNote = ref.digest === undefined ? `; tag "${ref.tag ?? "latest"}" resolves to ${digest} now` : "";

    const repo = config.attestations ? ctx.registry.repository(ref.domain, ref.path) : undefined;
    const now = ctx.now();
    const [files, vex, defender, attested] = await Promise.all([
        ctx.reports(),
        ctx.vex?.(),
        ctx.defender?.get(digest),
        repo ? fetchAttestations(repo, digest, config.attestationLimits, { now, maxAgeDays: config.vexMaxAgeDays }) : undefined,
    ]);

    if (defender && !defender.ok) {
        return failure(
            `Defender for Containers could not be queried for ${digest}, so its findings are unknown: ${defender.failure.message}`,
            "give the pack's Azure identity Reader on the subscriptions in defender.subscriptions (DefaultAzureCredential), or remove `defender` and rely on reports or attestations",
            digest,
        );
    }
    if (attested && attested.problems.length > 0) {
        return failure(
            `its scan attestations cannot be trusted as read: ${attested.problems.join("; ")}`,
            "re-attach a well-formed scan report to the digest, or remove the broken referrer",
            digest,
        );
    }
    const notes: string[] = [...(attested?.notes ?? [])];
    if (config.attestations && !repo) notes.push(`attestations were not looked up: ${ref.domain} is not in scanned-images' registries`);

    const evidence = collectEvidence(ref, digest, {
        files,
        ...(vex ? { vex } : {}),
        ...(defender?.ok ? { defender: defender.lookup } : {}),
        ...(attested ? { attestations: attested.reports, attachedVex: { documents: attested.vex, refused: attested.vexRefused } } : {}),
    });
    const verdict = judgeImage({ ...evidence, notes: [...(evidence.notes ?? []), ...notes] }, config, now);
    if (verdict.pass) return { digest, summary: verdict.message, verdict };
    // The message is embedded in "fails because <reason>. Fix: …": no trailing period of its own.
    return { ...failure(`${verdict.message.replace(/\.\s*$/, "")}${resolvedNote}`, FIX[verdict.kind], digest), summary: verdict.message, verdict };
}
