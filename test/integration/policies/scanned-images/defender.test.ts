/**
 * scanned-images through @pulumi/policy's own argument shape (run-policy.ts): config checks, report
 * files (fresh, stale, vulnerable, malformed), per-image unknowns and exemptions, tag-only images,
 * and Defender for Containers through the real @azure/arm-resourcegraph client against the loopback
 * Resource Graph server (the injection hook is `setDefenderAccessForTests`).
 */
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { resetPolicyContexts } from "../../../../policies/lib/lookups";
import { setDefenderAccessForTests } from "../../../../policies/scanned-images/defender-access";
import { scannedImages } from "../../../../policies/scanned-images/policy";
import { UNKNOWN_STRING } from "../../../../core/unknown";
import { ResourceGraphServer, startResourceGraphServer, subAssessment } from "../../../support/resource-graph-server";
import { runResourcePolicy } from "../../../support/run-policy";

const hex = (c: string) => c.repeat(64);
const CLEAN = `sha256:${hex("a")}`;
const VULN = `sha256:${hex("b")}`;
const STALE = `sha256:${hex("c")}`;
const NONE = `sha256:${hex("d")}`;
const DAY = 86_400_000;

/** A Trivy JSON report as `trivy image --format json` writes it. */
function trivy(repo: string, digest: string, createdAt: Date, vulns: { id: string; severity: string; pkg?: string; fixed?: string }[] = []): string {
    return JSON.stringify({
        SchemaVersion: 2, CreatedAt: createdAt.toISOString(), ArtifactName: `${repo}@${digest}`, ArtifactType: "container_image",
        Metadata: { OS: { Family: "debian", Name: "12.7" }, RepoTags: [], RepoDigests: [`${repo}@${digest}`] },
        Results: [{
            Target: `${repo} (debian 12.7)`, Class: "os-pkgs", Type: "debian",
            ...(vulns.length ? {
                Vulnerabilities: vulns.map((v) => ({
                    VulnerabilityID: v.id, PkgName: v.pkg ?? "libssl3", InstalledVersion: "3.0.14", Severity: v.severity,
                    ...(v.fixed ? { FixedVersion: v.fixed, Status: "fixed" } : { Status: "affected" }),
                })),
            } : {}),
        }],
    });
}

let dir: string;
const deployment = (...images: string[]) => ({ spec: { template: { spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) } } } });
const run = (props: Record<string, unknown>, config: Record<string, unknown>) => runResourcePolicy(scannedImages, "kubernetes:apps/v1:Deployment", props, config, "web");

beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "scanned-images-"));
    mkdirSync(join(dir, "reports"));
    const now = new Date();
    writeFileSync(join(dir, "reports", "clean.json"), trivy("contoso.azurecr.io/web", CLEAN, new Date(now.getTime() - DAY)));
    writeFileSync(join(dir, "reports", "vuln.json"), trivy("contoso.azurecr.io/api", VULN, new Date(now.getTime() - DAY), [
        { id: "CVE-2024-5535", severity: "CRITICAL", fixed: "3.0.15" },
        { id: "CVE-2023-45853", severity: "HIGH", pkg: "zlib1g" },
        { id: "CVE-2011-3374", severity: "LOW", pkg: "apt" },
    ]));
    writeFileSync(join(dir, "reports", "stale.json"), trivy("contoso.azurecr.io/old", STALE, new Date(now.getTime() - 30 * DAY)));
    mkdirSync(join(dir, "broken"));
    writeFileSync(join(dir, "broken", "truncated.json"), trivy("contoso.azurecr.io/web", CLEAN, now).slice(0, 80));
    writeFileSync(join(dir, "broken", "clean-too.json"), trivy("contoso.azurecr.io/web", CLEAN, now));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => resetPolicyContexts());

describe("scanned-images config", () => {
    test("defaults are valid: no sources, failOn high, maxAgeDays 7, no network", () => {
        const r = scannedImages.parseConfig({});
        expect(r).toMatchObject({ ok: true, config: { failOn: "high", maxAgeDays: 7, ignoreUnfixed: false, attestations: false, registries: [], concurrency: 16, reports: [] } });
    });

    test("every invalid field is named", () => {
        const r = scannedImages.parseConfig({
            failOn: "severe", maxAgeDays: 0, reports: [""], defender: { subscriptions: ["not-a-guid"] },
            exceptions: [{ id: "CVE-2024-1", expires: "tomorrow", reason: "x" }], registries: ["https://contoso.azurecr.io"], concurrency: 0, colour: "blue",
        });
        expect(r.ok).toBe(false);
        const text = !r.ok ? r.errors.join("\n") : "";
        for (const field of ["failOn", "maxAgeDays", "reports[0]", "defender.subscriptions[0]", "exceptions[0].expires", "registries[0]", "concurrency", "colour: unknown property"]) {
            expect(text).toContain(field);
        }
    });

    test("attestations without registries is refused: nothing could be fetched", () => {
        const r = scannedImages.parseConfig({ attestations: true });
        expect(!r.ok && r.errors.join()).toContain("attestations: is true but registries is empty");
    });

    test("an invalid config fails every image closed, naming the field", async () => {
        const r = await run(deployment(`contoso.azurecr.io/web@${CLEAN}`), { failOn: "severe" });
        expect(r.diagnostics).toHaveLength(1);
        expect(r.diagnostics[0].message).toContain("The policy config is invalid, so this resource's images cannot be judged: failOn must be one of critical, high, medium, low");
    });

    test("the policy is off until configured (the pack ships every policy's defaults)", () => {
        expect(scannedImages.enforcementLevel).toBe("disabled");
    });
});

describe("scanned-images with report files", () => {
    const reports = () => [join(dir, "reports")];

    test("a fresh clean report for the exact digest passes", async () => {
        const r = await run(deployment(`contoso.azurecr.io/web:1.4.2@${CLEAN}`), { reports: reports() });
        expect(r.diagnostics).toEqual([]);
    });

    test("the same content under another repository name is the same scan (matched by digest)", async () => {
        const r = await run(deployment(`fabrikam.azurecr.io/mirror/web@${CLEAN}`), { reports: reports() });
        expect(r.diagnostics).toEqual([]);
    });

    test("a vulnerable image: where, image, the blocking IDs, and a fix", async () => {
        const r = await run(deployment(`contoso.azurecr.io/api@${VULN}`), { reports: reports() });
        expect(r.diagnostics).toHaveLength(1);
        const m = r.diagnostics[0].message;
        expect(m).toContain(`Deployment "web" spec.template.spec.containers[0].image (container "c0"): image "contoso.azurecr.io/api@${VULN}" fails because`);
        expect(m).toContain("2 vulnerabilities at or above high (1 critical, 1 high): CVE-2024-5535 (critical, libssl3 3.0.14 → 3.0.15), CVE-2023-45853 (high, zlib1g 3.0.14, no fix)");
        expect(m).toContain("1 below high");
        expect(m).toContain("Fix: rebuild the image on a patched base image");
        expect(r.diagnostics[0].enforcementLevel).toBeUndefined();
    });

    test("failOn, ignoreUnfixed and exceptions change what blocks", async () => {
        const img = deployment(`contoso.azurecr.io/api@${VULN}`);
        expect((await run(img, { reports: reports(), failOn: "critical" })).diagnostics[0].message).toContain("1 vulnerability at or above critical");
        const future = new Date(Date.now() + 30 * DAY).toISOString().slice(0, 10);
        const passing = await run(img, {
            reports: reports(), ignoreUnfixed: true,
            exceptions: [{ id: "CVE-2024-5535", expires: future, reason: "not reachable", images: ["contoso.azurecr.io/api"] }],
        });
        expect(passing.diagnostics).toEqual([]);
        const expired = await run(img, { reports: reports(), ignoreUnfixed: true, exceptions: [{ id: "CVE-2024-5535", expires: "2025-01-01", reason: "old" }] });
        expect(expired.diagnostics[0].message).toContain("the exception for CVE-2024-5535 expired on 2025-01-01 and no longer applies");
    });

    test("a stale report does not count; an unscanned digest says so", async () => {
        const stale = await run(deployment(`contoso.azurecr.io/old@${STALE}`), { reports: reports() });
        expect(stale.diagnostics[0].message).toMatch(/the newest scan is 30 days old .* older than maxAgeDays 7; rescan the image/);
        const none = await run(deployment(`contoso.azurecr.io/app@${NONE}`), { reports: reports() });
        expect(none.diagnostics[0].message).toContain(`is unscanned: no scan report, attestation or Defender result names digest ${NONE}`);
        expect(none.diagnostics[0].message).toContain("Fix: scan the image by digest");
    });

    test("a malformed report file is named once in an advisory; the other reports still count", async () => {
        const config = { reports: [join(dir, "broken")] };
        const first = await run(deployment(`contoso.azurecr.io/web@${CLEAN}`), config);
        expect(first.diagnostics).toHaveLength(1);
        expect(first.diagnostics[0]).toMatchObject({ enforcementLevel: "advisory", message: expect.stringContaining(`Scan report ignored: ${join(dir, "broken", "truncated.json")}`) });
        // Same preview, next resource: the file was already reported.
        expect((await run(deployment(`contoso.azurecr.io/web@${CLEAN}`), config)).diagnostics).toEqual([]);
    });

    test("VEX files: a not_affected statement for the repository clears its finding with the justification; a malformed document is an advisory naming why", async () => {
        mkdirSync(join(dir, "vex"), { recursive: true });
        writeFileSync(join(dir, "vex", "api.json"), JSON.stringify({
            "@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://contoso.example/vex/api", author: "Contoso Security", timestamp: new Date(Date.now() - DAY).toISOString(), version: 1,
            statements: [
                { vulnerability: { name: "CVE-2024-5535" }, products: [{ "@id": "pkg:oci/api?repository_url=contoso.azurecr.io/api" }], status: "not_affected", justification: "vulnerable_code_not_in_execute_path" },
                { vulnerability: { name: "CVE-2023-45853" }, products: [{ "@id": "pkg:oci/api?repository_url=fabrikam.azurecr.io/api" }], status: "not_affected", justification: "component_not_present" },
            ],
        }));
        writeFileSync(join(dir, "vex", "bad.json"), JSON.stringify({ "@context": "https://openvex.dev/ns/v0.2.0", author: "x", timestamp: new Date().toISOString(), version: 1, statements: [{ vulnerability: { name: "CVE-1" }, products: [{ "@id": "pkg:oci/api" }], status: "not_affected" }] }));
        const r = await run(deployment(`contoso.azurecr.io/api@${VULN}`), { reports: reports(), vex: [join(dir, "vex")] });
        expect(r.diagnostics.map((d) => d.enforcementLevel ?? "policy")).toEqual(["advisory", "policy"]);
        expect(r.diagnostics[0].message).toContain(`${join(dir, "vex", "bad.json")}: VEX document refused: statements[0] is not_affected without a justification or impact_statement`);
        const m = r.diagnostics[1].message;
        expect(m).toContain("1 vulnerability at or above high (1 high): CVE-2023-45853");
        expect(m).toContain(`1 cleared by VEX: CVE-2024-5535 not_affected (vulnerable_code_not_in_execute_path), ${join(dir, "vex", "api.json")}`);
    });

    test("a missing report path is a config error: the image fails closed saying which path (Configure refuses it first)", async () => {
        const r = await run(deployment(`contoso.azurecr.io/web@${CLEAN}`), { reports: [join(dir, "nope")] });
        expect(r.diagnostics).toHaveLength(1);
        expect(r.diagnostics[0].message).toContain(`reports[0]: ${join(dir, "nope")} does not exist`);
    });

    test("a tag-only image whose registry is not configured fails closed with the reason", async () => {
        const r = await run(deployment("contoso.azurecr.io/web:1.4.2"), { reports: reports() });
        expect(r.diagnostics[0].message).toContain('image "contoso.azurecr.io/web:1.4.2" fails because it is a tag only and its registry contoso.azurecr.io is not contactable (not in scanned-images\' registries)');
        expect(r.diagnostics[0].message).toContain("Fix: pin by digest (contoso.azurecr.io/web@sha256:<digest>) or add the registry to scanned-images' registries");
    });

    test("unknowns are per image: an advisory note, while the known image is still judged", async () => {
        const r = await run(deployment(UNKNOWN_STRING, `contoso.azurecr.io/api@${VULN}`), { reports: reports() });
        expect(r.diagnostics.map((d) => d.enforcementLevel ?? "policy")).toEqual(["advisory", "policy"]);
        expect(r.diagnostics[0].message).toContain("it will be checked during `pulumi up`");
        const enforced = await run(deployment(UNKNOWN_STRING), { reports: reports(), unknownImages: "enforce" });
        expect(enforced.diagnostics[0].enforcementLevel).toBeUndefined();
    });

    test("exempt images are not judged; resources without images are not applicable", async () => {
        const r = await run(deployment(`mcr.microsoft.com/oss/kubernetes/pause@${NONE}`), { reports: reports(), exemptImages: ["mcr.microsoft.com/oss/"] });
        expect(r.diagnostics).toEqual([]);
        const na = await runResourcePolicy(scannedImages, "azure-native:storage:StorageAccount", {}, {});
        expect(na.notApplicable).toBe("the resource carries no container images");
    });
});

describe("scanned-images with Defender for Containers (Resource Graph)", () => {
    const SUB = "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d";
    const TOKEN = "loopback-test-token";
    const D_VULN = `sha256:${hex("1")}`;
    const D_CLEAN = `sha256:${hex("2")}`;
    const D_NA = `sha256:${hex("3")}`;
    const D_NONE = `sha256:${hex("4")}`;
    let server: ResourceGraphServer;
    class StaticCredential implements TokenCredential {
        async getToken(): Promise<AccessToken> {
            return { token: TOKEN, expiresOnTimestamp: Date.now() + 3600_000 };
        }
    }
    const base = { sub: SUB, registry: "contoso.azurecr.io", repository: "team/app" };
    const recent = new Date(Date.now() - 3_600_000).toISOString();

    beforeAll(async () => {
        server = await startResourceGraphServer({
            token: TOKEN,
            resources: [
                subAssessment({ ...base, digest: D_VULN, name: "v1", cve: "CVE-2024-5535", severity: "Critical", status: "Unhealthy", pkg: "libssl3", version: "3.0.14", fixedVersion: "3.0.15", fixStatus: "FixAvailable", timeGenerated: recent }),
                subAssessment({ ...base, digest: D_CLEAN, name: "c1", cve: "CVE-2022-0001", severity: "High", status: "Healthy", pkg: "bash", version: "5.2", timeGenerated: recent }),
                subAssessment({ ...base, digest: D_NA, name: "n1", status: "NotApplicable", cause: "Unsupported OS", timeGenerated: recent }),
            ],
        });
    });
    afterAll(async () => {
        setDefenderAccessForTests(undefined);
        await server.close();
    });
    beforeEach(() => {
        server.requests.length = 0;
        server.faults.length = 0;
        server.setPersistentFault(undefined);
        setDefenderAccessForTests({
            credential: new StaticCredential(),
            clientOptions: {
                endpoint: server.url,
                credentialScopes: "https://management.azure.com/.default",
                tlsOptions: { ca: server.certPem },
                retryOptions: { maxRetries: 1, retryDelayInMs: 10, maxRetryDelayInMs: 20 },
            },
            timeoutMs: 10_000,
        });
    });
    const config = { defender: { subscriptions: [SUB] } };
    const image = (d: string) => `contoso.azurecr.io/team/app@${d}`;

    test("an open finding blocks; a Healthy-only digest is scanned and clean", async () => {
        const bad = await run(deployment(image(D_VULN)), config);
        expect(bad.diagnostics[0].message).toContain("1 vulnerability at or above high (1 critical): CVE-2024-5535 (critical, libssl3 3.0.14 → 3.0.15); scanned by defender");
        expect((await run(deployment(image(D_CLEAN)), config)).diagnostics).toEqual([]);
        expect(server.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    });

    test("absence of findings is not evidence: no rows, or NotApplicable, is unscanned", async () => {
        const none = await run(deployment(image(D_NONE)), config);
        expect(none.diagnostics[0].message).toContain(`is unscanned: no scan report, attestation or Defender result names digest ${D_NONE}`);
        const na = await run(deployment(image(D_NA)), config);
        expect(na.diagnostics[0].message).toContain(`Defender marks ${D_NA} NotApplicable (Unsupported OS), so it has not assessed it`);
    });

    test("each distinct digest is asked for once per preview, and a resource's digests share one query", async () => {
        await run(deployment(image(D_VULN), image(D_CLEAN), image(D_VULN)), config);
        await run(deployment(image(D_CLEAN)), config);
        expect(server.requests).toHaveLength(1);
        const query = String(server.requests[0].body.query);
        expect(query).toContain(D_VULN);
        expect(query).toContain(D_CLEAN);
    });

    test("Resource Graph failing fails the image closed with the reason", async () => {
        server.setPersistentFault({ kind: "status", status: 500, body: { error: { code: "InternalServerError", message: "boom" } } });
        const r = await run(deployment(image(D_CLEAN)), config);
        expect(r.diagnostics[0].message).toContain("Defender for Containers could not be queried");
        expect(r.diagnostics[0].message).toContain("Resource Graph failed (HTTP 500)");
        expect(r.diagnostics[0].message).not.toContain(TOKEN);
    });

    test("a refused credential is an auth failure, named as such", async () => {
        server.setPersistentFault({ kind: "status", status: 403, body: { error: { code: "AuthorizationFailed", message: "no" } } });
        const r = await run(deployment(image(D_CLEAN)), config);
        expect(r.diagnostics[0].message).toContain("Resource Graph refused the credential (HTTP 403)");
    });
});
