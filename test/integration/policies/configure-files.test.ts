/**
 * Configure refuses, with one line naming the policy, the key and the path, every file path that
 * cannot be read safely: a FIFO (whose read would block the pack's event loop forever), a device
 * such as /dev/zero (size 0 to stat, endless to read), a directory where a file is expected, and a
 * report path that does not exist. Through the compiled pack, launched as the Pulumi CLI launches it.
 * Each refusal must come back promptly, and the pack must still answer afterwards.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { AnalyzerHarness } from "../../../cli/harness";
import { PACK_DIR, REPO_ROOT } from "../../support/paths";
import { ecKey, publicPem, rootCa } from "../../support/signing";

let h: AnalyzerHarness;
let dir: string;
let fifo: string;

beforeAll(async () => {
    if (!fs.existsSync(path.join(REPO_ROOT, "dist", "policies", "index.js"))) throw new Error("dist/policies/index.js is missing: run `npm run build` first");
    dir = mkdtempSync(path.join(tmpdir(), "configure-files-"));
    fifo = path.join(dir, "pipe.pem");
    execFileSync("mkfifo", [fifo]);
    h = await AnalyzerHarness.launch({ packDir: PACK_DIR, startTimeoutMs: 30_000, rpcTimeoutMs: 10_000 });
}, 60_000);
afterAll(async () => {
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
});

const notation = (certificate: string) => ({
    "signed-images": {
        notation: {
            trustStores: [{ name: "contoso", certificates: [certificate] }],
            trustPolicies: [{ name: "all", registryScopes: ["*"], trustStores: ["contoso"], trustedIdentities: ["*"], level: "strict" }],
        },
    },
});

async function refused(file: Record<string, unknown>): Promise<string> {
    const started = Date.now();
    const error = await h.configureFromFile(file).then(() => undefined, (e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    // A hang would be the harness's RPC timeout (10 s); a refusal is immediate.
    expect(Date.now() - started).toBeLessThan(5_000);
    return error!.message;
}

describe("Configure refuses paths that cannot be read safely", () => {
    test("a FIFO as a trust-store certificate", async () => {
        expect(await refused(notation(fifo))).toMatch(new RegExp(`signed-images: notation\\.trustStores\\[0\\]\\.certificates\\[0\\] file ${fifo} is a FIFO \\(named pipe\\), not a regular file`));
    });

    test("/dev/zero as a trust-store certificate (a device whose stat size is 0)", async () => {
        expect(await refused(notation("/dev/zero"))).toMatch(/signed-images: notation\.trustStores\[0\]\.certificates\[0\] file \/dev\/zero is a character device, not a regular file/);
    });

    test("a directory as a cosign key", async () => {
        expect(await refused({ "signed-images": { cosign: { keys: [dir] } } })).toMatch(new RegExp(`signed-images: cosign\\.keys\\[0\\] file ${dir} is a directory, not a regular file`));
    });

    test("a report path that does not exist, and a FIFO as a report", async () => {
        const missing = path.join(dir, "reports-nowhere");
        expect(await refused({ "scanned-images": { reports: [missing] } })).toMatch(new RegExp(`scanned-images: reports\\[0\\]: ${missing} does not exist`));
        expect(await refused({ "scanned-images": { reports: [fifo] } })).toMatch(new RegExp(`scanned-images: reports\\[0\\]: ${fifo} is a FIFO`));
    });

    test("a VEX path is held to the same rule as a report path", async () => {
        const missing = path.join(dir, "vex-nowhere");
        expect(await refused({ "scanned-images": { vex: [missing] } })).toMatch(new RegExp(`scanned-images: vex\\[0\\]: ${missing} does not exist`));
        expect(await refused({ "scanned-images": { vex: [fifo] } })).toMatch(new RegExp(`scanned-images: vex\\[0\\]: ${fifo} is a FIFO`));
    });

    test("a FIFO as an explicit docker config", async () => {
        const message = await refused({ "scanned-images": { attestations: true, registries: [{ host: "127.0.0.1:5000", auth: { type: "docker-config", path: fifo } }] } });
        expect(message).toMatch(new RegExp(`scanned-images: registries\\[0\\]\\.auth\\.path: ${fifo} is a FIFO`));
    });

    test("the pack still answers, and readable files of the same kinds are accepted", async () => {
        const cert = path.join(dir, "root.pem");
        writeFileSync(cert, rootCa([["C", "US"], ["ST", "WA"], ["O", "Contoso"], ["CN", "Root"]]).pem);
        const key = path.join(dir, "cosign.pub");
        writeFileSync(key, publicPem(ecKey()));
        writeFileSync(path.join(dir, "report.json"), "{}");
        await h.configureFromFile({ ...notation(cert), "scanned-images": { reports: [dir] } });
        await h.configureFromFile({ "signed-images": { cosign: { keys: [key] } } });
    });
});
