/** `imagegate check` reads YAML as kubectl does: merge keys, YAML 1.1, one error per broken document, templates named as such. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { locateFindings } from "../../../cli/check/locate";
import { manifestFiles, parseManifests } from "../../../cli/check/manifests";
import type { Finding } from "../../../cli/judge";
import { FIXTURES } from "../../support/paths";

const MERGED = `x-pod: &pod
  containers:
  - name: app
    image: evil.example/app:latest
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: merged}
spec:
  template:
    spec:
      <<: *pod
      restartPolicy: Always
`;

const ANCHORED = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec: &spec
      containers:
      - name: app
        image: contoso.azurecr.io/app:1
---
`;

describe("YAML as kubectl reads it", () => {
    it("resolves `<<` merge keys inside a document: the merged containers are what the pack sees", () => {
        const doc = MERGED.split("---\n")[1];
        const withAnchor = `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: merged}\nx-base: &pod\n  containers:\n  - name: app\n    image: evil.example/app:latest\nspec:\n  template:\n    spec:\n      <<: *pod\n      restartPolicy: Always\n`;
        const set = parseManifests("m.yaml", withAnchor);
        expect(set.errors).toEqual([]);
        const spec = (set.resources[0].properties as { spec: { template: { spec: Record<string, unknown> } } }).spec.template.spec;
        expect(spec).toEqual({ containers: [{ name: "app", image: "evil.example/app:latest" }], restartPolicy: "Always" });
        expect(doc).toContain("<<");
    });

    it("an alias to an anchor in another document is an error for that document, not a silent pass", () => {
        const set = parseManifests("m.yaml", MERGED);
        expect(set.resources).toEqual([]);
        expect(set.errors.filter((e) => e.document === 1)).toEqual([{ file: "m.yaml", document: 1, line: 6, message: expect.stringMatching(/^malformed YAML: .*(alias|merge)/i) }]);
    });

    it("refuses duplicate keys (kubectl does too), one error for the document", () => {
        const set = parseManifests("d.yaml", "apiVersion: v1\nkind: Pod\nkind: Pod\nmetadata: {name: a}\n");
        expect(set.resources).toEqual([]);
        expect(set.errors).toEqual([{ file: "d.yaml", document: 0, line: 3, message: expect.stringMatching(/^malformed YAML: Map keys must be unique/) }]);
    });

    it("reads an implicit key longer than 1024 characters, as go-yaml's parser in kubectl does for CRD schemas", () => {
        const key = "k".repeat(1100);
        const set = parseManifests("long.yaml", `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: long}\ndata:\n  ${key}: v\n`);
        expect(set.errors).toEqual([]);
        expect((set.resources[0].properties as { data: Record<string, string> }).data[key]).toBe("v");
    });

    it("gives one error per broken document however many tokens are wrong, and keeps reading", () => {
        const bad = "apiVersion: v1\nkind: Pod\nmetadata: {name: [a, b\nspec: {containers: [{image: ]]]}\n  : : :\n";
        const ok = "apiVersion: v1\nkind: Pod\nmetadata: {name: fine}\nspec: {containers: [{name: c, image: nginx}]}\n";
        const set = parseManifests("b.yaml", `${bad}---\n${ok}`);
        expect(set.errors).toHaveLength(1);
        expect(set.errors[0]).toMatchObject({ document: 0, message: expect.stringMatching(/and \d+ more errors in this document/) });
        expect(set.resources.map((r) => r.name)).toEqual(["fine"]);
    });

    it("a Helm chart template (real, ingress-nginx) is one error with the hint to render it first", () => {
        const file = path.join(FIXTURES, "manifests/third-party/chart/templates/job-createSecret.yaml");
        const set = parseManifests("job-createSecret.yaml", fs.readFileSync(file, "utf8"));
        expect(set.resources).toEqual([]);
        expect(set.errors).toEqual([{ file: "job-createSecret.yaml", line: expect.any(Number), message: expect.stringContaining("a Helm template, not rendered YAML") }]);
        expect(set.errors[0].message).toContain("helm template RELEASE CHART | imagegate check -");
    });

    it("reads a real multi-document install manifest (ingress-nginx) without errors", () => {
        const file = path.join(FIXTURES, "manifests/third-party/ingress-nginx-jobs.yaml");
        const set = parseManifests("deploy.yaml", fs.readFileSync(file, "utf8"));
        expect(set.errors).toEqual([]);
        expect(set.resources.map((r) => [r.type, r.name])).toEqual([
            ["kubernetes:batch/v1:Job", "ingress-nginx/ingress-nginx-admission-create"],
            ["kubernetes:networking.k8s.io/v1:IngressClass", "nginx"],
        ]);
    });
});

describe("locating findings at the image value", () => {
    const finding = (source: Finding["source"], message: string): Finding => ({ policy: "p", level: "mandatory", urn: "u", type: "t", name: "n", description: "", message, severity: "", source });

    it("follows the property path a message names to the line and column of the value", () => {
        const set = parseManifests("a.yaml", `# lead\n${ANCHORED}apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: x, image: "busybox"}\n`);
        const [dep, pod] = set.resources;
        const [f1, f2] = locateFindings(
            [
                finding(dep.source, 'Deployment "web" spec.template.spec.containers[0].image (container "app"): image "contoso.azurecr.io/app:1" fails'),
                finding(pod.source, 'Pod "p" spec.containers[0].image (container "x"): image "busybox" fails'),
            ],
            set.texts,
        );
        expect(f1.source).toMatchObject({ line: 11, column: 16 });
        expect(f2.source).toMatchObject({ line: 18, column: 22 });
    });

    it("follows `<<` merge keys to where the image is written", () => {
        const text = `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: merged}\nx-base: &pod\n  containers:\n  - name: app\n    image: evil.example/app:latest\nspec:\n  template:\n    spec:\n      <<: *pod\n`;
        const set = parseManifests("m.yaml", text);
        const [f] = locateFindings([finding(set.resources[0].source, 'Deployment "merged" spec.template.spec.containers[0].image (container "app"): bad')], set.texts);
        expect(f.source).toMatchObject({ line: 7, column: 12 });
    });

    it("keeps the object's own line when the message names no path that exists", () => {
        const set = parseManifests("a.yaml", ANCHORED);
        const [f] = locateFindings([finding(set.resources[0].source, "the stack has no admission control")], set.texts);
        expect(f.source).toMatchObject({ line: 1 });
        expect(f.source!.column).toBeUndefined();
    });
});

describe("directory walk", () => {
    it("skips hidden directories and node_modules, and --ignore globs", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "imagegate-walk-"));
        try {
            for (const f of [".github/workflows/ci.yaml", ".git/x.yaml", "node_modules/pkg/a.yaml", "k8s/app.yaml", "k8s/vendor/b.yml", "chart/templates/t.yaml", "notes.txt"]) {
                fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
                fs.writeFileSync(path.join(dir, f), "a: 1\n");
            }
            const rel = (xs: string[]) => xs.map((x) => path.relative(dir, x).split(path.sep).join("/"));
            expect(rel(manifestFiles([dir]))).toEqual(["chart/templates/t.yaml", "k8s/app.yaml", "k8s/vendor/b.yml"]);
            expect(rel(manifestFiles([dir], { ignore: ["**/templates/**", "vendor"] }))).toEqual(["k8s/app.yaml"]);
            expect(manifestFiles(["-"])).toEqual(["-"]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
