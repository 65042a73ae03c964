/**
 * The attestation limits that the loopback-registry test (test/integration/policies/hostile-registry)
 * does not reach: bytes per image across distinct reports, findings per image, manifests listed
 * twice. An in-memory repository answers by digest and counts what is fetched.
 */
import { createHash } from "crypto";
import { DEFAULT_ATTESTATION_LIMITS, fetchAttestations } from "../../../../core/gate/attestations";
import type { Descriptor, RepositoryClient } from "../../../../core/registry";

const TRIVY = "application/vnd.aquasecurity.trivy.report+json";
const IMAGE = `sha256:${"a".repeat(64)}`;
const digestOf = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

function report(findings: number, salt: string): Buffer {
    return Buffer.from(JSON.stringify({
        SchemaVersion: 2, CreatedAt: new Date().toISOString(), ArtifactName: `contoso.azurecr.io/app@${IMAGE}`, ArtifactType: "container_image",
        Metadata: { RepoDigests: [`contoso.azurecr.io/app@${IMAGE}`], salt },
        Results: [{ Target: "app", Class: "os-pkgs", Type: "alpine", Vulnerabilities: Array.from({ length: findings }, (_, i) => ({ VulnerabilityID: `CVE-2024-${1000 + i}`, PkgName: "p", InstalledVersion: "1", Severity: "LOW" })) }],
    }));
}

class MemoryRepo {
    readonly host = "contoso.azurecr.io";
    readonly repository = "app";
    readonly content = new Map<string, Buffer>();
    readonly listed: Descriptor[] = [];
    blobFetches = 0;
    manifestFetches = 0;
    attach(layers: Buffer[], times = 1): void {
        const descriptors = layers.map((b) => { this.content.set(digestOf(b), b); return { mediaType: TRIVY, digest: digestOf(b), size: b.byteLength }; });
        const m = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", artifactType: TRIVY, layers: descriptors, n: this.listed.length }));
        this.content.set(digestOf(m), m);
        for (let i = 0; i < times; i++) this.listed.push({ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: digestOf(m), size: m.byteLength, artifactType: TRIVY });
    }
    async referrers(): Promise<readonly Descriptor[]> { return this.listed; }
    async manifest(digest: string) { this.manifestFetches++; const bytes = this.content.get(digest)!; return { digest, mediaType: "application/vnd.oci.image.manifest.v1+json", size: bytes.byteLength, bytes }; }
    async blob(digest: string) { this.blobFetches++; return this.content.get(digest)!; }
}

test("bytes per image: distinct reports past maxAttestationTotalBytes are not fetched, and the verdict says so", async () => {
    const repo = new MemoryRepo();
    const reports = [0, 1, 2, 3].map((i) => report(50, `r${i}`));
    for (const r of reports) repo.attach([r]);
    const limit = reports[0].byteLength * 2 + 10;
    const r = await fetchAttestations(repo as unknown as RepositoryClient, IMAGE, { ...DEFAULT_ATTESTATION_LIMITS, maxAttestationTotalBytes: limit });
    expect(repo.blobFetches).toBe(2);
    expect(r.reports).toHaveLength(2);
    expect(r.problems).toEqual([expect.stringMatching(new RegExp(`^too many attestation bytes for ${IMAGE} in contoso.azurecr.io/app: \\d+ with attestation .*, limit ${limit} \\(maxAttestationTotalBytes\\)`))]);
});

test("findings per image: past maxAttestationFindings the image fails and nothing more is fetched", async () => {
    const repo = new MemoryRepo();
    for (const i of [0, 1, 2]) repo.attach([report(400, `f${i}`)]);
    const r = await fetchAttestations(repo as unknown as RepositoryClient, IMAGE, { ...DEFAULT_ATTESTATION_LIMITS, maxAttestationFindings: 500 });
    expect(repo.blobFetches).toBe(2);
    expect(r.problems).toEqual([expect.stringMatching(/too many findings in the attestations of .*: 800 with attestation .*, limit 500 \(maxAttestationFindings\)/)]);
});

test("a manifest listed many times is one manifest; a report listed in many manifests is fetched and parsed once", async () => {
    const repo = new MemoryRepo();
    const one = report(10, "same");
    repo.attach([one, one, one], 30);
    repo.attach([one]);
    const r = await fetchAttestations(repo as unknown as RepositoryClient, IMAGE);
    expect(r.problems).toEqual([]);
    expect(repo.manifestFetches).toBe(2);
    expect(repo.blobFetches).toBe(1);
    expect(r.reports).toHaveLength(1);
});
