/**
 * The CLI as a CI job runs it: --help/--version, stdin, --output, --fail-on, the junit and github
 * formats, and SARIF that code scanning accepts (validated against the official 2.1.0 schema, every
 * result with a physical location at the offending value, URIs relative to %SRCROOT%).
 */
import Ajv from "ajv";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cli } from "../../support/cli";
import { FIXTURES } from "../../support/paths";

const M = "test/fixtures/manifests";
const TRUST = `${M}/trust-contoso.json`;

function sarifValidator() {
    const schema = JSON.parse(fs.readFileSync(path.join(FIXTURES, "sarif", "sarif-2.1.0-rtm.5.json"), "utf8"));
    schema.$id = schema.id;
    delete schema.id;
    delete schema.$schema;
    const fn = new Ajv({ allErrors: true, strict: false, validateFormats: false, unicodeRegExp: false }).compile(schema);
    return (data: unknown) => {
        if (!fn(data)) throw new Error(JSON.stringify(fn.errors?.slice(0, 5)));
    };
}

// A Deployment whose containers come through a `<<` merge key (what kubectl and Helm deploy).
const MERGED = `apiVersion: apps/v1
kind: Deployment
metadata: {name: merged}
x-pod: &pod
  containers:
  - name: app
    image: evil.example/app:latest
spec:
  template:
    spec:
      <<: *pod
`;

describe("imagegate CLI interface", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "imagegate-cli-"));
    afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("--help, help COMMAND, COMMAND --help|-h and --version print to stdout and exit 0", async () => {
        for (const args of [["--help"], ["help"], ["help", "check"], ["check", "--help"], ["preview", "-h"], ["allowed-images-regex", "--help"], ["audit", "--help"], ["help", "audit"]]) {
            const r = await cli(args);
            expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: "" });
            expect(r.stdout).toMatch(/usage: imagegate/);
        }
        expect((await cli(["check", "--help"])).stdout).toContain("--fail-on LEVEL");
        // audit takes the same report options as check, and its own.
        const audit = (await cli(["audit", "--help"])).stdout;
        for (const flag of ["--state FILE", "--running-images", "--fail-on LEVEL", "--output FILE", "--no-color", "junit, github"]) expect(audit).toContain(flag);
        const v = await cli(["--version"]);
        expect(v).toEqual({ code: 0, stdout: `imagegate ${JSON.parse(fs.readFileSync("package.json", "utf8")).version}\n`, stderr: "" });
    });

    it("usage errors exit 2 without a stack trace; a bad --policy-pack names itself", async () => {
        const bad = await cli(["check", `${M}/clean.yaml`, "--fail-on", "sometimes"]);
        expect(bad.code).toBe(2);
        expect(bad.stderr).toContain('--fail-on must be one of mandatory, advisory, none, given: "sometimes"');
        const pack = await cli(["check", `${M}/clean.yaml`, "--policy-pack", `${M}`]);
        expect(pack).toMatchObject({ code: 2, stdout: "" });
        expect(pack.stderr).toBe(`error: --policy-pack ${M}: not a policy pack (no PulumiPolicy.yaml)\n`);
        for (const r of [bad, pack]) expect(r.stderr).not.toMatch(/\n\s+at |Error: Error:/);
    });

    it("check - reads stdin; merge keys are resolved so the merged image is judged; github annotations point at the image line", async () => {
        const r = await cli(["check", "-", "--policy-config", TRUST, "--format", "github"], 120_000, { stdin: MERGED });
        expect(r.code).toBe(1);
        const lines = r.stdout.trim().split("\n");
        const trusted = lines.find((l) => l.includes("title=imagegate trusted-registries"));
        // The line and column of the `image:` value inside the anchored map; stdin has no file to name.
        expect(trusted).toMatch(/^::error line=7,col=12,title=imagegate trusted-registries::kubernetes:apps\/v1:Deployment merged: .*evil\.example\/app:latest/);
        expect(lines[lines.length - 1]).toMatch(/^imagegate check: 1 object checked, [1-9]\d* mandatory, 0 advisory$/);
    });

    it("--output writes the report (junit) to a file, stdout stays empty; --fail-on none exits 0, advisory fails on advisories", async () => {
        const out = path.join(tmp, "report.xml");
        const r = await cli(["check", `${M}/chart-output`, "--policy-config", TRUST, "--format", "junit", "--output", out, "--fail-on", "none"]);
        expect(r.code).toBe(0);
        expect(r.stdout).toBe("");
        expect(r.stderr).toContain(`report written to ${out}`);
        const xml = fs.readFileSync(out, "utf8");
        expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="imagegate check" tests="5" failures="0" errors="0">/);
        expect(xml).toContain("[mandatory] require-digest"); // reported, though below --fail-on none
        const strict = await cli(["check", `${M}/chart-output`, "--policy-config", TRUST, "--format", "junit"]);
        expect(strict.code).toBe(1);
        expect(strict.stdout).toMatch(/<testsuites name="imagegate check" tests="5" failures="2" errors="0">/);
        expect(strict.stdout).toContain('<failure message="require-digest: Deployment &quot;release-web&quot;');
        const cfg = path.join(tmp, "advisory.json");
        fs.writeFileSync(cfg, JSON.stringify({ all: "advisory", "trusted-registries": { registries: ["contoso.azurecr.io"] } }));
        expect((await cli(["check", `${M}/chart-output`, "--policy-config", cfg, "--quiet"])).code).toBe(0);
        expect((await cli(["check", `${M}/chart-output`, "--policy-config", cfg, "--quiet", "--fail-on", "advisory"])).code).toBe(1);
    });

    it("check SARIF: valid 2.1.0, every result at the image value under %SRCROOT%, stable fingerprints, rules with help and security-severity", async () => {
        const validate = sarifValidator();
        const args = ["check", `${M}/chart-output`, `${M}/broken.yaml`, "--policy-config", TRUST, "--format", "sarif"];
        const [a, b] = [await cli(args), await cli(args)];
        const log = JSON.parse(a.stdout);
        validate(log);
        const run = log.runs[0];
        expect(run.originalUriBaseIds["%SRCROOT%"].uri).toMatch(/^file:\/\/\/.*\/$/);
        expect(run.results.length).toBeGreaterThan(0);
        for (const res of run.results) {
            expect(res.locations[0].physicalLocation.artifactLocation).toEqual({ uri: expect.stringMatching(/^test\/fixtures\/manifests\//), uriBaseId: "%SRCROOT%" });
            expect(res.locations[0].physicalLocation.region.startLine).toBeGreaterThan(0);
            expect(res.partialFingerprints["imagegateFinding/v1"]).toMatch(/^[0-9a-f]{32}$/);
        }
        const digest = run.results.find((x: { ruleId: string; message: { text: string } }) => x.ruleId === "require-digest" && x.message.text.includes("release-web\""));
        expect(digest.locations[0].physicalLocation.region).toEqual({ startLine: 61, startColumn: 18 });
        expect(JSON.parse(b.stdout).runs[0].results.map((x: { partialFingerprints: unknown }) => x.partialFingerprints)).toEqual(run.results.map((x: { partialFingerprints: unknown }) => x.partialFingerprints));
        for (const rule of run.tool.driver.rules) {
            expect(rule.help.text.length).toBeGreaterThan(0);
            expect(rule.properties["security-severity"]).toMatch(/^\d+\.\d$/);
        }
    });

    it("preview SARIF: every result has a physical location (the program's entry point), valid 2.1.0", async () => {
        const validate = sarifValidator();
        const out = path.join(tmp, "preview.sarif");
        const r = await cli(["preview", "--program", "test/fixtures/programs/basic", "--format", "sarif", "--output", out, "--quiet"]);
        expect(r.code).toBe(1);
        const log = JSON.parse(fs.readFileSync(out, "utf8"));
        validate(log);
        const entry = log.runs[0].results.map((x: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) => x.locations[0].physicalLocation.artifactLocation.uri);
        expect(entry.length).toBeGreaterThan(0);
        expect(new Set(entry)).toEqual(new Set(["test/fixtures/programs/basic/index.ts"]));
    });
});
