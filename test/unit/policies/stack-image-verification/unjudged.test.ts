/**
 * stack-image-verification without the signed-images settings (the pack not configured with them,
 * or they are invalid): every cluster is a violation that says so, never a pass.
 */
import { evaluateImageVerification } from "../../../../policies/stack-image-verification/policy";
import type { StackResource } from "../../../../policies/lib/stack-policy";

const cluster = (name: string): StackResource => ({
    type: "azure-native:containerservice:ManagedCluster",
    name,
    urn: `urn:pulumi:dev::p::azure-native:containerservice:ManagedCluster::${name}`,
    props: { resourceName: name },
    dependencies: [],
    propertyDependencies: {},
});

describe("stack-image-verification when the signed-images settings are not known", () => {
    it("reports every cluster as not judged", () => {
        const findings = evaluateImageVerification([cluster("a"), cluster("b")], { unknownValues: "advisory" }, { gates: () => undefined });
        expect(findings).toEqual(["a", "b"].map((n) => ({
            kind: "violation",
            urn: cluster(n).urn,
            message: expect.stringMatching(new RegExp(`^ManagedCluster "${n}": its signature verification at admission cannot be judged: the signed-images settings are not known`)),
        })));
    });

    it("does not apply to a stack without a cluster, whatever the settings", () => {
        expect(evaluateImageVerification([], { unknownValues: "advisory" }, { gates: () => undefined })).toBe("the stack has no AKS cluster");
    });
});
