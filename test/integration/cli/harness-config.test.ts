/** Policy config reconciliation as the Pulumi CLI does it: defaults → initialConfig → all → per policy, then schema checks. */
import { PolicyConfigError, reconcilePolicyConfig, type AnalyzerInfo, type PolicyInfo } from "../../../cli/harness";

function policy(name: string, over: Partial<PolicyInfo> = {}): PolicyInfo {
    return {
        name,
        displayName: "",
        description: `${name} description`,
        message: "",
        enforcementLevel: "advisory",
        policyType: "resource",
        severity: "",
        tags: [],
        remediationSteps: "",
        url: "",
        ...over,
    };
}

const info: AnalyzerInfo = {
    name: "imagegate",
    displayName: "",
    version: "0.1.0",
    description: "",
    supportsConfig: true,
    tags: [],
    repository: "",
    policies: [
        policy("trusted-registries", {
            enforcementLevel: "mandatory",
            configSchema: {
                properties: {
                    registries: { type: "array", items: { type: "string", minLength: 1 }, default: [] },
                    unknownImages: { type: "string", enum: ["advisory", "enforce"], default: "advisory" },
                },
                required: [],
            },
        }),
        policy("with-required", { configSchema: { properties: { threshold: { type: "integer" } }, required: ["threshold"] } }),
        policy("no-schema"),
    ],
    initialConfig: { "with-required": { enforcementLevel: "advisory", properties: { threshold: 3 } } },
};

function problems(file: Record<string, unknown>): string {
    try {
        reconcilePolicyConfig(info, file);
    } catch (e) {
        expect(e).toBeInstanceOf(PolicyConfigError);
        return (e as Error).message;
    }
    throw new Error("expected a PolicyConfigError");
}

describe("reconcilePolicyConfig", () => {
    it("gives every policy its schema defaults, the pack's initialConfig and its own level when no file is given", () => {
        expect(reconcilePolicyConfig(info)).toEqual({
            "trusted-registries": { enforcementLevel: "mandatory", properties: { registries: [], unknownImages: "advisory" } },
            "with-required": { enforcementLevel: "advisory", properties: { threshold: 3 } },
            "no-schema": { enforcementLevel: "advisory", properties: {} },
        });
    });

    it("applies \"all\" first, then per-policy levels and properties over it", () => {
        const c = reconcilePolicyConfig(info, {
            all: "disabled",
            "trusted-registries": { registries: ["contoso.azurecr.io"] },
            "no-schema": "mandatory",
        });
        expect(c["trusted-registries"]).toEqual({
            enforcementLevel: "disabled",
            properties: { registries: ["contoso.azurecr.io"], unknownImages: "advisory" },
        });
        expect(c["with-required"].enforcementLevel).toBe("disabled");
        expect(c["no-schema"].enforcementLevel).toBe("mandatory");
    });

    it("accepts an object entry with an enforcementLevel and keeps it out of the properties", () => {
        const c = reconcilePolicyConfig(info, { "trusted-registries": { enforcementLevel: "advisory", unknownImages: "enforce" } });
        expect(c["trusted-registries"]).toEqual({ enforcementLevel: "advisory", properties: { registries: [], unknownImages: "enforce" } });
    });

    it("does not share default arrays between runs", () => {
        const a = reconcilePolicyConfig(info);
        (a["trusted-registries"].properties.registries as string[]).push("mutated");
        expect(reconcilePolicyConfig(info)["trusted-registries"].properties.registries).toEqual([]);
    });

    it("names the pack, policy and field of a wrong type, in the CLI's words", () => {
        expect(problems({ "trusted-registries": { registries: "contoso.azurecr.io" } })).toBe(
            "validating policy config: imagegate 0.1.0  trusted-registries: registries: Invalid type. Expected: array, given: string",
        );
        expect(problems({ "with-required": { threshold: 1.5 } })).toContain("with-required: threshold: Invalid type. Expected: integer, given: number");
    });

    it("names nested fields, enum values and missing required properties", () => {
        expect(problems({ "trusted-registries": { registries: ["ok", 7] } })).toContain("trusted-registries: registries.1: Invalid type. Expected: string, given: integer");
        expect(problems({ "trusted-registries": { unknownImages: "sometimes" } })).toContain(
            'trusted-registries: unknownImages: unknownImages must be one of the following: "advisory", "enforce"',
        );
        const noInitial: AnalyzerInfo = { ...info, initialConfig: {} };
        expect(() => reconcilePolicyConfig(noInitial, {})).toThrow("with-required: (root): threshold is required");
    });

    it("rejects unknown enforcement levels, in \"all\", as a string and inside an object", () => {
        expect(problems({ all: "strict" })).toContain('all: enforcement level "strict" is not one of advisory, mandatory, remediate, disabled');
        expect(problems({ "no-schema": "warn" })).toContain('no-schema: enforcement level "warn"');
        expect(problems({ "no-schema": { enforcementLevel: 1 } })).toContain("no-schema: enforcementLevel: enforcement level 1");
    });

    it("rejects policies the pack does not have and entries of the wrong shape, listing every problem", () => {
        const msg = problems({ "trusted-registrys": "mandatory", "no-schema": ["mandatory"] });
        expect(msg).toContain('trusted-registrys: the pack has no policy named "trusted-registrys"');
        expect(msg).toContain("no-schema: expected an enforcement level string or an object, given: array");
    });

    it("rejects a config file that is not an object", () => {
        expect(() => reconcilePolicyConfig(info, [] as unknown as Record<string, unknown>)).toThrow("must be a JSON object");
    });
});
