/**
 * ImageAdmission and GatekeeperImageConstraints under Pulumi's mocks: exact policy assignments
 * (definition, scope, parameters), the custom policy definition whose templateInfo carries the CEL
 * ConstraintTemplate (decoded and run by @bufbuild/cel), Gatekeeper custom resources generated from a
 * trust config, and refusal of bad trust configs and arguments at construction.
 */
import { RE2JS } from "@bufbuild/re2";
import { parse as parseYaml } from "yaml";
import { ConstraintTemplate, constraint } from "../../../../core/admission/gatekeeper-cel";
import { PlannedDefinition, constraintParametersOf } from "../../../../core/admission/azure-custom-definition";
import { celReviewer } from "../../../support/gatekeeper-cel";
import { RegisteredResource, ofType, runUnderMocks } from "../../../support/mocks";
import { allowedImagesRegex } from "../../../../core/admission/image-regex";
import { parseTrustEntries } from "../../../../core/trust";
import { parseReference } from "../../../../core/reference";
import type { ImageAdmissionArgs } from "../../../../components/cluster/image-admission";
import type { GatekeeperImageConstraintsArgs } from "../../../../components/cluster/gatekeeper-image-constraints";

const CLUSTER_ID = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks";
const REGISTRIES = ["contoso.azurecr.io", "mcr.microsoft.com/oss/", "docker.io/library/nginx"];
const D = `@sha256:${"ab".repeat(32)}`;

async function admission(args: Partial<ImageAdmissionArgs>): Promise<RegisteredResource[]> {
    return runUnderMocks(async () => {
        const { ImageAdmission } = await import("../../../../components/cluster/image-admission");
        new ImageAdmission("admission", { clusterId: CLUSTER_ID, registries: REGISTRIES, ...args } as ImageAdmissionArgs);
    });
}

async function gatekeeper(args: Partial<GatekeeperImageConstraintsArgs>): Promise<RegisteredResource[]> {
    return runUnderMocks(async () => {
        const { GatekeeperImageConstraints } = await import("../../../../components/cluster/gatekeeper-image-constraints");
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
const ALLOWED_IMAGES = "/providers/Microsoft.Authorization/policyDefinitions/febd0533-8e55-448f-b837-bd0e06f16469";
const ASSIGNMENT = "azure-native:authorization:PolicyAssignment";
const DEFINITION = "azure-native:authorization:PolicyDefinition";

/** The one assignment of a definition ID. */
function assignmentOf(r: RegisteredResource[], definitionId: string): RegisteredResource {
    const found = ofType(r, ASSIGNMENT).filter((a) => a.inputs.policyDefinitionId === definitionId);
    expect(found).toHaveLength(1);
    return found[0];
}

/** A pod spec holding the images, one container each, spread over the three lists. */
function podSpec(images: readonly string[]): Record<string, { name: string; image: string }[]> {
    const lists: Record<string, { name: string; image: string }[]> = { containers: [], initContainers: [], ephemeralContainers: [] };
    const keys = Object.keys(lists);
    images.forEach((image, i) => lists[keys[i % 3]].push({ name: `c${i}`, image }));
    return lists;
}

describe("ImageAdmission", () => {
    it("assigns the allowed-images built-in at cluster scope: Deny, generated regex, source All, system namespaces only", async () => {
        const r = await admission({});
        const builtIn = assignmentOf(r, ALLOWED_IMAGES);
        const a = builtIn.inputs;
        expect(builtIn.parentType).toBe("imagegate:components:ImageAdmission");
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
        const byDefinition = Object.fromEntries(ofType(r, ASSIGNMENT).map((a) => [a.inputs.policyDefinitionId.split("/").pop(), a.inputs]));
        expect(Object.keys(byDefinition).sort()).toEqual(["021f8078-41a0-40e6-81b6-c6597da9f3ee", "admission-trusted-images-id", "febd0533-8e55-448f-b837-bd0e06f16469"]);
        expect(byDefinition["admission-trusted-images-id"].parameters.effect).toEqual({ value: "Audit" });
        const noLatest = byDefinition["021f8078-41a0-40e6-81b6-c6597da9f3ee"];
        expect(noLatest.scope).toBe(CLUSTER_ID);
        expect(noLatest.parameters).toEqual({ effect: { value: "Audit" }, excludedNamespaces: { value: SYSTEM }, source: { value: "All" } });
        const re = RE2JS.compile(byDefinition["febd0533-8e55-448f-b837-bd0e06f16469"].parameters.allowedContainerImagesRegex.value);
        expect(re.test("contoso.azurecr.io/app:1")).toBe(true);
        expect(re.test("nginx")).toBe(true);
    });

    describe("the custom definition for what the regex cannot check", () => {
        let r: RegisteredResource[];
        beforeAll(async () => {
            r = await admission({});
        });
        const definitionOf = () => {
            const defs = ofType(r, DEFINITION);
            expect(defs).toHaveLength(1);
            return defs[0];
        };
        const templateOf = (d: RegisteredResource) => parseYaml(Buffer.from(d.inputs.policyRule.then.details.templateInfo.content, "base64").toString("utf8")) as ConstraintTemplate;

        it("is a Custom Microsoft.Kubernetes.Data definition at subscription scope, under the component", () => {
            const d = definitionOf();
            expect(d.parentType).toBe("imagegate:components:ImageAdmission");
            expect(d.inputs.mode).toBe("Microsoft.Kubernetes.Data");
            expect(d.inputs.policyType).toBe("Custom");
            expect(d.inputs.policyDefinitionName).toBeUndefined(); // auto-named: unique per stack
            expect(d.inputs.metadata.category).toBe("Kubernetes");
            expect(Object.keys(d.inputs.parameters).sort()).toEqual(["allowedImagesRegex", "effect", "excludedNamespaces", "requirement", "source"]);
            expect(d.inputs.parameters.effect.allowedValues).toEqual(expect.arrayContaining(["Deny", "Audit"]));
            expect(d.inputs.parameters.allowedImagesRegex.defaultValue).toBeUndefined(); // required: no regex, no assignment
            const rule = d.inputs.policyRule;
            expect(rule.if).toEqual({ field: "type", in: ["Microsoft.ContainerService/managedClusters", "Microsoft.Kubernetes/connectedClusters"] });
            expect(rule.then.effect).toBe("[parameters('effect')]");
            expect(rule.then.details).toMatchObject({
                templateInfo: { sourceType: "Base64Encoded" },
                apiGroups: ["", "apps", "batch"],
                kinds: ["Pod", "ReplicationController", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"],
                excludedNamespaces: "[parameters('excludedNamespaces')]",
                source: "[parameters('source')]",
                values: { allowedImagesRegex: "[parameters('allowedImagesRegex')]", requirement: "[parameters('requirement')]" },
            });
        });

        it("carries a valid CEL ConstraintTemplate in templateInfo, whose schema declares every value the definition passes", () => {
            const d = definitionOf();
            const t = templateOf(d);
            expect(t.apiVersion).toBe("templates.gatekeeper.sh/v1");
            expect(t.kind).toBe("ConstraintTemplate");
            expect(t.metadata.name).toBe(t.spec.crd.spec.names.kind.toLowerCase());
            expect(t.spec.crd.spec.names.kind).toMatch(/^[A-Z][A-Za-z0-9]+$/);
            expect(t.spec.targets).toHaveLength(1);
            expect(t.spec.targets[0].target).toBe("admission.k8s.gatekeeper.sh");
            expect(t.spec.targets[0].code.map((c) => c.engine)).toEqual(["K8sNativeValidation"]);
            const schema = t.spec.crd.spec.validation.openAPIV3Schema as { properties: Record<string, unknown>; required: string[] };
            expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(d.inputs.policyRule.then.details.values).sort());
            expect(schema.required.sort()).toEqual(["allowedImagesRegex", "requirement"]);
        });

        it("is assigned at the cluster with the built-in's effect, namespaces and source, plus the same regex", () => {
            const d = definitionOf();
            const custom = assignmentOf(r, `${d.name}-id`);
            expect(custom.parentType).toBe("imagegate:components:ImageAdmission");
            expect(custom.inputs.scope).toBe(CLUSTER_ID);
            expect(custom.inputs.enforcementMode).toBe("Default");
            const builtIn = assignmentOf(r, ALLOWED_IMAGES).inputs.parameters;
            expect(custom.inputs.parameters).toEqual({
                effect: builtIn.effect,
                excludedNamespaces: builtIn.excludedNamespaces,
                source: builtIn.source,
                allowedImagesRegex: { value: builtIn.allowedContainerImagesRegex.value },
                requirement: { value: "from contoso.azurecr.io or mcr.microsoft.com/oss/ or docker.io/library/nginx, pinned by digest" },
            });
            expect(custom.inputs.parameters.effect).toEqual({ value: "Deny" });
            expect(custom.inputs.nonComplianceMessages[0].message).toContain("255 characters");
            expect(ofType(r, ASSIGNMENT)).toHaveLength(2);
        });

        it("runs in a real CEL engine with the parameters the add-on would hand it: refuses the over-long name the regex admits, in Pods and workloads", () => {
            const d = definitionOf();
            const custom = assignmentOf(r, `${d.name}-id`);
            const params = constraintParametersOf(d.inputs as unknown as PlannedDefinition, custom.inputs.parameters);
            const review = celReviewer(templateOf(d));
            const entries = parseTrustEntries(REGISTRIES).entries;
            const c = { ...constraint(entries), spec: { ...constraint(entries).spec, parameters: params as { allowedImagesRegex: string; requirement: string } } };
            // Trusted (under mcr.microsoft.com/oss/), pinned, valid but for its 256-character name.
            const long = `mcr.microsoft.com/oss/${"a".repeat(256 - "mcr.microsoft.com/oss/".length)}${D}`;
            const parsed = parseReference(long);
            expect(parsed.ok || parsed.failure.code).toBe("name-too-long");
            const good = [`nginx${D}`, `contoso.azurecr.io/app:1${D}`, `mcr.microsoft.com/oss/x/y${D}`];
            const regex = RE2JS.compile(assignmentOf(r, ALLOWED_IMAGES).inputs.parameters.allowedContainerImagesRegex.value);
            for (const s of good) expect(regex.test(s)).toBe(true);
            // The regex alone admits the long name; the pack does not; the custom definition does not.
            expect(regex.test(long)).toBe(true);
            const objects = [
                { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: podSpec([...good, long]) },
                { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: { template: { spec: podSpec([...good, long]) } } },
                { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "cj" }, spec: { schedule: "* * * * *", jobTemplate: { spec: { template: { spec: podSpec([...good, long]) } } } } },
            ];
            for (const o of objects) {
                const refused = review(o, c);
                expect(refused.allowed).toBe(false);
                expect(refused.messages).toEqual([`image not admitted (from contoso.azurecr.io or mcr.microsoft.com/oss/ or docker.io/library/nginx, pinned by digest): container "c3" uses "${long}"`]);
                const admitted = review({ ...o, spec: o.kind === "Pod" ? podSpec(good) : o.kind === "Deployment" ? { template: { spec: podSpec(good) } } : { schedule: "* * * * *", jobTemplate: { spec: { template: { spec: podSpec(good) } } } } }, c);
                expect(admitted).toMatchObject({ allowed: true, messages: [] });
            }
            // Untrusted and unpinned images are refused by the custom constraint too (it checks the full rule).
            expect(review({ apiVersion: "v1", kind: "Pod", spec: podSpec(["evil.com/x" + D, "contoso.azurecr.io/app:1"]) }, c).messages[0]).toMatch(/container "c0" uses "evil\.com\/x@sha256:[a-f0-9]{64}", container "c1" uses "contoso\.azurecr\.io\/app:1"/);
        });
    });

    it("passes Audit, source Original and a definition name through to the custom definition and its assignment", async () => {
        const definitionName = `imagegate.trusted images_${"x".repeat(64 - "imagegate.trusted images_".length)}`;
        const r = await admission({ effect: "Audit", source: "Original", policyDefinitionName: definitionName });
        const d = ofType(r, DEFINITION)[0];
        expect(d.inputs.policyDefinitionName).toBe(definitionName);
        const custom = assignmentOf(r, `${d.name}-id`);
        expect(custom.inputs.parameters.effect).toEqual({ value: "Audit" });
        expect(custom.inputs.parameters.source).toEqual({ value: "Original" });
        expect(assignmentOf(r, ALLOWED_IMAGES).inputs.parameters.source).toEqual({ value: "Original" });
    });

    it.each([
        ["a bad trust entry", { registries: ["contoso.azurecr.io", "nginx"] }, /registries\[1\]: "nginx" is ambiguous/],
        ["a wildcard entry", { registries: ["*.azurecr.io"] }, /registries\[0\]: .*wildcards are not allowed/],
        ["no trusted registry", { registries: [] }, /at least one trusted registry/],
        ["an unknown effect", { effect: "Disabled" }, /effect must be "Deny" or "Audit"/],
        ["an unknown source", { source: "Everything" }, /source must be "Original", "Generated" or "All"/],
        ["a bad definition name", { policyDefinitionName: "a/b" }, /policyDefinitionName must be 1–64 characters/],
        ["an over-long definition name", { policyDefinitionName: "x".repeat(65) }, /policyDefinitionName must be 1–64 characters/],
        ["a definition name ending in a space", { policyDefinitionName: "trusted " }, /policyDefinitionName must be 1–64 characters/],
        ["a definition name with a #", { policyDefinitionName: "trusted#1" }, /policyDefinitionName must be 1–64 characters/],
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
