/**
 * Property: for references generated from the distribution/reference grammar (and single-character
 * mutations of them) and trust entries derived from them in every spelling, the generated regex (RE2)
 * and the CEL template (@bufbuild/cel) judge exactly as the pack does.
 */
import fc from "fast-check";
import { RE2JS } from "@bufbuild/re2";
import { familiarName, formatReference, parseReference } from "../core/reference";
import { checkPinnedByDigest, checkTrustedRegistry } from "../core/rules";
import { TrustEntry, parseTrustEntries } from "../core/trust";
import { allowedImagesRegex } from "../core/admission/image-regex";
import { constraint, constraintTemplate } from "../core/admission/gatekeeper-cel";
import { celReviewer } from "./support/gatekeeper-cel";
import { domain, referenceString } from "./support/reference-arbitraries";

const review = celReviewer(constraintTemplate());

function pack(image: string, entries: readonly TrustEntry[], requireDigest: boolean): { admitted: boolean; tooLong: boolean } {
    const p = parseReference(image);
    if (!p.ok) return { admitted: false, tooLong: p.error.code === "name-too-long" };
    return { admitted: !checkTrustedRegistry(p.ref, entries) && (!requireDigest || !checkPinnedByDigest(p.ref)), tooLong: false };
}

/** Trust entries derived from a reference: its registry, its repository, a namespace above it, Hub spellings. */
function entriesFrom(image: string, pick: number): string[] {
    const p = parseReference(image);
    if (!p.ok) return ["contoso.azurecr.io"];
    const { domain: d, path } = p.ref;
    const parts = path.split("/");
    const hub = d === "docker.io";
    const shortPath = hub && parts[0] === "library" ? parts.slice(1).join("/") : path;
    const candidates = [
        d,
        `${d}/${path}`,
        `${d}/${parts[0]}/`,
        parts.length > 1 ? `${d}/${parts.slice(0, -1).join("/")}/` : `${d}/${path}/`,
        hub ? `index.docker.io/${path}` : `${d}/${path}`,
        hub && parts[0] !== "library" ? `${parts[0]}/` : `${d}/${parts[0]}/`,
        hub && !shortPath.includes("/") ? `docker.io/${shortPath}` : `${d}/${path}`,
    ];
    return [candidates[pick % candidates.length], candidates[(pick * 7 + 3) % candidates.length]];
}

const mutated = fc.oneof(
    referenceString,
    fc.tuple(referenceString, fc.nat(), fc.constantFrom(..."/:@.-_Aa0 \u0430".split(""))).map(([s, i, c]) => {
        const at = i % (s.length + 1);
        return s.slice(0, at) + c + s.slice(at);
    }),
    fc.tuple(referenceString, fc.nat()).map(([s, i]) => {
        const at = i % s.length;
        return s.slice(0, at) + s.slice(at + 1);
    }),
    fc.tuple(referenceString, fc.nat()).map(([s, i]) => {
        const at = i % s.length;
        return s.slice(0, at) + s[at].toUpperCase() + s.slice(at + 1);
    }),
    // Other spellings of the same reference: canonical, legacy Hub host, short Hub name.
    fc.tuple(referenceString, fc.nat()).map(([s, i]) => {
        const p = parseReference(s);
        if (!p.ok) return s;
        const canonical = formatReference(p.ref);
        const spellings = [canonical, familiarName(p.ref)];
        if (p.ref.domain === "docker.io") spellings.push(`index.${canonical}`);
        return spellings[i % spellings.length];
    }),
);

describe("generated references: regex and CEL agree with the pack", () => {
    it("for entries derived from the reference and a second, unrelated registry", () => {
        let admitted = 0;
        let judged = 0;
        fc.assert(
            fc.property(referenceString, fc.array(mutated, { minLength: 1, maxLength: 6 }), fc.nat(), domain, fc.boolean(), (base, others, pick, extra, requireDigest) => {
                const raw = [...entriesFrom(base, pick), extra];
                const { entries, errors } = parseTrustEntries(raw);
                expect(errors).toEqual([]);
                const images = [base, ...others];
                const re = RE2JS.compile(allowedImagesRegex(entries, { requireDigest }).pattern);
                const pod = { kind: "Pod", spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) } };
                const result = review(pod, constraint(entries, { requireDigest }));
                const violations = new Set((result.variables.violations as { container: string }[]).map((v) => v.container));
                images.forEach((image, i) => {
                    const expected = pack(image, entries, requireDigest);
                    judged++;
                    if (expected.admitted) admitted++;
                    const viaRegex = re.test(image);
                    const viaCel = !violations.has(`c${i}`);
                    expect({ image, raw, requireDigest, cel: viaCel }).toEqual({ image, raw, requireDigest, cel: expected.admitted });
                    if (!expected.tooLong) expect({ image, raw, requireDigest, regex: viaRegex }).toEqual({ image, raw, requireDigest, regex: expected.admitted });
                });
            }),
            { numRuns: 400, seed: 7 },
        );
        // Both verdicts occur often enough for the agreement to mean something.
        expect(admitted / judged).toBeGreaterThan(0.15);
        expect(admitted / judged).toBeLessThan(0.85);
    });

    it("admits the generated reference itself when its repository is trusted (the property is not vacuous)", () => {
        fc.assert(
            fc.property(referenceString, (s) => {
                const p = parseReference(s);
                fc.pre(p.ok && p.ref.digest !== undefined);
                if (!p.ok) return;
                const { entries } = parseTrustEntries([`${p.ref.domain}/${p.ref.path}`]);
                expect(RE2JS.compile(allowedImagesRegex(entries).pattern).test(s)).toBe(true);
                const result = review({ kind: "Pod", spec: { containers: [{ name: "a", image: s }] } }, constraint(entries));
                expect(result.allowed).toBe(true);
            }),
            { numRuns: 200, seed: 11 },
        );
    });
});
