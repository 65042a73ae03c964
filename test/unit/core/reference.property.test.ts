import fc from "fast-check";
import { formatReference, parseReference } from "../../../core/reference";
import { referenceString } from "../../support/reference-arbitraries";

describe("reference parser properties", () => {
    it("formatting a parsed reference and parsing it again gives the same reference", () => {
        fc.assert(
            fc.property(referenceString, (s) => {
                const first = parseReference(s);
                fc.pre(first.ok);
                if (!first.ok) return;
                const again = parseReference(formatReference(first.ref));
                expect(again).toEqual({ ok: true, ref: first.ref });
            }),
            { numRuns: 2000 },
        );
    });

    it("accepts every grammar-generated reference whose name fits in 255 characters", () => {
        fc.assert(
            fc.property(referenceString, (s) => {
                const r = parseReference(s);
                if (!r.ok) expect(r.failure.code).toBe("name-too-long");
            }),
            { numRuns: 2000 },
        );
    });

    it("never throws, whatever the input", () => {
        fc.assert(
            fc.property(fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.anything()), (input) => {
                const r = parseReference(input);
                expect(typeof r.ok).toBe("boolean");
                if (!r.ok) expect(r.failure.message.length).toBeGreaterThan(0);
            }),
            { numRuns: 5000 },
        );
    });

    it("never throws on near-miss mutations of valid references", () => {
        const mutate = fc.tuple(referenceString, fc.nat(), fc.constantFrom("", "@", ":", "/", ".", "A", " ", "\u0430", "-", "_"));
        fc.assert(
            fc.property(mutate, ([s, i, ch]) => {
                const pos = i % (s.length + 1);
                const r = parseReference(s.slice(0, pos) + ch + s.slice(pos + 1));
                expect(typeof r.ok).toBe("boolean");
            }),
            { numRuns: 5000 },
        );
    });
});
