/**
 * The scanned-images policy's side of the scan gate: its config type, and the per-config context
 * (registry client, report files under the pack directory, Defender queries batched per tick). The
 * verdict itself is core/gate/scan.ts, shared with the TrustedImage component.
 */
import { DefenderError, loadReports, loadVex, queryDefender, type LoadedReports, type LoadedVex } from "../../core/evidence";
import { judgeScan as judgeScanCore, type DefenderAnswer, type ScanContext } from "../../core/gate/scan";
import type { ImageReference } from "../../core/reference";
import type { ScannedImagesConfig } from "../../core/gate/config";
import type { ImageJudgement } from "../lib/image-policy";
import { Batcher } from "../lib/lookups";
import { packDir, registryClientFor } from "../lib/registries";
import { defenderAccess } from "./defender-access";

export type { ScanContext } from "../../core/gate/scan";

export type { ScannedImagesConfig } from "../../core/gate/config";

export function createScanContext(config: ScannedImagesConfig): ScanContext {
    let loaded: Promise<LoadedReports> | undefined;
    let vex: Promise<LoadedVex> | undefined;
    const defender = config.defender;
    return {
        registry: registryClientFor(config),
        reports: () => (loaded ??= loadReports(config.reports, packDir())),
        vex: () => (vex ??= loadVex(config.vex, packDir(), { now: new Date(), maxAgeDays: config.vexMaxAgeDays })),
        ...(defender ? {
            defender: new Batcher<string, DefenderAnswer>(
                async (digests) => {
                    const r = await queryDefender(digests, { subscriptions: defender.subscriptions, ...defenderAccess() });
                    return () => r;
                },
                (e) => ({ ok: false, failure: new DefenderError("network", (e as Error)?.message ?? String(e)) }),
            ),
        } : {}),
        now: () => new Date(),
    };
}

/** Advisories about the configuration as a whole: report files that could not be used. */
export async function reportWarnings(ctx: ScanContext): Promise<string[]> {
    const loaded = await ctx.reports();
    const vex = await ctx.vex?.();
    return [
        ...loaded.warnings.map((w) => `Scan report ignored: ${w.message}. The other reports still count; fix or remove this file.`),
        ...(vex?.refused ?? []).map((w) => `${w.message}. Its statements do not apply; the other VEX documents still count.`),
    ];
}

export async function judgeScan(ref: ImageReference, ctx: ScanContext, config: ScannedImagesConfig): Promise<ImageJudgement> {
    const j = await judgeScanCore(ref, ctx, config);
    return j.failure ? { failure: j.failure } : {};
}
