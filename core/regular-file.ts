/**
 * The one rule for reading a file named in config (certificates, keys, scan reports, docker
 * config): it must exist, be a regular file (not a device, FIFO, socket or directory) and be no
 * larger than a limit. A size check alone passes `/dev/zero` (size 0) and a FIFO, whose read then
 * blocks the event loop forever; so the file is opened non-blocking and judged by `fstat` of the
 * opened descriptor (no window between the check and the read), and never more than the limit is read.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, Stats } from "node:fs";
import { open } from "node:fs/promises";

/** What a path must be: a file, or (for report locations) a file or a directory to walk. */
export type PathKind = "file" | "file-or-directory";

// O_NONBLOCK makes opening a FIFO without a writer return at once (Linux, macOS); Windows has no FIFOs.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** What a non-regular file is, for messages. */
function describe(st: Stats): string {
    if (st.isDirectory()) return "a directory";
    if (st.isFIFO()) return "a FIFO (named pipe)";
    if (st.isCharacterDevice()) return "a character device";
    if (st.isBlockDevice()) return "a block device";
    if (st.isSocket()) return "a socket";
    return "not a regular file";
}

/** Why `st` cannot be read as a file of at most `maxBytes`; undefined when it can. */
function fileProblem(st: Stats, maxBytes: number, kind: PathKind = "file"): string | undefined {
    if (kind === "file-or-directory" && st.isDirectory()) return undefined;
    if (!st.isFile()) return `is ${describe(st)}, not a regular file`;
    if (st.size > maxBytes) return `is ${st.size} bytes, larger than the limit of ${maxBytes}`;
    return undefined;
}

function errnoCode(e: unknown): FileProblemCode {
    const code = (e as NodeJS.ErrnoException)?.code;
    return code === "ENOENT" || code === "ENOTDIR" ? "missing" : "unreadable";
}

function errnoText(e: unknown): string {
    const code = (e as NodeJS.ErrnoException)?.code;
    if (code === "ENOENT") return "does not exist";
    if (code === "EACCES" || code === "EPERM") return "cannot be read (permission denied)";
    if (code === "ENOTDIR") return "does not exist (a parent is not a directory)";
    return `cannot be read (${code ?? (e as Error)?.message ?? String(e)})`;
}

/** Why a file was refused: absent, not a regular file, over the limit, or unreadable (permissions, I/O). */
export type FileProblemCode = "missing" | "not-a-file" | "too-large" | "unreadable";

export class FileProblem extends Error {
    constructor(readonly path: string, readonly problem: string, readonly code: FileProblemCode = "unreadable") {
        super(problem);
        this.name = "FileProblem";
    }
}

/**
 * Why `path` is not usable (does not exist, is a FIFO, device, directory, or too large), without
 * opening it; undefined when it is. For config validation (Configure), where nothing is read yet.
 */
export function pathProblem(path: string, maxBytes: number, kind: PathKind = "file"): string | undefined {
    let st: Stats;
    try {
        st = statSync(path);
    } catch (e) {
        return errnoText(e);
    }
    return fileProblem(st, maxBytes, kind);
}

/** Reads a regular file of at most `maxBytes`; throws FileProblem (message: what is wrong) otherwise. */
export function readRegularFileSync(path: string, maxBytes: number): Buffer {
    let fd: number;
    try {
        fd = openSync(path, OPEN_FLAGS);
    } catch (e) {
        throw new FileProblem(path, errnoText(e), errnoCode(e));
    }
    try {
        const st = fstatSync(fd);
        const problem = fileProblem(st, maxBytes);
        if (problem) throw new FileProblem(path, problem, st.isFile() ? "too-large" : "not-a-file");
        // Read at most maxBytes + 1 whatever the size said: a file growing under us is caught too.
        const buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
        let n = 0;
        for (;;) {
            const r = readSync(fd, buf, n, buf.length - n, null);
            if (r === 0) break;
            n += r;
            if (n === buf.length) break;
        }
        if (n > maxBytes) throw new FileProblem(path, `is larger than the limit of ${maxBytes} bytes`, "too-large");
        return buf.subarray(0, n);
    } finally {
        closeSync(fd);
    }
}

/** The async form of readRegularFileSync (same rules, same errors). */
export async function readRegularFile(path: string, maxBytes: number): Promise<Buffer> {
    let handle;
    try {
        handle = await open(path, OPEN_FLAGS);
    } catch (e) {
        throw new FileProblem(path, errnoText(e), errnoCode(e));
    }
    try {
        const st = await handle.stat();
        const problem = fileProblem(st, maxBytes);
        if (problem) throw new FileProblem(path, problem, st.isFile() ? "too-large" : "not-a-file");
        const buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
        let n = 0;
        for (;;) {
            const { bytesRead } = await handle.read(buf, n, buf.length - n, null);
            if (bytesRead === 0) break;
            n += bytesRead;
            if (n === buf.length) break;
        }
        if (n > maxBytes) throw new FileProblem(path, `is larger than the limit of ${maxBytes} bytes`, "too-large");
        return buf.subarray(0, n);
    } finally {
        await handle.close();
    }
}
