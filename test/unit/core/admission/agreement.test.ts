/**
 * Three engines, one verdict: for every image string in the corpus (fixtures + generated suffixes and
 * lengths) and every trust config × {digest required, tags allowed}, the pack's verdict (core
 * parseReference + entryMatches + checkPinnedByDigest) must equal
 * - the Azure Policy add-on's verdict as ImageAdmission assigns it: the built-in's regex run by RE2
 *   (@bufbuild/re2) AND the custom definition's CEL constraint (its templateInfo decoded, its
 *   details.values resolved against the assignment's parameters) run by CEL (@bufbuild/cel);
 * - the self-managed Gatekeeper CEL template and constraint over Pod, Deployment and CronJob objects.
 * Zero disagreements, no tolerated class. The regex alone still admits valid trusted names longer than
 * 255 characters once normalized (a single RE2 pattern cannot bound the length); the last block shows
 * that, which is why ImageAdmission also assigns the custom definition.
 */
import { RE2JS } from "@bufbuild/re2";
import corpusFile from "../../../fixtures/image-corpus.json";
import { parseReference, splitDomain } from "../../../../core/reference";
import { checkPinnedByDigest, checkTrustedRegistry } from "../../../../core/rules";
import { TrustEntry, parseTrustEntries } from "../../../../core/trust";
import { allowedImagesRegex } from "../../../../core/admission/image-regex";
import { Constraint, ConstraintTemplate, constraint, constraintTemplate } from "../../../../core/admission/gatekeeper-cel";
import { constraintParametersOf, decodeTemplateContent, plannedCustomAssignment, trustedImagesDefinition } from "../../../../core/admission/azure-custom-definition";
import { plannedAssignments } from "../../../../core/admission/azure-policy";
import { celReviewer } from "../../../support/gatekeeper-cel";

const H64 = "0123456789abcdef".repeat(4);
const D256 = `sha256:${H64}`;

const CONFIGS: Record<string, string[]> = {
    // §b.7's allow-list, plus a Hub namespace and an exact Hub repository.
    catalogue: ["myregistry.azurecr.io/", "mycompany/", "docker.io/library/nginx", "myregistry.azurecr.io/istio/"],
    mixed: ["contoso.azurecr.io/team/", "mcr.microsoft.com/oss/", "docker.io/library/nginx", "bitnami/", "ghcr.io/org/app", "localhost:5000", "[::1]:5000", "127.0.0.1:5000", "REG.example.com"],
    "whole-hub": ["docker.io"],
    "hub-variants": ["docker.io/library/", "index.docker.io/library/redis", "mycompany/", "docker.io/localhost/", "docker.io/foo.bar/", "Foo/", "contoso.azurecr.io", `docker.io/library/${H64}`],
    registries: ["contoso.azurecr.io", "mcr.microsoft.com", "localhost", "FOO/bar", "reg.example.com:5000/"],
    empty: [],
};

const SUFFIXES = [
    "", ":v1", ":latest", `@${D256}`, `:v1@${D256}`, `:latest@${D256}`, `@sha512:${H64.repeat(2)}`, `@sha384:${H64.slice(0, 32).repeat(3)}`,
    "@sha256:abc", `@sha256:${H64.toUpperCase()}`, `@sha512:${H64}`, `@md5:${H64.slice(0, 32)}`, `:${"t".repeat(128)}`, `:${"t".repeat(129)}`,
    `:${"t".repeat(128)}@${D256}`, `:${"T".repeat(129)}@${D256}`, ":", "@",
];

const BASE_NAMES = [
    "nginx", "library/nginx", "docker.io/nginx", "docker.io/library/nginx", "index.docker.io/nginx", "index.docker.io/library/nginx", "nginx/sub",
    "redis", "index.docker.io/redis", "bitnami/redis", "docker.io/bitnami/redis", "mycompany/app", "mycompanyevil/app", "localhost/x", "docker.io/localhost/x",
    "foo.bar/x", "docker.io/foo.bar/x", "contoso.azurecr.io/app", "contoso.azurecr.io/team/app", "contoso.azurecr.io/teamevil/app", "contoso.azurecr.io/team",
    "contoso.azurecr.io.evil.com/app", "evil.com/contoso.azurecr.io/app", "mcr.microsoft.com/oss/nginx", "mcr.microsoft.com/oss", "ghcr.io/org/app",
    "ghcr.io/org/app/sub", "localhost:5000/app", "localhost:5000", "localhost", "[::1]:5000/app", "127.0.0.1:5000/app", "REG.example.com/app",
    "reg.example.com:5000/app", "reg.example.com:5000", "FOO/bar", "FOO/bar/baz", "Foo/bar", "myregistry.azurecr.io/app", "myregistry.azurecr.io/istio/pilot",
    "myregistry.azurecr.io/istio-evil/pilot", "Nginx", "contoso.azurecr.io/App", H64, `library/${H64}`, "a", "0",
    "docker.io", "index.docker.io", "contoso.azurecr.io", "docker.io/library", "library", "index.docker.io/library/library",
];

/** A valid path of exactly n characters (components of letters joined by "/", "." and "-"). */
function pathOfLength(n: number, withSlashes: boolean): string {
    const unit = withSlashes ? "abcdefgh/" : "abc.def-g";
    let s = "";
    while (s.length < n) s += unit;
    s = s.slice(0, n);
    return /[a-z0-9]$/.test(s) ? s : s.slice(0, -1) + "z";
}

/** Names whose normalized form is 254, 255 or 256 characters long, in several spellings. */
function lengthCases(): string[] {
    const out: string[] = [];
    for (const len of [254, 255, 256]) {
        out.push("a".repeat(len - "docker.io/library/".length)); // short Hub name
        out.push(`docker.io/${"b".repeat(len - "docker.io/library/".length)}`);
        out.push(`index.docker.io/library/${"c".repeat(len - "docker.io/library/".length)}`); // raw longer than normalized
        out.push(`mycompany/${pathOfLength(len - "docker.io/mycompany/".length, true)}`);
        out.push(`docker.io/library/${pathOfLength(len - "docker.io/library/".length, false)}`);
        out.push(`contoso.azurecr.io/team/${pathOfLength(len - "contoso.azurecr.io/team/".length, true)}`);
        out.push(`mcr.microsoft.com/oss/${pathOfLength(len - "mcr.microsoft.com/oss/".length, false)}`);
        out.push(`localhost:5000/${pathOfLength(len - "localhost:5000/".length, true)}`);
    }
    return out;
}

const corpus: string[] = [...new Set([
    ...Object.entries(corpusFile).filter(([k]) => !k.startsWith("_")).flatMap(([, v]) => v as string[]),
    ...BASE_NAMES.flatMap((n) => SUFFIXES.map((s) => n + s)),
    ...lengthCases().flatMap((n) => ["", `@${D256}`, `:v1`].map((s) => n + s)),
])];

interface PackVerdict { admitted: boolean; code?: string }

function packVerdict(image: string, entries: readonly TrustEntry[], requireDigest: boolean): PackVerdict {
    const parsed = parseReference(image);
    if (!parsed.ok) return { admitted: false, code: parsed.failure.code };
    const trusted = checkTrustedRegistry(parsed.ref, entries) === undefined;
    const pinned = !requireDigest || checkPinnedByDigest(parsed.ref) === undefined;
    return { admitted: trusted && pinned };
}

/**
 * The pack's verdict on a name it refused only for its length (parseReference checks the length
 * last, so everything else about it is valid): split it as parseReference does, and judge the rest.
 */
function verdictIgnoringLength(image: string, entries: readonly TrustEntry[], requireDigest: boolean): boolean {
    const at = image.indexOf("@");
    const digest = at === -1 ? undefined : image.slice(at + 1);
    let rest = at === -1 ? image : image.slice(0, at);
    const colon = rest.lastIndexOf(":");
    if (colon > rest.lastIndexOf("/")) rest = rest.slice(0, colon);
    const { domain, remainder } = splitDomain(rest);
    const ref = { domain, path: remainder, name: `${domain}/${remainder}`, ...(digest ? { digest } : {}) };
    return checkTrustedRegistry(ref, entries) === undefined && (!requireDigest || digest !== undefined);
}

type Kind = "Pod" | "Deployment" | "CronJob";

/** Spreads images over the three container lists of an object of `kind`. */
function objectWith(kind: Kind, images: readonly string[]): unknown {
    const lists: Record<string, { name: string; image: string }[]> = { containers: [], initContainers: [], ephemeralContainers: [] };
    const keys = Object.keys(lists);
    images.forEach((image, i) => lists[keys[i % 3]].push({ name: `c${i}`, image }));
    const spec = lists;
    if (kind === "Pod") return { apiVersion: "v1", kind, metadata: { name: "p" }, spec };
    if (kind === "Deployment") return { apiVersion: "apps/v1", kind, metadata: { name: "d" }, spec: { template: { spec } } };
    return { apiVersion: "batch/v1", kind, metadata: { name: "cj" }, spec: { schedule: "* * * * *", jobTemplate: { spec: { template: { spec } } } } };
}

const review = celReviewer(constraintTemplate());

// What the add-on installs for the custom assignment: the template decoded from templateInfo.
const azureDefinition = trustedImagesDefinition();
const reviewAzure = celReviewer(decodeTemplateContent(azureDefinition.policyRule.then.details.templateInfo.content) as ConstraintTemplate);

/** The add-on's two assignments for a trust config, as ImageAdmission plans them. */
function azureAdmission(entries: readonly TrustEntry[], requireDigest: boolean): { regex: RE2JS; constraint: Constraint } {
    const builtIn = plannedAssignments(entries, { requireDigest }).find((a) => a.key === "allowed-images")!;
    const regex = RE2JS.compile(builtIn.parameters.allowedContainerImagesRegex.value as string);
    // The constraint the add-on creates: only its parameters matter to the template.
    const parameters = constraintParametersOf(azureDefinition, plannedCustomAssignment(entries, { requireDigest }).parameters);
    const base = constraint(entries, { requireDigest });
    return { regex, constraint: { ...base, spec: { ...base.spec, parameters: parameters as unknown as Constraint["spec"]["parameters"] } } };
}

/** Indices of the corpus strings a review refused (images are named c<index>). */
function refusedIndices(result: { variables: Record<string, unknown> }): Set<string> {
    return new Set((result.variables.violations as { container: string }[]).map((v) => v.container));
}

describe("three-engine agreement over the image corpus", () => {
    it("has a corpus large enough to mean something", () => {
        expect(corpus.length).toBeGreaterThan(1000);
        // Every kind of verdict occurs: valid and invalid strings, long names.
        const codes = new Set(corpus.map((s) => { const p = parseReference(s); return p.ok ? "ok" : p.failure.code; }));
        for (const c of ["ok", "empty", "whitespace", "invalid-characters", "invalid-format", "uppercase-repository", "hex-identifier", "name-too-long", "invalid-domain", "invalid-tag", "unknown-digest-algorithm", "invalid-digest"]) {
            expect(codes).toContain(c);
        }
    });

    for (const [configName, raw] of Object.entries(CONFIGS)) {
        for (const requireDigest of [true, false]) {
            const mode = requireDigest ? "digest required" : "tags allowed";
            describe(`${configName}, ${mode}`, () => {
                const parsed = parseTrustEntries(raw);
                const entries = parsed.entries;
                const pattern = allowedImagesRegex(entries, { requireDigest }).pattern;
                const re = RE2JS.compile(pattern);
                const verdicts = corpus.map((s) => packVerdict(s, entries, requireDigest));

                it("parses the trust config without errors", () => {
                    expect(parsed.errors).toEqual([]);
                });

                if (entries.length === 0) {
                    it("is refused by ImageAdmission's planning (an empty list would deny every image), and the regex matches nothing", () => {
                        expect(() => plannedAssignments(entries, { requireDigest })).toThrow(/at least one trusted registry/);
                        expect(() => plannedCustomAssignment(entries, { requireDigest })).toThrow(/at least one trusted registry/);
                        expect(corpus.filter((s) => re.test(s))).toEqual([]);
                        expect(verdicts.filter((v) => v.admitted)).toEqual([]);
                    });
                } else {
                    // Pods: with source All the add-on judges the pods expansion generates; other kinds run the same CEL below.
                    for (const kind of ["Pod"] as const) {
                        it(`the add-on (built-in regex AND custom CEL constraint) agrees with the pack on every string, in a ${kind}: zero disagreements`, () => {
                            const azure = azureAdmission(entries, requireDigest);
                            // The built-in carries exactly the regex the Gatekeeper constraint and the CLI use.
                            expect(azure.regex.pattern()).toBe(pattern);
                            const refused = refusedIndices(reviewAzure(objectWith(kind, corpus), azure.constraint));
                            const disagreements = corpus
                                .map((s, i) => ({ s, pack: verdicts[i], admission: azure.regex.test(s) && !refused.has(`c${i}`) }))
                                .filter((r) => r.pack.admitted !== r.admission);
                            expect(disagreements).toEqual([]);
                            // Both verdicts occur, so agreement is not agreement by refusing everything.
                            expect(verdicts.some((v) => v.admitted)).toBe(true);
                            expect(verdicts.some((v) => !v.admitted)).toBe(true);
                        });
                    }
                }

                for (const kind of ["Pod", "Deployment", "CronJob"] as const) {
                    it(`CEL template agrees with the pack on every string, in a ${kind}`, () => {
                        const result = review(objectWith(kind, corpus), constraint(entries, { requireDigest }));
                        const violations = refusedIndices(result);
                        const disagreements = corpus
                            .map((s, i) => ({ s, pack: verdicts[i], cel: !violations.has(`c${i}`) }))
                            .filter((r) => r.pack.admitted !== r.cel);
                        expect(disagreements).toEqual([]);
                        expect(result.allowed).toBe(violations.size === 0);
                    });
                }
            });
        }
    }
});

describe("why ImageAdmission needs the custom definition: the regex alone cannot bound the name length", () => {
    const entries = parseTrustEntries(["docker.io/library/"]).entries;
    const long = `${"a".repeat(256 - "docker.io/library/".length)}@${D256}`;
    const max = `${"a".repeat(255 - "docker.io/library/".length)}@${D256}`;

    it("the pack refuses a 256-character normalized name and admits 255", () => {
        expect(packVerdict(long, entries, true)).toEqual({ admitted: false, code: "name-too-long" });
        expect(packVerdict(max, entries, true).admitted).toBe(true);
    });

    it("the built-in's regex alone admits both", () => {
        const { regex } = azureAdmission(entries, true);
        expect(regex.test(long)).toBe(true);
        expect(regex.test(max)).toBe(true);
    });

    it("across the corpus, everything the regex alone admits and the pack refuses is a valid trusted name that is only too long", () => {
        for (const raw of Object.values(CONFIGS).filter((c) => c.length > 0)) {
            const trusted = parseTrustEntries(raw).entries;
            for (const requireDigest of [true, false]) {
                const re = RE2JS.compile(allowedImagesRegex(trusted, { requireDigest }).pattern);
                const extra = corpus.filter((s) => re.test(s) && !packVerdict(s, trusted, requireDigest).admitted);
                for (const s of extra) {
                    expect(packVerdict(s, trusted, requireDigest).code).toBe("name-too-long");
                    expect(verdictIgnoringLength(s, trusted, requireDigest)).toBe(true);
                }
            }
        }
        // The gap is real on a Hub-wide config: this is what the custom definition closes.
        const hub = parseTrustEntries(["docker.io"]).entries;
        const hubRe = RE2JS.compile(allowedImagesRegex(hub).pattern);
        expect(corpus.filter((s) => hubRe.test(s) && !packVerdict(s, hub, true).admitted).length).toBeGreaterThan(0);
    });

    it("the custom definition's CEL constraint refuses the long one and admits 255, naming the container", () => {
        const { constraint: c } = azureAdmission(entries, true);
        const result = reviewAzure(objectWith("Pod", [max, long]), c);
        expect(result.allowed).toBe(false);
        expect(result.messages).toHaveLength(1);
        expect(result.messages[0]).toContain(`container "c1" uses "${long}"`);
        expect(result.messages[0]).not.toContain(`"c0"`);
        // The self-managed template, from the same generator, says the same.
        const own = review(objectWith("Pod", [max, long]), constraint(entries));
        expect(own.messages).toEqual(result.messages);
    });
});
