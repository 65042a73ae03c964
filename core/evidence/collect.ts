/** Gathers, for one digest, the evidence every source found: the input of judgeImage. */
import { ImageReference } from "../reference";
import { DefenderLookup } from "./defender";
import { ImageEvidence } from "./judge";
import { LoadedReports } from "./load";
import { ScanReport } from "./types";

export interface EvidenceSources {
    readonly files?: LoadedReports;
    readonly defender?: DefenderLookup;
    /** Reports parsed from the digest's referrers (parseAttestation). */
    readonly attestations?: readonly ScanReport[];
}

export function collectEvidence(ref: ImageReference, digest: string, sources: EvidenceSources): ImageEvidence {
    const reports: ScanReport[] = [
        ...(sources.files?.byDigest.get(digest) ?? []),
        ...(sources.attestations ?? []),
    ];
    const fromDefender = sources.defender?.reports.get(digest);
    if (fromDefender) reports.push(fromDefender);
    const notes = [...(sources.defender?.notes.get(digest) ?? [])];
    return { ref, digest, reports, ...(notes.length ? { notes } : {}) };
}
