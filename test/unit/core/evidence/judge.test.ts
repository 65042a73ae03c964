import { promises as fs } from "fs";
import * as path from "path";
import { parseReference, ImageReference } from "../../../../core/reference";
import { parseEvidenceConfig, EvidenceConfig, JudgementConfig } from "../../../../core/evidence/config";
import { judgeImage } from "../../../../core/evidence/judge";
import { collectEvidence } from "../../../../core/evidence/collect";
import { indexByDigest } from "../../../../core/evidence/load";
import { parseReport } from "../../../../core/evidence/parse";
import { Vulnerability, ScanReport } from "../../../../core/evidence/types";
import { FIXTURES } from "../../../support/paths";

const NOW = new Date("2026-11-22T12:00:00Z");
const APP = "sha256:a172cedcae47474b615c54d510a5d84a8dea3032e958587430b413538be3f333";
const FIX = path.join(FIXTURES, "reports");

function ref(s: string): ImageReference {
    const p = parseReference(s);
    if (!p.ok) throw new Error(p.failure.message);
    return p.ref;
}

function config(raw: unknown = {}): EvidenceConfig {
    const c = parseEvidenceConfig(raw);
    if (!c.ok) throw new Error(c.errors.join("; "));
    return c.config;
}

function report(findings: Vulnerability[], scannedAt = "2026-11-21T00:00:00Z", tool: ScanReport["tool"] = "trivy"): ScanReport {
    return { tool, format: "trivy-json", source: `${tool}.json`, digests: [APP], scannedAt: new Date(scannedAt), findings };
}

const IMAGE = ref(`contoso.azurecr.io/team/app:1.4.2@${APP}`);
let trivyApp: ScanReport;

beforeAll(async () => {
    const r = parseReport(await fs.readFile(path.join(FIX, "trivy-app.json")), { source: "reports/trivy-app.json" });
    if (!r.ok) throw new Error(r.failure.message);
    trivyApp = r.report;
});

describe("config", () => {
    test("defaults", () => {
        expect(config()).toEqual({ failOn: "high", maxAgeDays: 7, ignoreUnfixed: false, exceptions: [], reports: [], vex: [], vexMaxAgeDays: 180 });
    });

    test("every error is reported, naming the key", () => {
        const c = parseEvidenceConfig({
            failOn: "severe", maxAgeDays: 0, ignoreUnfixed: "yes", reports: ["ok.json", ""],
            defender: { subscriptions: ["not-a-guid"] },
            exceptions: [
                { id: "CVE-2024-1", expires: "2026-02-30", reason: "x" },
                { id: "CVE-2024-2", expires: "2026-12-01", reason: " " },
                { id: "CVE-2024-3", expires: "2026-12-01", reason: "ok", images: ["nginx*"] },
                { id: "CVE-2024-4", expires: "2026-12-01", reason: "ok", image: "x" },
            ],
        });
        expect(c.ok).toBe(false);
        if (c.ok) return;
        expect(c.errors).toEqual([
            expect.stringMatching(/^failOn must be one of critical, high, medium, low/),
            expect.stringMatching(/^maxAgeDays must be a number of days greater than 0/),
            expect.stringMatching(/^ignoreUnfixed must be true or false/),
            expect.stringMatching(/^reports\[1\] must be a non-empty path/),
            expect.stringMatching(/^defender\.subscriptions\[0\] must be a subscription ID/),
            expect.stringMatching(/^exceptions\[0\]\.expires "2026-02-30" is not a calendar date/),
            expect.stringMatching(/^exceptions\[1\]\.reason must say why CVE-2024-2/),
            expect.stringMatching(/^exceptions\[2\]\.images\[0\] .*wildcards are not allowed/),
            expect.stringMatching(/^exceptions\[3\] has unknown keys: image/),
        ]);
    });

    test("exception images are parsed as exemptions (exact references and prefixes)", () => {
        const c = config({ exceptions: [{ id: "CVE-1", expires: "2026-12-01", reason: "r", images: ["contoso.azurecr.io/team/", "nginx:1.27"] }] });
        expect(c.exceptions[0].images!.map((e) => e.kind)).toEqual(["prefix", "exact"]);
        expect(c.exceptions[0].expiresAt.toISOString()).toBe("2026-12-02T00:00:00.000Z");
    });
});

describe("judgeImage", () => {
    const judge = (reports: ScanReport[], cfg: JudgementConfig = config(), notes?: string[]) =>
        judgeImage({ ref: IMAGE, digest: APP, reports, ...(notes ? { notes } : {}) }, cfg, NOW);

    test("no evidence: unscanned, naming the digest and any note", () => {
        const v = judge([], config(), ["Defender marks sha256:… NotApplicable (Unsupported OS)"]);
        expect(v).toMatchObject({ pass: false, kind: "unscanned" });
        expect(v.message).toContain(`names digest ${APP}`);
        expect(v.message).toContain("NotApplicable (Unsupported OS)");
    });

    test("maxAgeDays: a 2-day-old scan counts; with maxAgeDays 1 it is stale", () => {
        expect(judge([report([], "2026-11-20T12:00:00Z")]).kind).toBe("clean");
        const v = judge([report([], "2026-11-20T12:00:00Z")], config({ maxAgeDays: 1 }));
        expect(v).toMatchObject({ pass: false, kind: "stale" });
        expect(v.message).toMatch(/newest scan is 2 days old \(trivy, 2026-11-20, trivy\.json\), older than maxAgeDays 1/);
    });

    test("stale reports add no findings; only fresh reports count", () => {
        const old = report([{ id: "CVE-OLD", severity: "critical", fixAvailable: true, package: "p", installedVersion: "1" }], "2026-10-01T00:00:00Z");
        const v = judge([old, report([])]);
        expect(v.kind).toBe("clean");
        expect(v.reports).toHaveLength(1);
    });

    test("a report about another digest is never counted, even if handed in", () => {
        const other = { ...report([]), digests: ["contoso.azurecr.io/team/app@sha256:79feef071ae1e2b88e4fa4420f741cc70d693b7c3ff283e3f251efac2695667a"] };
        expect(judge([other]).kind).toBe("unscanned");
    });

    test("a scan dated in the future is not counted", () => {
        const v = judge([report([], "2026-11-23T12:00:00Z")]);
        expect(v.kind).toBe("unscanned");
        expect(v.message).toMatch(/in the future/);
    });

    test("blocking findings at or above failOn (default high), listed with counts and top IDs", () => {
        const v = judge([trivyApp]);
        expect(v).toMatchObject({ pass: false, kind: "vulnerable" });
        expect(v.blocking.map((f) => f.id)).toEqual(["CVE-2024-5535", "CVE-2023-45853", "GHSA-952p-6rrq-rcjv"]);
        expect(v.message).toMatch(/^contoso\.azurecr\.io\/team\/app:1\.4\.2@sha256:a172.*: 3 vulnerabilities at or above high \(1 critical, 2 high\): CVE-2024-5535 \(critical, libssl3 3\.0\.14-1~deb12u1 → 3\.0\.15-1~deb12u1\), CVE-2023-45853 \(high, zlib1g 1:1\.2\.13\.dfsg-1, no fix\)/);
        expect(v.message).toMatch(/2 below high/);
    });

    test("failOn critical lets highs through; failOn low blocks everything ranked", () => {
        expect(judge([trivyApp], config({ failOn: "critical" })).blocking.map((f) => f.id)).toEqual(["CVE-2024-5535"]);
        expect(judge([trivyApp], config({ failOn: "low" })).blocking).toHaveLength(5);
    });

    test("ignoreUnfixed drops findings without a fix", () => {
        const v = judge([trivyApp], config({ ignoreUnfixed: true }));
        expect(v.blocking.map((f) => f.id)).toEqual(["CVE-2024-5535", "GHSA-952p-6rrq-rcjv"]);
        expect(v.message).toMatch(/1 without a fix ignored/);
    });

    test("a live exception removes its finding; an expired one no longer applies and the message says so", () => {
        const cfg = config({
            failOn: "critical",
            exceptions: [{ id: "cve-2024-5535", expires: "2026-11-22", reason: "patched build rolling out" }],
        });
        const live = judge([trivyApp], cfg);
        expect(live).toMatchObject({ pass: true, kind: "clean" });
        expect(live.excepted.map((e) => e.finding.id)).toEqual(["CVE-2024-5535"]);
        expect(live.message).toMatch(/1 excepted/);

        const expired = judgeImage({ ref: IMAGE, digest: APP, reports: [trivyApp] }, cfg, new Date("2026-11-23T00:00:00Z"));
        expect(expired.pass).toBe(false);
        expect(expired.expired.map((e) => e.id)).toEqual(["cve-2024-5535"]);
        expect(expired.message).toMatch(/the exception for cve-2024-5535 expired on 2026-11-22 and no longer applies/);
    });

    test("exceptions scoped to images apply only to those images", () => {
        const cfg = (images: string[]) => config({ failOn: "critical", exceptions: [{ id: "CVE-2024-5535", expires: "2027-01-01", reason: "r", images }] });
        expect(judge([trivyApp], cfg(["contoso.azurecr.io/team/"])).pass).toBe(true);
        expect(judge([trivyApp], cfg(["contoso.azurecr.io/team/app"])).pass).toBe(true);
        expect(judge([trivyApp], cfg(["contoso.azurecr.io/other/"])).pass).toBe(false);
        // A prefix is a path boundary, not a string prefix.
        expect(judge([trivyApp], cfg(["contoso.azurecr.io/tea/"])).pass).toBe(false);
    });

    test("exceptions match a finding's aliases (Grype related vulnerabilities)", () => {
        const f: Vulnerability = { id: "GHSA-w32m-9786-jp63", aliases: ["CVE-2024-45338"], severity: "high", fixAvailable: false, package: "golang.org/x/net", installedVersion: "v0.30.0" };
        const cfg = config({ exceptions: [{ id: "CVE-2024-45338", expires: "2027-01-01", reason: "not reachable" }] });
        expect(judge([report([f])], cfg).pass).toBe(true);
    });

    test("findings of every fresh report count, merged across scanners at the highest severity", () => {
        const a: Vulnerability = { id: "CVE-2024-1", severity: "medium", fixAvailable: false, package: "p", installedVersion: "1" };
        const b: Vulnerability = { ...a, severity: "high", fixAvailable: true, fixedVersion: "2" };
        const v = judge([report([a]), report([b], "2026-11-21T01:00:00Z", "grype")]);
        expect(v.blocking).toEqual([{ ...a, severity: "high", fixAvailable: true, fixedVersion: "2" }]);
        expect(v.message).toMatch(/scanned by trivy, grype/);
    });

    test("unknown severity blocks only at failOn low", () => {
        const u: Vulnerability = { id: "CVE-2026-9", severity: "unknown", fixAvailable: false, package: "p", installedVersion: "1" };
        expect(judge([report([u])], config({ failOn: "medium" })).pass).toBe(true);
        expect(judge([report([u])], config({ failOn: "low" })).pass).toBe(false);
    });

    test("a tag-only deployment resolved to a digest is named with the digest", () => {
        const v = judgeImage({ ref: ref("contoso.azurecr.io/team/app:1.4.2"), digest: APP, reports: [] }, config(), NOW);
        expect(v.message).toMatch(/^contoso\.azurecr\.io\/team\/app:1\.4\.2 \(sha256:a172cedcae47…\) is unscanned/);
    });

    test("collectEvidence merges files, attestations and Defender for one digest", () => {
        const defenderReport: ScanReport = { ...report([]), tool: "defender", format: "defender", source: "Defender for Containers" };
        const ev = collectEvidence(IMAGE, APP, {
            files: { reports: [trivyApp], byDigest: indexByDigest([trivyApp]), warnings: [] },
            attestations: [report([], "2026-11-21T00:00:00Z", "grype")],
            defender: { reports: new Map([[APP, defenderReport]]), notes: new Map([[APP, ["a note"]]]), queries: 1, pages: 1 },
        });
        expect(ev.reports.map((r) => r.tool)).toEqual(["trivy", "grype", "defender"]);
        expect(ev.notes).toEqual(["a note"]);
        const v = judgeImage(ev, config(), NOW);
        expect(v.message).toMatch(/scanned by trivy, grype, defender/);
        expect(collectEvidence(IMAGE, "sha256:" + "0".repeat(64), { files: { reports: [trivyApp], byDigest: indexByDigest([trivyApp]), warnings: [] } }).reports).toEqual([]);
    });
});
