/**
 * The admission generators on their own: the regex's anchoring and the §b.7 bypass catalogue with
 * hand-written verdicts (not derived from the pack), the CEL template over every workload kind and
 * its fail-closed corners, the Azure assignment plan, and the `allowed-images-regex` command.
 */
import { RE2JS } from "@bufbuild/re2";
import { parse as parseYaml, parseAllDocuments } from "yaml";
import { parseTrustEntries } from "../../../../core/trust";
import { allowedImagesRegex, escapeRe2 } from "../../../../core/admission/image-regex";
import { WORKLOAD_KINDS, constraint, constraintTemplate } from "../../../../core/admission/gatekeeper-cel";
import { plannedAssignments } from "../../../../core/admission/azure-policy";
import {
    AZURE_TEMPLATE_KIND, PlannedDefinition, constraintParametersOf, decodeTemplateContent, encodeTemplate, plannedCustomAssignment, trustedImagesDefinition,
} from "../../../../core/admission/azure-custom-definition";
import { compileRe2 } from "../../../../core/admission/re2";
import { allowedImagesRegexCommand } from "../../../../cli/commands/allowed-images-regex";
import { celReviewer } from "../../../support/gatekeeper-cel";

const H = "0123456789abcdef".repeat(4);
const D = `@sha256:${H}`;
const entriesOf = (raw: string[]) => {
    const p = parseTrustEntries(raw);
    expect(p.errors).toEqual([]);
    return p.entries;
};
const regexFor = (raw: string[], requireDigest = true) => RE2JS.compile(allowedImagesRegex(entriesOf(raw), { requireDigest }).pattern);

describe("allowed-images regex", () => {
    it("is anchored at both ends, so OPA's unanchored re_match cannot find it inside a longer string", () => {
        const { pattern } = allowedImagesRegex(entriesOf(["contoso.azurecr.io"]));
        expect(pattern.startsWith("^")).toBe(true);
        expect(pattern.endsWith("$")).toBe(true);
        const re = RE2JS.compile(pattern); // test() is a partial match, as re_match and CEL matches() are
        expect(re.test(`contoso.azurecr.io/app${D}`)).toBe(true);
        expect(re.test(`evil.com/contoso.azurecr.io/app${D}`)).toBe(false);
        expect(re.test(`contoso.azurecr.io/app${D}0`)).toBe(false);
        expect(re.test(`contoso.azurecr.io/app${D}\nevil.com/x`)).toBe(false);
        expect(re.test(`evil.com/x\ncontoso.azurecr.io/app${D}`)).toBe(false);
    });

    // §b.7, allow-list myregistry.azurecr.io/ plus mycompany/ on Docker Hub, digest required.
    const catalogue = regexFor(["myregistry.azurecr.io/", "mycompany/"]);
    it.each([
        [`myregistry.azurecr.io.evil.com/app:1${D}`, false, "1: the host is myregistry.azurecr.io.evil.com"],
        [`mycompanyevil/app${D}`, false, "2: mycompany/ is a namespace boundary"],
        [`mycompany/app${D}`, true, "2: inside the namespace"],
        [`docker.io/mycompany/app${D}`, true, "3: Hub spelled out"],
        [`index.docker.io/mycompany/app${D}`, true, "3: legacy Hub host"],
        [`evil.com/myregistry.azurecr.io/app${D}`, false, "4: the registry is evil.com"],
        ["myreg:5000/nginx", false, "5: untagged, undigested"],
        [`myregistry.azurecr.io/app:latest${D}`, true, "6: pinned by digest; the tag is ignored by the kubelet"],
        ["myregistry.azurecr.io/app@sha256:abc", false, "7: short digest"],
        [`myregistry.azurecr.io/app@sha256:${H.toUpperCase()}`, false, "7: uppercase hex"],
        [`myregistry.azurecr.io/app@sha512:${H}`, false, "7: sha512 needs 128 hex digits"],
        [`myregistry.azurecr.io/app@sha512:${H}${H}`, true, "7: sha512 in full"],
        [`myregistry.azurecr.io/app@md5:${H.slice(0, 32)}`, false, "7: unregistered algorithm"],
        [`myregistry.azurecr.io/istio-evil/pilot${D}`, true, "10: any repository of the registry is trusted here"],
        [`myregistry.azurecr.io/App${D}`, false, "uppercase repository"],
        [`myregistry.azurecr.io:443/app${D}`, false, "a port makes it another host"],
        [`Myregistry.azurecr.io/app${D}`, false, "host compared exactly"],
        [` myregistry.azurecr.io/app${D}`, false, "whitespace"],
        [`myregistry.azurecr.io/\u0430pp${D}`, false, "Cyrillic look-alike"],
        [`myregistry.azurecr.io/app:${"v".repeat(128)}${D}`, true, "128-character tag"],
        [`myregistry.azurecr.io/app:${"v".repeat(129)}${D}`, false, "129-character tag"],
        ["myregistry.azurecr.io/app:1", false, "tag without digest"],
    ])("%s → %s (%s)", (image, admitted) => {
        expect(catalogue.test(image)).toBe(admitted);
    });

    it("admits every spelling of a trusted Hub image, and nothing beside it", () => {
        const re = regexFor(["docker.io/library/nginx"]);
        for (const s of ["nginx", "library/nginx", "docker.io/nginx", "docker.io/library/nginx", "index.docker.io/nginx", "index.docker.io/library/nginx", "nginx:1.25", "library/nginx/sub"]) {
            expect({ s, ok: re.test(s + D) }).toEqual({ s, ok: true });
        }
        for (const s of ["nginx-evil", "nginxx", "nginx/sub", "docker.io/nginx/sub", "library/nginx-evil", "Nginx", "registry-1.docker.io/library/nginx", "docker.io:443/library/nginx"]) {
            expect({ s, ok: re.test(s + D) }).toEqual({ s, ok: false });
        }
    });

    it("treats 'team/' as strictly below and 'team' as the repository and below", () => {
        const under = regexFor(["contoso.azurecr.io/team/"]);
        const repo = regexFor(["contoso.azurecr.io/team"]);
        expect(under.test(`contoso.azurecr.io/team${D}`)).toBe(false);
        expect(repo.test(`contoso.azurecr.io/team${D}`)).toBe(true);
        for (const re of [under, repo]) {
            expect(re.test(`contoso.azurecr.io/team/app${D}`)).toBe(true);
            expect(re.test(`contoso.azurecr.io/teamevil/app${D}`)).toBe(false);
            expect(re.test(`contoso.azurecr.io/team-evil${D}`)).toBe(false);
        }
    });

    it("keeps 'localhost' and dotted first components off Docker Hub, as docker does", () => {
        const hub = regexFor(["docker.io"]);
        expect(hub.test(`localhost/x${D}`)).toBe(false);
        expect(hub.test(`docker.io/localhost/x${D}`)).toBe(true);
        expect(hub.test(`localhostx/x${D}`)).toBe(true);
        expect(hub.test(`localhost${D}`)).toBe(true); // a lone name is docker.io/library/localhost
        expect(hub.test(`foo.bar/x${D}`)).toBe(false);
        expect(hub.test(`foo.bar${D}`)).toBe(true);
    });

    it("refuses a bare 64-hex name (an image ID) when tags are allowed, but not with a tag", () => {
        const re = regexFor(["docker.io/library/"], false);
        expect(re.test(H)).toBe(false);
        expect(re.test(`${H}:v1`)).toBe(true);
        expect(re.test(H.slice(1))).toBe(true);
        expect(re.test("nginx")).toBe(true);
    });

    it("matches nothing when nothing is trusted", () => {
        const r = allowedImagesRegex([]);
        expect(r.matchesNothing).toBe(true);
        const re = RE2JS.compile(r.pattern);
        for (const s of ["", "nginx", `nginx${D}`, "a"]) expect(re.test(s)).toBe(false);
    });

    it("escapes every RE2 metacharacter in literals", () => {
        const special = "a.b*c+d?e(f)g[h]i{j}k|l^m$n\\o";
        expect(RE2JS.compile(`^${escapeRe2(special)}$`).test(special)).toBe(true);
        expect(RE2JS.compile(`^${escapeRe2("[::1]:5000")}$`).test("[::1]:5000")).toBe(true);
        expect(RE2JS.compile(`^${escapeRe2("a.b")}$`).test("axb")).toBe(false);
    });

    it("reports patterns RE2 refuses", () => {
        expect(compileRe2("(?=x)")).toMatchObject({ ok: false });
        expect(compileRe2("a{1001}")).toMatchObject({ ok: false });
        expect(compileRe2("^a$")).toMatchObject({ ok: true });
    });
});

describe("Gatekeeper CEL template", () => {
    const review = celReviewer(constraintTemplate());
    const entries = entriesOf(["contoso.azurecr.io"]);
    const c = constraint(entries);

    /** An object of `kind` whose pod spec (at the kind's path) is `spec`. */
    function objectOf(kind: (typeof WORKLOAD_KINDS)[number], spec: unknown): Record<string, unknown> {
        let value: unknown = spec;
        for (const field of [...kind.podSpecPath].reverse()) value = { [field]: value };
        return { apiVersion: kind.apiGroup ? `${kind.apiGroup}/v1` : "v1", kind: kind.kind, metadata: { name: "x" }, ...(value as object) };
    }

    it.each(WORKLOAD_KINDS.map((k) => [k.kind, k] as const))("judges all three container lists of a %s", (_name, kind) => {
        const spec = {
            containers: [{ name: "app", image: `contoso.azurecr.io/app${D}` }],
            initContainers: [{ name: "init", image: "contoso.azurecr.io/init:1" }],
            ephemeralContainers: [{ name: "debug", image: `busybox${D}` }],
        };
        const result = review(objectOf(kind, spec), c);
        expect(result.allowed).toBe(false);
        expect(result.messages).toEqual([
            `image not admitted (from contoso.azurecr.io, pinned by digest): container "init" uses "contoso.azurecr.io/init:1", container "debug" uses "busybox${D}"`,
        ]);
        const clean = review(objectOf(kind, { containers: [{ name: "app", image: `contoso.azurecr.io/app:1.0${D}` }] }), c);
        expect(clean).toMatchObject({ allowed: true, messages: [] });
    });

    it("reads the CronJob's job template, not a top-level template", () => {
        const jobSpec = { containers: [{ name: "job", image: "evil.com/x" }] };
        const decoy = { containers: [{ name: "decoy", image: `contoso.azurecr.io/ok${D}` }] };
        const cronJob = { kind: "CronJob", spec: { template: { spec: decoy }, jobTemplate: { spec: { template: { spec: jobSpec } } } } };
        expect(review(cronJob, c).messages[0]).toContain(`container "job" uses "evil.com/x"`);
    });

    it("fails closed on a container without an image and on a constraint without a regex", () => {
        const noImage = review({ kind: "Pod", spec: { containers: [{ name: "a" }] } }, c);
        expect(noImage.messages[0]).toContain(`container "a" uses ""`);
        const broken = { ...c, spec: { ...c.spec, parameters: {} as never } };
        const result = review({ kind: "Pod", spec: { containers: [{ name: "a", image: `contoso.azurecr.io/app${D}` }] } }, broken);
        expect(result.allowed).toBe(false);
        expect(result.messages[0]).toContain("no trust configuration");
    });

    it("admits objects without a pod spec (nothing to run) without erroring", () => {
        expect(review({ kind: "Deployment", spec: {} }, c).allowed).toBe(true);
        expect(review({ kind: "Pod" }, c).allowed).toBe(true);
        expect(review({ kind: "CronJob", spec: { jobTemplate: {} } }, c).allowed).toBe(true);
    });

    it("refuses an invalid kind or constraint name", () => {
        expect(() => constraintTemplate({ kind: "k8s-images" })).toThrow(/CamelCase/);
        expect(() => constraint(entries, { constraintName: "Trusted_Images" })).toThrow(/lowercase DNS name/);
    });
});

describe("Azure Policy assignment plan", () => {
    it("refuses an empty trust list (it would deny every image)", () => {
        expect(() => plannedAssignments([])).toThrow(/at least one trusted registry/);
    });

    it("plans the no-latest built-in only when tags are allowed", () => {
        const entries = entriesOf(["contoso.azurecr.io"]);
        expect(plannedAssignments(entries).map((a) => a.key)).toEqual(["allowed-images"]);
        expect(plannedAssignments(entries, { requireDigest: false }).map((a) => a.key)).toEqual(["allowed-images", "no-latest"]);
    });
});

describe("Azure Policy custom definition (the length the regex cannot bound)", () => {
    const definition = trustedImagesDefinition();

    it("carries the generator's CEL template, base64 YAML, under its own kind", () => {
        const content = definition.policyRule.then.details.templateInfo.content;
        expect(content).toMatch(/^[A-Za-z0-9+/]+=*$/);
        expect(decodeTemplateContent(content)).toEqual(constraintTemplate({ kind: AZURE_TEMPLATE_KIND }));
        expect(decodeTemplateContent(encodeTemplate(constraintTemplate()))).toEqual(constraintTemplate());
        expect(AZURE_TEMPLATE_KIND).not.toBe(constraintTemplate().spec.crd.spec.names.kind);
    });

    it("is the same for every trust config: the config travels in the assignment's parameters", () => {
        expect(trustedImagesDefinition()).toEqual(definition);
        const a = plannedCustomAssignment(entriesOf(["contoso.azurecr.io"]));
        const b = plannedCustomAssignment(entriesOf(["mcr.microsoft.com/oss/"]), { requireDigest: false, effect: "Audit", source: "Original" });
        expect(a.parameters.allowedImagesRegex.value).toBe(allowedImagesRegex(entriesOf(["contoso.azurecr.io"])).pattern);
        expect(b.parameters).toMatchObject({ effect: { value: "Audit" }, source: { value: "Original" }, requirement: { value: "from mcr.microsoft.com/oss/" } });
        // Every assignment parameter is declared by the definition, and every value it passes reaches the constraint.
        for (const p of [a, b]) {
            for (const k of Object.keys(p.parameters)) expect(Object.keys(definition.parameters)).toContain(k);
            expect(constraintParametersOf(definition, p.parameters)).toEqual({ allowedImagesRegex: p.parameters.allowedImagesRegex.value, requirement: p.parameters.requirement.value });
        }
        expect(() => plannedCustomAssignment([])).toThrow(/at least one trusted registry/);
    });

    it("resolves details.values the way the add-on does, and refuses wiring it cannot resolve", () => {
        const withValues = (values: Record<string, string>): PlannedDefinition =>
            ({ ...definition, policyRule: { ...definition.policyRule, then: { ...definition.policyRule.then, details: { ...definition.policyRule.then.details, values } } } }) as PlannedDefinition;
        // A declared default fills a parameter the assignment leaves out.
        expect(constraintParametersOf(withValues({ allowedImagesRegex: "[parameters('source')]" } as never), {})).toEqual({ allowedImagesRegex: "All" });
        expect(() => constraintParametersOf(withValues({ allowedImagesRegex: "^x$" } as never), {})).toThrow(/not a \[parameters\('…'\)\] expression/);
        expect(() => constraintParametersOf(withValues({ allowedImagesRegex: "[parameters('nope')]" } as never), {})).toThrow(/undeclared parameter "nope"/);
        expect(() => constraintParametersOf(definition, {})).toThrow(/parameter "allowedImagesRegex" has no value and no default/);
    });

    it("judges every kind the template judges, and only through parameters", () => {
        const d = definition.policyRule.then.details;
        expect(d.kinds).toEqual(WORKLOAD_KINDS.map((k) => k.kind));
        expect(d.apiGroups).toEqual(["", "apps", "batch"]);
        expect(definition.policyRule.then.effect).toBe("[parameters('effect')]");
        expect([d.excludedNamespaces, d.source, ...Object.values(d.values)].every((v) => /^\[parameters\('\w+'\)\]$/.test(v))).toBe(true);
    });
});

describe("imagegate allowed-images-regex", () => {
    function run(argv: string[]) {
        let out = "";
        let err = "";
        const code = allowedImagesRegexCommand(argv, { stdout: (s) => { out += s; }, stderr: (s) => { err += s; } });
        return { code, out, err };
    }

    it("prints the regex for the given registries, one line", () => {
        const r = run(["contoso.azurecr.io", "docker.io/library/nginx"]);
        expect(r).toMatchObject({ code: 0, err: "" });
        expect(r.out).toBe(`${allowedImagesRegex(entriesOf(["contoso.azurecr.io", "docker.io/library/nginx"])).pattern}\n`);
        const re = RE2JS.compile(r.out.trim());
        expect(re.test(`nginx${D}`)).toBe(true);
        expect(re.test("nginx:1")).toBe(false);
    });

    it("admits tags with --allow-tags", () => {
        const r = run(["--allow-tags", "contoso.azurecr.io"]);
        expect(r.code).toBe(0);
        expect(RE2JS.compile(r.out.trim()).test("contoso.azurecr.io/app:1")).toBe(true);
    });

    it("prints the Gatekeeper template and constraint as YAML with --gatekeeper", () => {
        const r = run(["--gatekeeper", "contoso.azurecr.io"]);
        expect(r.code).toBe(0);
        const docs = parseAllDocuments(r.out).map((d) => d.toJSON());
        expect(docs.map((d) => d.kind)).toEqual(["ConstraintTemplate", "K8sTrustedImages"]);
        expect(docs[1].spec.parameters.allowedImagesRegex).toBe(allowedImagesRegex(entriesOf(["contoso.azurecr.io"])).pattern);
        expect(parseYaml(r.out.split("---\n")[0]).spec.targets[0].code[0].engine).toBe("K8sNativeValidation");
    });

    it.each([
        [[], /name at least one trusted registry/],
        [["--nope", "contoso.azurecr.io"], /unknown option --nope/],
        [["contoso.azurecr.io", "nginx"], /REGISTRY\[1\]: "nginx" is ambiguous/],
        [["contoso.azurecr.io/app@sha256:abc"], /REGISTRY\[0\]: .*'@' and wildcards are not allowed/],
    ])("exits 2 on %p, writing only to stderr", (argv, message) => {
        const r = run(argv as string[]);
        expect(r.code).toBe(2);
        expect(r.out).toBe("");
        expect(r.err).toMatch(message);
    });
});
