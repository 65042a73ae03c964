/**
 * The team template (templates/app) as an app team runs it: its program previewed under Pulumi's
 * mocks through the pack with its own policy config, against the real loopback registry holding the
 * team's image and a scan report attached to its digest.
 */
import * as fs from "fs";
import * as ts from "typescript";
import * as path from "path";
import { cli, ROOT } from "../../support/cli";
import { startRegistry, type TestRegistry } from "../../support/registry";

const TEMPLATE = path.join(ROOT, "templates", "app");
const TRIVY_JSON = "application/vnd.aquasecurity.trivy.report+json";

function trivyReport(repoDigest: string, severities: string[]): string {
    return JSON.stringify({
        SchemaVersion: 2,
        CreatedAt: new Date().toISOString(),
        ArtifactName: repoDigest,
        ArtifactType: "container_image",
        Metadata: { RepoDigests: [repoDigest] },
        Results: [{ Target: "app", Class: "os-pkgs", Type: "debian", Vulnerabilities: severities.map((s, i) => ({ VulnerabilityID: `CVE-2026-${2000 + i}`, PkgName: "libbar", InstalledVersion: "1", FixedVersion: "2", Severity: s })) }],
    });
}

let reg: TestRegistry;
let project: string;

/**
 * `pulumi new` copies the template and replaces ${PROJECT}; the copy lives under the repository (a
 * git-ignored folder) without its package.json, so `imagegate/components` resolves to this checkout's
 * build through the package's self-reference, as an installed imagegate would.
 */
beforeAll(async () => {
    reg = await startRegistry();
    project = fs.mkdtempSync(path.join(ROOT, "test", ".tmp-template-"));
    fs.copyFileSync(path.join(TEMPLATE, "index.ts"), path.join(project, "index.ts"));
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), fs.readFileSync(path.join(TEMPLATE, "Pulumi.yaml"), "utf8").replace("${PROJECT}", "team-app").replace("${DESCRIPTION}", "a team app"));
    // The shipped policy config, pointed at the loopback registry instead of contoso.azurecr.io.
    const shipped = fs.readFileSync(path.join(TEMPLATE, "policy-config.json"), "utf8");
    const config = JSON.parse(shipped.replace(/contoso\.azurecr\.io/g, reg.host));
    config["scanned-images"].registries = [reg.host];
    fs.writeFileSync(path.join(project, "policy-config.json"), JSON.stringify(config, null, 2));
}, 60_000);

afterAll(async () => {
    await reg?.stop();
    if (project) fs.rmSync(project, { recursive: true, force: true });
});

function stack(name: string, values: Record<string, string>): string {
    fs.writeFileSync(path.join(project, `Pulumi.${name}.yaml`), `config:\n${Object.entries(values).map(([k, v]) => `  team-app:${k}: "${v}"`).join("\n")}\n`);
    return name;
}

describe("templates/app", () => {
    it("ships the files `pulumi new` needs, with config prompts", () => {
        const yaml = fs.readFileSync(path.join(TEMPLATE, "Pulumi.yaml"), "utf8");
        expect(yaml).toContain("name: ${PROJECT}");
        expect(yaml).toMatch(/template:\n\s+description: .+\n\s+config:\n\s+registry:/);
        const pkg = JSON.parse(fs.readFileSync(path.join(TEMPLATE, "package.json"), "utf8"));
        expect(Object.keys(pkg.dependencies)).toEqual(expect.arrayContaining(["@pulumi/pulumi", "@pulumi/kubernetes", "imagegate"]));
    });

    it("type-checks strictly, as Pulumi's default TypeScript loader would, against imagegate's components", () => {
        // `imagegate/components` resolves to the package's exports in an install; here to the sources.
        const program = ts.createProgram([path.join(TEMPLATE, "index.ts")], {
            strict: true, target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10,
            esModuleInterop: true, skipLibCheck: true, noEmit: true, types: ["node"],
            baseUrl: ROOT, paths: { "imagegate/components": ["components/index.ts"] },
        });
        expect(program.getSourceFile(path.join(ROOT, "components", "image", "trusted-image.ts"))).toBeDefined();
        const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
        expect(problems).toEqual([]);
    }, 60_000);

    it("deploys the team's image pinned to the digest its tag names, scanned, with zero mandatory violations", async () => {
        const img = await reg.pushImage("team/app", "1.4.2");
        await reg.pushArtifact("team/app", {
            subject: img.descriptor,
            artifactType: TRIVY_JSON,
            layers: [{ mediaType: TRIVY_JSON, bytes: Buffer.from(trivyReport(`${reg.host}/team/app@${img.manifest.digest}`, ["LOW"])) }],
            annotations: { "org.opencontainers.image.created": new Date().toISOString() },
        });
        const r = await cli(["preview", "--program", project, "--stack", stack("ok", { registry: reg.host, repository: "team/app", tag: "1.4.2" }), "--policy-config", path.join(project, "policy-config.json"), "--format", "json", "--include-inputs"]);
        expect({ code: r.code, stderr: r.code ? r.stderr : "" }).toEqual({ code: 0, stderr: "" });
        const doc = JSON.parse(r.stdout);
        const deployment = doc.resources.find((x: { type: string }) => x.type === "kubernetes:apps/v1:Deployment");
        expect(deployment.inputs.spec.template.spec.containers[0].image).toBe(`${reg.host}/team/app:1.4.2@${img.manifest.digest}`);
        expect(doc.resources.map((x: { type: string }) => x.type)).toEqual(expect.arrayContaining(["kubernetes:core/v1:Namespace", "kubernetes:core/v1:Service", "imagegate:components:TrustedImage"]));
        expect(doc.diagnostics.filter((d: { level: string }) => d.level === "mandatory")).toEqual([]);
    });

    it("refuses to deploy an image whose scan found a blocking vulnerability, saying why", async () => {
        const img = await reg.pushImage("team/app", "1.5.0");
        await reg.pushArtifact("team/app", {
            subject: img.descriptor,
            artifactType: TRIVY_JSON,
            layers: [{ mediaType: TRIVY_JSON, bytes: Buffer.from(trivyReport(`${reg.host}/team/app@${img.manifest.digest}`, ["CRITICAL"])) }],
            annotations: { "org.opencontainers.image.created": new Date().toISOString() },
        });
        const r = await cli(["preview", "--program", project, "--stack", stack("vuln", { registry: reg.host, repository: "team/app", tag: "1.5.0" }), "--policy-config", path.join(project, "policy-config.json")]);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/TrustedImage "app": .*team\/app:1\.5\.0@sha256:[0-9a-f]{64} is not trusted for deployment: .*CVE-2026-2000/);
    });

    it("in audit mode deploys anyway and the pack still blocks the vulnerable digest at preview", async () => {
        const r = await cli(["preview", "--program", project, "--stack", stack("audit", { registry: reg.host, repository: "team/app", tag: "1.5.0", imageGate: "audit" }), "--policy-config", path.join(project, "policy-config.json"), "--format", "json", "--include-inputs"]);
        expect(r.code).toBe(1);
        const doc = JSON.parse(r.stdout);
        const blocking = doc.diagnostics.filter((d: { level: string }) => d.level === "mandatory");
        expect(blocking.map((d: { policy: string }) => d.policy)).toEqual(["scanned-images"]);
        expect(blocking[0].message).toMatch(/CVE-2026-2000/);
    });
});
