/**
 * `imagegate audit` end to end: a stack export recorded from a program run under Pulumi's mocks
 * (Pulumi's own resource types: a Kubernetes Deployment, a Container App with a secret image, the
 * ImageBuildTask and RedeployWebhook components), a real registry on loopback whose evidence
 * changes after "preview" (a new report with a CRITICAL finding, an aged scan, an expired
 * exception, a VEX statement that clears a finding), the Resource Graph loopback server for
 * Defender's running images, and the exit codes and formats of the CLI.
 */
import Ajv from "ajv";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as azure from "@pulumi/azure-native";
import * as pulumi from "@pulumi/pulumi";
import type { AuditDeps } from "../../../cli/commands/audit";
import { main } from "../../../cli/main";
import { ImageBuildTask, RedeployWebhook } from "../../../components/registry";
import { parseStackExport, rowsToClusters } from "../../../core/audit";
import { FIXTURES, REPO_ROOT } from "../../support/paths";
import { outputsFor, RG } from "../../support/registry-components";
import { PushedImage, startRegistry, TestRegistry } from "../../support/registry";
import { startResourceGraphServer, subAssessment, type ResourceGraphServer } from "../../support/resource-graph-server";
import { stackExportOf, writeStackExport } from "../../support/stack-export";

const TRIVY_TYPE = "application/vnd.aquasecurity.trivy.report+json";
const DAY = 86_400_000;
const SUB = "0b06d9ea-afe6-4779-bd59-30e5c2d9d13f";
const TOKEN = "audit-test-token";

function trivy(name: string, digest: string, createdAt: Date, vulns: { id: string; severity: string; published?: string }[] = []): Buffer {
    return Buffer.from(JSON.stringify({
        SchemaVersion: 2, CreatedAt: createdAt.toISOString(), ArtifactName: `${name}@${digest}`, ArtifactType: "container_image",
        Metadata: { OS: { Family: "debian", Name: "12.7" }, RepoTags: [], RepoDigests: [`${name}@${digest}`] },
        Results: [{
            Target: `${name} (debian 12.7)`, Class: "os-pkgs", Type: "debian",
            ...(vulns.length ? {
                Vulnerabilities: vulns.map((v) => ({
                    VulnerabilityID: v.id, PkgName: "libssl3", InstalledVersion: "3.0.14-1~deb12u1", FixedVersion: "3.0.15-1~deb12u1", Status: "fixed",
                    Severity: v.severity, ...(v.published ? { PublishedDate: v.published } : {}),
                })),
            } : {}),
        }],
    }));
}

/** `imagegate audit …` through the CLI's one entry (shared flags, report layer, exit codes). */
function auditCommand(argv: string[], cap: Parameters<typeof main>[1], deps?: AuditDeps): Promise<number> {
    return main(["audit", ...argv], cap, deps ? { audit: deps } : {});
}

let reg: TestRegistry;
let dir: string;
const io = () => {
    const out = { stdout: "", stderr: "" };
    return { out, io: { stdout: (t: string) => { out.stdout += t; }, stderr: (t: string) => { out.stderr += t; } } };
};

async function attach(repo: string, img: PushedImage, bytes: Buffer, type = TRIVY_TYPE, created = new Date()): Promise<void> {
    await reg.pushArtifact(repo, { subject: img.descriptor, artifactType: type, layers: [{ mediaType: type, bytes }], annotations: { "org.opencontainers.image.created": created.toISOString() } });
}

/** The application stack: what `pulumi stack export` writes after `pulumi up` of this program. */
async function appStack(images: { web: string; worker: string; api: string }, project = "shop", stack = "prod", secretSidecar = true) {
    return stackExportOf(() => {
        const labels = { app: "web" };
        new k8s.apps.v1.Deployment("web", {
            metadata: { name: "web", namespace: "shop" },
            spec: {
                selector: { matchLabels: labels },
                template: { metadata: { labels }, spec: { containers: [{ name: "web", image: images.web }, { name: "worker", image: images.worker }] } },
            },
        });
        new azure.app.ContainerApp("api", {
            resourceGroupName: RG,
            template: { containers: [{ name: "api", image: images.api }] },
        });
        // A secret anywhere in a top-level property makes the whole property secret in the state.
        if (secretSidecar) new azure.app.ContainerApp("sidecar", { resourceGroupName: RG, template: { containers: [{ name: "sidecar", image: pulumi.secret(`${reg.host}/team/sidecar:1.0`) }] } });
        const registry = { id: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ContainerRegistry/registries/appacr`, name: "appacr", loginServer: reg.host, resourceGroupName: RG, location: "westeurope" };
        new ImageBuildTask("web-build", { registry, repository: "team/web", contextPath: "https://github.com/contoso/web.git#main", build: { kind: "docker", dockerFilePath: "Dockerfile" } });
        new RedeployWebhook("web-redeploy", { registry, repository: "team/web", serviceUri: "https://dev.azure.com/contoso/shop/_apis/public/distributedtask/webhooks/redeploy?api-version=6.0-preview" });
    }, { project, stack, newResource: outputsFor });
}

function writeConfig(name: string, scanned: Record<string, unknown>): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, JSON.stringify({
        "trusted-registries": { registries: [reg.host] },
        "require-digest": "mandatory",
        "no-latest-tag": "mandatory",
        "scanned-images": { enforcementLevel: "mandatory", registries: [reg.host], attestations: true, ...scanned },
    }));
    return file;
}

let web: PushedImage, worker: PushedImage, api: PushedImage;
let state: string;

beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "imagegate-audit-"));
    reg = await startRegistry();
    web = await reg.pushImage("team/web", "1.0");
    worker = await reg.pushImage("team/worker", "1.0");
    api = await reg.pushImage("team/api", "1.0");
    const now = new Date();
    // At preview time every image was scanned and clean.
    await attach("team/web", web, trivy(`${reg.host}/team/web`, web.manifest.digest, new Date(now.getTime() - 2 * DAY)), TRIVY_TYPE, new Date(now.getTime() - 2 * DAY));
    await attach("team/worker", worker, trivy(`${reg.host}/team/worker`, worker.manifest.digest, new Date(now.getTime() - 10 * DAY)), TRIVY_TYPE, new Date(now.getTime() - 10 * DAY));
    await attach("team/api", api, trivy(`${reg.host}/team/api`, api.manifest.digest, new Date(now.getTime() - DAY), [{ id: "CVE-2024-5535", severity: "CRITICAL", published: "2024-06-27T11:15:00Z" }]), TRIVY_TYPE, new Date(now.getTime() - DAY));
    const doc = await appStack({
        web: `${reg.host}/team/web@${web.manifest.digest}`,
        worker: `${reg.host}/team/worker@${worker.manifest.digest}`,
        api: `${reg.host}/team/api@${api.manifest.digest}`,
    });
    state = writeStackExport(path.join(dir, "shop-prod.json"), doc);
    // After deployment: a new report on the web image finds a CRITICAL vulnerability.
    await attach("team/web", web, trivy(`${reg.host}/team/web`, web.manifest.digest, new Date(), [{ id: "CVE-2024-9143", severity: "CRITICAL", published: "2024-10-16T17:15:00Z" }]));
}, 120_000);

afterAll(async () => {
    await reg?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
});

describe("the recorded stack export", () => {
    it("has Pulumi's shape, the component outputs the loop needs, and secrets only as ciphertext", () => {
        const doc = JSON.parse(fs.readFileSync(state, "utf8"));
        expect(doc.version).toBe(3);
        const task = doc.deployment.resources.find((r: { type: string }) => r.type === "imagegate:components:ImageBuildTask");
        expect(task.outputs).toMatchObject({ repository: `${reg.host}/team/web`, taskName: "web-build", registryName: "appacr", runCommand: "az acr task run --registry appacr --name web-build" });
        const text = fs.readFileSync(state, "utf8");
        expect(text).not.toContain("team/sidecar");
        const parsed = parseStackExport(doc, state);
        expect(parsed.ok && parsed.stack).toMatchObject({ stack: "prod", project: "shop" });
    });

    it("refuses what is not an export, naming the file", () => {
        expect(parseStackExport({ version: 9, deployment: {} }, "x.json")).toEqual({ ok: false, failure: { code: "not-an-export", message: expect.stringContaining("x.json: not a `pulumi stack export` document: version 9") } });
        expect(parseStackExport({ version: 3, deployment: { resources: [{ urn: "nope", type: "t" }] } }, "y.json")).toEqual({ ok: false, failure: { code: "not-an-export", message: expect.stringContaining("is not a Pulumi URN") } });
    });
});

describe("imagegate audit --state", () => {
    it("reports exactly the deployed images that fail today's gates, with since and the fix", async () => {
        const config = writeConfig("policy.json", {
            exceptions: [{ id: "CVE-2024-5535", expires: new Date(Date.now() - 3 * DAY).toISOString().slice(0, 10), reason: "accepted until the base image is patched" }],
        });
        const { out, io: cap } = io();
        const code = await auditCommand(["--state", state, "--policy-config", config, "--format", "json"], cap);
        expect(out.stderr).toBe("");
        expect(code).toBe(1);
        const report = JSON.parse(out.stdout);
        expect(report.groups).toHaveLength(1);
        const group = report.groups[0];
        expect(group).toMatchObject({ kind: "stack", name: "shop/prod", source: state, passing: 0 });
        const byRepo = Object.fromEntries(group.failing.map((i: { reference: string }) => [i.reference.split("/")[2].split("@")[0], i]));
        expect(Object.keys(byRepo).sort()).toEqual(["api", "web", "worker"]);

        // web: the new CRITICAL finding, since its publication; rebuilt by the ImageBuildTask, redeployed by the webhook.
        const w = byRepo.web;
        expect(w.failures).toEqual([expect.objectContaining({ gate: "scanned-images", level: "mandatory", kind: "vulnerable", since: "2024-10-16T17:15:00.000Z", sinceWhat: "CVE-2024-9143 was published", vulnerabilities: ["CVE-2024-9143"] })]);
        expect(w.uses).toEqual([expect.objectContaining({ type: "kubernetes:apps/v1:Deployment", name: "web", path: "spec.template.spec.containers[0].image", container: "web" })]);
        expect(w.fix.rebuild).toMatchObject({ name: "web-build", stack: "prod", runCommand: "az acr task run --registry appacr --name web-build" });
        expect(w.fix.webhooks).toEqual([expect.objectContaining({ name: "web-redeploy", scope: "team/web:*" })]);
        expect(w.fix.text).toContain("rebuild: `az acr task run --registry appacr --name web-build` (ImageBuildTask web-build in stack prod)");

        // worker: its only scan aged past maxAgeDays 7 since preview; no task builds it.
        const k = byRepo.worker;
        expect(k.failures[0]).toMatchObject({ gate: "scanned-images", kind: "stale" });
        expect(new Date(k.failures[0].since).getTime()).toBeCloseTo(Date.now() - 3 * DAY, -6);
        expect(k.fix.text).toContain("no ImageBuildTask in the audited stacks builds this repository");

        // api: the exception that let it through expired.
        const a = byRepo.api;
        expect(a.failures[0]).toMatchObject({ gate: "scanned-images", kind: "vulnerable", sinceWhat: expect.stringMatching(/^the exception for CVE-2024-5535 expired on /) });
        expect(a.failures[0].reason).toContain("the exception for CVE-2024-5535 expired");
        expect(a.uses[0]).toMatchObject({ type: "azure-native:app:ContainerApp", path: "template.containers[0].image" });

        // The secret sidecar image is not readable from the state: reported, never printed.
        expect(group.unjudged).toEqual([expect.objectContaining({ level: "mandatory", use: expect.objectContaining({ name: "sidecar", path: "template" }), reason: expect.stringContaining("secret") })]);
        expect(out.stdout).not.toContain("sidecar:1.0");
    });

    it("a VEX statement that clears the finding changes the verdict as the spec says (and one for another product does not)", async () => {
        const vexDir = path.join(dir, "vex");
        fs.mkdirSync(vexDir, { recursive: true });
        const statement = (product: string) => ({
            "@context": "https://openvex.dev/ns/v0.2.0", "@id": `https://openvex.dev/docs/public/vex-${product.length}`, author: "Contoso Security", timestamp: new Date(Date.now() - DAY).toISOString(), version: 1,
            statements: [{ vulnerability: { name: "CVE-2024-9143" }, products: [{ "@id": product }], status: "not_affected", justification: "vulnerable_code_not_in_execute_path" }],
        });
        fs.writeFileSync(path.join(vexDir, "other.json"), JSON.stringify(statement(`pkg:oci/web?repository_url=${reg.host}/team/other/web`)));
        const other = writeConfig("policy-vex-other.json", { vex: [vexDir] });
        const before = io();
        await auditCommand(["--state", state, "--policy-config", other, "--format", "json"], before.io);
        expect(JSON.parse(before.out.stdout).groups[0].failing.map((i: { reference: string }) => i.reference)).toContain(`${reg.host}/team/web@${web.manifest.digest}`);

        fs.writeFileSync(path.join(vexDir, "web.json"), JSON.stringify(statement(`pkg:oci/web@${encodeURIComponent(web.manifest.digest)}?repository_url=${reg.host}/team/web`)));
        fs.writeFileSync(path.join(vexDir, "broken.json"), "{\"@context\": \"https://openvex.dev/ns/v0.2.0\"}");
        const after = io();
        await auditCommand(["--state", state, "--policy-config", other, "--format", "json"], after.io);
        const failing = JSON.parse(after.out.stdout).groups[0].failing.map((i: { reference: string }) => i.reference);
        expect(failing).not.toContain(`${reg.host}/team/web@${web.manifest.digest}`);
        expect(after.out.stderr).toMatch(/warning: .*broken\.json: VEX document refused: author is required/);
    });

    it("text groups by stack and image; SARIF is valid and carries the fix; --fail-on and --output behave as for check", async () => {
        const config = writeConfig("policy-plain.json", {});
        const text = io();
        expect(await auditCommand(["--state", state, "--policy-config", config], text.io)).toBe(1);
        expect(text.out.stdout).toMatch(/❌ stack shop\/prod \(.*shop-prod\.json\): 3 failing, 0 passing, 1 not judged/);
        expect(text.out.stdout).toContain("failing since 2024-10-16: CVE-2024-9143 was published");
        expect(text.out.stdout).toContain("fix: rebuild: `az acr task run --registry appacr --name web-build`");

        const sarifFile = path.join(dir, "audit.sarif");
        const s = io();
        expect(await auditCommand(["--state", state, "--policy-config", config, "--format", "sarif", "--output", sarifFile], s.io)).toBe(1);
        expect(s.out.stdout).toBe("");
        const log = JSON.parse(fs.readFileSync(sarifFile, "utf8"));
        const schema = JSON.parse(fs.readFileSync(path.join(FIXTURES, "sarif", "sarif-2.1.0-rtm.5.json"), "utf8"));
        schema.$id = schema.id; delete schema.id; delete schema.$schema;
        const validate = new Ajv({ allErrors: true, strict: false, validateFormats: false, unicodeRegExp: false }).compile(schema);
        expect(validate(log)).toBe(true);
        const results = log.runs[0].results as { ruleId: string; level: string; message: { text: string }; locations: { logicalLocations: { fullyQualifiedName: string }[] }[] }[];
        const webResult = results.find((r) => r.ruleId === "scanned-images" && r.message.text.includes("team/web@"))!;
        expect(webResult.level).toBe("error");
        expect(webResult.message.text).toContain("Fix: rebuild: `az acr task run --registry appacr --name web-build`");
        expect(webResult.locations[0].logicalLocations[0].fullyQualifiedName).toMatch(/^urn:pulumi:prod::shop::kubernetes:apps\/v1:Deployment::web$/);
        expect(results.some((r) => r.ruleId === "audit-unjudged")).toBe(true);
        // A stack's findings are located at its state file (code scanning needs a physical location).
        expect((log.runs[0].results as { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[])
            .every((r) => r.locations[0].physicalLocation.artifactLocation.uri.endsWith("shop-prod.json"))).toBe(true);

        // The shared layer gives audit the junit and github formats too, with the same exit code.
        const j = io();
        expect(await auditCommand(["--state", state, "--policy-config", config, "--format", "junit"], j.io)).toBe(1);
        expect(j.out.stdout).toMatch(/<testsuite name="imagegate audit"/);
        expect(j.out.stdout).toMatch(/<testcase name="kubernetes:apps\/v1:Deployment web"[^>]*>\s*<failure message="scanned-images: stack shop\/prod:/);
        const g = io();
        expect(await auditCommand(["--state", state, "--policy-config", config, "--format", "github", "--fail-on", "none"], g.io)).toBe(0);
        expect(g.out.stdout).toMatch(/^::error file=[^,]*shop-prod\.json,title=imagegate scanned-images::kubernetes:apps\/v1:Deployment web: stack shop\/prod: /m);

        expect(await auditCommand(["--state", state, "--policy-config", config, "--fail-on", "none"], io().io)).toBe(0);
    });

    it("the scheduled job's selection in docs/ci.md picks exactly the task runs that rebuild vulnerable or stale images", async () => {
        const json = path.join(dir, "audit.json");
        await auditCommand(["--state", state, "--policy-config", writeConfig("policy-ci.json", {}), "--format", "json", "--output", json, "--fail-on", "none"], io().io);
        const doc = fs.readFileSync(path.join(REPO_ROOT, "docs", "ci.md"), "utf8");
        const block = doc.slice(doc.indexOf("The selection, shared by both jobs"));
        const filter = block.slice(block.indexOf("jq -r '") + "jq -r '".length, block.indexOf("' audit.json"));
        expect(execFileSync("jq", ["-r", filter, json], { encoding: "utf8" })).toBe("appacr web-build\n");
        // What a rebuild does not fix fails the job: here the secret image the audit could not read.
        const gate = block.slice(block.indexOf("jq -e '") + "jq -e '".length);
        const failFilter = gate.slice(0, gate.indexOf("' audit.json"));
        expect(() => execFileSync("jq", ["-e", failFilter, json], { encoding: "utf8" })).toThrow(/Command failed/);
        const doc2 = JSON.parse(fs.readFileSync(json, "utf8"));
        doc2.groups[0].unjudged = [];
        fs.writeFileSync(json, JSON.stringify(doc2));
        expect(execFileSync("jq", ["-e", failFilter, json], { encoding: "utf8" }).trim()).toBe("true");
    });

    it("an advisory gate fails only with --fail-on advisory; a clean deployment exits 0", async () => {
        const advisory = path.join(dir, "policy-advisory.json");
        fs.writeFileSync(advisory, JSON.stringify({ "trusted-registries": { registries: [reg.host] }, "scanned-images": { enforcementLevel: "advisory", registries: [reg.host], attestations: true } }));
        const only = await appStack({ web: `${reg.host}/team/web@${web.manifest.digest}`, worker: `${reg.host}/team/web@${web.manifest.digest}`, api: `${reg.host}/team/web@${web.manifest.digest}` }, "shop", "staging", false);
        const file = writeStackExport(path.join(dir, "shop-staging.json"), only);
        expect(await auditCommand(["--state", file, "--policy-config", advisory], io().io)).toBe(0);
        expect(await auditCommand(["--state", file, "--policy-config", advisory, "--fail-on", "advisory"], io().io)).toBe(1);

        const clean = await reg.pushImage("team/clean", "1.0");
        await attach("team/clean", clean, trivy(`${reg.host}/team/clean`, clean.manifest.digest, new Date()));
        const ref = `${reg.host}/team/clean@${clean.manifest.digest}`;
        const cleanState = writeStackExport(path.join(dir, "clean.json"), await stackExportOf(() => {
            new k8s.apps.v1.Deployment("clean", { spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: ref }] } } } });
        }, { project: "clean", stack: "dev" }));
        const r = io();
        expect(await auditCommand(["--state", cleanState, "--policy-config", writeConfig("policy-clean.json", {})], r.io)).toBe(0);
        expect(r.out.stdout).toContain("✅ stack clean/dev");
    });

    it("usage, config and input errors exit 2 with the reason", async () => {
        const config = writeConfig("policy-errors.json", {});
        const bad = path.join(dir, "not-json.json");
        fs.writeFileSync(bad, "{");
        const cases: [string[], RegExp][] = [
            [[], /at least one --state FILE/],
            [["--state", state, "--format", "xml"], /--format must be one of/],
            [["--state", state, "--fail-on", "low"], /--fail-on must be one of/],
            [["--state", state, "--policy-config", path.join(dir, "missing.json")], /no such file/],
            [["--state", state, "--running-images", "--policy-config", config], /--running-images reads Defender/],
        ];
        for (const [argv, why] of cases) {
            const r = io();
            expect(await main(["audit", ...argv], r.io)).toBe(2);
            expect(r.out.stderr).toMatch(why);
        }
        const r = io();
        expect(await auditCommand(["--state", bad, "--state", path.join(dir, "nope.json"), "--policy-config", config, "--format", "json"], r.io)).toBe(2);
        expect(r.out.stderr).toMatch(/not-json\.json: not valid JSON/);
        expect(r.out.stderr).toMatch(/nope\.json: no such file/);
    });
});

describe("Defender's running images (Resource Graph loopback)", () => {
    let server: ResourceGraphServer;
    const clusterId = `/subscriptions/${SUB}/resourceGroups/rg-shop/providers/Microsoft.ContainerService/managedClusters/aks-shop`;
    beforeAll(async () => {
        const runtime = (name: string, o: Partial<Parameters<typeof subAssessment>[0]>) => subAssessment({
            sub: SUB, registry: reg.host, repository: "team/web", digest: web.manifest.digest, name, status: "Unhealthy", timeGenerated: new Date().toISOString(),
            key: "c609cf0f-71ab-41e9-a3c6-9a1f7fe1b8d5", resourceId: clusterId, cve: "CVE-2024-9143", severity: "Critical", ...o,
        });
        server = await startResourceGraphServer({
            token: TOKEN,
            resources: [
                runtime("r1", {}),
                runtime("r2", { cve: "CVE-2024-0001" }),
                runtime("r3", { digest: "" }),
                // A registry sub-assessment of the same image: not a running image.
                subAssessment({ sub: SUB, registry: reg.host, repository: "team/registry-only", digest: api.manifest.digest, name: "g1", status: "Healthy", timeGenerated: new Date().toISOString() }),
            ],
        });
    });
    afterAll(async () => server?.close());

    it("audits every image a cluster runs, once per image, and reports rows it cannot read", async () => {
        const config = path.join(dir, "policy-defender.json");
        fs.writeFileSync(config, JSON.stringify({
            "trusted-registries": { registries: [reg.host] },
            "scanned-images": { enforcementLevel: "mandatory", registries: [reg.host], attestations: true, defender: { subscriptions: [SUB] } },
        }));
        const defender = {
            credential: { getToken: async () => ({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }) },
            clientOptions: { endpoint: server.url, credentialScopes: "https://management.azure.com/.default", tlsOptions: { ca: server.certPem }, retryOptions: { maxRetries: 0 } },
            timeoutMs: 10_000,
        };
        const r = io();
        const code = await auditCommand(["--running-images", "--policy-config", config, "--format", "json"], r.io, { defender });
        expect(r.out.stderr).toBe("");
        expect(code).toBe(1);
        const report = JSON.parse(r.out.stdout);
        expect(report.groups).toHaveLength(1);
        const g = report.groups[0];
        expect(g).toMatchObject({ kind: "cluster", name: "aks-shop", source: clusterId.toLowerCase() });
        expect(g.failing.map((i: { reference: string }) => i.reference)).toEqual([`${reg.host}/team/web@${web.manifest.digest}`]);
        expect(g.failing[0].failures[0]).toMatchObject({ gate: "scanned-images", kind: "vulnerable" });
        expect(g.unjudged).toEqual([expect.objectContaining({ reason: expect.stringContaining("Defender lists a running image it names only as") })]);
        const query = server.requests.map((q) => q.body.query as string).find((q) => q.includes("c609cf0f"))!;
        expect(query).toContain('| where assessmentKey == "c609cf0f-71ab-41e9-a3c6-9a1f7fe1b8d5"');
    });

    it("rows → clusters refuses a row without a cluster", () => {
        expect(() => rowsToClusters([{ registryHost: "a.azurecr.io", repository: "x", digest: "sha256:" + "a".repeat(64) }])).toThrow(/names no cluster/);
    });
});
