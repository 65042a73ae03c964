import { parsePath, setAtPath } from "../../../core/paths";

describe("property paths", () => {
    it("parses discovery's paths", () => {
        expect(parsePath("spec.template.spec.initContainers[0].image")).toEqual(["spec", "template", "spec", "initContainers", 0, "image"]);
        expect(parsePath("items[1].spec.containers[10].image")).toEqual(["items", 1, "spec", "containers", 10, "image"]);
        expect(parsePath("siteConfig.linuxFxVersion(compose services.web.image)")).toBeUndefined();
        expect(parsePath("")).toBeUndefined();
    });
    it("writes a copy, leaving the original untouched", () => {
        const orig = { spec: { containers: [{ name: "a", image: "x" }, { name: "b", image: "y" }] }, other: 1 };
        const next = setAtPath(orig, "spec.containers[1].image", "z");
        expect(next).toEqual({ spec: { containers: [{ name: "a", image: "x" }, { name: "b", image: "z" }] }, other: 1 });
        expect(orig.spec.containers[1].image).toBe("y");
    });
    it("refuses paths that do not exist", () => {
        expect(() => setAtPath({ spec: {} }, "spec.containers[0].image", "z")).toThrow(/does not exist/);
        expect(() => setAtPath({}, "a(b)", "z")).toThrow(/cannot write/);
    });
});
