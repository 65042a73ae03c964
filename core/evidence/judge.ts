/**
 * The verdict on one image digest from all the scan evidence found for it (reports on disk,
 * attestations, Defender). Pure: the clock is an argument.
 *
 * "Scanned and clean" means: at least one report about this exact digest, dated within `maxAgeDays`
 * (and not in the future), and no finding in any such report at or above `failOn` that is not
 * removed by `ignoreUnfixed` or an unexpired exception. Findings from every fresh report count (one
 * scanner's miss does not hide another's finding). Stale reports neither prove a scan nor add findings.
 */
import { ImageReference, familiarName } from "../reference";
import { exemptionMatches } from "../trust";
import { JudgementConfig, ScanException } from "./config";
import { bareDigest } from "./digests";
import { severityRank } from "./severity";
import { Vulnerability, ScanReport, Severity } from "./types";
import { describeStatement, vexClears, VexedFinding, VexStatement } from "./vex";

const DAY_MS = 86_400_000;
/** Clock skew tolerated before a scan time counts as "in the future". */
const FUTURE_SKEW_MS = 5 * 60_000;
/** Blocking IDs named in a message; the rest are counted. */
const TOP_IDS = 5;

export interface ImageEvidence {
    /** The image as deployed (normalized), for exceptions scoped to images and for messages. */
    readonly ref: ImageReference;
    /** The content digest judged (`sha256:…`). */
    readonly digest: string;
    readonly reports: readonly ScanReport[];
    /** Facts that explain missing evidence (e.g. Defender marked the image NotApplicable). */
    readonly notes?: readonly string[];
    /** OpenVEX statements about this digest or its repository (statementsFor). */
    readonly vex?: readonly VexStatement[];
    /** VEX documents refused (malformed, expired), named in the verdict so nobody wonders why a statement did not apply. */
    readonly vexRefused?: readonly string[];
}

export type VerdictKind = "clean" | "unscanned" | "stale" | "vulnerable";

export interface ExceptedFinding {
    readonly finding: Vulnerability;
    readonly exception: ScanException;
}

export interface Verdict {
    readonly pass: boolean;
    readonly kind: VerdictKind;
    /** One paragraph for a policy violation or advisory. */
    readonly message: string;
    /** The fresh reports the verdict rests on. */
    readonly reports: readonly ScanReport[];
    readonly blocking: readonly Vulnerability[];
    readonly excepted: readonly ExceptedFinding[];
    /** Exceptions that matched a blocking finding but have expired. */
    readonly expired: readonly ScanException[];
    /** Findings a VEX statement says are not_affected or fixed in this image. */
    readonly vexed: readonly VexedFinding[];
    /** When the newest dated scan of the digest ran (stale verdicts included). */
    readonly newestScan?: Date;
}

function short(digest: string): string {
    return digest.length > 19 ? `${digest.slice(0, 19)}…` : digest;
}

function ageText(ms: number): string {
    const days = ms / DAY_MS;
    if (days < 1) return `${Math.max(0, Math.round(ms / 3_600_000))} h old`;
    return `${Math.floor(days)} day${Math.floor(days) === 1 ? "" : "s"} old`;
}

function day(d: Date): string {
    return d.toISOString().slice(0, 10);
}

function exceptionMatches(ex: ScanException, f: Vulnerability, ref: ImageReference): boolean {
    const id = ex.id.toLowerCase();
    if (f.id.toLowerCase() !== id && !(f.aliases ?? []).some((a) => a.toLowerCase() === id)) return false;
    return ex.images === undefined || ex.images.some((e) => exemptionMatches(e, ref));
}

/** Same vulnerability in the same package version, reported by several scanners, counts once (highest severity). */
function mergeFindings(reports: readonly ScanReport[]): Vulnerability[] {
    const merged = new Map<string, Vulnerability>();
    for (const r of reports) {
        for (const f of r.findings) {
            const key = `${f.id.toLowerCase()}\u0000${f.package}\u0000${f.installedVersion}`;
            const prev = merged.get(key);
            if (!prev) {
                merged.set(key, f);
                continue;
            }
            const fixedVersion = prev.fixedVersion ?? f.fixedVersion;
            const aliases = [...new Set([...(prev.aliases ?? []), ...(f.aliases ?? [])])];
            merged.set(key, {
                ...prev,
                severity: severityRank(f.severity) > severityRank(prev.severity) ? f.severity : prev.severity,
                fixAvailable: prev.fixAvailable || f.fixAvailable,
                ...(fixedVersion !== undefined ? { fixedVersion } : {}),
                ...(aliases.length ? { aliases } : {}),
            });
        }
    }
    return [...merged.values()];
}

export function judgeImage(evidence: ImageEvidence, config: JudgementConfig, now: Date): Verdict {
    const name = familiarName(evidence.ref);
    const subject = evidence.ref.digest === evidence.digest ? name : `${name} (${short(evidence.digest)})`;
    const notes = [...(evidence.notes ?? [])];
    const nowMs = now.getTime();
    const maxAgeMs = config.maxAgeDays * DAY_MS;

    // Only evidence about this exact content counts, whoever assembled the list.
    const about = evidence.reports.filter((r) => r.digests.some((d) => bareDigest(d) === evidence.digest));
    const dated = about.filter((r) => {
        if (r.scannedAt.getTime() > nowMs + FUTURE_SKEW_MS) {
            notes.push(`${r.source} is dated ${r.scannedAt.toISOString()}, in the future, and is not counted`);
            return false;
        }
        return true;
    });
    const base = { reports: [] as ScanReport[], blocking: [] as Vulnerability[], excepted: [] as ExceptedFinding[], expired: [] as ScanException[], vexed: [] as VexedFinding[] };
    const noteText = notes.length > 0 ? ` ${notes.join("; ")}.` : "";

    if (dated.length === 0) {
        return {
            ...base, pass: false, kind: "unscanned",
            message: `${subject} is unscanned: no scan report, attestation or Defender result names digest ${evidence.digest}.${noteText}`,
        };
    }
    const fresh = dated.filter((r) => nowMs - r.scannedAt.getTime() <= maxAgeMs);
    if (fresh.length === 0) {
        const newest = dated.reduce((a, b) => (b.scannedAt > a.scannedAt ? b : a));
        return {
            ...base, pass: false, kind: "stale", newestScan: newest.scannedAt,
            message: `${subject}: the newest scan is ${ageText(nowMs - newest.scannedAt.getTime())} (${newest.tool}, ${day(newest.scannedAt)}, ${newest.source}), older than maxAgeDays ${config.maxAgeDays}; rescan the image.${noteText}`,
        };
    }

    const threshold = severityRank(config.failOn);
    const blocking: Vulnerability[] = [];
    const excepted: ExceptedFinding[] = [];
    const vexed: VexedFinding[] = [];
    const expired = new Set<ScanException>();
    let belowThreshold = 0, unfixedIgnored = 0;
    for (const f of mergeFindings(fresh)) {
        // Unknown severity (not yet assessed upstream) blocks like low: only a gate set to `low` stops it.
        const rank = f.severity === "unknown" ? severityRank("low") : severityRank(f.severity);
        if (rank < threshold) { belowThreshold++; continue; }
        if (config.ignoreUnfixed && !f.fixAvailable) { unfixedIgnored++; continue; }
        const statement = evidence.vex?.length ? vexClears(evidence.vex, f, evidence.ref, evidence.digest) : undefined;
        if (statement) { vexed.push({ finding: f, statement }); continue; }
        const matching = config.exceptions.filter((ex) => exceptionMatches(ex, f, evidence.ref));
        const live = matching.find((ex) => nowMs < ex.expiresAt.getTime());
        if (live) { excepted.push({ finding: f, exception: live }); continue; }
        matching.forEach((ex) => expired.add(ex));
        blocking.push(f);
    }
    blocking.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

    const sources = fresh.map((r) => r.tool).filter((t, i, all) => all.indexOf(t) === i).join(", ");
    const newest = fresh.reduce((a, b) => (b.scannedAt > a.scannedAt ? b : a));
    const scanned = `scanned by ${sources} (newest ${day(newest.scannedAt)}, ${ageText(nowMs - newest.scannedAt.getTime())})`;
    const expiredText = [...expired].map((ex) => `the exception for ${ex.id} expired on ${ex.expires} and no longer applies`);
    const tally: string[] = [];
    if (vexed.length) tally.push(`${vexed.length} cleared by VEX: ${vexed.slice(0, TOP_IDS).map((v) => `${v.finding.id} ${describeStatement(v.statement)}`).join("; ")}${vexed.length > TOP_IDS ? `; and ${vexed.length - TOP_IDS} more` : ""}`);
    if (excepted.length) tally.push(`${excepted.length} excepted`);
    if (unfixedIgnored) tally.push(`${unfixedIgnored} without a fix ignored`);
    if (belowThreshold) tally.push(`${belowThreshold} below ${config.failOn}`);
    const tallyText = tally.length ? ` (${tally.join(", ")})` : "";
    const refusedText = evidence.vexRefused?.length ? ` VEX refused: ${evidence.vexRefused.join("; ")}.` : "";

    if (blocking.length === 0) {
        return {
            pass: true, kind: "clean", reports: fresh, blocking, excepted, expired: [...expired], vexed, newestScan: newest.scannedAt,
            message: `${subject}: ${scanned}; no vulnerabilities at or above ${config.failOn}${tallyText}.${refusedText}`,
        };
    }
    const counts = new Map<Severity, number>();
    for (const f of blocking) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
    const countText = [...counts.entries()].map(([s, n]) => `${n} ${s}`).join(", ");
    const top = blocking.slice(0, TOP_IDS).map((f) => `${f.id} (${f.severity}, ${f.package || "?"} ${f.installedVersion}${f.fixedVersion ? ` → ${f.fixedVersion}` : ", no fix"})`);
    const more = blocking.length > TOP_IDS ? ` and ${blocking.length - TOP_IDS} more` : "";
    return {
        pass: false, kind: "vulnerable", reports: fresh, blocking, excepted, expired: [...expired], vexed, newestScan: newest.scannedAt,
        message: `${subject}: ${blocking.length} vulnerabilit${blocking.length === 1 ? "y" : "ies"} at or above ${config.failOn} (${countText}): ${top.join(", ")}${more}; ${scanned}${tallyText}.`
            + (expiredText.length ? ` Note: ${expiredText.join("; ")}.` : "") + refusedText,
    };
}
