/**
 * Reading the configured report files and directories (I/O edge). A file that cannot be used becomes
 * a warning naming it; the other reports still count. Reports are indexed by content digest.
 */
import { promises as fs } from "fs";
import * as path from "path";
import { FileProblem, readRegularFile } from "../regular-file";
import { bareDigest } from "./digests";
import { MAX_REPORT_BYTES } from "./json";
import { parseReport } from "./parse";
import { ReportErrorCode, ScanReport } from "./types";

export interface LoadWarning {
    readonly code: ReportErrorCode | "missing-path" | "unreadable" | "too-many-files";
    /** The path as configured, or the file found under a configured directory. */
    readonly source: string;
    readonly message: string;
}

export interface LoadedReports {
    readonly reports: readonly ScanReport[];
    /** `sha256:…` → every report about that content (from any repository name). */
    readonly byDigest: ReadonlyMap<string, readonly ScanReport[]>;
    readonly warnings: readonly LoadWarning[];
}

export interface LoadOptions {
    /** At most this many files are read from directories (default 10000). */
    readonly maxFiles?: number;
    /** Directories are walked this deep (default 8). */
    readonly maxDepth?: number;
}

/** Files in a directory that are read as reports. Explicitly configured files are read whatever their name. */
const REPORT_FILE = /\.(json|sarif)$/i;

/** The files `paths` name (files as given, directories walked for `.json`/`.sarif`), bounded. Never throws. */
export async function listEvidenceFiles(paths: readonly string[], baseDir: string, options: LoadOptions = {}, label = "report path"): Promise<{ files: string[]; warnings: LoadWarning[] }> {
    const maxFiles = options.maxFiles ?? 10_000;
    const maxDepth = options.maxDepth ?? 8;
    const warnings: LoadWarning[] = [];
    const files: string[] = [];
    const seen = new Set<string>();

    const addFile = (f: string) => {
        if (seen.has(f)) return;
        seen.add(f);
        files.push(f);
    };
    const walk = async (dir: string, depth: number): Promise<void> => {
        let entries;
        try {
            entries = await fs.readdir(dir, { withFileTypes: true });
        } catch (e) {
            warnings.push({ code: "unreadable", source: dir, message: `${dir}: cannot list directory (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
            return;
        }
        entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        for (const e of entries) {
            const full = path.join(dir, e.name);
            if (e.isDirectory()) {
                if (depth < maxDepth) await walk(full, depth + 1);
            } else if (e.isFile() && REPORT_FILE.test(e.name)) {
                addFile(full);
            }
        }
    };

    for (const p of paths) {
        const full = path.isAbsolute(p) ? p : path.resolve(baseDir, p);
        let st;
        try {
            st = await fs.stat(full);
        } catch (e) {
            const code = (e as NodeJS.ErrnoException).code;
            warnings.push(code === "ENOENT"
                ? { code: "missing-path", source: p, message: `${label} "${p}" does not exist (resolved to ${full})` }
                : { code: "unreadable", source: p, message: `${label} "${p}" cannot be read (${code ?? (e as Error).message})` });
            continue;
        }
        if (st.isDirectory()) await walk(full, 0);
        else addFile(full);
    }
    if (files.length > maxFiles) {
        warnings.push({ code: "too-many-files", source: baseDir, message: `${files.length} ${label === "report path" ? "report files" : "files"} found; only the first ${maxFiles} are read` });
        files.length = maxFiles;
    }
    return { files, warnings };
}

/**
 * A configured evidence file's bytes (scan report, VEX document): a regular file of at most
 * MAX_REPORT_BYTES (core/regular-file.ts), since a FIFO or device named as one would block or never end.
 */
export async function readEvidenceFile(f: string): Promise<{ ok: true; bytes: Buffer } | { ok: false; warning: LoadWarning }> {
    try {
        return { ok: true, bytes: await readRegularFile(f, MAX_REPORT_BYTES) };
    } catch (e) {
        const tooLarge = e instanceof FileProblem && e.code === "too-large";
        return { ok: false, warning: { code: tooLarge ? "too-large" : "unreadable", source: f, message: `${f}: ${e instanceof FileProblem ? e.problem : (e as Error).message}` } };
    }
}

/**
 * Loads reports from `paths` (files or directories; relative paths are resolved against `baseDir`,
 * the policy pack directory). Never throws.
 */
export async function loadReports(paths: readonly string[], baseDir: string, options: LoadOptions = {}): Promise<LoadedReports> {
    const { files, warnings } = await listEvidenceFiles(paths, baseDir, options);
    const reports: ScanReport[] = [];
    for (const f of files) {
        const read = await readEvidenceFile(f);
        if (!read.ok) {
            warnings.push(read.warning);
            continue;
        }
        const r = parseReport(read.bytes, { source: f });
        if (r.ok) reports.push(r.report);
        else warnings.push(r.failure);
    }
    return { reports, byDigest: indexByDigest(reports), warnings };
}

/** Reports keyed by content digest: a digest names the same bytes in every repository it is pushed to. */
export function indexByDigest(reports: readonly ScanReport[]): Map<string, ScanReport[]> {
    const index = new Map<string, ScanReport[]>();
    for (const r of reports) {
        for (const d of new Set(r.digests.map(bareDigest))) {
            const list = index.get(d) ?? [];
            list.push(r);
            index.set(d, list);
        }
    }
    return index;
}
