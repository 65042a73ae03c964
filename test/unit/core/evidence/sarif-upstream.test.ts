/**
 * SARIF as Trivy and Grype really write it (test/fixtures/reports/upstream: excerpts of their own
 * golden files and test expectations): a log is a vulnerability scan only when it declares a
 * vulnerability rule; a log without a scan time is refused with how to supply one; the parse is
 * bounded.
 */
import { promises as fs } from "fs";
import * as path from "path";
import { parseAttestation } from "../../../../core/evidence/attestation";
import { parseReport } from "../../../../core/evidence/parse";
import { SARIF_LIMITS } from "../../../../core/evidence/sarif";
import { FIXTURES } from "../../../support/paths";

const UP = path.join(FIXTURES, "reports", "upstream");
const DIGEST = "sha256:e9348ee2bef0f7753a4df5c315c7cca988c54b5ca7a6d274f6187ec1269957b6";
const read = async (f: string) => JSON.parse(await fs.readFile(path.join(UP, f), "utf8"));
const parse = (doc: unknown, source = "scan.sarif") => parseReport(JSON.stringify(doc), { source });
const attached = (doc: unknown) => parseAttestation("application/sarif+json", JSON.stringify(doc), DIGEST, { created: "2026-11-21T10:00:00Z", source: "referrer" });
function failure(r: ReturnType<typeof parseReport>) {
    if (r.ok) throw new Error("expected a refusal");
    return r.failure;
}
function report(r: ReturnType<typeof parseReport>) {
    if (!r.ok) throw new Error(r.failure.message);
    return r.report;
}

const NO_TIME = "scan.sarif: SARIF records no scan time, so the scan's age is unknown. Trivy and Grype write no runs[].invocations, and a file's modification time is not evidence of when a scan ran. " +
    "Use the scanner's JSON report (trivy image --format json records CreatedAt, grype -o json records descriptor.timestamp), attach the SARIF to the image as an OCI referrer (oras attach records its creation time), " +
    "or add runs[].invocations[].endTimeUtc (RFC 3339) when the scan finishes";

describe("Trivy's SARIF (integration/testdata/alpine-310.sarif.golden)", () => {
    it("from a file as written: no digest (this Trivy wrote no run properties), refused with advice", async () => {
        const e = failure(parse(await read("trivy-alpine-310.sarif")));
        expect(e.code).toBe("no-digest");
        expect(e.message).toContain("runs[].properties.repoDigests is empty: scan the image from its registry (trivy image repo@sha256:…), or attach the SARIF to the image as a referrer");
        // Current Trivy writes repoDigests: null for an archive: the same refusal, not a crash.
        const doc = await read("trivy-alpine-310.sarif");
        doc.runs[0].properties = { imageName: "alpine-310.tar.gz", repoTags: [], repoDigests: null, imageID: `sha256:${"9".repeat(64)}` };
        expect(failure(parse(doc)).code).toBe("no-digest");
    });

    it("with the image's digest (as current Trivy writes run properties) but no invocations: refused, saying how to supply a scan time", async () => {
        const doc = await read("trivy-alpine-310.sarif");
        doc.runs[0].properties = { imageName: "contoso.azurecr.io/team/web:1.0", repoDigests: [`contoso.azurecr.io/team/web@${DIGEST}`] };
        const e = failure(parse(doc));
        expect(e).toEqual({ code: "no-scan-time", source: "scan.sarif", message: NO_TIME });
        doc.runs[0].invocations = [{ executionSuccessful: true, endTimeUtc: "2026-11-21T06:00:00Z" }];
        const r = report(parse(doc));
        expect(r.scannedAt.toISOString()).toBe("2026-11-21T06:00:00.000Z");
        expect(r.findings.map((f) => [f.id, f.severity, f.package, f.installedVersion, f.fixedVersion])).toEqual([
            ["CVE-2019-1549", "medium", "libcrypto1.1", "1.1.1c-r0", "1.1.1d-r0"],
            ["CVE-2019-1551", "medium", "libcrypto1.1", "1.1.1c-r0", "1.1.1d-r2"],
            ["CVE-2019-1549", "medium", "libssl1.1", "1.1.1c-r0", "1.1.1d-r0"],
            ["CVE-2019-1551", "medium", "libssl1.1", "1.1.1c-r0", "1.1.1d-r2"],
        ]);
    });

    it("attached to the image: the subject digest and the referrer's creation time supply what SARIF lacks", async () => {
        const r = report(attached(await read("trivy-alpine-310.sarif")));
        expect(r).toMatchObject({ tool: "trivy", format: "sarif", digests: [DIGEST] });
        expect(r.scannedAt.toISOString()).toBe("2026-11-21T10:00:00.000Z");
        expect(r.findings).toHaveLength(4);
    });

    it("a run that says it did not complete is not evidence", async () => {
        const doc = await read("trivy-alpine-310.sarif");
        doc.runs[0].invocations = [{ executionSuccessful: false, endTimeUtc: "2026-11-21T06:00:00Z" }];
        expect(failure(attached(doc))).toMatchObject({ code: "not-a-vulnerability-scan", message: "referrer: runs[0].invocations[0].executionSuccessful is false: the scan did not complete" });
    });
});

describe("a SARIF log with no vulnerability rule is not a vulnerability scan", () => {
    it("Trivy's secret-only SARIF (pkg/report/sarif_test.go, \"report with secrets\") is refused, from a file and attached", async () => {
        const doc = await read("trivy-secrets-only.sarif");
        const expected = "SARIF declares no vulnerability rule (it holds only Secret rules), so it does not show that vulnerabilities were scanned: in SARIF a clean vulnerability scan cannot be told from a secret, misconfiguration or license scan. " +
            "Use the scanner's JSON report for evidence (trivy image --scanners vuln --format json, grype -o json), which records a clean scan";
        expect(failure(parse(doc))).toEqual({ code: "not-a-vulnerability-scan", source: "scan.sarif", message: `scan.sarif: ${expected}` });
        expect(failure(attached(doc))).toEqual({ code: "not-a-vulnerability-scan", source: "referrer", message: `referrer: ${expected}` });
    });

    it("misconfiguration and license rules are not vulnerability rules either; security-severity does not make one", async () => {
        const doc = await read("trivy-secrets-only.sarif");
        const rule = doc.runs[0].tool.driver.rules[0];
        doc.runs[0].tool.driver.rules.push({ ...rule, id: "DS002", name: "Misconfiguration", properties: { ...rule.properties, tags: ["misconfiguration", "security", "HIGH"] } });
        doc.runs[0].tool.driver.rules.push({ ...rule, id: "musl:MIT", name: "License", properties: { tags: ["license", "security", "LOW"], "security-severity": "2.0" } });
        expect(failure(attached(doc)).message).toContain("(it holds only Secret, Misconfiguration, License rules)");
    });

    it("a clean scan written as SARIF (no rules, no results: Trivy's \"no vulns\" case) is refused the same way", async () => {
        const doc = await read("trivy-alpine-310.sarif");
        doc.runs[0].tool.driver.rules = [];
        doc.runs[0].results = [];
        expect(failure(attached(doc)).message).toContain("SARIF declares no vulnerability rule (it holds no rules at all)");
        const grype = await read("grype-image.sarif");
        grype.runs[0].tool.driver.rules = [];
        grype.runs[0].results = [];
        expect(failure(attached(grype)).code).toBe("not-a-vulnerability-scan");
    });

    it("a vulnerability rule next to secrets makes it a vulnerability scan; the secret results are skipped", async () => {
        const doc = await read("trivy-secrets-only.sarif");
        const vuln = await read("trivy-alpine-310.sarif");
        doc.runs[0].tool.driver.rules.push(vuln.runs[0].tool.driver.rules[0]);
        doc.runs[0].results.push({ ...vuln.runs[0].results[0], ruleIndex: 1 });
        expect(report(attached(doc)).findings.map((f) => f.id)).toEqual(["CVE-2019-1549"]);
    });

    it("the old contrib/sarif.tpl rules (name dockerfile_scan, tagged vulnerability) are vulnerability rules", async () => {
        const doc = await read("trivy-alpine-310.sarif");
        for (const r of doc.runs[0].tool.driver.rules) {
            r.name = "dockerfile_scan";
            r.properties = { tags: ["vulnerability", "MEDIUM", "libssl1.1"], precision: "very-high" };
        }
        expect(report(attached(doc)).findings).toHaveLength(4);
    });
});

describe("Grype's SARIF (TestSarifPresenter_image.golden)", () => {
    it("attached: severity from the help text, the fix from Fix Version, every rule a vulnerability", async () => {
        const r = report(attached(await read("grype-image.sarif")));
        expect(r.tool).toBe("grype");
        expect(r.findings).toEqual([
            { id: "CVE-1999-0001", severity: "low", fixAvailable: true, package: "package-1", installedVersion: "1.1.1", fixedVersion: "the-next-version" },
            { id: "CVE-1999-0002", severity: "critical", fixAvailable: false, package: "package-2", installedVersion: "2.2.2" },
        ]);
    });

    it("from a file: no digest, refused with advice", async () => {
        const e = failure(parse(await read("grype-image.sarif")));
        expect(e.code).toBe("no-digest");
        expect(e.message).toContain("Grype SARIF carries no image digest: use grype -o json, or attach the SARIF to the image as a referrer");
    });
});

describe("strictness and bounds", () => {
    it("a result whose rule is not declared is refused, not guessed at", async () => {
        const doc = await read("grype-image.sarif");
        doc.runs[0].results[0].ruleId = "CVE-2000-0001-other";
        expect(failure(attached(doc))).toMatchObject({ code: "invalid-structure", message: 'referrer: runs[0].results[0]: rule "CVE-2000-0001-other" is not declared in tool.driver.rules, so it cannot be told whether it is a vulnerability' });
    });

    it("runs, rules and results are counted against SARIF_LIMITS", async () => {
        const doc = await read("grype-image.sarif");
        const many = { ...doc, runs: Array.from({ length: SARIF_LIMITS.runs + 1 }, () => doc.runs[0]) };
        expect(failure(attached(many))).toMatchObject({ code: "too-large", message: `referrer: SARIF log has ${SARIF_LIMITS.runs + 1} runs, more than ${SARIF_LIMITS.runs}` });
        const results = { ...doc, runs: [{ ...doc.runs[0], results: Array.from({ length: SARIF_LIMITS.results + 1 }, () => 0) }] };
        expect(failure(attached(results))).toMatchObject({ code: "too-large", message: `referrer: SARIF log holds more than ${SARIF_LIMITS.results} results` });
        const rules = { ...doc, runs: [{ ...doc.runs[0], tool: { driver: { ...doc.runs[0].tool.driver, rules: Array.from({ length: SARIF_LIMITS.rules + 1 }, () => 0) } } }] };
        expect(failure(attached(rules))).toMatchObject({ code: "too-large", message: `referrer: SARIF log declares more than ${SARIF_LIMITS.rules} rules` });
    });
});
