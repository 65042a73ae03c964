/**
 * One deployed image judged by every image gate, at the levels and with the config the pack is
 * given (`imageGateSettings`), through the same verdict functions the pack's policies and the
 * TrustedImage component call (core/rules.ts, core/gate/scan.ts, core/gate/signature.ts). What the
 * audit adds is time: for each failure, since when it fails (a finding's publication, the day a
 * scan aged past maxAgeDays, the day an exception expired) where the evidence says.
 */
import type { EnforcementLevel } from "../config/policy-config";
import type { Verdict, VerdictKind } from "../evidence";
import { blocks, type GateSetting, type ImageGateBaseConfig, type ImageGateSettings } from "../gate/config";
import { judgeScan, type ScanContext } from "../gate/scan";
import { judgeSignature } from "../gate/signature";
import { formatReference, type ImageReference } from "../reference";
import type { RegistryClient } from "../registry";
import { checkNotLatest, checkPinnedByDigest, checkTrustedRegistry, type RuleFailure } from "../rules";
import { exemptionMatches } from "../trust";

export type GateName = "trusted-registries" | "require-digest" | "no-latest-tag" | "scanned-images" | "signed-images";

const DAY_MS = 86_400_000;

export interface GateFailure {
    readonly gate: GateName;
    /** The gate's level; `remediate` is reported as `mandatory` (nothing in a state can be rewritten). */
    readonly level: Exclude<EnforcementLevel, "disabled" | "remediate">;
    readonly reason: string;
    readonly fix: string;
    /** The scan verdict's kind, for scanned-images failures that rest on evidence. */
    readonly kind?: VerdictKind;
    /** Since when the image fails this gate, when the evidence dates it. */
    readonly since?: Date;
    /** What `since` is (e.g. "CVE-2024-9143 published", "scan of 2026-10-01 aged past maxAgeDays 7"). */
    readonly sinceWhat?: string;
    /** IDs of the blocking vulnerabilities (scanned-images), for the rebuild decision. */
    readonly vulnerabilities?: readonly string[];
}

export interface GateContext {
    readonly gates: ImageGateSettings;
    readonly registry: RegistryClient;
    readonly scan: ScanContext;
    readonly now: Date;
}

export interface ImageVerdict {
    readonly failures: readonly GateFailure[];
    /** The digest the evidence was judged for (the reference's own, or its tag resolved now). */
    readonly digest?: string;
    /** Advisory facts (signatures a permissive trust policy logged, lookups skipped). */
    readonly notes: readonly string[];
}

function level(l: EnforcementLevel): GateFailure["level"] {
    return blocks(l) ? "mandatory" : "advisory";
}

function judges(setting: GateSetting<ImageGateBaseConfig>, ref: ImageReference): boolean {
    return setting.level !== "disabled" && !setting.config.exemptImages.some((e) => exemptionMatches(e, ref));
}

function day(d: Date): string {
    return d.toISOString().slice(0, 10);
}

/** Since when a scan verdict fails, from the evidence it rests on. */
export function scanSince(v: Verdict, maxAgeDays: number): { since: Date; what: string } | undefined {
    if (v.kind === "stale" && v.newestScan) {
        return { since: new Date(v.newestScan.getTime() + maxAgeDays * DAY_MS), what: `the scan of ${day(v.newestScan)} aged past maxAgeDays ${maxAgeDays}` };
    }
    if (v.kind !== "vulnerable") return undefined;
    // An expired exception is the latest change: the findings it covered block from its expiry on.
    const expired = [...v.expired].sort((a, b) => b.expiresAt.getTime() - a.expiresAt.getTime())[0];
    if (expired) return { since: expired.expiresAt, what: `the exception for ${expired.id} expired on ${expired.expires}` };
    const published = v.blocking.filter((f) => f.published).sort((a, b) => a.published!.getTime() - b.published!.getTime())[0];
    if (published) return { since: published.published!, what: `${published.id} was published` };
    if (v.newestScan) return { since: v.newestScan, what: "the newest scan reports it" };
    return undefined;
}

/** Never throws: a verdict function's failure becomes a failure of that gate. */
export async function judgeDeployedImage(ref: ImageReference, ctx: GateContext): Promise<ImageVerdict> {
    const { gates } = ctx;
    const failures: GateFailure[] = [];
    const notes: string[] = [];
    const add = (gate: GateName, setting: GateSetting<unknown>, f: RuleFailure | undefined, extra: Partial<GateFailure> = {}) => {
        if (f) failures.push({ gate, level: level(setting.level), reason: f.reason, fix: f.fix, ...extra });
    };
    const guarded = async (gate: GateName, setting: GateSetting<unknown>, run: () => Promise<void>) => {
        try {
            await run();
        } catch (e) {
            add(gate, setting, { reason: `could not be judged: ${(e as Error)?.message ?? String(e)}`, fix: "fix the cause and run the audit again" });
        }
    };

    let refused = false;
    if (judges(gates.trustedRegistries, ref)) {
        const untrusted = checkTrustedRegistry(ref, gates.trustedRegistries.config.registries);
        add("trusted-registries", gates.trustedRegistries, untrusted);
        refused = untrusted !== undefined && blocks(gates.trustedRegistries.level);
    }
    if (judges(gates.requireDigest, ref)) add("require-digest", gates.requireDigest, checkPinnedByDigest(ref));
    if (judges(gates.noLatestTag, ref)) add("no-latest-tag", gates.noLatestTag, checkNotLatest(ref));
    // An image from an untrusted registry is never contacted: its evidence and signatures are not fetched.
    if (refused) {
        notes.push(`${formatReference(ref)} is refused by trusted-registries, so its scan evidence and signatures were not looked up`);
        return { failures, notes };
    }
    let digest: string | undefined = ref.digest;
    if (judges(gates.scannedImages, ref)) {
        await guarded("scanned-images", gates.scannedImages, async () => {
            const j = await judgeScan(ref, ctx.scan, gates.scannedImages.config);
            digest = j.digest ?? digest;
            if (!j.failure) return;
            const since = j.verdict ? scanSince(j.verdict, gates.scannedImages.config.maxAgeDays) : undefined;
            add("scanned-images", gates.scannedImages, j.failure, {
                ...(j.verdict ? { kind: j.verdict.kind } : {}),
                ...(since ? { since: since.since, sinceWhat: since.what } : {}),
                ...(j.verdict?.blocking.length ? { vulnerabilities: j.verdict.blocking.map((f) => f.id) } : {}),
            });
        });
    }
    if (judges(gates.signedImages, ref)) {
        await guarded("signed-images", gates.signedImages, async () => {
            const j = await judgeSignature(ref, { registry: ctx.registry, now: () => ctx.now }, gates.signedImages.config.signature);
            notes.push(...(j.advisories ?? []).map((a) => `signed-images: ${a}`));
            add("signed-images", gates.signedImages, j.failure);
        });
    }
    return { failures, ...(digest ? { digest } : {}), notes };
}
