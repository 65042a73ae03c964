/**
 * stack-aks-image-admission in the compiled pack (dist/), launched as the Pulumi CLI launches it and
 * driven over Analyzer gRPC (AnalyzeStack): issue 13's bypasses — a regex `.*`, a regex for
 * `docker\.io/`, `excludedNamespaces: [default, apps]`, a custom definition whose ID merely ends with
 * the built-in's GUID, a Gatekeeper template that accepts everything — are each refused by name at
 * mandatory, while what ImageAdmission and GatekeeperImageConstraints generate counts, at the cluster,
 * its resource group and through an initiative.
 */
import * as fs from "fs";
import * as path from "path";
import { AnalyzerHarness, UNKNOWN } from "../../../../cli/harness";
import type { AnalyzeStackResource } from "../../../../cli/harness/types";
import { allowedImagesRegex, constraint, constraintTemplate, plannedAssignments } from "../../../../core/admission";
import { parseTrustEntries } from "../../../../core/trust";
import { hardenedCluster } from "../../../support/hardening";
import { PACK_DIR, REPO_ROOT } from "../../../support/paths";

const SUB = "11111111-1111-1111-1111-111111111111";
const RG = `/subscriptions/${SUB}/resourceGroups/rg-aks`;
const CLUSTER_ID = `${RG}/providers/Microsoft.ContainerService/managedClusters/aks1`;
const BUILT_IN = "/providers/Microsoft.Authorization/policyDefinitions/febd0533-8e55-448f-b837-bd0e06f16469";
const TRUSTED = ["contoso.azurecr.io"];
const ENTRIES = parseTrustEntries(TRUSTED).entries;
const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;
const POLICY = "stack-aks-image-admission";

const urn = (type: string, name: string) => `urn:pulumi:dev::p::${type}::${name}`;
const CLUSTER_T = "azure-native:containerservice:ManagedCluster";
const cluster: AnalyzeStackResource = { type: CLUSTER_T, name: "aks1", urn: urn(CLUSTER_T, "aks1"), properties: { ...hardenedCluster(), id: CLUSTER_ID } };

function assignment(name: string, props: Record<string, unknown>, extra: Partial<AnalyzeStackResource> = {}): AnalyzeStackResource {
    const t = "azure-native:authorization:PolicyAssignment";
    const planned = plannedAssignments(ENTRIES)[0];
    return { type: t, name, urn: urn(t, name), properties: { scope: CLUSTER_ID, policyDefinitionId: BUILT_IN, enforcementMode: "Default", parameters: planned.parameters, ...props }, ...extra };
}
const withRegex = (name: string, regex: string, props: Record<string, unknown> = {}) =>
    assignment(name, { parameters: { ...plannedAssignments(ENTRIES)[0].parameters, allowedContainerImagesRegex: { value: regex } }, ...props });

let h: AnalyzerHarness;
beforeAll(async () => {
    if (!fs.existsSync(path.join(REPO_ROOT, "dist", "policies", "index.js"))) throw new Error("dist/policies/index.js is missing: run `npm run build` before these tests");
    h = await AnalyzerHarness.launch({ packDir: PACK_DIR, startTimeoutMs: 60_000 });
    await h.configureFromFile({ "trusted-registries": { registries: TRUSTED } });
}, 90_000);
afterAll(async () => {
    await h?.close();
});

async function admission(resources: AnalyzeStackResource[]) {
    const res = await h.analyzeStack(resources);
    return res.diagnostics.filter((d) => d.policyName === POLICY);
}

describe("stack-aks-image-admission over AnalyzeStack", () => {
    it("counts ImageAdmission's built-in assignment at the cluster (scope computed at preview) and at the resource group", async () => {
        const preview = assignment("admission", { scope: UNKNOWN }, { dependencies: [cluster.urn], propertyDependencies: { scope: [cluster.urn] } });
        expect(await admission([{ ...cluster, properties: { ...cluster.properties, id: UNKNOWN } }, preview])).toEqual([]);
        expect(await admission([cluster, assignment("admission", { scope: RG })])).toEqual([]);
    });

    it.each([
        ["a regex `.*`", withRegex("a", ".*"), `its allowedContainerImagesRegex accepts "docker.io/library/nginx@${DIGEST}", which the trust config refuses`],
        ["a regex for docker.io", withRegex("a", "docker\\.io/"), `its allowedContainerImagesRegex accepts "docker.io/library/nginx@${DIGEST}", which the trust config refuses`],
        ["excludedNamespaces [default, apps]",
            assignment("a", { parameters: { ...plannedAssignments(ENTRIES)[0].parameters, excludedNamespaces: { value: ["default", "apps"] } } }),
            'excludes namespaces "default", "apps" beyond the system namespaces (kube-system, gatekeeper-system, azure-arc, azure-extensions-usage-system), so images there are not judged'],
        ["a custom definition whose ID ends with the built-in GUID",
            assignment("a", { policyDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/policyDefinitions/febd0533-8e55-448f-b837-bd0e06f16469` }),
            `assigns "/subscriptions/${SUB}/providers/Microsoft.Authorization/policyDefinitions/febd0533-8e55-448f-b837-bd0e06f16469", which is not the built-in allowed-images definition: only ${BUILT_IN} is`],
    ])("refuses %s at mandatory, naming it", async (_n, a, text) => {
        const d = await admission([cluster, a]);
        expect(d).toEqual([expect.objectContaining({ enforcementLevel: "mandatory", urn: cluster.urn, severity: "critical" })]);
        expect(d[0].message).toContain(`ManagedCluster "aks1": no image admission is enforced in the cluster that denies what the trust config denies`);
        expect(d[0].message).toContain(`Found but not counted: PolicyAssignment "a" at the cluster: ${text}`);
    });

    it("counts an initiative with the built-in as a member, the regex mapped through the initiative's parameters; a wide one is refused", async () => {
        const setT = "azure-native:authorization:PolicySetDefinition";
        const setId = `/subscriptions/${SUB}/providers/Microsoft.Authorization/policySetDefinitions/baseline`;
        const set: AnalyzeStackResource = {
            type: setT, name: "baseline", urn: urn(setT, "baseline"),
            properties: {
                id: setId,
                parameters: { imageRegex: { type: "String" } },
                policyDefinitions: [{ policyDefinitionId: BUILT_IN, policyDefinitionReferenceId: "allowedImages", parameters: { allowedContainerImagesRegex: { value: "[parameters('imageRegex')]" } } }],
            },
        };
        const viaSet = (regex: string) => assignment("baseline-images", { scope: RG, policyDefinitionId: setId, parameters: { imageRegex: { value: regex } } });
        expect(await admission([cluster, set, viaSet(allowedImagesRegex(ENTRIES).pattern)])).toEqual([]);
        const d = await admission([cluster, set, viaSet("^contoso\\.azurecr\\.io/")]);
        expect(d.map((x) => x.message).join("\n")).toContain('PolicyAssignment "baseline-images" (initiative "baseline", member "allowedImages") at resource group "rg-aks": its allowedContainerImagesRegex accepts "contoso.azurecr.io/app:1.0", which the trust config refuses');
    });

    it("counts the generated Gatekeeper template and constraint; refuses a template that accepts everything", async () => {
        const providerT = "pulumi:providers:kubernetes";
        const provider = { type: providerT, name: "aks1-k8s", urn: urn(providerT, "aks1-k8s"), properties: {} };
        const providerEntry: AnalyzeStackResource = { ...provider, dependencies: [cluster.urn], propertyDependencies: { kubeconfig: [cluster.urn] } };
        const tplT = "kubernetes:templates.gatekeeper.sh/v1:ConstraintTemplate";
        const conT = "kubernetes:constraints.gatekeeper.sh/v1beta1:K8sTrustedImages";
        const template = constraintTemplate() as unknown as Record<string, unknown>;
        const tpl = (props: Record<string, unknown>): AnalyzeStackResource => ({ type: tplT, name: "tpl", urn: urn(tplT, "tpl"), properties: props, provider });
        const con: AnalyzeStackResource = { type: conT, name: "trusted", urn: urn(conT, "trusted"), properties: constraint(ENTRIES) as unknown as Record<string, unknown>, provider, dependencies: [urn(tplT, "tpl")] };
        // A second cluster, so the constraints count only through the provider's dependency on aks1.
        const other: AnalyzeStackResource = { ...cluster, name: "aks2", urn: urn(CLUSTER_T, "aks2"), properties: { ...cluster.properties, id: CLUSTER_ID.replace("aks1", "aks2") } };
        expect((await admission([cluster, other, providerEntry, tpl(template), con])).map((d) => d.urn)).toEqual([other.urn]);
        const spec = template.spec as { targets: { code: { source: { validations: { expression: string }[] } }[] }[] };
        const acceptAll = JSON.parse(JSON.stringify(template));
        acceptAll.spec.targets[0].code[0].source.validations[0].expression = "true";
        expect(spec.targets[0].code[0].source.validations[0].expression).not.toBe("true");
        const d = await admission([cluster, providerEntry, tpl(acceptAll), con]);
        expect(d).toHaveLength(1);
        expect(d[0].message).toContain('Gatekeeper K8sTrustedImages "trusted": its ConstraintTemplate "tpl" is not the one imagegate generates (it differs at spec.targets[0].code[0].source.validations[0].expression), so what it admits cannot be judged.');
    });

    it("an unknown scope not traced to the cluster is advisory over the wire", async () => {
        const d = await admission([cluster, assignment("a", { scope: UNKNOWN })]);
        expect(d).toEqual([expect.objectContaining({ enforcementLevel: "advisory", message: expect.stringContaining('image admission may come from PolicyAssignment "a" (its scope is not known yet)') })]);
    });

    it("judges admission against trusted-registries' own entry: another list in the config changes the verdict", async () => {
        const generated = await admission([cluster, assignment("a", {})]);
        expect(generated).toEqual([]);
        await h.configureFromFile({ "trusted-registries": { registries: ["fabrikam.azurecr.io"] } });
        try {
            expect(await admission([cluster, assignment("a", {})])).toEqual([expect.objectContaining({ enforcementLevel: "mandatory", message: expect.stringContaining("which the trust config refuses") })]);
        } finally {
            await h.configureFromFile({ "trusted-registries": { registries: TRUSTED } });
        }
        await expect(h.configureFromFile({ [POLICY]: { trustedRegistries: TRUSTED } })).rejects.toThrow(/stack-aks-image-admission: .*trustedRegistries/);
    });

    it("wrote nothing but the port to stdout", () => {
        expect(h.protocolErrors()).toEqual([]);
    });
});
