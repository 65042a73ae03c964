/** Gathers, for one digest, the evidence every source found: the input of judgeImage. */
import { ImageReference } from "../reference";
import { DefenderLookup } from "./defender";
import { ImageEvidence } from "./judge";
import { LoadedReports } from "./load";
import { ScanReport } from "./types";
import { statementsFor, VexDocument } from "./vex";
import { LoadedVex } from "./vex-load";

export interface EvidenceSources {
    readonly files?: LoadedReports;
    readonly defender?: DefenderLookup;
    /** Reports parsed from the digest's referrers (parseAttestation). */
    readonly attestations?: readonly ScanReport[];
    /** OpenVEX documents from files (loadVex). Their refusals are the caller's to report once. */
    readonly vex?: LoadedVex;
    /** OpenVEX documents attached to the digest, and those refused. */
    readonly attachedVex?: { readonly documents: readonly VexDocument[]; readonly refused: readonly string[] };
}

export function collectEvidence(ref: ImageReference, digest: string, sources: EvidenceSources): ImageEvidence {
    const reports: ScanReport[] = [
        ...(sources.files?.byDigest.get(digest) ?? []),
        ...(sources.attestations ?? []),
    ];
    const fromDefender = sources.defender?.reports.get(digest);
    if (fromDefender) reports.push(fromDefender);
    const notes = [...(sources.defender?.notes.get(digest) ?? [])];
    const vex = statementsFor([...(sources.vex?.documents ?? []), ...(sources.attachedVex?.documents ?? [])], ref, digest);
    const vexRefused = sources.attachedVex?.refused ?? [];
    return { ref, digest, reports, ...(notes.length ? { notes } : {}), ...(vex.length ? { vex } : {}), ...(vexRefused.length ? { vexRefused } : {}) };
}
