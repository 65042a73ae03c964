/**
 * Comparing allowed-images regexes by language (core/admission/regex-inclusion.ts, regex-judgement.ts):
 * equal, narrower and wider regexes; anchored and unanchored; alternations; case folding and
 * zero-width assertions; the state bound. The exact comparison is cross-checked against a sampling
 * proof over the reference corpus (test/fixtures/image-corpus.json plus the probes derived from the
 * trust entries): whenever a sample is accepted by one regex and refused by the other, the exact
 * comparison must say "not included"; whenever it says "included", no sample contradicts it.
 */
import { RE2JS } from "@bufbuild/re2";
import corpusFile from "../../../fixtures/image-corpus.json";
import { IMAGE_REFERENCE_GRAMMAR, allowedImagesRegex } from "../../../../core/admission/image-regex";
import { regexIncluded } from "../../../../core/admission/regex-inclusion";
import { judgeAllowedRegex } from "../../../../core/admission/regex-judgement";
import { probeReferences } from "../../../../core/admission/regex-probes";
import { parseTrustEntries } from "../../../../core/trust";

const entries = (r: string[]) => parseTrustEntries(r).entries;
const gen = (r: string[], requireDigest = true) => allowedImagesRegex(entries(r), { requireDigest }).pattern;
const CONTOSO = gen(["contoso.azurecr.io"]);
const H64 = "0123456789abcdef".repeat(4);

describe("regexIncluded: exact language inclusion, search semantics", () => {
    it("a regex is included in itself, and in the same language written differently", () => {
        expect(regexIncluded(CONTOSO, CONTOSO).included).toBe(true);
        expect(regexIncluded("^(?:a|b)c$", "^[ab]c$").included).toBe(true);
        expect(regexIncluded("^[ab]c$", "^(?:ac|bc)$").included).toBe(true);
        expect(regexIncluded("^x{2,3}$", "^xx(?:x)?$").included).toBe(true);
    });

    it("narrower is included in wider, not the other way round, with a counterexample", () => {
        expect(regexIncluded("^ab$", "^a[a-z]$").included).toBe(true);
        expect(regexIncluded("^a[a-z]$", "^ab$")).toEqual({ included: false, witness: "aa", states: expect.any(Number) });
        expect(regexIncluded(gen(["contoso.azurecr.io/team/"]), CONTOSO).included).toBe(true);
        const wider = regexIncluded(CONTOSO, gen(["contoso.azurecr.io/team/"]));
        expect(wider.included).toBe(false);
        expect(wider).toMatchObject({ witness: `contoso.azurecr.io/a@sha256:${"a".repeat(64)}` });
    });

    it("search semantics: an unanchored regex accepts the string anywhere, so it is wider than its anchored form", () => {
        expect(regexIncluded("^abc$", "abc").included).toBe(true);
        expect(regexIncluded("abc", "^abc$")).toMatchObject({ included: false, witness: "aabc" });
        expect(regexIncluded("docker\\.io/", CONTOSO)).toMatchObject({ included: false, witness: "docker.io/" });
        expect(regexIncluded(".*", CONTOSO)).toMatchObject({ included: false, witness: "" });
        // `$` alone leaves the start open: anything before the trusted name.
        expect(regexIncluded(`contoso\\.azurecr\\.io/[a-z]+@sha256:[a-f0-9]{64}$`, CONTOSO)).toMatchObject({ included: false, witness: `acontoso.azurecr.io/a@sha256:${"a".repeat(64)}` });
    });

    it("alternations: one wide branch is enough to be wider", () => {
        expect(regexIncluded("^(?:contoso\\.azurecr\\.io|evil\\.io)/[a-z]+@sha256:[a-f0-9]{64}$", CONTOSO)).toMatchObject({ included: false, witness: `evil.io/a@sha256:${"a".repeat(64)}` });
        expect(regexIncluded(`^(?:${CONTOSO.slice(1, -1)}|contoso\\.azurecr\\.io/app@sha256:[a-f0-9]{64})$`, CONTOSO).included).toBe(true);
    });

    it("case folding, unescaped dots, multi-line and word-boundary assertions are exact", () => {
        expect(regexIncluded("(?i)^contoso\\.azurecr\\.io/a@sha256:[a-f0-9]{64}$", CONTOSO)).toMatchObject({ included: false });
        expect(regexIncluded("(?i)^k$", "^[kK\\x{212A}]$").included).toBe(true);
        expect(regexIncluded("^[kK\\x{212A}]$", "(?i)^k$").included).toBe(true);
        expect(regexIncluded("^contoso.azurecr.io/a@sha256:[a-f0-9]{64}$", CONTOSO)).toMatchObject({ included: false, witness: `contosoaazurecraio/a@sha256:${"a".repeat(64)}` });
        // (?m)$ also matches before a newline: the string may go on after it.
        expect(regexIncluded("(?m)^ab$", "^ab$")).toMatchObject({ included: false, witness: "ab\n" });
        expect(regexIncluded("\\bab\\b", "(?s)^(?:.*[^a-zA-Z0-9_])?ab(?:[^a-zA-Z0-9_].*)?$").included).toBe(true);
        // Without (?s) the dot stops at newlines, which \b does not.
        expect(regexIncluded("\\bab\\b", "^(?:.*[^a-zA-Z0-9_])?ab(?:[^a-zA-Z0-9_].*)?$")).toMatchObject({ included: false, witness: "ab.\n" });
        expect(regexIncluded("^ab\\b", "^ab$")).toMatchObject({ included: false, witness: "ab." });
        expect(regexIncluded("^ab\\b", "^ab(?:[^a-zA-Z0-9_].*)?$").included).toBe(false); // "ab.\n": the dot stops at a newline
        expect(regexIncluded("^ab\\B", "^ab[a-zA-Z0-9_]")).toMatchObject({ included: true });
    });

    it("a regex that matches nothing is included in anything; nothing but such a regex is included in it", () => {
        const nothing = gen(["Foo/"]);
        expect(regexIncluded(nothing, CONTOSO).included).toBe(true);
        expect(regexIncluded(CONTOSO, nothing).included).toBe(false);
    });

    it("stops at maxStates with an undecided verdict", () => {
        expect(regexIncluded(gen(["docker.io"], false), gen(["docker.io"], false), { maxStates: 50 })).toEqual({ included: "undecided", states: 50 });
    });

    it("throws on a pattern RE2 refuses", () => {
        expect(() => regexIncluded("(?=x)", "x")).toThrow();
    });
});

describe("the comparison is over image references, the strings a runtime can pull", () => {
    const generated = gen(["contoso.azurecr.io"]);
    it("a regex wider only on strings that are no reference counts as within; the witness of a wider one is a reference", () => {
        // `.+` also accepts "contoso.azurecr.io/team./app@…" and "contoso.azurecr.io/.@…", which no runtime can pull.
        const loose = "^contoso\\.azurecr\\.io/.+@sha256:[a-f0-9]{64}$";
        expect(regexIncluded(loose, generated).included).toBe(false);
        expect(regexIncluded(loose, generated, { domain: IMAGE_REFERENCE_GRAMMAR }).included).toBe(true);
        expect(judgeAllowedRegex(loose, { entries: entries(["contoso.azurecr.io"]), requireDigest: true })).toEqual({ kind: "within" });
        const wider = regexIncluded("^contoso\\.azurecr\\.io/.+$", generated, { domain: IMAGE_REFERENCE_GRAMMAR });
        expect(wider).toMatchObject({ included: false, witness: "contoso.azurecr.io/a" });
    });
});

describe("judgeAllowedRegex and the sampling proof over the reference corpus", () => {
    const corpus = [...new Set(Object.entries(corpusFile).filter(([k]) => !k.startsWith("_")).flatMap(([, v]) => v as string[]))];
    const TRUST_CONFIGS: [string, string[], boolean][] = [
        ["one registry", ["contoso.azurecr.io"], true],
        ["repository prefixes, tags allowed", ["contoso.azurecr.io/team/", "mcr.microsoft.com/oss/", "docker.io/library/nginx"], false],
        ["the catalogue's allow-list", ["myregistry.azurecr.io/", "mycompany/", "docker.io/library/nginx"], true],
    ];
    const USER_REGEXES = [
        ".*", "docker\\.io/", "^[^/]+\\.azurecr\\.io/.+$", "azurecr\\.io", "^contoso\\.azurecr\\.io/.+@sha256:[a-f0-9]{64}$",
        "^(?:contoso\\.azurecr\\.io|mcr\\.microsoft\\.com/oss)/[a-z0-9/._-]+@sha256:[a-f0-9]{64}$", "^myregistry\\.azurecr\\.io/.+",
        "^(docker\\.io/)?(library/)?nginx(:[a-z0-9.]+)?(@sha256:[a-f0-9]{64})?$", `^contoso\\.azurecr\\.io/app@sha256:${H64}$`,
        "^mycompany/[a-z]+@sha256:[a-f0-9]{64}$", "^nginx@sha256:[a-f0-9]{64}$",
        gen(["contoso.azurecr.io"]), gen(["contoso.azurecr.io"], false), gen(["contoso.azurecr.io/team/"]), gen(["docker.io/library/nginx"], false),
        gen(["myregistry.azurecr.io/", "mycompany/"]), gen(["docker.io"]),
    ];

    it.each(TRUST_CONFIGS)("%s: the exact verdict never contradicts the samples", (_n, trust, requireDigest) => {
        const rule = { entries: entries(trust), requireDigest };
        const generated = RE2JS.compile(allowedImagesRegex(rule.entries, { requireDigest }).pattern);
        // Admission is compared over what a runtime can pull: the samples that are image references.
        const grammar = RE2JS.compile(IMAGE_REFERENCE_GRAMMAR);
        const samples = [...corpus, ...probeReferences(rule.entries)].filter((s) => grammar.test(s));
        const disagreements: string[] = [];
        let wider = 0;
        for (const pattern of USER_REGEXES) {
            const user = RE2JS.compile(pattern);
            const counter = samples.find((s) => user.test(s) && !generated.test(s));
            const verdict = judgeAllowedRegex(pattern, rule);
            if (verdict.kind === "wider") {
                wider++;
                // The named reference really is one, accepted by the user's regex and refused by the generated one.
                if (!(grammar.test(verdict.accepts) && user.test(verdict.accepts) && !generated.test(verdict.accepts))) disagreements.push(`${pattern}: witness ${JSON.stringify(verdict.accepts)} is not a counterexample`);
            } else if (verdict.kind === "within") {
                if (counter !== undefined) disagreements.push(`${pattern}: judged within, but accepts ${JSON.stringify(counter)}`);
            } else disagreements.push(`${pattern}: ${verdict.kind}`);
            if (counter !== undefined && verdict.kind !== "wider") disagreements.push(`${pattern}: samples find ${JSON.stringify(counter)}, the comparison did not`);
        }
        expect(disagreements).toEqual([]);
        // Not a vacuous pass: most hand-written regexes are wider than the generated one.
        expect(wider).toBeGreaterThanOrEqual(10);
    });

    it("prefers a realistic counterexample from the probes over the shortest string", () => {
        const rule = { entries: entries(["contoso.azurecr.io"]), requireDigest: true };
        expect(judgeAllowedRegex(".*", rule)).toEqual({ kind: "wider", accepts: `docker.io/library/nginx@sha256:${H64}` });
        expect(judgeAllowedRegex("^contoso\\.azurecr\\.io/.+$", rule)).toEqual({ kind: "wider", accepts: "contoso.azurecr.io/app:1.0" });
        expect(judgeAllowedRegex(gen(["contoso.azurecr.io"]), rule)).toEqual({ kind: "within" });
    });

    it("refuses what cannot be compared, saying why", () => {
        const rule = { entries: entries(["contoso.azurecr.io"]), requireDigest: true };
        expect(judgeAllowedRegex(42, rule)).toEqual({ kind: "not-a-string", given: "number" });
        expect(judgeAllowedRegex("(?=x)", rule)).toMatchObject({ kind: "invalid" });
        expect(judgeAllowedRegex("x".repeat(20), rule, { maxPatternLength: 10, maxStates: 1000 })).toEqual({ kind: "too-long", length: 20, limit: 10 });
        expect(judgeAllowedRegex("x", { entries: [], requireDigest: true })).toEqual({ kind: "no-trust" });
    });
});
