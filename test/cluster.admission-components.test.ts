/**
 * ImageAdmission and GatekeeperImageConstraints under Pulumi's mocks: exact policy assignments
 * (definition, scope, parameters) and Gatekeeper custom resources generated from a trust config,
 * and refusal of bad trust configs and arguments at construction.
 */
import { RE2JS } from "@bufbuild/re2";
import { RegisteredResource, ofType, runUnderMocks } from "./support/mocks";
import { allowedImagesRegex } from "../core/admission/image-regex";
import { parseTrustEntries } from "../core/trust";
import type { ImageAdmissionArgs } from "../components/cluster/image-admission";
import type { GatekeeperImageConstraintsArgs } from "../components/cluster/gatekeeper-image-constraints";

const CLUSTER_ID = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks";
const REGISTRIES = ["contoso.azurecr.io", "mcr.microsoft.com/oss/", "docker.io/library/nginx"];
const D = `@sha256:${"ab".repeat(32)}`;

async function admission(args: Partial<ImageAdmissionArgs>): Promise<RegisteredResource[]> {
    return runUnderMocks(async () => {
        const { ImageAdmission } = await import("../components/cluster/image-admission");
        new ImageAdmission("admission", { clusterId: CLUSTER_ID, registries: REGISTRIES, ...args } as ImageAdmissionArgs);
    });
}

async function gatekeeper(args: Partial<GatekeeperImageConstraintsArgs>): Promise<RegisteredResource[]> {
    return runUnderMocks(async () => {
        const { GatekeeperImageConstraints } = await import("../components/cluster/gatekeeper-image-constraints");
        new GatekeeperImageConstraints("gk", { registries: REGISTRIES, ...args } as GatekeeperImageConstraintsArgs);
    });
}

async function errorOf(p: Promise<unknown>): Promise<string> {
    try {
        await p;
    } catch (e) {
        return e instanceof Error ? e.message : String(e);
    }
    throw new Error("expected construction to fail");
}

const SYSTEM = ["kube-system", "gatekeeper-system", "azure-arc", "azure-extensions-usage-system"];

describe("ImageAdmission", () => {
    it("assigns the allowed-images built-in at cluster scope: Deny, generated regex, source All, system namespaces only", async () => {
        const r = await admission({});
        const assignments = ofType(r, "azure-native:authorization:PolicyAssignment");
        expect(assignments).toHaveLength(1);
        const a = assignments[0].inputs;
        expect(assignments[0].parentType).toBe("imagegate:components:ImageAdmission");
        expect(a.scope).toBe(CLUSTER_ID);
        expect(a.policyDefinitionId).toBe("/providers/Microsoft.Authorization/policyDefinitions/febd0533-8e55-448f-b837-bd0e06f16469");
        expect(a.enforcementMode).toBe("Default");
        const expected = allowedImagesRegex(parseTrustEntries(REGISTRIES).entries).pattern;
        expect(a.parameters).toEqual({
            effect: { value: "Deny" },
            allowedContainerImagesRegex: { value: expected },
            excludedNamespaces: { value: SYSTEM },
            source: { value: "All" },
        });
        expect(a.nonComplianceMessages[0].message).toContain("pinned by digest");
        // The assigned regex is anchored and judges raw strings as the pack does.
        const re = RE2JS.compile(a.parameters.allowedContainerImagesRegex.value);
        expect(re.test(`nginx${D}`)).toBe(true);
        expect(re.test(`contoso.azurecr.io/app:1${D}`)).toBe(true);
        expect(re.test("contoso.azurecr.io/app:1")).toBe(false);
        expect(re.test(`evil.com/contoso.azurecr.io/app${D}`)).toBe(false);
        expect(re.test(`contoso.azurecr.io.evil.com/app${D}`)).toBe(false);
        expect(re.test(`mcr.microsoft.com/oss${D}`)).toBe(false);
    });

    it("adds the no-latest built-in when tags are allowed, and honours Audit", async () => {
        const r = await admission({ requireDigest: false, effect: "Audit" });
        const byDefinition = Object.fromEntries(ofType(r, "azure-native:authorization:PolicyAssignment").map((a) => [a.inputs.policyDefinitionId.split("/").pop(), a.inputs]));
        expect(Object.keys(byDefinition).sort()).toEqual(["021f8078-41a0-40e6-81b6-c6597da9f3ee", "febd0533-8e55-448f-b837-bd0e06f16469"]);
        const noLatest = byDefinition["021f8078-41a0-40e6-81b6-c6597da9f3ee"];
        expect(noLatest.scope).toBe(CLUSTER_ID);
        expect(noLatest.parameters).toEqual({ effect: { value: "Audit" }, excludedNamespaces: { value: SYSTEM }, source: { value: "All" } });
        const re = RE2JS.compile(byDefinition["febd0533-8e55-448f-b837-bd0e06f16469"].parameters.allowedContainerImagesRegex.value);
        expect(re.test("contoso.azurecr.io/app:1")).toBe(true);
        expect(re.test("nginx")).toBe(true);
    });

    it.each([
        ["a bad trust entry", { registries: ["contoso.azurecr.io", "nginx"] }, /registries\[1\]: "nginx" is ambiguous/],
        ["a wildcard entry", { registries: ["*.azurecr.io"] }, /registries\[0\]: .*wildcards are not allowed/],
        ["no trusted registry", { registries: [] }, /at least one trusted registry/],
        ["an unknown effect", { effect: "Disabled" }, /effect must be "Deny" or "Audit"/],
        ["an unknown source", { source: "Everything" }, /source must be "Original", "Generated" or "All"/],
        ["a scope that is not a cluster", { clusterId: "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg" }, /clusterId must be the ID of a Microsoft.ContainerService\/managedClusters resource/],
    ])("refuses %s at construction", async (_what, args, message) => {
        expect(await errorOf(admission(args as Partial<ImageAdmissionArgs>))).toMatch(message);
    });
});

describe("GatekeeperImageConstraints", () => {
    it("applies the CEL ConstraintTemplate and a Constraint carrying the generated regex", async () => {
        const r = await gatekeeper({});
        const crs = ofType(r, "kubernetes:templates.gatekeeper.sh/v1:ConstraintTemplate");
        expect(crs).toHaveLength(1);
        const t = crs[0].inputs;
        expect(t.metadata.name).toBe("k8strustedimages");
        expect(t.spec.crd.spec.names.kind).toBe("K8sTrustedImages");
        expect(t.spec.targets[0].target).toBe("admission.k8s.gatekeeper.sh");
        expect(t.spec.targets[0].code[0].engine).toBe("K8sNativeValidation");
        expect(t.spec.targets[0].code[0].source.validations[0].messageExpression).toContain("container");
        const c = ofType(r, "kubernetes:constraints.gatekeeper.sh/v1beta1:K8sTrustedImages")[0].inputs;
        expect(c.metadata.name).toBe("trusted-images");
        expect(c.spec.enforcementAction).toBe("deny");
        expect(c.spec.match.excludedNamespaces).toEqual(["kube-system", "gatekeeper-system"]);
        expect(c.spec.match.kinds).toEqual([
            { apiGroups: [""], kinds: ["Pod", "ReplicationController"] },
            { apiGroups: ["apps"], kinds: ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"] },
            { apiGroups: ["batch"], kinds: ["Job", "CronJob"] },
        ]);
        expect(c.spec.parameters.allowedImagesRegex).toBe(allowedImagesRegex(parseTrustEntries(REGISTRIES).entries).pattern);
        expect(c.spec.parameters.requirement).toBe("from contoso.azurecr.io or mcr.microsoft.com/oss/ or docker.io/library/nginx, pinned by digest");
    });

    it("takes a custom kind, dry-run enforcement and tags", async () => {
        const r = await gatekeeper({ kind: "ContosoImages", enforcementAction: "dryrun", requireDigest: false, excludedNamespaces: ["kube-system"] });
        expect(ofType(r, "kubernetes:templates.gatekeeper.sh/v1:ConstraintTemplate")[0].inputs.metadata.name).toBe("contosoimages");
        const c = ofType(r, "kubernetes:constraints.gatekeeper.sh/v1beta1:ContosoImages")[0].inputs;
        expect(c.spec.enforcementAction).toBe("dryrun");
        expect(c.spec.match.excludedNamespaces).toEqual(["kube-system"]);
        expect(RE2JS.compile(c.spec.parameters.allowedImagesRegex).test("contoso.azurecr.io/app:1")).toBe(true);
    });

    it.each([
        ["a bad trust entry", { registries: ["contoso.azurecr.io/app:1"] }, /registries\[0\]: .*names a tag/],
        ["no trusted registry", { registries: [] }, /at least one trusted registry/],
        ["a bad kind", { kind: "lowercase" }, /kind "lowercase" must be CamelCase/],
        ["a bad enforcement action", { enforcementAction: "block" }, /enforcementAction must be "deny", "dryrun" or "warn"/],
        ["a bad namespace", { excludedNamespaces: ["Kube_System"] }, /excluded namespace "Kube_System"/],
    ])("refuses %s at construction", async (_what, args, message) => {
        expect(await errorOf(gatekeeper(args as Partial<GatekeeperImageConstraintsArgs>))).toMatch(message);
    });
});
