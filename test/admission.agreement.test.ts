/**
 * Three engines, one verdict: for every image string in the corpus (fixtures + generated suffixes and
 * lengths) and every trust config × {digest required, tags allowed}, the pack's verdict (core
 * parseReference + entryMatches + checkPinnedByDigest) must equal the generated regex run by RE2
 * (@bufbuild/re2) and the generated Gatekeeper CEL template run by CEL (@bufbuild/cel) over Pod,
 * Deployment and CronJob objects. The one documented exception: a single RE2 regex cannot bound the
 * normalized name to 255 characters, so the regex alone may admit an over-long name the pack refuses
 * (the CEL template checks the length, and the runtime could not pull it anyway).
 */
import { RE2JS } from "@bufbuild/re2";
import corpusFile from "./fixtures/image-corpus.json";
import { parseReference, splitDomain } from "../core/reference";
import { checkPinnedByDigest, checkTrustedRegistry } from "../core/rules";
import { TrustEntry, parseTrustEntries } from "../core/trust";
import { allowedImagesRegex } from "../core/admission/image-regex";
import { constraint, constraintTemplate } from "../core/admission/gatekeeper-cel";
import { celReviewer } from "./support/gatekeeper-cel";

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
    if (!parsed.ok) return { admitted: false, code: parsed.error.code };
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

describe("three-engine agreement over the image corpus", () => {
    it("has a corpus large enough to mean something", () => {
        expect(corpus.length).toBeGreaterThan(1000);
        // Every kind of verdict occurs: valid and invalid strings, long names.
        const codes = new Set(corpus.map((s) => { const p = parseReference(s); return p.ok ? "ok" : p.error.code; }));
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

                it("regex (RE2) agrees with the pack on every string, except over-long names it cannot bound", () => {
                    const disagreements = corpus
                        .map((s, i) => ({ s, pack: verdicts[i], regex: re.test(s) }))
                        .filter((r) => r.pack.admitted !== r.regex);
                    // Only one kind of disagreement is possible: the regex admits a name the pack refuses
                    // as too long, and only when the pack would admit it but for the length.
                    expect(disagreements.filter((d) => !(d.regex && d.pack.code === "name-too-long" && verdictIgnoringLength(d.s, entries, requireDigest)))).toEqual([]);
                    if (entries.length > 0 && configName !== "empty") {
                        expect(verdicts.some((v) => v.admitted)).toBe(true);
                    }
                });

                for (const kind of ["Pod", "Deployment", "CronJob"] as const) {
                    it(`CEL template agrees with the pack on every string, in a ${kind}`, () => {
                        const result = review(objectWith(kind, corpus), constraint(entries, { requireDigest }));
                        const violations = new Set((result.variables.violations as { container: string }[]).map((v) => v.container));
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

describe("the known regex limit is exactly the name length", () => {
    const entries = parseTrustEntries(["docker.io/library/"]).entries;
    const long = `${"a".repeat(256 - "docker.io/library/".length)}@${D256}`;
    const max = `${"a".repeat(255 - "docker.io/library/".length)}@${D256}`;

    it("the pack refuses a 256-character normalized name and admits 255", () => {
        expect(packVerdict(long, entries, true)).toEqual({ admitted: false, code: "name-too-long" });
        expect(packVerdict(max, entries, true).admitted).toBe(true);
    });

    it("the regex admits both; the CEL template refuses the long one, naming the container", () => {
        const re = RE2JS.compile(allowedImagesRegex(entries).pattern);
        expect(re.test(long)).toBe(true);
        expect(re.test(max)).toBe(true);
        const result = review(objectWith("Pod", [max, long]), constraint(entries));
        expect(result.allowed).toBe(false);
        expect(result.messages).toHaveLength(1);
        expect(result.messages[0]).toContain(`container "c1" uses "${long}"`);
        expect(result.messages[0]).not.toContain(`"c0"`);
    });
});
