import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { loadReports } from "../../../../core/evidence/load";
import { parseReport } from "../../../../core/evidence/parse";
import { ScanReport } from "../../../../core/evidence/types";
import { FIXTURES } from "../../../support/paths";

const FIX = path.join(FIXTURES, "reports");
const APP = "sha256:a172cedcae47474b615c54d510a5d84a8dea3032e958587430b413538be3f333";
const CLEAN = "sha256:3b066804f6d1d077173cfe4d06002e6a61e6f21c2b2e648417962115f1afcd8e";
const API_MANIFEST = "sha256:331e585dba0d4b6229de0b141eb99c3105cd7b6d308c9b9754b81c6e96a099bf";
const API_INDEX = "sha256:5387c48922f6298c01fa656bbf24b77d5a9af240dd97296af8734c3c5fcc717d";
const WEB = "sha256:e9348ee2bef0f7753a4df5c315c7cca988c54b5ca7a6d274f6187ec1269957b6";

async function fixture(name: string): Promise<string> {
    return fs.readFile(path.join(FIX, name), "utf8");
}

function parsed(text: string, source = "r.json"): ScanReport {
    const r = parseReport(text, { source });
    if (!r.ok) throw new Error(r.failure.message);
    return r.report;
}

function failure(text: string, source = "r.json") {
    const r = parseReport(text, { source });
    if (r.ok) throw new Error("expected a parse failure");
    return r.failure;
}

describe("Trivy JSON", () => {
    test("digests, scan time and findings are read as Trivy writes them", async () => {
        const r = parsed(await fixture("trivy-app.json"));
        expect(r.tool).toBe("trivy");
        expect(r.format).toBe("trivy-json");
        expect(r.digests).toEqual([`contoso.azurecr.io/team/app@${APP}`]);
        expect(r.scannedAt.toISOString()).toBe("2026-11-20T08:15:42.123Z");
        expect(r.findings.map((f) => [f.id, f.severity, f.fixAvailable])).toEqual([
            ["CVE-2024-5535", "critical", true],
            ["CVE-2023-45853", "high", false],
            ["CVE-2024-2511", "medium", true],
            ["CVE-2011-3374", "low", false],
            ["GHSA-952p-6rrq-rcjv", "high", true],
        ]);
        expect(r.findings[0]).toMatchObject({ package: "libssl3", installedVersion: "3.0.14-1~deb12u1", fixedVersion: "3.0.15-1~deb12u1" });
    });

    test("a report with offset time and an os-pkgs result without vulnerabilities is a clean scan", async () => {
        const r = parsed(await fixture("trivy-clean.json"));
        expect(r.findings).toEqual([]);
        expect(r.scannedAt.toISOString()).toBe("2026-11-21T16:02:03.500Z");
        expect(r.digests).toEqual([`contoso.azurecr.io/base/runtime@${CLEAN}`]);
    });

    test("a secrets-only scan is not mistaken for a clean vulnerability scan", async () => {
        const e = failure(await fixture("trivy-secrets-only.json"), "reports/worker.json");
        expect(e.code).toBe("not-a-vulnerability-scan");
        expect(e.message).toMatch(/^reports\/worker\.json: .*--scanners vuln/);
    });

    test.each([
        ["no RepoDigests", (d: any) => { d.Metadata.RepoDigests = []; }, "no-digest", /RepoDigests is empty/],
        ["a tag in RepoDigests", (d: any) => { d.Metadata.RepoDigests = ["contoso.azurecr.io/team/app:1.4.2"]; }, "invalid-digest", /not repository@digest/],
        ["a short digest", (d: any) => { d.Metadata.RepoDigests = ["contoso.azurecr.io/team/app@sha256:abc"]; }, "invalid-digest", /digest/],
        ["no CreatedAt", (d: any) => { delete d.CreatedAt; }, "no-scan-time", /CreatedAt is missing/],
        ["Go's zero time", (d: any) => { d.CreatedAt = "0001-01-01T00:00:00Z"; }, "invalid-time", /zero/],
        ["a non-RFC 3339 time", (d: any) => { d.CreatedAt = "20 Nov 2026"; }, "invalid-time", /not an RFC 3339/],
        ["a filesystem scan", (d: any) => { d.ArtifactType = "filesystem"; }, "not-an-image-scan", /filesystem/],
        ["schema version 1", (d: any) => { d.SchemaVersion = 1; }, "invalid-structure", /SchemaVersion 1/],
        ["a bad severity", (d: any) => { d.Results[0].Vulnerabilities[0].Severity = "SEVERE"; }, "invalid-structure", /Results\[0\]\.Vulnerabilities\[0\]: CVE-2024-5535: Severity "SEVERE"/],
        ["Vulnerabilities not a list", (d: any) => { d.Results[1].Vulnerabilities = {}; }, "invalid-structure", /Results\[1\]\.Vulnerabilities must be an array/],
    ])("refuses %s", async (_name, mutate, code, msg) => {
        const doc = JSON.parse(await fixture("trivy-app.json"));
        mutate(doc);
        const e = failure(JSON.stringify(doc), "app.json");
        expect(e.code).toBe(code);
        expect(e.message).toMatch(msg);
        expect(e.message.startsWith("app.json: ")).toBe(true);
    });
});

describe("Grype JSON", () => {
    test("manifest and repo digests, offset timestamp, fix state and related IDs", async () => {
        const r = parsed(await fixture("grype-api.json"));
        expect(r.tool).toBe("grype");
        expect(r.digests).toEqual([API_MANIFEST, `contoso.azurecr.io/team/api@${API_INDEX}`]);
        expect(r.scannedAt.toISOString()).toBe("2026-11-21T14:30:00.123Z");
        expect(r.findings).toEqual([
            { id: "CVE-2024-45337", severity: "critical", fixAvailable: true, package: "golang.org/x/crypto", installedVersion: "v0.28.0", fixedVersion: "0.31.0" },
            { id: "GHSA-w32m-9786-jp63", severity: "high", fixAvailable: false, package: "golang.org/x/net", installedVersion: "v0.30.0", aliases: ["CVE-2024-45338"] },
            // Negligible counts as low.
            { id: "CVE-2005-2541", severity: "low", fixAvailable: false, package: "tar", installedVersion: "1.34+dfsg-1.2+deb12u1" },
        ]);
    });

    test.each([
        ["a directory scan", (d: any) => { d.source.type = "directory"; }, "not-an-image-scan"],
        ["no digests", (d: any) => { d.source.target.manifestDigest = ""; d.source.target.repoDigests = []; }, "no-digest"],
        ["no timestamp", (d: any) => { d.descriptor.timestamp = ""; }, "no-scan-time"],
        ["a match without vulnerability", (d: any) => { delete d.matches[1].vulnerability; }, "invalid-structure"],
        ["fix versions that are not strings", (d: any) => { d.matches[0].vulnerability.fix.versions = [31]; }, "invalid-structure"],
    ])("refuses %s", async (_name, mutate, code) => {
        const doc = JSON.parse(await fixture("grype-api.json"));
        mutate(doc);
        expect(failure(JSON.stringify(doc)).code).toBe(code);
    });
});

describe("SARIF", () => {
    test("Trivy SARIF: digests from run properties, severity from rule tags, versions from the message; misconfigurations are skipped", async () => {
        const doc = JSON.parse(await fixture("trivy-web.sarif"));
        doc.runs[0].invocations = [{ executionSuccessful: true, endTimeUtc: "2026-11-21T06:00:00Z" }];
        const r = parsed(JSON.stringify(doc));
        expect(r.tool).toBe("trivy");
        expect(r.format).toBe("sarif");
        expect(r.digests).toEqual([`contoso.azurecr.io/team/web@${WEB}`]);
        expect(r.scannedAt.toISOString()).toBe("2026-11-21T06:00:00.000Z");
        expect(r.findings).toEqual([
            { id: "CVE-2024-6119", severity: "high", fixAvailable: true, package: "libssl3", installedVersion: "3.0.14-1~deb12u1", fixedVersion: "3.0.15-1~deb12u1" },
            { id: "CVE-2024-10041", severity: "medium", fixAvailable: false, package: "libpam-modules", installedVersion: "1.5.2-6+deb12u1" },
        ]);
    });

    test("Trivy SARIF as written (no invocations) has no scan time and is refused with the reason", async () => {
        const e = failure(await fixture("trivy-web.sarif"), "web.sarif");
        expect(e.code).toBe("no-scan-time");
        expect(e.message).toMatch(/^web\.sarif: SARIF records no scan time/);
    });

    test("without severity tags, the numeric security-severity decides", async () => {
        const doc = JSON.parse(await fixture("trivy-web.sarif"));
        doc.runs[0].invocations = [{ endTimeUtc: "2026-11-21T06:00:00Z" }];
        const rule = doc.runs[0].tool.driver.rules[0];
        rule.properties.tags = ["vulnerability", "security"];
        rule.properties["security-severity"] = "9.8";
        rule.help.text = rule.help.text.replace("Severity: HIGH\n", "");
        doc.runs[0].results[0].message.text = doc.runs[0].results[0].message.text.replace("Severity: HIGH\n", "");
        expect(parsed(JSON.stringify(doc)).findings[0].severity).toBe("critical");
    });

    test("Grype SARIF names no digest: refused from a file, with advice", async () => {
        const e = failure(await fixture("grype-api.sarif"), "api.sarif");
        expect(e.code).toBe("no-digest");
        expect(e.message).toMatch(/grype -o json/);
    });

    test("SARIF from another tool is refused rather than guessed at", () => {
        const e = failure(JSON.stringify({ version: "2.1.0", runs: [{ tool: { driver: { name: "CodeQL" } }, results: [] }] }));
        expect(e.code).toBe("unsupported-producer");
        expect(e.message).toMatch(/"CodeQL"/);
    });

    test("runs describing different images are refused", async () => {
        const doc = JSON.parse(await fixture("trivy-web.sarif"));
        const second = JSON.parse(JSON.stringify(doc.runs[0]));
        second.properties.repoDigests = [`contoso.azurecr.io/team/app@${APP}`];
        doc.runs.push(second);
        expect(failure(JSON.stringify(doc)).message).toMatch(/different images/);
    });
});

describe("malformed input", () => {
    test.each([
        ["truncated JSON", "malformed-truncated.json", "not-json"],
        ["an unrelated JSON document", "dir/unrelated.json", "unrecognized-format"],
    ])("%s", async (_n, file, code) => {
        const e = failure(await fixture(file), file);
        expect(e.code).toBe(code);
        expect(e.message.startsWith(`${file}: `)).toBe(true);
    });

    test("invalid UTF-8 bytes", () => {
        const r = parseReport(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), { source: "bin.json" });
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.failure.code).toBe("not-utf8");
    });

    test("a byte-order mark is tolerated", async () => {
        expect(parsed("\ufeff" + (await fixture("trivy-clean.json"))).findings).toEqual([]);
    });
});

describe("loadReports", () => {
    test("files and directories (recursively, .json/.sarif only); malformed files become warnings naming them; the rest count", async () => {
        const loaded = await loadReports(["trivy-app.json", "grype-api.json", "malformed-truncated.json", "dir", "missing.json", path.join(FIX, "trivy-web.sarif")], FIX);
        const sources = loaded.reports.map((r) => path.relative(FIX, r.source)).sort();
        expect(sources).toEqual(["dir/nested/trivy-clean-copy.json", "grype-api.json", "trivy-app.json"]);
        const warned = loaded.warnings.map((w) => [w.code, w.source.startsWith(FIX) ? path.relative(FIX, w.source) : w.source]);
        expect(warned).toEqual(expect.arrayContaining([
            ["not-json", "malformed-truncated.json"],
            ["unrecognized-format", "dir/unrelated.json"],
            ["missing-path", "missing.json"],
            ["no-scan-time", "trivy-web.sarif"],
        ]));
        expect(loaded.warnings).toHaveLength(4);
        expect(loaded.warnings.find((w) => w.code === "missing-path")!.message).toMatch(/report path "missing\.json" does not exist/);
        // Indexed by content digest, from every digest a report names.
        expect(loaded.byDigest.get(APP)!.map((r) => r.tool)).toEqual(["trivy"]);
        // Grype's platform manifest digest and its index digest both lead to the same report.
        expect(loaded.byDigest.get(API_MANIFEST)).toHaveLength(1);
        expect(loaded.byDigest.get(API_INDEX)![0]).toBe(loaded.byDigest.get(API_MANIFEST)![0]);
        expect(loaded.byDigest.get(API_INDEX)![0].tool).toBe("grype");
        expect(loaded.byDigest.get(CLEAN)).toHaveLength(1);
        expect(loaded.byDigest.has(WEB)).toBe(false);
    });

    test("absolute paths work and the same file configured twice is read once", async () => {
        const abs = path.join(FIX, "trivy-clean.json");
        const loaded = await loadReports([abs, "trivy-clean.json"], FIX);
        expect(loaded.reports).toHaveLength(1);
        expect(loaded.warnings).toEqual([]);
    });

    test("oversized files are refused before reading", async () => {
        const dir = await fs.mkdtemp(path.join(os.tmpdir(), "evidence-"));
        try {
            const big = path.join(dir, "big.json");
            const fh = await fs.open(big, "w");
            await fh.truncate(64 * 1024 * 1024 + 1);
            await fh.close();
            const loaded = await loadReports([dir], "/nonexistent-base");
            expect(loaded.reports).toEqual([]);
            expect(loaded.warnings.map((w) => w.code)).toEqual(["too-large"]);
        } finally {
            await fs.rm(dir, { recursive: true, force: true });
        }
    });
});
