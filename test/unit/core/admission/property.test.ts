/**
 * Property: for references generated from the distribution/reference grammar (and single-character
 * mutations of them) and trust entries derived from them in every spelling, the Azure Policy add-on's
 * verdict as ImageAdmission assigns it (the built-in's regex run by RE2 AND the custom definition's
 * CEL template run by @bufbuild/cel) and the self-managed CEL template judge exactly as the pack does.
 * The regex alone differs only on names too long once normalized, which is why the custom
 * definition exists.
 */
import fc from "fast-check";
import { RE2JS } from "@bufbuild/re2";
import { familiarName, formatReference, parseReference } from "../../../../core/reference";
import { checkPinnedByDigest, checkTrustedRegistry } from "../../../../core/rules";
import { TrustEntry, parseTrustEntries } from "../../../../core/trust";
import { allowedImagesRegex } from "../../../../core/admission/image-regex";
import { Constraint, ConstraintTemplate, constraint, constraintTemplate } from "../../../../core/admission/gatekeeper-cel";
import { constraintParametersOf, decodeTemplateContent, plannedCustomAssignment, trustedImagesDefinition } from "../../../../core/admission/azure-custom-definition";
import { celReviewer } from "../../../support/gatekeeper-cel";
import { domain, referenceString } from "../../../support/reference-arbitraries";

const review = celReviewer(constraintTemplate());
const azureDefinition = trustedImagesDefinition();
const reviewAzure = celReviewer(decodeTemplateContent(azureDefinition.policyRule.then.details.templateInfo.content) as ConstraintTemplate);

/** The constraint the add-on creates from the custom assignment: only its parameters matter to the template. */
function azureConstraint(entries: readonly TrustEntry[], requireDigest: boolean): Constraint {
    const base = constraint(entries, { requireDigest });
    const parameters = constraintParametersOf(azureDefinition, plannedCustomAssignment(entries, { requireDigest }).parameters);
    return { ...base, spec: { ...base.spec, parameters: parameters as unknown as Constraint["spec"]["parameters"] } };
}

function pack(image: string, entries: readonly TrustEntry[], requireDigest: boolean): { admitted: boolean; tooLong: boolean } {
    const p = parseReference(image);
    if (!p.ok) return { admitted: false, tooLong: p.failure.code === "name-too-long" };
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

describe("generated references: the add-on (regex AND custom CEL) and the CEL template agree with the pack", () => {
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
                const azure = reviewAzure(pod, azureConstraint(entries, requireDigest));
                const azureRefused = new Set((azure.variables.violations as { container: string }[]).map((v) => v.container));
                images.forEach((image, i) => {
                    const expected = pack(image, entries, requireDigest);
                    judged++;
                    if (expected.admitted) admitted++;
                    const viaRegex = re.test(image);
                    const viaCel = !violations.has(`c${i}`);
                    const viaAddOn = viaRegex && !azureRefused.has(`c${i}`);
                    expect({ image, raw, requireDigest, cel: viaCel, addOn: viaAddOn }).toEqual({ image, raw, requireDigest, cel: expected.admitted, addOn: expected.admitted });
                    // The regex alone is looser only on over-long names, never otherwise.
                    if (viaRegex !== expected.admitted) expect({ image, regexOnlyLooserOnLength: viaRegex && expected.tooLong }).toEqual({ image, regexOnlyLooserOnLength: true });
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
