/**
 * Bounded work whatever a registry returns, through the compiled pack (launched as the Pulumi CLI
 * launches it) and Debian's docker-registry on loopback, behind a proxy that counts requests.
 *
 * Anyone who can push to a trusted repository can attach referrers. The hostile image carries:
 * - an attestation amplification: 20 scan attestation manifests (over maxAttestations), most listing
 *   8 layers that all point at one big Trivy report, one listing 100 layers, one with an honestly
 *   described layer over maxAttestationBytes;
 * - a flood of 60 cosign signature referrers, each by a key nobody trusts (maxSignatures 1).
 * The clean image carries one attestation of the same size and one good cosign signature.
 *
 * Asserted: the verdicts name each limit ("too many …: N, limit M"); the big report is fetched once;
 * attestation and signature manifests fetched stay within their limits; and the pack's peak RSS
 * (VmHWM) for the hostile image stays within a small factor of a second pack's for the clean image.
 */
import * as fs from "fs";
import * as path from "path";
import { AnalyzerHarness } from "../../../cli/harness";
import { FaultProxy, PushedImage, startFaultProxy, startRegistry, TestRegistry } from "../../support/registry";
import { PACK_DIR, REPO_ROOT } from "../../support/paths";
import { cosignLayer, cosignPayload, cosignSign, ecKey, publicPem } from "../../support/signing";
import { createHash } from "crypto";

const TRIVY = "application/vnd.aquasecurity.trivy.report+json";
const COSIGN_REFERRER = "application/vnd.dev.cosign.artifact.sig.v1+json";
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const MAX_ATTESTATION_BYTES = 4 * 1024 * 1024;
/** Low-severity findings: a clean verdict at failOn "high", and a report of about 3 MiB. */
const FINDINGS = 10_000;

const sha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const json = (v: unknown) => Buffer.from(JSON.stringify(v));

function bigReport(repo: string, digest: string): Buffer {
    return json({
        SchemaVersion: 2, CreatedAt: new Date(Date.now() - 3_600_000).toISOString(), ArtifactName: `${repo}@${digest}`, ArtifactType: "container_image",
        Metadata: { OS: { Family: "alpine", Name: "3.20.3" }, RepoTags: [], RepoDigests: [`${repo}@${digest}`] },
        Results: [{
            Target: repo, Class: "os-pkgs", Type: "alpine",
            Vulnerabilities: Array.from({ length: FINDINGS }, (_, i) => ({
                VulnerabilityID: `CVE-2024-${10000 + i}`, PkgName: `pkg-${i}`, InstalledVersion: "1.0.0-r0", FixedVersion: "1.0.1-r0", Status: "fixed", Severity: "LOW",
                Title: "a long enough title to make the report the size of a real one for a large image", Description: "x".repeat(120),
            })),
        }],
    });
}

const deployment = (image: string) => ({
    type: "kubernetes:apps/v1:Deployment",
    name: "web",
    urn: "urn:pulumi:dev::p::kubernetes:apps/v1:Deployment::web",
    properties: { spec: { template: { spec: { containers: [{ name: "app", image }] } } } },
});

/** Peak resident set of a process (VmHWM), in bytes. */
function peakRss(pid: number): number {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    if (!m) throw new Error(`no VmHWM for ${pid}`);
    return Number(m[1]) * 1024;
}

let reg: TestRegistry;
let proxy: FaultProxy;
let clean: PushedImage;
let hostile: PushedImage;
let cleanReport: string;
let hostileReport: string;
let hostileAttestations: string[] = [];
let cosignReferrers: string[] = [];
const trusted = ecKey();

/** Pushes manifests referring to `subject` and the `sha256-<hex>` fallback index listing them, in order. */
async function attach(repo: string, subject: PushedImage, manifests: { artifactType: string; layers: { mediaType: string; digest: string; size: number }[]; i: number }[]): Promise<string[]> {
    const empty = { mediaType: "application/vnd.oci.empty.v1+json", digest: await reg.pushBlob(repo, Buffer.from("{}")), size: 2 };
    const entries = [];
    for (const m of manifests) {
        const bytes = json({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: m.artifactType, config: empty, layers: m.layers, subject: subject.descriptor, annotations: { "org.opencontainers.image.created": new Date().toISOString(), n: String(m.i) } });
        const pushed = await reg.pushManifest(repo, sha256(bytes), bytes, OCI_MANIFEST);
        entries.push({ mediaType: OCI_MANIFEST, digest: pushed.digest, size: pushed.size, artifactType: m.artifactType });
    }
    const fallback = subject.manifest.digest.replace(":", "-");
    await reg.pushManifest(repo, fallback, json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries }), OCI_INDEX);
    return entries.map((e) => e.digest);
}

async function cosignLayerOf(repo: string, digest: string, key: ReturnType<typeof ecKey>) {
    const payload = cosignPayload(digest, `${reg.host}/${repo}`);
    const layer = cosignLayer(payload, cosignSign(payload, key.privateKey));
    await reg.pushBlob(repo, layer.blob.bytes);
    return layer.descriptor as { mediaType: string; digest: string; size: number };
}

beforeAll(async () => {
    if (!fs.existsSync(path.join(REPO_ROOT, "dist", "policies", "index.js"))) throw new Error("dist/policies/index.js is missing: run `npm run build` first");
    reg = await startRegistry();
    proxy = await startFaultProxy(reg);

    clean = await reg.pushImage("team/clean");
    const cleanBytes = bigReport(`${proxy.host}/team/clean`, clean.manifest.digest);
    cleanReport = await reg.pushBlob("team/clean", cleanBytes);
    await attach("team/clean", clean, [
        { artifactType: TRIVY, layers: [{ mediaType: TRIVY, digest: cleanReport, size: cleanBytes.byteLength }], i: 0 },
        { artifactType: COSIGN_REFERRER, layers: [await cosignLayerOf("team/clean", clean.manifest.digest, trusted)], i: 1 },
    ]);

    hostile = await reg.pushImage("team/hostile");
    const hostileBytes = bigReport(`${proxy.host}/team/hostile`, hostile.manifest.digest);
    expect(hostileBytes.byteLength).toBeLessThan(MAX_ATTESTATION_BYTES);
    hostileReport = await reg.pushBlob("team/hostile", hostileBytes);
    const big = { mediaType: TRIVY, digest: hostileReport, size: hostileBytes.byteLength };
    const oversized = Buffer.alloc(MAX_ATTESTATION_BYTES + 1, 0x20);
    const over = { mediaType: TRIVY, digest: await reg.pushBlob("team/hostile", oversized), size: oversized.byteLength };
    const manifests = [
        { artifactType: TRIVY, layers: Array(100).fill(big), i: 0 },
        { artifactType: TRIVY, layers: [over], i: 1 },
        ...Array.from({ length: 18 }, (_, i) => ({ artifactType: TRIVY, layers: Array(8).fill(big), i: i + 2 })),
    ];
    const flood = [];
    for (let i = 0; i < 60; i++) flood.push({ artifactType: COSIGN_REFERRER, layers: [await cosignLayerOf("team/hostile", hostile.manifest.digest, ecKey())], i: 100 + i });
    const digests = await attach("team/hostile", hostile, [...manifests, ...flood]);
    hostileAttestations = digests.slice(0, manifests.length);
    cosignReferrers = digests.slice(manifests.length);
}, 180_000);

afterAll(async () => {
    await proxy?.stop();
    await reg?.stop();
});

describe("a hostile image's referrers cause bounded work and a verdict", () => {
    test("attestation amplification and a cosign flood: limits named, requests bounded, peak memory near a clean image's", async () => {
        const config = {
            "scanned-images": { enforcementLevel: "mandatory", registries: [proxy.host], attestations: true, maxAttestationBytes: MAX_ATTESTATION_BYTES },
            "signed-images": { enforcementLevel: "mandatory", registries: [proxy.host], cosign: { keys: [publicPem(trusted)] }, maxSignatures: 1 },
        };
        // Two packs, one image each, so that each peak RSS is that image's alone.
        const [hClean, hHostile] = await Promise.all([
            AnalyzerHarness.launch({ packDir: PACK_DIR, startTimeoutMs: 30_000 }),
            AnalyzerHarness.launch({ packDir: PACK_DIR, startTimeoutMs: 30_000 }),
        ]);
        try {
            await hClean.configureFromFile(config);
            await hHostile.configureFromFile(config);

            const ok = await hClean.analyze(deployment(`${proxy.host}/team/clean@${clean.manifest.digest}`));
            expect(ok.diagnostics.filter((d) => d.policyName === "scanned-images" || d.policyName === "signed-images")).toEqual([]);
            const cleanPeak = peakRss(hClean.pid);

            proxy.requests.length = 0;
            const bad = await hHostile.analyze(deployment(`${proxy.host}/team/hostile@${hostile.manifest.digest}`));
            const hostilePeak = peakRss(hHostile.pid);
            const requests = [...proxy.requests];
            // IMAGEGATE_FIGURES=1 prints the figures docs/benchmarks.md quotes.
            if (process.env.IMAGEGATE_FIGURES) {
                process.stderr.write(`hostile-registry figures: requests ${requests.length}; peak RSS clean ${(cleanPeak / 2 ** 20).toFixed(1)} MiB, hostile ${(hostilePeak / 2 ** 20).toFixed(1)} MiB\n`);
            }

            const scan = bad.diagnostics.find((d) => d.policyName === "scanned-images")?.message ?? "";
            expect(scan).toContain(`too many possible scan attestations in ${proxy.host}/team/hostile: 20, limit 16 (maxAttestations)`);
            expect(scan).toMatch(/too many layers: 100, limit 8 \(maxAttestationLayers\)/);
            expect(scan).toContain(`layer is too large: ${MAX_ATTESTATION_BYTES + 1} bytes, limit ${MAX_ATTESTATION_BYTES} (maxAttestationBytes)`);
            const sig = bad.diagnostics.find((d) => d.policyName === "signed-images")?.message ?? "";
            expect(sig).toContain("too many cosign signature manifests: 60, limit 1 (maxSignatures)");

            const gets = (p: string) => requests.filter((r) => r.method === "GET" && r.path.includes(p)).length;
            // The report listed 100 + 18 × 8 times is fetched once; the oversized layer never.
            expect(gets(`/blobs/${hostileReport}`)).toBe(1);
            expect(requests.filter((r) => r.path.includes("/blobs/") && !r.path.includes(hostileReport) && r.path.includes("team/hostile")).length).toBeLessThanOrEqual(1); // the one cosign payload
            expect(hostileAttestations.filter((d) => gets(`/manifests/${d}`) > 0).length).toBe(16);
            expect(cosignReferrers.filter((d) => gets(`/manifests/${d}`) > 0).length).toBe(1);
            expect(requests.length).toBeLessThan(40);

            // Peak memory: the hostile image costs about what the clean one does (one report parsed each).
            expect(hostilePeak).toBeLessThan(cleanPeak * 1.5);
        } finally {
            await Promise.all([hClean.close(), hHostile.close()]);
        }
    }, 180_000);
});
