/** The one reader of stack config values for the platform and workload programs. */
import { decode } from "../../../../components/shared/stack-values";

describe("stack config values", () => {
    it("decodes JSON objects, lists and booleans, as `pulumi config set --path` and YAML maps store them", () => {
        expect(decode('{"repository":"samples/web","replicas":2}')).toEqual({ repository: "samples/web", replicas: 2 });
        expect(decode('["10.0.0.0/8"]')).toEqual(["10.0.0.0/8"]);
        expect(decode("true")).toBe(true);
    });

    it("keeps numbers, null and plain strings as written, so a tag or an ID is never reinterpreted", () => {
        expect(decode("1.0")).toBe("1.0");
        expect(decode("00000000")).toBe("00000000");
        expect(decode("null")).toBe("null");
        expect(decode("westeurope")).toBe("westeurope");
        expect(decode("{not json")).toBe("{not json");
    });
});
