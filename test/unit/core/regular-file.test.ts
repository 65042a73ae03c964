/**
 * The one rule for files named in config: a regular file of bounded size, judged on the opened
 * descriptor (a FIFO opens without blocking and is refused; /dev/zero is refused though stat says 0
 * bytes), and never more than the limit read.
 */
import { execFileSync } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { FileProblem, pathProblem, readRegularFile, readRegularFileSync } from "../../../core/regular-file";

let dir: string;
let fifo: string;
beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "regular-file-"));
    fifo = join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    writeFileSync(join(dir, "small"), "hello");
    writeFileSync(join(dir, "big"), Buffer.alloc(2048, 1));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problemOf(f: () => unknown): FileProblem {
    try {
        f();
    } catch (e) {
        if (e instanceof FileProblem) return e;
        throw e;
    }
    throw new Error("expected a FileProblem");
}

test("a regular file within the limit is read whole", async () => {
    expect(readRegularFileSync(join(dir, "small"), 5).toString()).toBe("hello");
    expect((await readRegularFile(join(dir, "small"), 5)).toString()).toBe("hello");
});

test("what is not a regular file is refused, saying what it is, without blocking", async () => {
    const cases: [string, string, string][] = [
        [fifo, "not-a-file", "is a FIFO (named pipe), not a regular file"],
        ["/dev/zero", "not-a-file", "is a character device, not a regular file"],
        [dir, "not-a-file", "is a directory, not a regular file"],
        [join(dir, "missing"), "missing", "does not exist"],
        [join(dir, "small", "below"), "missing", "does not exist (a parent is not a directory)"],
    ];
    for (const [path, code, message] of cases) {
        const p = problemOf(() => readRegularFileSync(path, 1024));
        expect([path, p.code, p.problem]).toEqual([path, code, message]);
        await expect(readRegularFile(path, 1024)).rejects.toMatchObject({ code, problem: message });
    }
});

test("a file over the limit is refused before reading", async () => {
    expect(problemOf(() => readRegularFileSync(join(dir, "big"), 1024))).toMatchObject({ code: "too-large", problem: "is 2048 bytes, larger than the limit of 1024" });
    await expect(readRegularFile(join(dir, "big"), 1024)).rejects.toMatchObject({ code: "too-large" });
});

test("pathProblem: the same rule without opening; directories allowed where a directory may be walked", () => {
    expect(pathProblem(join(dir, "small"), 10)).toBeUndefined();
    expect(pathProblem(fifo, 10)).toBe("is a FIFO (named pipe), not a regular file");
    expect(pathProblem(dir, 10)).toBe("is a directory, not a regular file");
    expect(pathProblem(dir, 10, "file-or-directory")).toBeUndefined();
    expect(pathProblem(fifo, 10, "file-or-directory")).toBe("is a FIFO (named pipe), not a regular file");
    expect(pathProblem(join(dir, "big"), 10, "file-or-directory")).toBe("is 2048 bytes, larger than the limit of 10");
    expect(pathProblem(join(dir, "nope"), 10)).toBe("does not exist");
});
