/**
 * TrustedImage against the real loopback registry: tag → digest at each run, judged by the pack's
 * evidence and signature code; refused (enforce) or warned (audit) with the reason.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { imageGateSettings } from "../../../core/gate/config";
import { resolveTrustedImage, type TrustedImageRequest } from "../../../core/gate/trusted-image";
import { TrustedImage, parsePolicySettings } from "../../../components/image";
import { runUnderMocks } from "../../support/mocks";
import { startConnectionCounter, startRegistry, type TestRegistry } from "../../support/registry";
import { cosignLayer, cosignManifest, cosignPayload, cosignSign, ecKey, publicPem } from "../../support/signing";
import { cli } from "../../support/cli";
import { REPO_ROOT } from "../../support/paths";

const TRIVY_JSON = "application/vnd.aquasecurity.trivy.report+json";
const ROOT = REPO_ROOT;


function writeConfig(doc: unknown): string {
    const file = path.join(dir, `policy-config-${Math.random().toString(36).slice(2)}.json`);
    fs.writeFileSync(file, JSON.stringify(doc));
    return file;
}

function trivyReport(repoDigest: string, severities: string[], createdAt = new Date()): string {
    return JSON.stringify({
        SchemaVersion: 2,
        CreatedAt: createdAt.toISOString(),
        ArtifactName: repoDigest,
        ArtifactType: "container_image",
        Metadata: { RepoDigests: [repoDigest] },
        Results: [{
            Target: "image (debian 12)",
            Class: "os-pkgs",
            Type: "debian",
            Vulnerabilities: severities.map((s, i) => ({ VulnerabilityID: `CVE-2026-${1000 + i}`, PkgName: "libfoo", InstalledVersion: "1.0", FixedVersion: "1.1", Severity: s })),
        }],
    });
}

let reg: TestRegistry;
let dir: string;

beforeAll(async () => {
    reg = await startRegistry();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "trusted-image-"));
}, 60_000);
afterAll(async () => {
    await reg?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
});

/** The policy config most cases share: the test registry trusted, scanned-images mandatory on report files. */
function policy(over: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        "trusted-registries": { registries: [reg.host] },
        "scanned-images": { enforcementLevel: "mandatory", reports: [dir], registries: [reg.host] },
        ...over,
    };
}

function request(over: Partial<Omit<TrustedImageRequest, "gates">> & { policy?: Record<string, unknown> } = {}): TrustedImageRequest {
    const { policy: doc, ...rest } = over;
    return {
        registry: reg.host,
        repository: "team/app",
        tag: "1.0",
        gates: imageGateSettings(doc ?? policy(), { baseDir: dir }),
        ...rest,
    };
}

function writeReport(name: string, body: string): void {
    fs.writeFileSync(path.join(dir, name), body);
}

describe("resolveTrustedImage", () => {
    it("pins the tag's current digest and passes with a fresh clean report; a rebuild is picked up on the next run", async () => {
        const v1 = await reg.pushImage("team/app", "1.0");
        writeReport("v1.json", trivyReport(`${reg.host}/team/app@${v1.manifest.digest}`, ["LOW", "MEDIUM"]));
        const first = await resolveTrustedImage(request());
        expect(first.problems).toEqual([]);
        expect(first.reference).toBe(`${reg.host}/team/app:1.0@${v1.manifest.digest}`);

        // The base image was patched: the task pushed a new image under the same tag.
        const v2 = await reg.pushImage("team/app", "1.0");
        writeReport("v2.json", trivyReport(`${reg.host}/team/app@${v2.manifest.digest}`, []));
        const second = await resolveTrustedImage(request());
        expect(second.digest).toBe(v2.manifest.digest);
        expect(second.problems).toEqual([]);
    });

    it("refuses a digest without scan evidence, naming the digest", async () => {
        const img = await reg.pushImage("team/unscanned", "2.0");
        const r = await resolveTrustedImage(request({ repository: "team/unscanned", tag: "2.0" }));
        expect(r.digest).toBe(img.manifest.digest);
        expect(r.problems.join("\n")).toMatch(/unscanned/);
        expect(r.problems.join("\n")).toContain(img.manifest.digest);
    });

    it("refuses a vulnerable digest at the configured threshold, and a stale scan", async () => {
        const img = await reg.pushImage("team/vuln", "3.0");
        writeReport("vuln.json", trivyReport(`${reg.host}/team/vuln@${img.manifest.digest}`, ["CRITICAL"]));
        const r = await resolveTrustedImage(request({ repository: "team/vuln", tag: "3.0" }));
        expect(r.problems.join("\n")).toMatch(/vulnerable|CVE-2026-1000/);

        const old = await reg.pushImage("team/old", "1");
        writeReport("old.json", trivyReport(`${reg.host}/team/old@${old.manifest.digest}`, [], new Date(Date.now() - 30 * 86_400_000)));
        const s = await resolveTrustedImage(request({ repository: "team/old", tag: "1" }));
        expect(s.problems.join("\n")).toMatch(/stale|days old/);
    });

    it("takes scan evidence attached to the digest as an OCI referrer", async () => {
        const img = await reg.pushImage("team/attested", "1.0");
        await reg.pushArtifact("team/attested", {
            subject: img.descriptor,
            artifactType: TRIVY_JSON,
            layers: [{ mediaType: TRIVY_JSON, bytes: Buffer.from(trivyReport(`${reg.host}/team/attested@${img.manifest.digest}`, ["LOW"])) }],
            annotations: { "org.opencontainers.image.created": new Date().toISOString() },
        });
        const r = await resolveTrustedImage(request({ repository: "team/attested", policy: policy({ "scanned-images": { enforcementLevel: "mandatory", attestations: true, registries: [reg.host] } }) }));
        expect(r.problems).toEqual([]);
        expect(r.digest).toBe(img.manifest.digest);
    });

    it("refuses an untrusted registry without contacting it", async () => {
        const counter = await startConnectionCounter();
        try {
            const r = await resolveTrustedImage(request({ registry: counter.host, policy: policy({ "scanned-images": { enforcementLevel: "mandatory", reports: [dir], registries: [counter.host] } }) }));
            expect(r.problems.join("\n")).toMatch(/not in a trusted registry/);
            expect(counter.connections()).toBe(0);
        } finally {
            await counter.stop();
        }
    });

    it("cannot resolve a tag from a registry it may not contact: it says so, and judges the unpinned tag as the pack would", async () => {
        const r = await resolveTrustedImage(request({ policy: policy({ "scanned-images": { enforcementLevel: "mandatory", reports: [dir] } }) }));
        expect(r.digest).toBe("");
        expect(r.reference).toBe(`${reg.host}/team/app:1.0`);
        expect(r.notes.join("\n")).toContain("is not among the registries the policy config lets imagegate contact, so it is not pinned");
        expect(r.problems).toEqual([
            expect.stringMatching(/^require-digest: it is not pinned by digest/),
            expect.stringMatching(/^scanned-images: it is a tag only and its registry .* is not contactable/),
        ]);
    });

    it("reports a tag that does not exist and a registry that is down as problems, not crashes", async () => {
        const missing = await resolveTrustedImage(request({ tag: "no-such-tag" }));
        expect(missing.problems.join("\n")).toMatch(/scanned-images: tag "no-such-tag" could not be resolved to a digest/);
        const down = await resolveTrustedImage(request({
            registry: "127.0.0.1:9",
            policy: { "trusted-registries": { registries: ["127.0.0.1:9"] }, "scanned-images": { enforcementLevel: "mandatory", reports: [dir], registries: ["127.0.0.1:9"] } },
            clientOptions: { timeoutMs: 2000, retries: 0 },
        }));
        expect(down.notes.join("\n")).toMatch(/could not be resolved, so it is not pinned/);
        expect(down.problems.join("\n")).toMatch(/could not be resolved to a digest/);
    });

    it("requires a valid signature when signatures are configured: a cosign signature by the configured key passes, another key fails", async () => {
        const img = await reg.pushImage("team/signed", "1.0");
        writeReport("signed.json", trivyReport(`${reg.host}/team/signed@${img.manifest.digest}`, []));
        const key = ecKey();
        const payload = cosignPayload(img.manifest.digest, `${reg.host}/team/signed`);
        const layer = cosignLayer(payload, cosignSign(payload, key.privateKey));
        const sig = cosignManifest([layer.descriptor]);
        await reg.pushBlob("team/signed", layer.blob.bytes);
        await reg.pushBlob("team/signed", Buffer.from("{}"));
        await reg.pushManifest("team/signed", `sha256-${img.manifest.digest.slice(7)}.sig`, sig.bytes, sig.mediaType);

        const ok = await resolveTrustedImage(request({ repository: "team/signed", policy: policy({ "signed-images": { enforcementLevel: "mandatory", cosign: { keys: [publicPem(key)] }, registries: [reg.host] } }) }));
        expect(ok.problems).toEqual([]);
        expect(ok.notes.join("\n")).toMatch(/signature .* verified/);

        const other = ecKey();
        const bad = await resolveTrustedImage(request({ repository: "team/signed", policy: policy({ "signed-images": { enforcementLevel: "mandatory", cosign: { keys: [publicPem(other)] }, registries: [reg.host] } }) }));
        expect(bad.problems.join("\n")).toMatch(/no trusted signature verifies it: the cosign signature verifies with none of the 1 configured key/);
    });

    it("takes the registries both policies list as one set, and refuses a host they give different auth", async () => {
        const img = await reg.pushImage("team/both", "1.0");
        writeReport("both.json", trivyReport(`${reg.host}/team/both@${img.manifest.digest}`, []));
        const key = ecKey();
        // The same host, spelled as a string by one policy and as an object by the other.
        const r = await resolveTrustedImage(request({ repository: "team/both", policy: policy({ "signed-images": { enforcementLevel: "mandatory", cosign: { keys: [publicPem(key)] }, registries: [{ host: reg.host, auth: "anonymous" }] } }) }));
        expect(r.digest).toBe(img.manifest.digest);
        expect(r.problems.join("\n")).toMatch(/no trusted signature verifies it/);
        await expect(resolveTrustedImage(request({
            repository: "team/both",
            policy: policy({ "signed-images": { enforcementLevel: "mandatory", cosign: { keys: [publicPem(key)] }, registries: [{ host: reg.host, auth: { type: "basic", username: "ci", passwordEnv: "IMAGEGATE_TEST_UNUSED" } }] } }),
        }))).rejects.toThrow(`registries: ${reg.host} is listed by scanned-images and signed-images with different auth`);
        expect(() => request({ policy: policy({ "scanned-images": { reports: [dir], registries: ["not a host!"] } }) })).toThrow(/scanned-images: registries/);
    });

    it("rejects a malformed request or policy config with a clear error naming the policy and field", async () => {
        await expect(resolveTrustedImage(request({ repository: "Team/App" }))).rejects.toThrow(/not a valid image reference/);
        expect(() => request({ policy: policy({ "scanned-images": { failOn: "severe" } }) })).toThrow(/scanned-images: failOn: failOn must be one of the following: "critical", "high", "medium", "low"/);
        expect(() => request({ policy: policy({ "scanned-images": { reports: [dir], attestations: "yes" } }) })).toThrow("scanned-images: attestations: Invalid type. Expected: boolean, given: string");
        expect(() => request({ policy: policy({ "signed-images": { cosign: { keys: ["not a key"] } } }) })).toThrow(/signed-images: cosign\.keys\[0\]/);
        expect(() => request({ policy: policy({ "trusted-registries": { registries: ["contoso"] } }) })).toThrow(/trusted-registries: registries\[0\]/);
    });
});

describe("TrustedImage component (under Pulumi mocks)", () => {
    it("outputs the pinned reference for an image that passes", async () => {
        const img = await reg.pushImage("team/component", "1.0");
        writeReport("component.json", trivyReport(`${reg.host}/team/component@${img.manifest.digest}`, []));
        let reference: string | undefined;
        await runUnderMocks(async () => {
            const t = new TrustedImage("web", { registry: reg.host, repository: "team/component", tag: "1.0", policy: parsePolicySettings(policy(), "policy-config.json", dir) });
            reference = await new Promise<string>((resolve) => t.reference.apply((r) => resolve(r)));
        });
        expect(reference).toBe(`${reg.host}/team/component:1.0@${img.manifest.digest}`);
    });

    it("audit mode deploys the pinned reference of an image that does not pass", async () => {
        await reg.pushImage("team/audited", "1.0");
        let audited: string | undefined;
        // Under mocks, pulumi.log writes to the console: the warning is what the user sees.
        const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
        await runUnderMocks(async () => {
            const t = new TrustedImage("audited", { registry: reg.host, repository: "team/audited", tag: "1.0", policy: parsePolicySettings(policy(), "policy-config.json", dir), mode: "audit" });
            audited = await new Promise<string>((resolve) => t.reference.apply((r) => resolve(r)));
        });
        expect(audited).toMatch(/team\/audited:1\.0@sha256:[0-9a-f]{64}$/);
        const warned = warn.mock.calls.map((c) => String(c[0])).join("\n");
        warn.mockRestore();
        expect(warned).toMatch(/TrustedImage "audited": .* is not trusted for deployment: .*unscanned.*\(mode audit: deploying anyway\)/);
    });

    it("refuses bad arguments at construction", async () => {
        await expect(runUnderMocks(async () => {
            new TrustedImage("x", { registry: "contoso.azurecr.io", repository: "a", policy: parsePolicySettings(policy(), "policy-config.json", dir) });
        })).rejects.toThrow(/give a tag to resolve or a digest to pin/);
    });
});

describe("TrustedImage in a program previewed with `imagegate preview`", () => {
    const program = path.join(ROOT, "test/fixtures/programs/trusted-image");
    const stacks: string[] = [];
    function stack(name: string, config: Record<string, string>): string {
        const file = path.join(program, `Pulumi.${name}.yaml`);
        fs.writeFileSync(file, `config:\n${Object.entries(config).map(([k, v]) => `  ${k}: "${v}"`).join("\n")}\n`);
        stacks.push(file);
        return name;
    }
    afterAll(() => stacks.forEach((f) => fs.rmSync(f, { force: true })));

    it("fails the preview with the reason when the image has no evidence (enforce), and the pack sees the pinned image when it passes", async () => {
        await reg.pushImage("team/program", "1.0");
        const refused = await cli(["preview", "--program", program, "--stack", stack(`t-refused-${process.pid}`, { registry: reg.host, repository: "team/program", tag: "1.0", reports: dir }), "--format", "json", "--include-inputs"]);
        expect({ code: refused.code, stderr: refused.stderr }).toMatchObject({ code: 2 });
        expect(refused.stderr).toMatch(/TrustedImage "app": .*team\/program:1\.0@sha256:[0-9a-f]{64} is not trusted for deployment: .*unscanned/);

        const img = await reg.pushImage("team/program", "1.1");
        writeReport("program.json", trivyReport(`${reg.host}/team/program@${img.manifest.digest}`, []));
        const passed = await cli(["preview", "--program", program, "--stack", stack(`t-passed-${process.pid}`, { registry: reg.host, repository: "team/program", tag: "1.1", reports: dir }), "--format", "json", "--include-inputs", "--policy-config", writeConfig({ "trusted-registries": { registries: [reg.host] } })]);
        const doc = JSON.parse(passed.stdout);
        const deployment = doc.resources.find((r: { type: string }) => r.type === "kubernetes:apps/v1:Deployment");
        expect(deployment.inputs.spec.template.spec.containers[0].image).toBe(`${reg.host}/team/program:1.1@${img.manifest.digest}`);
        expect(doc.diagnostics.filter((d: { urn: string; level: string }) => d.urn.endsWith("::app") && d.level === "mandatory")).toEqual([]);
    });
});
