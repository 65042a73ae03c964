/**
 * scanned-images against the REAL docker-registry (test/support/registry.ts): tags resolved to
 * digests, scan reports attached as OCI referrers (Trivy JSON, SARIF, cosign vulnerability
 * attestations), and every way the registry side can fail — each a violation with the reason.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { resetPolicyContexts } from "../../../../policies/lib/lookups";
import { setRegistryTimingsForTests } from "../../../../policies/lib/registries";
import { scannedImages } from "../../../../policies/scanned-images/policy";
import { signedImages } from "../../../../policies/signed-images/policy";
import { ecKey, publicPem } from "../../../support/signing";
import { FaultProxy, PushedImage, startFaultProxy, startRegistry, TestRegistry } from "../../../support/registry";
import { runResourcePolicy } from "../../../support/run-policy";
import { FIXTURES } from "../../../support/paths";

const TRIVY_TYPE = "application/vnd.aquasecurity.trivy.report+json";
const SARIF_TYPE = "application/sarif+json";
const DSSE_TYPE = "application/vnd.dsse.envelope.v1+json";
const HOUR = 3_600_000;

function trivy(repo: string, digest: string, vulns: { id: string; severity: string; fixed?: string }[] = [], createdAt = new Date(Date.now() - HOUR)): Buffer {
    return Buffer.from(JSON.stringify({
        SchemaVersion: 2, CreatedAt: createdAt.toISOString(), ArtifactName: `${repo}@${digest}`, ArtifactType: "container_image",
        Metadata: { OS: { Family: "alpine", Name: "3.20.3" }, RepoTags: [], RepoDigests: [`${repo}@${digest}`] },
        Results: [{
            Target: `${repo} (alpine 3.20.3)`, Class: "os-pkgs", Type: "alpine",
            ...(vulns.length ? { Vulnerabilities: vulns.map((v) => ({ VulnerabilityID: v.id, PkgName: "libcrypto3", InstalledVersion: "3.3.2-r0", Severity: v.severity, ...(v.fixed ? { FixedVersion: v.fixed, Status: "fixed" } : {}) })) } : {}),
        }],
    }));
}

/** A cosign vulnerability attestation (`cosign attest --type vuln`): DSSE envelope over an in-toto statement. */
function cosignVuln(digest: string, result: unknown): Buffer {
    const statement = {
        _type: "https://in-toto.io/Statement/v0.1",
        predicateType: "https://cosign.sigstore.dev/attestation/vuln/v1",
        subject: [{ name: "app", digest: { sha256: digest.slice(7) } }],
        predicate: {
            invocation: { parameters: null, uri: "", event_id: "", "builder.id": "" },
            scanner: { uri: "pkg:github/aquasecurity/trivy@0.57.1", version: "0.57.1", db: { uri: "", version: "" }, result },
            metadata: { scanStartedOn: new Date(Date.now() - HOUR).toISOString(), scanFinishedOn: new Date(Date.now() - HOUR).toISOString() },
        },
    };
    return Buffer.from(JSON.stringify({ payloadType: "application/vnd.in-toto+json", payload: Buffer.from(JSON.stringify(statement)).toString("base64"), signatures: [{ keyid: "", sig: "MEUCIQ==" }] }));
}

const GRYPE_SARIF = readFileSync(join(FIXTURES, "reports", "grype-api.sarif"));
function cleanSarif(): Buffer {
    const doc = JSON.parse(GRYPE_SARIF.toString("utf8"));
    doc.runs[0].tool.driver.rules = [];
    doc.runs[0].results = [];
    return Buffer.from(JSON.stringify(doc));
}

/** Scanner output as Trivy and Grype write it (test/fixtures/reports/upstream/README.md). */
const UPSTREAM = (f: string) => readFileSync(join(FIXTURES, "reports", "upstream", f));

const created = () => ({ "org.opencontainers.image.created": new Date(Date.now() - HOUR).toISOString() });

let reg: TestRegistry;
let proxy: FaultProxy;
beforeAll(async () => {
    reg = await startRegistry();
    proxy = await startFaultProxy(reg);
    setRegistryTimingsForTests({ timeoutMs: 1500, retries: 1, retryBaseMs: 20 });
}, 60_000);
afterAll(async () => {
    setRegistryTimingsForTests(undefined);
    await proxy?.stop();
    await reg?.stop();
});
beforeEach(() => {
    resetPolicyContexts();
    proxy.set({});
    proxy.requests.length = 0;
});

const deployment = (...images: string[]) => ({ spec: { template: { spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) } } } });
const judge = (config: Record<string, unknown>, ...images: string[]) => runResourcePolicy(scannedImages, "kubernetes:apps/v1:Deployment", deployment(...images), config, "web");
const messages = (r: { diagnostics: { message: string }[] }) => r.diagnostics.map((d) => d.message).join("\n");

async function attach(repo: string, img: PushedImage, artifactType: string, bytes: Buffer, layerType = artifactType): Promise<void> {
    await reg.pushArtifact(repo, { subject: img.descriptor, artifactType, layers: [{ mediaType: layerType, bytes }], annotations: created() });
}

describe("tag resolution", () => {
    const config = () => ({ registries: [reg.host], attestations: true });

    test("a tag-only image is resolved now and judged by its digest (clean Trivy JSON referrer)", async () => {
        const img = await reg.pushImage("team/web", "1.0");
        await attach("team/web", img, TRIVY_TYPE, trivy(`${reg.host}/team/web`, img.manifest.digest));
        expect((await judge(config(), `${reg.host}/team/web:1.0`)).diagnostics).toEqual([]);
    });

    test("a vulnerable tag says which digest the tag resolves to now", async () => {
        const img = await reg.pushImage("team/api", "2.0");
        await attach("team/api", img, TRIVY_TYPE, trivy(`${reg.host}/team/api`, img.manifest.digest, [{ id: "CVE-2024-9143", severity: "CRITICAL", fixed: "3.3.2-r1" }]));
        const m = messages(await judge(config(), `${reg.host}/team/api:2.0`));
        expect(m).toContain(`; tag "2.0" resolves to ${img.manifest.digest} now. Fix: rebuild`);
        expect(m).toContain("CVE-2024-9143 (critical, libcrypto3 3.3.2-r0 → 3.3.2-r1)");
    });

    test("a tag that does not exist fails closed", async () => {
        const m = messages(await judge(config(), `${reg.host}/team/web:no-such-tag`));
        expect(m).toContain('fails because tag "no-such-tag" could not be resolved to a digest');
    });

    test("one lookup per distinct image across the resources of a preview", async () => {
        const img = await reg.pushImage("team/dedupe", "1.0");
        await attach("team/dedupe", img, TRIVY_TYPE, trivy(`${reg.host}/team/dedupe`, img.manifest.digest));
        const cfg = { registries: [proxy.host], attestations: true };
        for (let i = 0; i < 3; i++) expect((await judge(cfg, `${proxy.host}/team/dedupe:1.0`, `${proxy.host}/team/dedupe:1.0`)).diagnostics).toEqual([]);
        const tagReads = proxy.requests.filter((r) => r.path === "/v2/team/dedupe/manifests/1.0");
        expect(tagReads).toHaveLength(1);
    });

    test("policies with the same registries share one client: the tag is read once for scanned-images and signed-images together", async () => {
        const img = await reg.pushImage("team/shared", "1.0");
        await attach("team/shared", img, TRIVY_TYPE, trivy(`${reg.host}/team/shared`, img.manifest.digest));
        const image = `${proxy.host}/team/shared:1.0`;
        const scanned = await judge({ registries: [proxy.host], attestations: true }, image);
        expect(scanned.diagnostics).toEqual([]);
        const signed = await runResourcePolicy(signedImages, "azure-native:app:ContainerApp", { template: { containers: [{ name: "app", image }] } },
            { registries: [proxy.host], cosign: { keys: [publicPem(ecKey())] } }, "app");
        expect(signed.diagnostics.map((d) => d.message).join("\n")).toMatch(/no trusted signature/);
        expect(proxy.requests.filter((r) => r.path === "/v2/team/shared/manifests/1.0")).toHaveLength(1);
    });

    test("cacheDir keeps the registry client's on-disk cache there", async () => {
        const img = await reg.pushImage("team/cached", "1.0");
        await attach("team/cached", img, TRIVY_TYPE, trivy(`${reg.host}/team/cached`, img.manifest.digest));
        const cacheDir = mkdtempSync(join(tmpdir(), "scanned-cache-"));
        try {
            expect((await judge({ ...config(), cacheDir }, `${reg.host}/team/cached:1.0`)).diagnostics).toEqual([]);
            expect(readdirSync(cacheDir, { recursive: true }).length).toBeGreaterThan(0);
        } finally {
            rmSync(cacheDir, { recursive: true, force: true });
        }
    });

    test("lookups run at most `concurrency` at once", async () => {
        const images = await Promise.all(Array.from({ length: 8 }, (_, i) => reg.pushImage(`team/many${i}`, "1.0")));
        proxy.set({ latencyMs: 60 });
        const r = await judge({ registries: [proxy.host], concurrency: 2 }, ...images.map((_, i) => `${proxy.host}/team/many${i}:1.0`));
        expect(r.diagnostics).toHaveLength(8);
        expect(proxy.inFlight.max).toBeLessThanOrEqual(2);
    });
});

describe("attestations (OCI referrers)", () => {
    const config = () => ({ registries: [reg.host], attestations: true });

    test("SARIF: Grype's findings block; a SARIF with no rules is not evidence of a clean scan", async () => {
        const bad = await reg.pushImage("team/sarif");
        await attach("team/sarif", bad, SARIF_TYPE, GRYPE_SARIF);
        expect(messages(await judge(config(), `${reg.host}/team/sarif@${bad.manifest.digest}`))).toContain("CVE-2024-45337 (critical, golang.org/x/crypto v0.28.0 → 0.31.0); scanned by grype");
        const clean = await reg.pushImage("team/sarif");
        await attach("team/sarif", clean, SARIF_TYPE, cleanSarif());
        const m = messages(await judge(config(), `${reg.host}/team/sarif@${clean.manifest.digest}`));
        expect(m).toContain("is unscanned");
        expect(m).toContain("SARIF declares no vulnerability rule (it holds no rules at all), so it does not show that vulnerabilities were scanned");
    });

    test("SARIF as Trivy and Grype write it (their own golden files), attached to the digest, is judged", async () => {
        const trivyImg = await reg.pushImage("team/trivy-sarif");
        await attach("team/trivy-sarif", trivyImg, SARIF_TYPE, UPSTREAM("trivy-alpine-310.sarif"));
        const t = messages(await judge({ ...config(), failOn: "medium" }, `${reg.host}/team/trivy-sarif@${trivyImg.manifest.digest}`));
        expect(t).toContain("CVE-2019-1549 (medium, libcrypto1.1 1.1.1c-r0 → 1.1.1d-r0)");
        expect(t).toContain("scanned by trivy");
        const grypeImg = await reg.pushImage("team/grype-sarif");
        await attach("team/grype-sarif", grypeImg, SARIF_TYPE, UPSTREAM("grype-image.sarif"));
        expect(messages(await judge(config(), `${reg.host}/team/grype-sarif@${grypeImg.manifest.digest}`))).toContain("CVE-1999-0002 (critical, package-2 2.2.2, no fix)");
    });

    test("Trivy's secret-only SARIF attached to an image does not count as a vulnerability scan", async () => {
        const img = await reg.pushImage("team/secrets-sarif");
        await attach("team/secrets-sarif", img, SARIF_TYPE, UPSTREAM("trivy-secrets-only.sarif"));
        const m = messages(await judge(config(), `${reg.host}/team/secrets-sarif@${img.manifest.digest}`));
        expect(m).toContain("is unscanned");
        expect(m).toContain("SARIF declares no vulnerability rule (it holds only Secret rules), so it does not show that vulnerabilities were scanned");
    });

    test("cosign vulnerability attestation (DSSE envelope) passes when clean", async () => {
        const img = await reg.pushImage("team/cosign");
        const result = JSON.parse(trivy(`${reg.host}/team/cosign`, img.manifest.digest).toString("utf8"));
        await attach("team/cosign", img, DSSE_TYPE, cosignVuln(img.manifest.digest, result));
        expect((await judge(config(), `${reg.host}/team/cosign@${img.manifest.digest}`)).diagnostics).toEqual([]);
    });

    test("other referrers (signatures) are not scan evidence: the image is unscanned", async () => {
        const img = await reg.pushImage("team/signed-only");
        await attach("team/signed-only", img, "application/vnd.cncf.notary.signature", Buffer.from("{}"), "application/jose+json");
        expect(messages(await judge(config(), `${reg.host}/team/signed-only@${img.manifest.digest}`))).toContain("is unscanned");
    });

    test("a report about another digest attached to this image fails closed", async () => {
        const img = await reg.pushImage("team/liar");
        const other = await reg.pushImage("team/liar");
        await attach("team/liar", img, TRIVY_TYPE, trivy(`${reg.host}/team/liar`, other.manifest.digest));
        const m = messages(await judge(config(), `${reg.host}/team/liar@${img.manifest.digest}`));
        expect(m).toContain("its scan attestations cannot be trusted as read");
        expect(m).toContain("not the image it is attached to");
    });

    test("a malformed (truncated) attestation fails closed", async () => {
        const img = await reg.pushImage("team/truncated");
        await attach("team/truncated", img, TRIVY_TYPE, trivy(`${reg.host}/team/truncated`, img.manifest.digest).subarray(0, 60));
        const m = messages(await judge(config(), `${reg.host}/team/truncated@${img.manifest.digest}`));
        expect(m).toContain("its scan attestations cannot be trusted as read");
    });

    test("the referrers API path (registry serving /referrers) works like the tag-schema fallback", async () => {
        const img = await reg.pushImage("team/api-path");
        await attach("team/api-path", img, TRIVY_TYPE, trivy(`${reg.host}/team/api-path`, img.manifest.digest));
        proxy.set({ serveReferrersApi: true });
        expect((await judge({ registries: [proxy.host], attestations: true }, `${proxy.host}/team/api-path@${img.manifest.digest}`)).diagnostics).toEqual([]);
        expect(proxy.requests.some((r) => r.path.startsWith(`/v2/team/api-path/referrers/${img.manifest.digest}`))).toBe(true);
    });

    test("an image in a registry not listed: attestations are not looked up, and the message says so", async () => {
        const m = messages(await judge(config(), `contoso.azurecr.io/app@sha256:${"e".repeat(64)}`));
        expect(m).toContain("attestations were not looked up: contoso.azurecr.io is not in scanned-images' registries");
    });
});

describe("registry faults fail closed with the reason", () => {
    let img: PushedImage;
    beforeAll(async () => {
        img = await reg.pushImage("team/faulty", "1.0");
        await attach("team/faulty", img, TRIVY_TYPE, trivy(`${reg.host}/team/faulty`, img.manifest.digest));
    });
    const config = () => ({ registries: [proxy.host], attestations: true });
    const tagged = () => `${proxy.host}/team/faulty:1.0`;

    test("healthy proxy: passes (the baseline for the faults below)", async () => {
        expect((await judge(config(), tagged())).diagnostics).toEqual([]);
    });

    test("HTTP 500 on every request", async () => {
        proxy.set({ failFirst: { n: 1000, status: 500 } });
        expect(messages(await judge(config(), tagged()))).toMatch(/tag "1.0" could not be resolved to a digest in 127\.0\.0\.1:\d+: .*failed with 500/);
    });

    test("a registry that never answers (timeout)", async () => {
        proxy.set({ hang: true });
        expect(messages(await judge(config(), tagged()))).toMatch(/could not be resolved .*did not answer within 1500 ms/);
    }, 20_000);

    test("connections reset on every request", async () => {
        proxy.set({ resetConnections: 1000 });
        expect(messages(await judge(config(), tagged()))).toMatch(/tag "1.0" could not be resolved .*could not reach/);
    });

    test("manifest bytes that do not hash to the digest the registry claims", async () => {
        proxy.set({ corruptBody: true, match: /\/manifests\/1\.0$/ });
        expect(messages(await judge(config(), tagged()))).toMatch(/could not be resolved .*hashing to sha256:[0-9a-f]{64}, not sha256:[0-9a-f]{64}/);
    });

    test("the referrers listing failing (500) after the tag resolved", async () => {
        proxy.set({ failFirst: { n: 1000, status: 500 }, match: /sha256-|referrers/ });
        const m = messages(await judge(config(), tagged()));
        expect(m).toContain(`the attestations of ${img.manifest.digest} in ${proxy.host}/team/faulty could not be listed`);
    });

    test("an oversized manifest is refused while streaming", async () => {
        proxy.set({ oversizedBytes: 64 * 1024 * 1024, match: /\/manifests\/1\.0$/ });
        expect(messages(await judge(config(), tagged()))).toMatch(/tag "1.0" could not be resolved .*sent more than the limit of 4194304 bytes/);
    });

    test("malformed JSON where the referrers index should be", async () => {
        proxy.set({ replaceBody: "{not json", match: /\/manifests\/sha256-/ });
        expect(messages(await judge(config(), tagged()))).toContain("could not be listed");
    });
});

describe("authenticated registries", () => {
    test("basic auth (password from an env variable) and the Docker token flow both resolve tags", async () => {
        for (const mode of ["basic", "token"] as const) {
            const secured = await startRegistry({ mode });
            try {
                const img = await secured.pushImage("team/private", "1.0");
                await secured.pushArtifact("team/private", { subject: img.descriptor, artifactType: TRIVY_TYPE, layers: [{ mediaType: TRIVY_TYPE, bytes: trivy(`${secured.host}/team/private`, img.manifest.digest) }], annotations: created() });
                const env = `IMAGEGATE_TEST_${mode.toUpperCase()}_PASSWORD`;
                process.env[env] = secured.password;
                const config = { registries: [{ host: secured.host, auth: { type: "basic", username: secured.username, passwordEnv: env } }], attestations: true };
                expect((await judge(config, `${secured.host}/team/private:1.0`)).diagnostics).toEqual([]);
                resetPolicyContexts();
                process.env[env] = "wrong-password";
                const m = messages(await judge(config, `${secured.host}/team/private:1.0`));
                expect(m).toContain('tag "1.0" could not be resolved');
                expect(m).not.toContain(secured.password!);
                expect(m).not.toContain("wrong-password");
                delete process.env[env];
            } finally {
                await secured.stop();
            }
        }
    }, 60_000);
});

describe("OpenVEX attached to the digest", () => {
    const config = () => ({ registries: [reg.host], attestations: true });
    const vexDoc = (repo: string, digest: string, timestamp = new Date(Date.now() - HOUR).toISOString()) => Buffer.from(JSON.stringify({
        "@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://openvex.dev/docs/public/vex-imagegate-test", author: "Contoso Security",
        timestamp, version: 1,
        statements: [{
            vulnerability: { name: "CVE-2024-9143" },
            products: [{ "@id": `pkg:oci/${repo.split("/").pop()}@${encodeURIComponent(digest)}?repository_url=${reg.host}/${repo}` }],
            status: "not_affected", justification: "vulnerable_code_not_in_execute_path",
        }],
    }));

    test("a not_affected statement for the exact digest clears the CRITICAL finding, and only with attestations read", async () => {
        const img = await reg.pushImage("team/vexed", "1.0");
        const image = `${reg.host}/team/vexed@${img.manifest.digest}`;
        await attach("team/vexed", img, TRIVY_TYPE, trivy(`${reg.host}/team/vexed`, img.manifest.digest, [{ id: "CVE-2024-9143", severity: "CRITICAL", fixed: "3.3.2-r1" }]));
        expect(messages(await judge(config(), image))).toContain("CVE-2024-9143 (critical");
        resetPolicyContexts();
        await attach("team/vexed", img, "application/vnd.openvex+json", vexDoc("team/vexed", img.manifest.digest));
        expect((await judge(config(), image)).diagnostics).toEqual([]);
    });

    test("an expired attached VEX document is refused, named, and the finding stays", async () => {
        const img = await reg.pushImage("team/stalevex", "1.0");
        const image = `${reg.host}/team/stalevex@${img.manifest.digest}`;
        await attach("team/stalevex", img, TRIVY_TYPE, trivy(`${reg.host}/team/stalevex`, img.manifest.digest, [{ id: "CVE-2024-9143", severity: "CRITICAL", fixed: "3.3.2-r1" }]));
        await attach("team/stalevex", img, "application/vnd.openvex+json", vexDoc("team/stalevex", img.manifest.digest, new Date(Date.now() - 400 * 24 * HOUR).toISOString()));
        const m = messages(await judge(config(), image));
        expect(m).toContain("CVE-2024-9143 (critical");
        expect(m).toMatch(/VEX refused: attestation sha256:.* VEX document refused: has expired/);
    });
});
