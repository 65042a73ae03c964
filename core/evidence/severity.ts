import { Severity } from "./types";

/** Lowest first; a finding blocks when its rank is at least the configured `failOn` rank. */
export const SEVERITY_ORDER: readonly Severity[] = ["unknown", "low", "medium", "high", "critical"];

export function severityRank(s: Severity): number {
    return SEVERITY_ORDER.indexOf(s);
}

/**
 * Maps a scanner's severity word (Trivy CRITICAL…UNKNOWN, Grype Critical…Negligible, Defender
 * Critical…Low) to a tier. Grype's "Negligible" counts as low (it is below low, so a gate set to
 * `low` blocks it too rather than letting it slip through); anything unrecognized is "unknown".
 */
export function severityFromWord(word: unknown): Severity | undefined {
    if (typeof word !== "string") return undefined;
    switch (word.trim().toLowerCase()) {
        case "critical": return "critical";
        case "high": case "important": return "high";
        case "medium": case "moderate": return "medium";
        case "low": case "negligible": return "low";
        case "unknown": case "none": case "": return "unknown";
        default: return undefined;
    }
}

/**
 * SARIF `security-severity` is a CVSS-like score; GitHub's code scanning buckets it as
 * ≥9 critical, ≥7 high, ≥4 medium, >0 low. Same buckets here.
 */
export function severityFromScore(score: unknown): Severity | undefined {
    const n = typeof score === "number" ? score : typeof score === "string" && score.trim() !== "" ? Number(score) : NaN;
    if (!Number.isFinite(n) || n < 0 || n > 10) return undefined;
    if (n >= 9) return "critical";
    if (n >= 7) return "high";
    if (n >= 4) return "medium";
    if (n > 0) return "low";
    return "unknown";
}
