/**
 * The team template (templates/app) as an app team runs it: its program previewed under Pulumi's
 * mocks through the pack with its own policy config, against the real loopback registry holding the
 * team's image and a scan report attached to its digest.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
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
/** A `pulumi new` directory after `npm install`: the template's files, imagegate from its packed tarball. */
let installed: string;

/**
 * What `npm install` leaves in a new project: imagegate exactly as `npm pack` ships it (its `files`,
 * its package.json), and the packages both need, linked from this checkout's install (the npm
 * registry is not reachable in CI). ts-node is left out: the template does not depend on it.
 */
function plainInstall(dir: string): void {
    for (const f of ["index.ts", "tsconfig.json", "package.json", "policy-config.json"]) fs.copyFileSync(path.join(TEMPLATE, f), path.join(dir, f));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), fs.readFileSync(path.join(TEMPLATE, "Pulumi.yaml"), "utf8").replace("${PROJECT}", "team-app").replace("${DESCRIPTION}", "a team app"));
    const [packed] = JSON.parse(execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })) as { filename: string }[];
    const modules = path.join(dir, "node_modules");
    fs.mkdirSync(path.join(modules, "imagegate"), { recursive: true });
    execFileSync("tar", ["-xzf", path.join(dir, path.basename(packed.filename)), "-C", path.join(modules, "imagegate"), "--strip-components=1"]);
    for (const entry of fs.readdirSync(path.join(ROOT, "node_modules"))) {
        if (["imagegate", "imagegate-policies", "ts-node", ".bin", ".package-lock.json"].includes(entry)) continue;
        fs.symlinkSync(path.join(ROOT, "node_modules", entry), path.join(modules, entry));
    }
}

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
    installed = fs.mkdtempSync(path.join(os.tmpdir(), "imagegate-template-"));
    plainInstall(installed);
}, 120_000);

afterAll(async () => {
    await reg?.stop();
    if (project) fs.rmSync(project, { recursive: true, force: true });
    if (installed) fs.rmSync(installed, { recursive: true, force: true });
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

    it("type-checks in place with its own tsconfig.json after a plain install of the packed imagegate, as Pulumi's ts-node does", () => {
        // Pulumi's nodejs host type-checks a TypeScript program (ts-node without transpileOnly unless
        // PULUMI_NODEJS_TRANSPILE_ONLY or noCheck), so a type error or an unresolvable
        // `imagegate/components` (the template's moduleResolution reads no `exports`) fails `pulumi up`.
        const tsc = path.join(installed, "node_modules", "typescript", "bin", "tsc");
        const r = spawnSync(process.execPath, [tsc, "-p", "tsconfig.json", "--noEmit"], { cwd: installed, encoding: "utf8" });
        expect({ status: r.status, out: r.stdout + r.stderr }).toEqual({ status: 0, out: "" });
    }, 120_000);

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
        expect(doc.resources.map((x: { type: string }) => x.type)).toEqual(expect.arrayContaining(["kubernetes:core/v1:Namespace", "kubernetes:core/v1:Service", "kubernetes:apps/v1:Deployment"]));
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

    it("previews outside this repository after a plain install, without ts-node (Pulumi's vendored one compiles it)", async () => {
        fs.copyFileSync(path.join(project, "policy-config.json"), path.join(installed, "policy-config.json"));
        fs.writeFileSync(path.join(installed, "Pulumi.ok.yaml"), `config:\n  team-app:registry: "${reg.host}"\n  team-app:repository: team/app\n  team-app:tag: "1.4.2"\n`);
        expect(() => require.resolve("ts-node", { paths: [installed] })).toThrow();
        const r = await cli(["preview", "--program", installed, "--stack", "ok", "--policy-config", path.join(installed, "policy-config.json"), "--format", "json", "--include-inputs"]);
        expect({ code: r.code, stderr: r.code ? r.stderr : "" }).toEqual({ code: 0, stderr: "" });
        const deployment = JSON.parse(r.stdout).resources.find((x: { type: string }) => x.type === "kubernetes:apps/v1:Deployment");
        expect(deployment.inputs.spec.template.spec.containers[0].image).toMatch(new RegExp(`^${reg.host.replace(/[.]/g, "\\.")}/team/app:1\\.4\\.2@sha256:[0-9a-f]{64}$`));
    }, 120_000);
});

