/** `imagegate check`: Kubernetes YAML → type tokens → the imagegate pack, in all three formats. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseManifests } from "../../../cli/check/manifests";
import { kubernetesTypeToken } from "../../../cli/check/type-token";
import { cli } from "../../support/cli";
import { REPO_ROOT } from "../../support/paths";

const ROOT = REPO_ROOT;
const M = "test/fixtures/manifests";


describe("kubernetesTypeToken", () => {
    it.each([
        ["apps/v1", "Deployment", "kubernetes:apps/v1:Deployment"],
        ["v1", "Pod", "kubernetes:core/v1:Pod"],
        ["batch/v1", "CronJob", "kubernetes:batch/v1:CronJob"],
        ["example.com/v1alpha1", "Widget", "kubernetes:example.com/v1alpha1:Widget"],
    ])("%s %s → %s", (apiVersion, kind, token) => {
        expect(kubernetesTypeToken(apiVersion, kind)).toBe(token);
    });

    it.each([
        [undefined, "Pod", "apiVersion is missing"],
        ["v1", undefined, "kind is missing"],
        ["apps/v1/extra", "Deployment", 'apiVersion "apps/v1/extra" is not'],
        ["apps/latest", "Deployment", 'apiVersion "apps/latest" is not'],
        ["v1", "Pod:x", 'kind "Pod:x" is not a Kubernetes kind'],
    ])("refuses apiVersion %p kind %p", (apiVersion, kind, msg) => {
        expect(() => kubernetesTypeToken(apiVersion, kind)).toThrow(msg);
    });
});

describe("parseManifests", () => {
    it("reads helm template output: comments, leading ---, every document with its index and line", () => {
        const file = `${M}/chart-output/web.yaml`;
        const set = parseManifests(file, fs.readFileSync(path.join(ROOT, file), "utf8"));
        expect(set.errors).toEqual([]);
        expect(set.resources.map((r) => [r.type, r.name, r.source?.document, r.source?.line])).toEqual([
            ["kubernetes:core/v1:ServiceAccount", "release-web", 0, 3],
            ["kubernetes:core/v1:Service", "release-web", 1, 15],
            ["kubernetes:apps/v1:Deployment", "release-web", 2, 35],
            ["kubernetes:batch/v1:CronJob", "release-web-cleanup", 3, 69],
            ["kubernetes:core/v1:Pod", "release-web-test-connection", 4, 86],
        ]);
        const urns = set.resources.map((r) => r.urn);
        expect(new Set(urns).size).toBe(urns.length);
        expect(urns[2]).toBe(`urn:pulumi:check::manifests::kubernetes:apps/v1:Deployment::${file}#2:release-web`);
    });

    it("expands List kinds item by item, namespaces in the name", () => {
        const set = parseManifests("list.yaml", fs.readFileSync(path.join(ROOT, M, "list.yaml"), "utf8"));
        expect(set.errors).toEqual([]);
        expect(set.resources.map((r) => [r.type, r.name, r.source])).toEqual([
            ["kubernetes:core/v1:Pod", "prod/pinned", { file: "list.yaml", document: 0, item: 0, line: 7, range: expect.any(Array) }],
            ["kubernetes:apps/v1:DaemonSet", "kube-system/agent", { file: "list.yaml", document: 0, item: 1, line: 16, range: expect.any(Array) }],
        ]);
    });

    it("reports malformed YAML and objects without kind by document and line, and keeps the other documents", () => {
        const set = parseManifests("broken.yaml", fs.readFileSync(path.join(ROOT, M, "broken.yaml"), "utf8"));
        expect(set.resources.map((r) => [r.name, r.source?.document])).toEqual([
            ["first", 0],
            ["gadget", 4],
        ]);
        expect(set.errors[0]).toMatchObject({ file: "broken.yaml", document: 1, line: 16, message: expect.stringMatching(/^malformed YAML: Flow/) });
        expect(set.errors).toContainEqual({ file: "broken.yaml", document: 2, line: 17, message: "not a Kubernetes object: kind is missing or not a string" });
        expect(set.errors.every((e) => e.document !== 3)).toBe(true); // the empty document is skipped silently
    });

    it("reports documents that are not objects, and List items that are not objects", () => {
        const set = parseManifests("x.yaml", "- just\n- a list\n---\nplain scalar\n---\napiVersion: v1\nkind: List\nitems:\n  - 3\n");
        expect(set.resources).toEqual([]);
        expect(set.errors.map((e) => [e.document, e.line, e.message])).toEqual([
            [0, 1, "expected a Kubernetes object, found a sequence"],
            [1, 4, "expected a Kubernetes object, found string"],
            [2, 9, "List item 0 is not an object"],
        ]);
    });
});

describe("imagegate check (CLI)", () => {
    it("judges helm output with the pack and prints the Pulumi layout; a mandatory violation exits 1", async () => {
        const r = await cli(["check", `${M}/chart-output`, "--policy-config", `${M}/trust-contoso.json`]);
        expect(r.code).toBe(1);
        expect(r.stdout).toContain("imagegate@v0.1.0");
        expect(r.stdout).toContain("- [mandatory]  require-digest  (kubernetes:apps/v1:Deployment: release-web)");
        // At the offending image value (line and column), not the start of the document.
        expect(r.stdout).toContain(`at ${M}/chart-output/web.yaml document 2 line 61 column 18`);
        expect(r.stdout).toContain("- [mandatory]  no-latest-tag  (kubernetes:batch/v1:CronJob: release-web-cleanup)");
        expect(r.stdout).not.toContain("release-web-test-connection)"); // trusted and pinned
        expect(r.stdout).toMatch(/Policy summary: 5 objects checked, \d+ mandatory/);
        expect(r.stdout).toContain("error: check failed: mandatory policy violations");
    });

    it("exits 0 when everything passes", async () => {
        const r = await cli(["check", `${M}/clean.yaml`, "--policy-config", `${M}/trust-contoso.json`]);
        expect(r).toMatchObject({ code: 0, stderr: "" });
        expect(r.stdout).toContain("Policy summary: 1 object checked, 0 mandatory, 0 advisory");
    });

    it("prints one JSON document with file and document on every finding, and input errors; exits 2 on bad input", async () => {
        const r = await cli(["check", `${M}/broken.yaml`, `${M}/list.yaml`, "--format", "json"]);
        expect(r.code).toBe(2);
        const doc = JSON.parse(r.stdout);
        expect(Object.keys(doc)).toEqual(["summary", "resources", "diagnostics", "errors"]);
        expect(doc.summary).toEqual({ checked: 4, mandatory: expect.any(Number), advisory: expect.any(Number), remediated: 0, inputErrors: 2 });
        expect(doc.resources[0].inputs).toBeUndefined(); // inputs only with --include-inputs
        expect(doc.resources.map((x: { name: string }) => x.name)).toEqual(["first", "gadget", "prod/pinned", "kube-system/agent"]);
        expect(doc.diagnostics.length).toBeGreaterThan(0);
        for (const d of doc.diagnostics) {
            expect(d).toEqual({ policy: expect.any(String), level: expect.any(String), urn: expect.any(String), message: expect.any(String), source: expect.objectContaining({ file: expect.any(String), document: expect.any(Number) }) });
        }
        expect(doc.diagnostics.some((d: { urn: string }) => d.urn.includes("broken.yaml#0:first"))).toBe(true);
        expect(doc.errors).toHaveLength(2); // one per broken document, not one per token
        expect(r.stderr).toContain(`error: ${M}/broken.yaml document 2 line 17: not a Kubernetes object: kind is missing`);
    });

    it("exits 2 naming the policy and field of an invalid --policy-config", async () => {
        const r = await cli(["check", `${M}/clean.yaml`, "--policy-config", `${M}/bad-policy-config.json`]);
        expect(r.code).toBe(2);
        expect(r.stdout).toBe("");
        expect(r.stderr).toContain("validating policy config: imagegate 0.1.0  trusted-registries: registries: Invalid type. Expected: array, given: string");
    });

    it("exits 2 on usage errors and missing files", async () => {
        expect((await cli(["check"])).stderr).toContain("check needs at least one FILE, DIR or - (standard input)");
        const missing = await cli(["check", `${M}/nope.yaml`]);
        expect(missing.code).toBe(2);
        expect(missing.stderr).toContain("nope.yaml: no such file or directory");
        const fmt = await cli(["check", `${M}/clean.yaml`, "--format", "xml"]);
        expect(fmt.code).toBe(2);
        expect(fmt.stderr).toContain('--format must be one of text, json, sarif, junit, github, given: "xml"');
        expect((await cli(["frobnicate"])).stderr).toContain('unknown command "frobnicate"');
    });

    it("prints a progress line on stderr for long runs, and none with --quiet; stdout stays the report", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "imagegate-progress-"));
        try {
            const docs = Array.from({ length: 450 }, (_, i) => `apiVersion: v1\nkind: Pod\nmetadata: {name: p${i}}\nspec: {containers: [{name: c, image: "contoso.azurecr.io/app@sha256:${"a".repeat(64)}"}]}`);
            fs.writeFileSync(path.join(dir, "many.yaml"), docs.join("\n---\n"));
            const cfg = path.join(dir, "config.json");
            fs.writeFileSync(cfg, JSON.stringify({ "trusted-registries": { registries: ["contoso.azurecr.io"] } }));
            const loud = await cli(["check", dir, "--policy-config", cfg, "--format", "json"]);
            expect(loud.code).toBe(0);
            expect(loud.stderr).toMatch(/imagegate: judged \d+\/450 resources/);
            expect(JSON.parse(loud.stdout).resources).toHaveLength(450);
            const quiet = await cli(["check", dir, "--policy-config", cfg, "--format", "json", "--quiet"]);
            expect(quiet.stderr).toBe("");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
