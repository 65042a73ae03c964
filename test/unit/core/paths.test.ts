import { appendPath, formatPath, parsePath, setAtPath } from "../../../core/paths";

describe("property paths", () => {
    it("parses discovery's paths", () => {
        expect(parsePath("spec.template.spec.initContainers[0].image")).toEqual(["spec", "template", "spec", "initContainers", 0, "image"]);
        expect(parsePath("items[1].spec.containers[10].image")).toEqual(["items", 1, "spec", "containers", 10, "image"]);
        expect(parsePath("siteConfig.linuxFxVersion(compose services.web.image)")).toBeUndefined();
        expect(parsePath("")).toBeUndefined();
    });
    it("quotes keys that are not plain names, so a path names one place; parses them back", () => {
        expect(formatPath(["spec", "config", "group.id", "image"])).toBe('spec.config["group.id"].image');
        expect(formatPath(["values", "0", "x y", 'q"uote', 2])).toBe('values["0"]["x y"]["q\\"uote"][2]');
        expect(parsePath('values["0"]["x y"]["q\\"uote"][2]')).toEqual(["values", "0", "x y", 'q"uote', 2]);
        expect(appendPath("", "my-chart")).toBe("my-chart");
        expect(parsePath('a.["b"]')).toBeUndefined();
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
        // The last step must exist too: a rewrite never creates a field.
        expect(() => setAtPath({ spec: { containers: [{ name: "a" }] } }, "spec.containers[0].image", "z")).toThrow(/does not exist/);
    });
});
