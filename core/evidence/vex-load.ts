/**
 * Reading the configured OpenVEX files and directories (I/O edge), with the same walker and size
 * limit as scan reports. A document that cannot be used is refused with the reason; the others count.
 */
import { LoadOptions, LoadWarning, listEvidenceFiles, readEvidenceFile } from "./load";
import { parseVex, VexDocument, VexLimits } from "./vex";

export interface LoadedVex {
    readonly documents: readonly VexDocument[];
    /** Documents refused (malformed, expired, unreadable), each naming the file and the reason. */
    readonly refused: readonly LoadWarning[];
}

export const NO_VEX: LoadedVex = { documents: [], refused: [] };

export interface VexLoadOptions extends LoadOptions {
    readonly now: Date;
    readonly maxAgeDays: number;
    readonly limits?: VexLimits;
}

/** Never throws. Relative paths resolve against `baseDir` (the policy pack directory). */
export async function loadVex(paths: readonly string[], baseDir: string, options: VexLoadOptions): Promise<LoadedVex> {
    if (paths.length === 0) return NO_VEX;
    const { files, warnings } = await listEvidenceFiles(paths, baseDir, options, "vex path");
    const documents: VexDocument[] = [];
    const order = { next: 0 };
    for (const f of files) {
        const read = await readEvidenceFile(f);
        if (!read.ok) {
            warnings.push(read.warning);
            continue;
        }
        const r = parseVex(read.bytes, { source: f, now: options.now, maxAgeDays: options.maxAgeDays, order, ...(options.limits ? { limits: options.limits } : {}) });
        if (r.ok) documents.push(r.document);
        else warnings.push({ code: "invalid-structure", source: f, message: r.failure.message });
    }
    return { documents, refused: warnings };
}
