/**
 * The I/O an audit needs, built from the image gates' settings as the TrustedImage component builds
 * it: one registry client for the hosts the gates list (no other host is ever contacted), report
 * and VEX files loaded once (relative paths against the pack directory, as in the pack), Defender
 * queried per digest and remembered.
 */
import { loadReports, loadVex, queryDefender, type DefenderOptions, type LoadedReports, type LoadedVex } from "../evidence";
import type { ImageGateSettings } from "../gate/config";
import type { DefenderAnswer, ScanContext } from "../gate/scan";
import { contactableRegistries } from "../gate/trusted-image";
import { createRegistryClient, type RegistryClient } from "../registry";
import type { ExtendedClientOptions } from "../registry/client";

export interface AuditContext {
    readonly registry: RegistryClient;
    readonly scan: ScanContext;
    /** Report and VEX files that could not be used, each with the reason. */
    warnings(): Promise<string[]>;
}

export function auditContext(gates: ImageGateSettings, now: Date, options: { clientOptions?: ExtendedClientOptions; defender?: Partial<DefenderOptions> } = {}): AuditContext {
    const config = gates.scannedImages.config;
    const registry = createRegistryClient(contactableRegistries({ gates }), { ...(config.cacheDir ? { cacheDir: config.cacheDir } : {}), ...options.clientOptions });
    let reports: Promise<LoadedReports> | undefined;
    let vex: Promise<LoadedVex> | undefined;
    const answers = new Map<string, Promise<DefenderAnswer>>();
    const defender = config.defender;
    const scan: ScanContext = {
        registry,
        reports: () => (reports ??= loadReports(config.reports, gates.baseDir)),
        vex: () => (vex ??= loadVex(config.vex, gates.baseDir, { now, maxAgeDays: config.vexMaxAgeDays })),
        ...(defender ? {
            defender: {
                get: (digest: string) => {
                    let a = answers.get(digest);
                    if (!a) answers.set(digest, a = queryDefender([digest], { subscriptions: defender.subscriptions, ...options.defender }));
                    return a;
                },
            },
        } : {}),
        now: () => now,
    };
    return {
        registry,
        scan,
        warnings: async () => [
            ...(await scan.reports()).warnings.map((w) => `scan report ignored: ${w.message}`),
            ...((await scan.vex?.())?.refused ?? []).map((w) => w.message),
        ],
    };
}
