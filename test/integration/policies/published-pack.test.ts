/**
 * The pack as `pulumi policy publish` ships it and enforcement runs it: `npm pack` in policies/,
 * the tarball unpacked in a fresh directory outside this repository (so nothing resolves through the
 * repository's node_modules), `npm install` there as the Pulumi service's runner does, then launched
 * the way the Pulumi CLI launches a nodejs pack and sent a Configure and an Analyze.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AnalyzerHarness } from "../../../cli/harness";
import { lockfileSubset } from "../../support/lockfile-subset";
import { PACK_DIR, REPO_ROOT } from "../../support/paths";

const npm = (args: string[], cwd: string) => execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 300_000 });

let work: string;
let installed: string;
let files: string[];
let pack: AnalyzerHarness | undefined;

beforeAll(async () => {
    if (!fs.existsSync(path.join(PACK_DIR, "dist", "policies", "index.js"))) throw new Error("policies/dist is missing: run `npm run build` first");
    work = fs.mkdtempSync(path.join(os.tmpdir(), "imagegate-pack-"));
    const [packed] = JSON.parse(npm(["pack", "--json", "--pack-destination", work], PACK_DIR)) as { filename: string; files: { path: string }[] }[];
    files = packed.files.map((f) => f.path);
    installed = path.join(work, "pack");
    fs.mkdirSync(installed);
    execFileSync("tar", ["-xzf", path.join(work, path.basename(packed.filename)), "-C", installed, "--strip-components=1"]);
    // The service runs `npm install` in the unpacked pack. Here the lockfile is cut from this
    // repository's, so the install comes from the npm cache alone (no network in CI).
    const manifest = JSON.parse(fs.readFileSync(path.join(installed, "package.json"), "utf8"));
    fs.writeFileSync(path.join(installed, "package-lock.json"), JSON.stringify(lockfileSubset(path.join(REPO_ROOT, "package-lock.json"), manifest), null, 2));
    npm(["ci", "--offline", "--omit=dev", "--no-audit", "--no-fund", "--ignore-scripts"], installed);
    pack = await AnalyzerHarness.launch({ packDir: installed });
}, 600_000);

afterAll(async () => {
    await pack?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe("the published policy pack", () => {
    it("carries compiled JavaScript, PulumiPolicy.yaml and its manifest, and no TypeScript sources or tests", () => {
        expect(files).toEqual(expect.arrayContaining(["package.json", "PulumiPolicy.yaml", "dist/policies/index.js", "dist/core/reference.js"]));
        expect(files.filter((f) => f.endsWith(".ts") || f.includes("examples/"))).toEqual([]);
        const manifest = JSON.parse(fs.readFileSync(path.join(installed, "package.json"), "utf8"));
        expect(manifest.main).toBe("dist/policies/index.js");
        expect(Object.keys(manifest.dependencies)).toEqual(expect.arrayContaining(["@pulumi/policy", "@pulumi/pulumi"]));
    });

    it("loads from a fresh directory after npm install and judges a resource", async () => {
        const info = await pack!.getAnalyzerInfo();
        expect(info.policies.map((p) => p.name)).toEqual(expect.arrayContaining(["trusted-registries", "require-digest", "stack-registry-scanning"]));
        await pack!.configureFromFile({ "trusted-registries": { registries: ["contoso.azurecr.io"] } }, info);
        const r = await pack!.analyze({
            type: "kubernetes:core/v1:Pod",
            name: "web",
            urn: "urn:pulumi:dev::app::kubernetes:core/v1:Pod::web",
            properties: { spec: { containers: [{ name: "web", image: "docker.io/library/nginx:1.27" }] } },
        });
        const trusted = r.diagnostics.filter((d) => d.policyName === "trusted-registries");
        expect(trusted).toHaveLength(1);
        expect(trusted[0].enforcementLevel).toBe("mandatory");
        expect(trusted[0].message).toContain("docker.io/library/nginx:1.27");
        expect(pack!.protocolErrors()).toEqual([]);
    });
});

describe("the imagegate package", () => {
    it("ships the CLI, the components, the pack and the template, and none of the tests, benchmarks or environment programs", () => {
        const [root] = JSON.parse(npm(["pack", "--dry-run", "--json", "--ignore-scripts"], REPO_ROOT)) as { files: { path: string }[] }[];
        const paths = root.files.map((f) => f.path);
        expect(paths).toEqual(expect.arrayContaining(["bin/imagegate.js", "dist/components/index.js", "dist/cli/main.js", "policies/PulumiPolicy.yaml", "policies/dist/policies/index.js", "templates/app/index.ts"]));
        expect(paths.filter((p) => /^(test|bench|infra|workloads|samples)\/|^dist\/(test|bench|infra|workloads)\/|\.test\.|^Pulumi\./.test(p))).toEqual([]);
    }, 120_000);
});
