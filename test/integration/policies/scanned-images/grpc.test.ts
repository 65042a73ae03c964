/**
 * scanned-images in the compiled pack (dist/), launched as the Pulumi CLI launches it and spoken to
 * over Analyzer gRPC: Configure with invalid config is refused naming the field; Analyze judges
 * images from report files and from a real registry's attestations at the configured level.
 */
import * as fs from "fs";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { AnalyzerHarness } from "../../../../cli/harness";
import { PushedImage, startRegistry, TestRegistry } from "../../../support/registry";
import { FIXTURES, PACK_DIR, REPO_ROOT } from "../../../support/paths";

const PACK = PACK_DIR;
const HOUR = 3_600_000;

function trivy(repo: string, digest: string, vulns: { id: string; severity: string }[] = []): string {
    return JSON.stringify({
        SchemaVersion: 2, CreatedAt: new Date(Date.now() - HOUR).toISOString(), ArtifactName: `${repo}@${digest}`, ArtifactType: "container_image",
        Metadata: { OS: { Family: "alpine", Name: "3.20.3" }, RepoTags: [], RepoDigests: [`${repo}@${digest}`] },
        Results: [{ Target: repo, Class: "os-pkgs", Type: "alpine", ...(vulns.length ? { Vulnerabilities: vulns.map((v) => ({ VulnerabilityID: v.id, PkgName: "musl", InstalledVersion: "1.2.5-r0", FixedVersion: "1.2.5-r1", Status: "fixed", Severity: v.severity })) } : {}) }],
    });
}

const deployment = (image: string) => ({
    type: "kubernetes:apps/v1:Deployment",
    name: "web",
    urn: "urn:pulumi:dev::p::kubernetes:apps/v1:Deployment::web",
    properties: { spec: { template: { spec: { containers: [{ name: "app", image }] } } } },
});

let h: AnalyzerHarness;
let reg: TestRegistry;
let dir: string;
let clean: PushedImage;
let vulnerable: PushedImage;
let sarifImage: PushedImage;

beforeAll(async () => {
    if (!fs.existsSync(path.join(REPO_ROOT, "dist", "policies", "index.js"))) {
        throw new Error("dist/policies/index.js is missing: run `npm run build` before these tests");
    }
    reg = await startRegistry();
    clean = await reg.pushImage("team/web", "1.0");
    vulnerable = await reg.pushImage("team/api", "2.0");
    sarifImage = await reg.pushImage("team/sarif", "1.0");
    const type = "application/vnd.aquasecurity.trivy.report+json";
    await reg.pushArtifact("team/web", { subject: clean.descriptor, artifactType: type, layers: [{ mediaType: type, bytes: Buffer.from(trivy(`${reg.host}/team/web`, clean.manifest.digest)) }] });
    dir = mkdtempSync(path.join(tmpdir(), "scanned-grpc-"));
    writeFileSync(path.join(dir, "api.json"), trivy(`${reg.host}/team/api`, vulnerable.manifest.digest, [{ id: "CVE-2025-26519", severity: "HIGH" }]));
    h = await AnalyzerHarness.launch({ packDir: PACK, startTimeoutMs: 30_000 });
}, 60_000);
afterAll(async () => {
    await h?.close();
    await reg?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("scanned-images over gRPC", () => {
    it("is listed, disabled until configured, with its config schema", async () => {
        const info = await h.getAnalyzerInfo();
        const p = info.policies.find((x) => x.name === "scanned-images");
        expect(p).toMatchObject({ enforcementLevel: "disabled", policyType: "resource" });
        expect(Object.keys(p?.configSchema?.properties ?? {})).toEqual(expect.arrayContaining(["reports", "defender", "attestations", "registries", "failOn", "maxAgeDays", "ignoreUnfixed", "exceptions", "concurrency", "cacheDir"]));
        // Disabled by default: a pinned but unscanned image draws nothing from it.
        await h.configureFromFile({});
        const res = await h.analyze(deployment(`${reg.host}/team/web@${clean.manifest.digest}`));
        expect(res.diagnostics.filter((d) => d.policyName === "scanned-images")).toEqual([]);
    });

    it("Configure refuses invalid config naming the field: by schema, and by meaning in the pack", async () => {
        await expect(h.configureFromFile({ "scanned-images": { failOn: "severe" } })).rejects.toThrow(/scanned-images: failOn/);
        await expect(h.configureFromFile({ "scanned-images": { exceptions: [{ id: "CVE-2024-1", expires: "next week", reason: "x" }] } }))
            .rejects.toThrow(/configure: .*scanned-images: exceptions\[0\]\.expires/);
        await expect(h.configureFromFile({ "scanned-images": { attestations: true } })).rejects.toThrow(/scanned-images: attestations: is true but registries is empty/);
    });

    it("Analyze: report files and registry attestations judge images at the configured level", async () => {
        await h.configureFromFile({ "scanned-images": { enforcementLevel: "mandatory", reports: [dir], registries: [reg.host], attestations: true } });
        const ok = await h.analyze(deployment(`${reg.host}/team/web:1.0`));
        expect(ok.diagnostics.filter((d) => d.policyName === "scanned-images")).toEqual([]);
        const bad = await h.analyze(deployment(`${reg.host}/team/api@${vulnerable.manifest.digest}`));
        const d = bad.diagnostics.filter((x) => x.policyName === "scanned-images");
        expect(d).toHaveLength(1);
        expect(d[0]).toMatchObject({ enforcementLevel: "mandatory" });
        expect(d[0].message).toContain("CVE-2025-26519 (high, musl 1.2.5-r0 → 1.2.5-r1)");
        const unpinned = await h.analyze(deployment("contoso.azurecr.io/web:1.0"));
        expect(unpinned.diagnostics.find((x) => x.policyName === "scanned-images")?.message).toContain("is a tag only and its registry contoso.azurecr.io is not contactable");
    });

    it("Analyze: SARIF report files as Trivy writes them: no scan time or no vulnerability rule is an advisory that says why and what to use; a SARIF with a scan time is judged", async () => {
        const sarifDir = mkdtempSync(path.join(tmpdir(), "scanned-sarif-"));
        try {
            // Trivy's own golden SARIF, with the run properties current Trivy writes for a registry image.
            const golden = JSON.parse(fs.readFileSync(path.join(FIXTURES, "reports", "upstream", "trivy-alpine-310.sarif"), "utf8"));
            golden.runs[0].properties = { imageName: `${reg.host}/team/sarif:1.0`, repoTags: [], repoDigests: [`${reg.host}/team/sarif@${sarifImage.manifest.digest}`], imageID: `sha256:${"9".repeat(64)}` };
            writeFileSync(path.join(sarifDir, "as-written.sarif"), JSON.stringify(golden));
            fs.copyFileSync(path.join(FIXTURES, "reports", "upstream", "trivy-secrets-only.sarif"), path.join(sarifDir, "secrets.sarif"));
            await h.configureFromFile({ "scanned-images": { enforcementLevel: "mandatory", reports: [sarifDir], failOn: "medium" } });
            const res = await h.analyze(deployment(`${reg.host}/team/sarif@${sarifImage.manifest.digest}`));
            const d = res.diagnostics.filter((x) => x.policyName === "scanned-images");
            const advisories = d.filter((x) => x.enforcementLevel === "advisory").map((x) => x.message.split("\n").pop());
            expect(advisories).toEqual([
                `Scan report ignored: ${path.join(sarifDir, "as-written.sarif")}: SARIF records no scan time, so the scan's age is unknown. Trivy and Grype write no runs[].invocations, and a file's modification time is not evidence of when a scan ran. ` +
                "Use the scanner's JSON report (trivy image --format json records CreatedAt, grype -o json records descriptor.timestamp), attach the SARIF to the image as an OCI referrer (oras attach records its creation time), " +
                "or add runs[].invocations[].endTimeUtc (RFC 3339) when the scan finishes. The other reports still count; fix or remove this file.",
                `Scan report ignored: ${path.join(sarifDir, "secrets.sarif")}: SARIF declares no vulnerability rule (it holds only Secret rules), so it does not show that vulnerabilities were scanned: in SARIF a clean vulnerability scan cannot be told from a secret, misconfiguration or license scan. ` +
                "Use the scanner's JSON report for evidence (trivy image --scanners vuln --format json, grype -o json), which records a clean scan. The other reports still count; fix or remove this file.",
            ]);
            expect(d.filter((x) => x.enforcementLevel === "mandatory").map((x) => x.message)).toEqual([expect.stringContaining("is unscanned")]);

            // The same file with the scan time supplied as the message says: its findings are judged.
            // (Another directory: the pack reads the reports of one config once.)
            golden.runs[0].invocations = [{ executionSuccessful: true, endTimeUtc: new Date(Date.now() - HOUR).toISOString() }];
            fs.mkdirSync(path.join(sarifDir, "timed"));
            writeFileSync(path.join(sarifDir, "timed", "with-time.sarif"), JSON.stringify(golden));
            await h.configureFromFile({ "scanned-images": { enforcementLevel: "mandatory", reports: [path.join(sarifDir, "timed")], failOn: "medium" } });
            const judged = (await h.analyze(deployment(`${reg.host}/team/sarif@${sarifImage.manifest.digest}`))).diagnostics.filter((x) => x.policyName === "scanned-images");
            expect(judged).toHaveLength(1);
            expect(judged[0]).toMatchObject({ enforcementLevel: "mandatory" });
            expect(judged[0].message).toContain("CVE-2019-1549 (medium, libcrypto1.1 1.1.1c-r0 → 1.1.1d-r0)");
        } finally {
            rmSync(sarifDir, { recursive: true, force: true });
        }
    });

    it("keeps stdout for the port", () => {
        expect(h.protocolErrors()).toEqual([]);
    });
});
