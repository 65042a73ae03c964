/**
 * The @pulumi/policy internals policies/lib/sdk.ts relies on, exercised through the SDK's own code
 * (its proxy and its Analyze handler, server.js makeAnalyzeRpcFun): if an upgrade changes one of
 * them, this suite says which. The serving hooks (server.serve through its exports, addService) and
 * the fast path are proven in test/integration/policies/analyzer-seam.test.ts.
 */
import { unknownCheckingProxy } from "@pulumi/policy";
import { isNotApplicable, notApplicable, reportDiagnostic, sdkInternals, unwrapProxy } from "../../../policies/lib/sdk";

const analyzerPb = require(require.resolve("@pulumi/pulumi/proto/analyzer_pb", { paths: [require.resolve("@pulumi/policy")] }));
const structPb = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [require.resolve("@pulumi/pulumi")] }));

/** Runs policies through the SDK's own Analyze handler, as the pack would without the seam. */
function sdkAnalyze(policies: unknown[], props: Record<string, unknown>): Promise<{ diagnostics: { policy: string; level: number; message: string }[]; notApplicable: [string, string][] }> {
    const server = sdkInternals().server as unknown as { makeAnalyzeRpcFun: (...a: unknown[]) => (call: unknown, cb: (e: unknown, r: unknown) => void) => void };
    const handler = server.makeAnalyzeRpcFun("seam-test", "1.0.0", "mandatory", policies);
    const req = new analyzerPb.AnalyzeRequest();
    req.setType("kubernetes:core/v1:Pod").setName("p").setUrn("urn:pulumi:dev::p::kubernetes:core/v1:Pod::p");
    req.setProperties(structPb.Struct.fromJavaScript(props));
    req.setOptions(new analyzerPb.AnalyzerResourceOptions());
    return new Promise((resolve, reject) =>
        handler({ request: req }, (err: unknown, res: any) => {
            if (err) return reject(err);
            resolve({
                diagnostics: res.getDiagnosticsList().map((d: any) => ({ policy: d.getPolicyname(), level: d.getEnforcementlevel(), message: d.getMessage() })),
                notApplicable: res.getNotApplicableList().map((n: any) => [n.getPolicyName(), n.getReason()]),
            });
        }),
    );
}

const policy = (name: string, validateResource: (args: any, report: any) => unknown) => ({ name, description: `${name} description`, enforcementLevel: "mandatory", validateResource });

describe("the @pulumi/policy internals the seam relies on", () => {
    it("loads every internal module with the members the seam calls", () => {
        const sdk = sdkInternals();
        expect(sdk.version).toMatch(/^v?\d+\.\d+\.\d+/);
        for (const f of [sdk.deserialize.deserializeProperties, sdk.protoutil.makeAnalyzeResponse, sdk.protoutil.asGrpcError, sdk.protoutil.convertEnforcementLevel, sdk.policy.isResourcePolicy, sdk.policy.isStackPolicy, sdk.policy.getPulumiType, sdk.server.serve, sdk.grpc.Server.prototype.addService]) {
            expect(typeof f).toBe("function");
        }
        expect(typeof sdk.analyzerPb.PolicyNotApplicable).toBe("function");
        expect(sdk.proxy.getSpecialProxyTarget).toBe("__getSpecialProxyTarget");
    });

    it("the unknown-checking proxy hands out the raw object it wraps, unknown sentinels in place", () => {
        const raw = { spec: { containers: [{ image: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }] } };
        const proxied = unknownCheckingProxy(raw);
        expect(() => (proxied as any).spec.containers[0].image).toThrow(/can't be known during preview/);
        expect(unwrapProxy(proxied)).toBe(raw);
        expect(unwrapProxy(raw)).toBe(raw);
        expect(unwrapProxy("text")).toBe("text");
    });

    it("reportViolation's object form carries the message, and its own enforcement level", async () => {
        const r = await sdkAnalyze([
            policy("p1", (_args, report) => {
                reportDiagnostic(report, { policyName: "p1", description: "p1 description", message: "blocking" });
                reportDiagnostic(report, { policyName: "p1", description: "p1 description", message: "only advice", advisory: true });
            }),
        ], {});
        expect(r.diagnostics).toEqual([
            { policy: "p1", level: analyzerPb.EnforcementLevel.MANDATORY, message: "p1 description\nblocking" },
            { policy: "p1", level: analyzerPb.EnforcementLevel.ADVISORY, message: "p1 description\nonly advice" },
        ]);
    });

    it("not applicable: the SDK's error is thrown (no stack captured), recognised, and reported with its reason", async () => {
        const seen: boolean[] = [];
        const r = await sdkAnalyze([
            policy("na", (args) => {
                try {
                    notApplicable(args, "the resource carries no container images");
                } catch (e) {
                    seen.push(isNotApplicable(e), (e as Error).stack?.includes("sdk-seam.test") ?? false);
                    throw e;
                }
            }),
            policy("other", () => {
                throw new Error("boom");
            }),
        ], {}).catch((e: Error) => e);
        // The second policy's plain error aborts the SDK's handler, as it would abort a preview: the
        // shell never lets one escape (its crash message), which is why the seam can rely on this.
        expect(r).toBeInstanceOf(Error);
        expect(String((r as any).details ?? (r as Error).message)).toContain("Error validating resource with policy 'other'");
        expect(seen).toEqual([true, false]);
        const ok = await sdkAnalyze([policy("na", (args) => notApplicable(args, "why not"))], {});
        expect(ok).toEqual({ diagnostics: [], notApplicable: [["na", "why not"]] });
    });

    it("a plain error is not taken for not-applicable", () => {
        expect(isNotApplicable(new Error("x"))).toBe(false);
        expect(isNotApplicable("NotApplicableError")).toBe(false);
    });
});
