/**
 * stack-aks-image-admission with StackValidationArgs built as the SDK builds them (runStackPolicy):
 * admission is judged by what it denies. The assignments and constraints imagegate generates count at
 * any scope containing the cluster; every narrowing or loosening named in issue 13 (a regex `.*` or
 * `docker\.io/`, extra excluded namespaces, a look-alike definition ID, a template that accepts
 * everything, audit effects, overrides, notScopes, exemptions, initiatives) is refused by name.
 */
import { constraint, constraintTemplate, plannedAssignments, plannedCustomAssignment, trustedImagesDefinition, allowedImagesRegex } from "../../../../core/admission";
import { parseTrustEntries } from "../../../../core/trust";
import { stackAksImageAdmission } from "../../../../policies/stack-aks-image-admission/policy";
import { ALLOWED_IMAGES_DEF, CLUSTER_ID, SUB, StackEntry, hardenedCluster, runStackPolicy, urnOf, withTrust, withValue } from "../../../support/hardening";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const CLUSTER_T = "azure-native:containerservice:ManagedCluster";
const ASSIGNMENT_T = "azure-native:authorization:PolicyAssignment";
const DEFINITION_T = "azure-native:authorization:PolicyDefinition";
const SET_T = "azure-native:authorization:PolicySetDefinition";
const EXEMPTION_T = "azure-native:authorization:PolicyExemption";
const TEMPLATE_T = "kubernetes:templates.gatekeeper.sh/v1:ConstraintTemplate";
const K8S_PROVIDER_T = "pulumi:providers:kubernetes";
const RG_AKS = `/subscriptions/${SUB}/resourceGroups/rg-aks`;
const TRUSTED = ["contoso.azurecr.io"];
const ENTRIES = parseTrustEntries(TRUSTED).entries;
const REGEX = allowedImagesRegex(ENTRIES).pattern;
const CONFIG = { trustedRegistries: TRUSTED };
const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;
const SYSTEM = "kube-system, gatekeeper-system, azure-arc, azure-extensions-usage-system";

/** `trustedRegistries`/`requireDigest` configure trusted-registries and require-digest (read through peers); the rest is this policy's own config. */
const run = (entries: StackEntry[], config: Record<string, unknown> = CONFIG) => {
    const { trustedRegistries, requireDigest, ...own } = config as { trustedRegistries?: string[]; requireDigest?: boolean };
    return withTrust({ registries: trustedRegistries, requireDigest }, () => runStackPolicy(stackAksImageAdmission, entries, own));
};
const cluster = (props: Record<string, unknown> = {}, name = "aks1"): StackEntry => ({ type: CLUSTER_T, name, props: { ...hardenedCluster(), resourceName: name, id: CLUSTER_ID.replace("aks1", name), ...props } });
/** The built-in assignment exactly as ImageAdmission plans it, at the cluster. */
const builtIn = (name = "admission", props: Record<string, unknown> = {}): StackEntry => {
    const p = plannedAssignments(ENTRIES)[0];
    return { type: ASSIGNMENT_T, name, props: { scope: CLUSTER_ID, policyDefinitionId: p.policyDefinitionId, enforcementMode: "Default", parameters: p.parameters, ...props } };
};
const withParam = (e: StackEntry, name: string, value: unknown): StackEntry => withValue(e, `props.parameters.${name}`, value === undefined ? undefined : { value });
const messageOf = async (entries: StackEntry[], config?: Record<string, unknown>) => {
    const r = await run(entries, config);
    expect(r.diagnostics).toHaveLength(1);
    return r.diagnostics[0].message;
};

describe("stack-aks-image-admission: Azure Policy assignments", () => {
    it("counts the built-in assignment ImageAdmission makes, at the cluster (known ID, or scope computed from the cluster at preview), in any ID casing and API version", async () => {
        expect((await run([cluster(), builtIn()])).diagnostics).toEqual([]);
        const preview = { ...builtIn("a", { scope: UNKNOWN }), propertyDependencies: { scope: ["aks1"] }, dependencies: ["aks1"] };
        expect((await run([cluster({ id: UNKNOWN }), preview])).diagnostics).toEqual([]);
        // The scope already known (a mock or an imported ID), the cluster's ID and name not: traced through the dependency.
        const known = { ...builtIn("a"), propertyDependencies: { scope: ["aks1"] } };
        expect((await run([cluster({ id: UNKNOWN, resourceName: undefined }), known])).diagnostics).toEqual([]);
        expect((await run([cluster({ id: UNKNOWN, resourceName: undefined }), builtIn("a")])).diagnostics[0].message).toContain(
            `image admission may come from PolicyAssignment "a" (whether "${CLUSTER_ID}" contains the cluster is not known yet: the cluster's ID is not known yet)`);
        const upper = { ...builtIn("a", { scope: CLUSTER_ID.toLowerCase(), policyDefinitionId: ALLOWED_IMAGES_DEF.toUpperCase() }), type: "azure-native:authorization/v20220601:PolicyAssignment" };
        expect((await run([{ ...cluster(), type: "azure-native:containerservice/v20250901:ManagedCluster" }, upper])).diagnostics).toEqual([]);
    });

    it("counts assignments at the cluster's resource group and subscription; not at another group, subscription or cluster", async () => {
        for (const scope of [RG_AKS, RG_AKS.toUpperCase(), `/subscriptions/${SUB}`]) expect((await run([cluster(), builtIn("a", { scope })])).diagnostics).toEqual([]);
        for (const scope of [`/subscriptions/${SUB}/resourceGroups/rg-other`, "/subscriptions/22222222-2222-2222-2222-222222222222", CLUSTER_ID.replace("aks1", "aks2")]) {
            const m = await messageOf([cluster(), builtIn("a", { scope })]);
            expect(m).toContain('ManagedCluster "aks1": no image admission is enforced in the cluster that denies what the trust config denies');
            expect(m).not.toContain("Found but not counted");
        }
    });

    it("at preview, a scope computed from the cluster's resource group counts; one computed from elsewhere is advisory", async () => {
        const rg: StackEntry = { type: "azure-native:resources:ResourceGroup", name: "rg", props: { resourceGroupName: "rg-aks" } };
        const fromRg = { ...builtIn("a", { scope: UNKNOWN }), propertyDependencies: { scope: ["rg"] } };
        expect((await run([rg, cluster({ id: UNKNOWN, resourceGroupName: UNKNOWN }, "aks1"), fromRg].map((e) => e.name === "aks1" ? { ...e, propertyDependencies: { resourceGroupName: ["rg"] } } : e))).diagnostics).toEqual([]);
        const other: StackEntry = { type: "azure-native:resources:ResourceGroup", name: "other", props: { resourceGroupName: "rg-other" } };
        const r = await run([other, cluster({ id: UNKNOWN }), { ...builtIn("a", { scope: UNKNOWN }), propertyDependencies: { scope: ["other"] } }]);
        expect(r.diagnostics).toEqual([expect.objectContaining({
            enforcementLevel: "advisory",
            message: expect.stringContaining('image admission may come from PolicyAssignment "a" (its scope is not known yet: it is computed from azure-native:resources:ResourceGroup "other"); that cannot be verified at preview'),
        })]);
    });

    it("a management group counts only when declared to hold the cluster's subscription; undeclared, it is named", async () => {
        const mg = builtIn("org", { scope: "/providers/Microsoft.Management/managementGroups/corp" });
        expect(await messageOf([cluster(), mg])).toContain('Found but not counted: PolicyAssignment "org": is assigned at management group "corp", and which subscriptions it holds is not in the stack: list them under managementGroups in the policy config to have it judged.');
        expect((await run([cluster(), mg], { ...CONFIG, managementGroups: { Corp: [SUB] } })).diagnostics).toEqual([]);
        expect(await messageOf([cluster(), mg], { ...CONFIG, managementGroups: { corp: ["22222222-2222-2222-2222-222222222222"] } })).not.toContain("Found but not counted");
    });

    it.each([
        ["a regex `.*`", ".*", `its allowedContainerImagesRegex accepts "docker.io/library/nginx@${DIGEST}", which the trust config refuses (a wider language than the generated regex)`],
        ["a regex for docker.io", "docker\\.io/", `its allowedContainerImagesRegex accepts "docker.io/library/nginx@${DIGEST}", which the trust config refuses`],
        ["a regex that allows tags where digests are required", "^contoso\\.azurecr\\.io/.+$", 'its allowedContainerImagesRegex accepts "contoso.azurecr.io/app:1.0", which the trust config refuses'],
        ["an unanchored regex", "contoso\\.azurecr\\.io/[a-z]+@sha256:[a-f0-9]{64}$", `its allowedContainerImagesRegex accepts "evil.example.com/contoso.azurecr.io/app@${DIGEST}", which the trust config refuses`],
        ["an unescaped dot", "^contoso.azurecr.io/[a-z]+@sha256:[a-f0-9]{64}$", `its allowedContainerImagesRegex accepts "contosoxazurecr.io/app@${DIGEST}", which the trust config refuses`],
        ["a regex that is not RE2", "^(?=contoso)", "its allowedContainerImagesRegex is not a valid RE2 pattern"],
    ])("does not count %s, naming a reference it wrongly accepts", async (_n, regex, text) => {
        const m = await messageOf([cluster(), withParam(builtIn(), "allowedContainerImagesRegex", regex)]);
        expect(m).toContain(`Found but not counted: PolicyAssignment "admission" at the cluster: ${text}`);
    });

    it("counts a regex narrower than the generated one (fewer repositories), written by hand", async () => {
        expect((await run([cluster(), withParam(builtIn(), "allowedContainerImagesRegex", "^contoso\\.azurecr\\.io/team/app@sha256:[a-f0-9]{64}$")])).diagnostics).toEqual([]);
    });

    it.each([
        ["excludedNamespaces beyond the system ones", "excludedNamespaces", ["default", "apps"], `excludes namespaces "default", "apps" beyond the system namespaces (${SYSTEM}), so images there are not judged`],
        ["an Audit effect", "effect", "Audit", 'has effect "Audit", which reports but does not block'],
        ["a Disabled effect", "effect", "disabled", 'has effect "disabled", which turns the policy off'],
        ["a namespaces list", "namespaces", ["apps"], 'judges only namespaces ["apps"] (its namespaces parameter), so every other namespace is open'],
        ["a labelSelector", "labelSelector", { matchLabels: { gated: "yes" } }, 'judges only objects matching labelSelector {"matchLabels":{"gated":"yes"}}, so workloads without those labels are open'],
        ["excluded containers", "excludedContainers", ["istio-proxy"], 'exempts containers named ["istio-proxy"] (excludedContainers); whoever writes a workload chooses its container names'],
        ["source Generated", "source", "Generated", 'has source "Generated", which judges only the objects Gatekeeper expansion generates, not the Pods that run'],
        ["a parameter the built-in does not declare", "excludedImages", ["contoso.azurecr.io/*"], 'sets parameter "excludedImages", which the built-in allowed-images definition does not declare'],
        ["a parameter set twice in different casing", "Effect", "Audit", "its effect is set twice in different casing (effect, Effect), and ARM reads either"],
    ])("does not count %s, naming it", async (_n, name, value, text) => {
        expect(await messageOf([cluster(), withParam(builtIn(), name, value)])).toContain(text);
    });

    it("keeps the built-in's defaults: an assignment that sets only the regex counts; one without a regex does not", async () => {
        const onlyRegex = withValue(builtIn(), "props.parameters", { allowedContainerImagesRegex: { value: REGEX } });
        expect((await run([cluster(), onlyRegex])).diagnostics).toEqual([]);
        expect(await messageOf([cluster(), withParam(builtIn(), "allowedContainerImagesRegex", undefined)])).toContain(": does not set allowedContainerImagesRegex.");
    });

    it("does not count a definition whose ID merely ends with the built-in's GUID", async () => {
        const impostor = `/subscriptions/${SUB}/providers/Microsoft.Authorization/policyDefinitions/febd0533-8e55-448f-b837-bd0e06f16469`;
        expect(await messageOf([cluster(), builtIn("a", { policyDefinitionId: impostor })])).toContain(
            `PolicyAssignment "a" at the cluster: assigns "${impostor}", which is not the built-in allowed-images definition: only /providers/Microsoft.Authorization/policyDefinitions/febd0533-8e55-448f-b837-bd0e06f16469 is (IDs are compared exactly, ignoring case, as ARM does).`);
    });

    it.each([
        ["enforcementMode DoNotEnforce", { enforcementMode: "DoNotEnforce" }, 'has enforcementMode "DoNotEnforce", so nothing is blocked'],
        ["enforcementMode Enroll", { enforcementMode: "Enroll" }, 'has enforcementMode "Enroll", so nothing is blocked'],
        ["an effect override", { overrides: [{ kind: "policyEffect", value: "Audit", selectors: [{ kind: "resourceLocation", in: ["westeurope"] }] }] }, 'overrides the effect to "Audit" for [{"kind":"resourceLocation","in":["westeurope"]}], which does not block'],
        ["resource selectors", { resourceSelectors: [{ name: "eu", selectors: [{ kind: "resourceLocation", in: ["westeurope"] }] }] }, "narrows its reach with resourceSelectors"],
        ["a notScope that holds the cluster", { scope: `/subscriptions/${SUB}`, notScopes: [RG_AKS] }, 'excludes the cluster through notScopes (resource group "rg-aks")'],
    ])("does not count %s", async (_n, props, text) => {
        expect(await messageOf([cluster(), builtIn("a", props)])).toContain(text);
    });

    it("a notScope elsewhere does not matter", async () => {
        expect((await run([cluster(), builtIn("a", { scope: `/subscriptions/${SUB}`, notScopes: [`/subscriptions/${SUB}/resourceGroups/rg-sandbox`] })])).diagnostics).toEqual([]);
    });

    it("does not count an assignment exempted for the cluster; an exemption elsewhere does not matter", async () => {
        const a = builtIn("a", { id: `/subscriptions/${SUB}/providers/Microsoft.Authorization/policyAssignments/a` });
        const exemption = (scope: string): StackEntry => ({ type: EXEMPTION_T, name: "waiver", props: { scope, policyAssignmentId: UNKNOWN, exemptionCategory: "Waiver" }, propertyDependencies: { policyAssignmentId: ["a"] } });
        expect(await messageOf([cluster(), a, exemption(CLUSTER_ID)])).toContain('is exempted for the cluster by PolicyExemption "waiver" at the cluster');
        expect(await messageOf([cluster(), a, withValue(exemption(RG_AKS), "props.policyAssignmentId", a.props.id)])).toContain('PolicyExemption "waiver" at resource group "rg-aks"');
        expect((await run([cluster(), a, exemption(`/subscriptions/${SUB}/resourceGroups/rg-sandbox`)])).diagnostics).toEqual([]);
    });

    it("does not count assignments when the cluster does not run the Azure Policy add-on", async () => {
        expect(await messageOf([cluster({ addonProfiles: { azurepolicy: { enabled: false } } }), builtIn()])).toContain(
            "reaches no Pod: the cluster does not run the Azure Policy add-on (addonProfiles.azurepolicy.enabled)");
    });

    it("names every candidate that does not count, and counts the cluster as soon as one does", async () => {
        const m = await messageOf([cluster(), withParam(builtIn("audit"), "effect", "Audit"), withParam(builtIn("wide"), "allowedContainerImagesRegex", ".*")]);
        expect(m).toContain('Found but not counted: PolicyAssignment "audit" at the cluster: has effect "Audit", which reports but does not block. PolicyAssignment "wide" at the cluster: its allowedContainerImagesRegex accepts');
        expect((await run([cluster(), withParam(builtIn("audit"), "effect", "Audit"), builtIn("good")])).diagnostics).toEqual([]);
    });

    it("unknown values at preview are advisory, or enforced with unknownValues: enforce", async () => {
        for (const e of [builtIn("a", { scope: UNKNOWN }), builtIn("a", { policyDefinitionId: UNKNOWN }), withParam(builtIn("a"), "allowedContainerImagesRegex", UNKNOWN), withParam(builtIn("a"), "effect", UNKNOWN)]) {
            const r = await run([cluster(), e]);
            expect(r.diagnostics.map((d) => [d.enforcementLevel, /image admission may come from PolicyAssignment "a"/.test(d.message)])).toEqual([["advisory", true]]);
            expect((await run([cluster(), e], { ...CONFIG, unknownValues: "enforce" })).diagnostics[0].enforcementLevel).toBeUndefined();
        }
    });

    it("with requireDigest false, the tag-allowing regex ImageAdmission assigns counts; with digests required it is too wide", async () => {
        const tags = withParam(builtIn(), "allowedContainerImagesRegex", allowedImagesRegex(ENTRIES, { requireDigest: false }).pattern);
        expect((await run([cluster(), tags], { ...CONFIG, requireDigest: false })).diagnostics).toEqual([]);
        expect(await messageOf([cluster(), tags])).toContain('its allowedContainerImagesRegex accepts "contoso.azurecr.io/app:1.0", which the trust config refuses');
    });

    it("when trusted-registries lists no registry a regex cannot be compared, and the message says how to configure it", async () => {
        expect(await messageOf([cluster(), builtIn()], { trustedRegistries: [] })).toContain("its allowedContainerImagesRegex cannot be compared: trusted-registries lists no registry (set trusted-registries' registries)");
    });

    it("without the trust config (pack not configured, or trusted-registries invalid) nothing counts, and it says why", async () => {
        for (const config of [{}, { trustedRegistries: ["nginx"] }]) {
            expect(await messageOf([cluster(), builtIn()], config)).toBe(`${stackAksImageAdmission.description}\nManagedCluster "aks1": its image admission cannot be judged: the trusted-registries and require-digest settings it must enforce are not known (the pack was not configured with them, or they are invalid and their own policy reports it). Fix: configure the pack with a valid policy config.`);
        }
    });

    it("limits are verdicts: a regex over maxRegexLength, or not decided within maxRegexStates, does not count", async () => {
        expect(await messageOf([cluster(), builtIn()], { ...CONFIG, maxRegexLength: 100 })).toContain(`its allowedContainerImagesRegex is ${REGEX.length} characters, over the limit of 100 (maxRegexLength), so it was not compared`);
        // Narrower (one team's repositories), but the comparison needs more than 1,000 product states.
        const narrower = withParam(builtIn(), "allowedContainerImagesRegex", allowedImagesRegex(parseTrustEntries(["contoso.azurecr.io/team/"]).entries).pattern);
        expect((await run([cluster(), narrower])).diagnostics).toEqual([]);
        expect(await messageOf([cluster(), narrower], { ...CONFIG, maxRegexStates: 1000 })).toMatch(/its allowedContainerImagesRegex could not be compared with the generated regex within \d+ automaton states \(maxRegexStates\)/);
    });
});

describe("stack-aks-image-admission: imagegate's custom definition and initiatives", () => {
    const definition = (name = "trusted-images", props: Record<string, unknown> = {}): StackEntry => {
        const d = trustedImagesDefinition();
        return { type: DEFINITION_T, name, props: { mode: d.mode, policyType: d.policyType, parameters: d.parameters, policyRule: d.policyRule, id: UNKNOWN, ...props } };
    };
    const customAssignment = (name = "custom", def = "trusted-images"): StackEntry => ({
        type: ASSIGNMENT_T, name,
        props: { scope: CLUSTER_ID, policyDefinitionId: UNKNOWN, enforcementMode: "Default", parameters: plannedCustomAssignment(ENTRIES).parameters },
        propertyDependencies: { policyDefinitionId: [def] }, dependencies: [def],
    });

    it("counts the custom definition's assignment ImageAdmission makes (definition ID computed at preview, or known)", async () => {
        expect((await run([cluster(), definition(), customAssignment()])).diagnostics).toEqual([]);
        const id = `/subscriptions/${SUB}/providers/Microsoft.Authorization/policyDefinitions/trusted-images`;
        const known = { ...customAssignment(), props: { ...customAssignment().props, policyDefinitionId: id }, propertyDependencies: {} };
        expect((await run([cluster(), definition("trusted-images", { id }), known])).diagnostics).toEqual([]);
    });

    it("does not count a custom definition whose rule is not the generated one, naming where it differs", async () => {
        const d = definition();
        const widened = withValue(d, "props.policyRule.then.details.kinds", ["Deployment"]);
        expect(await messageOf([cluster(), widened, customAssignment()])).toContain(
            'uses custom definition "trusted-images", which is neither the exact built-in allowed-images definition (/providers/Microsoft.Authorization/policyDefinitions/febd0533-8e55-448f-b837-bd0e06f16469) nor the one imagegate generates (its policyRule differs at then.details.kinds[0]), so what it admits cannot be judged');
        // A default loosened in the definition itself is judged like an assignment's value.
        const loosened = withValue(d, "props.parameters.excludedNamespaces.defaultValue", ["kube-system", "apps"]);
        const noNs = withValue(customAssignment(), "props.parameters.excludedNamespaces", undefined);
        expect(await messageOf([cluster(), loosened, noNs])).toContain('excludes namespace "apps" beyond the system namespaces');
    });

    it("ignores custom definitions that are not Kubernetes policies", async () => {
        const other = definition("tags", { mode: "Indexed", policyRule: { if: { field: "tags", exists: false }, then: { effect: "deny" } } });
        const m = await messageOf([cluster(), other, customAssignment("tags-a", "tags")]);
        expect(m).not.toContain("Found but not counted");
    });

    const set = (params: Record<string, unknown>, members: Record<string, unknown>[], name = "baseline"): StackEntry => ({ type: SET_T, name, props: { id: `/subscriptions/${SUB}/providers/Microsoft.Authorization/policySetDefinitions/${name}`, parameters: params, policyDefinitions: members } });
    const member = (parameters: Record<string, unknown>) => ({ policyDefinitionId: ALLOWED_IMAGES_DEF, policyDefinitionReferenceId: "allowedImages", parameters });
    const setAssignment = (parameters: Record<string, unknown>, scope = RG_AKS): StackEntry => ({ type: ASSIGNMENT_T, name: "baseline-a", props: { scope, policyDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/policySetDefinitions/baseline`, parameters } });

    it("counts an initiative with the built-in as a member, parameters mapped through the initiative's", async () => {
        const s = set({ regex: { type: "String" }, effect: { type: "String", defaultValue: "Deny" } }, [member({ allowedContainerImagesRegex: { value: "[parameters('regex')]" }, effect: { value: "[parameters('effect')]" } })]);
        expect((await run([cluster(), s, setAssignment({ regex: { value: REGEX } })])).diagnostics).toEqual([]);
        const m = await messageOf([cluster(), s, setAssignment({ regex: { value: ".*" } })]);
        expect(m).toContain(`PolicyAssignment "baseline-a" (initiative "baseline", member "allowedImages") at resource group "rg-aks": its allowedContainerImagesRegex accepts "docker.io/library/nginx@${DIGEST}"`);
        const audit = set({ regex: { type: "String" }, effect: { type: "String", defaultValue: "Audit" } }, s.props.policyDefinitions as Record<string, unknown>[]);
        expect(await messageOf([cluster(), audit, setAssignment({ regex: { value: REGEX } })])).toContain('member "allowedImages") at resource group "rg-aks": has effect "Audit", which reports but does not block');
    });

    it("does not count an initiative member whose value is an ARM expression it cannot evaluate", async () => {
        const s = set({}, [member({ allowedContainerImagesRegex: { value: "[concat('^contoso', '.*')]" } })]);
        expect(await messageOf([cluster(), s, setAssignment({})])).toContain(`its allowedContainerImagesRegex is the ARM expression "[concat('^contoso', '.*')]", which cannot be judged`);
    });

    it("names a built-in initiative that contains the allowed-images definition (its parameter mapping is not in the stack), and a look-alike member", async () => {
        const safeguards = "/providers/Microsoft.Authorization/policySetDefinitions/c047ea8e-9c78-49b2-958b-37e56d291a44";
        expect(await messageOf([cluster(), builtIn("safeguards", { policyDefinitionId: safeguards, parameters: {} })])).toContain(
            `PolicyAssignment "safeguards" at the cluster: assigns built-in initiative "${safeguards}", whose member parameters are not in the stack, so what it enforces cannot be judged.`);
        const lookAlike = `/subscriptions/${SUB}/providers/Microsoft.Authorization/policyDefinitions/febd0533-8e55-448f-b837-bd0e06f16469`;
        const s = set({}, [{ ...member({ allowedContainerImagesRegex: { value: REGEX } }), policyDefinitionId: lookAlike }]);
        expect(await messageOf([cluster(), s, setAssignment({})])).toContain(`its member "${lookAlike}" is not the built-in allowed-images definition: only ${ALLOWED_IMAGES_DEF} is`);
    });

    it("an exemption naming another member of the initiative does not exempt the allowed-images member", async () => {
        const s = set({}, [member({ allowedContainerImagesRegex: { value: REGEX } })]);
        const a = withValue(setAssignment({}), "props.id", `/subscriptions/${SUB}/providers/Microsoft.Authorization/policyAssignments/baseline-a`);
        const ex = (refs: string[]): StackEntry => ({ type: EXEMPTION_T, name: "x", props: { scope: CLUSTER_ID, policyAssignmentId: a.props.id, policyDefinitionReferenceIds: refs } });
        expect((await run([cluster(), s, a, ex(["noLatest"])])).diagnostics).toEqual([]);
        expect(await messageOf([cluster(), s, a, ex(["allowedImages"])])).toContain('is exempted for the cluster by PolicyExemption "x" at the cluster');
    });
});

describe("stack-aks-image-admission: Gatekeeper", () => {
    const k8sProvider = (name: string, clusterName: string): StackEntry => ({ type: K8S_PROVIDER_T, name, props: { kubeconfig: UNKNOWN }, dependencies: [clusterName], propertyDependencies: { kubeconfig: [clusterName] } });
    const generated = (provider: string, spec: Record<string, unknown> = {}, kind = "K8sTrustedImages"): StackEntry[] => {
        const c = constraint(ENTRIES, { kind });
        return [
            { type: TEMPLATE_T, name: "tpl", provider, props: constraintTemplate({ kind }) as unknown as Record<string, unknown> },
            { type: `kubernetes:constraints.gatekeeper.sh/v1beta1:${kind}`, name: "trusted", provider, dependencies: ["tpl"], props: { ...c, spec: { ...c.spec, ...spec } } as unknown as Record<string, unknown> },
        ];
    };

    it("counts the generated template and constraint applied through a provider built from the cluster, and only for that cluster", async () => {
        const r = await run([cluster(), cluster({}, "aks2"), k8sProvider("k1", "aks1"), ...generated("k1")]);
        expect(r.diagnostics.map((d) => d.urn)).toEqual([urnOf(CLUSTER_T, "aks2")]);
        expect((await run([cluster(), { type: K8S_PROVIDER_T, name: "k", props: {} }, ...generated("k", {}, "K8sCustomImages")])).diagnostics).toEqual([]);
    });

    it("does not count a constraint whose template accepts everything, naming where the template differs", async () => {
        const [tpl, c] = generated("k1");
        const acceptAll = withValue(tpl, "props.spec.targets[0].code[0].source.validations[0].expression", "true");
        expect(await messageOf([cluster(), k8sProvider("k1", "aks1"), acceptAll, c])).toContain(
            'Gatekeeper K8sTrustedImages "trusted": its ConstraintTemplate "tpl" is not the one imagegate generates (it differs at spec.targets[0].code[0].source.validations[0].expression), so what it admits cannot be judged.');
        expect(await messageOf([cluster(), k8sProvider("k1", "aks1"), { ...c, dependencies: [] }])).toContain('Gatekeeper K8sTrustedImages "trusted": its ConstraintTemplate is not in the stack, so what it admits cannot be judged.');
    });

    it.each([
        ["dry-run", { enforcementAction: "dryrun" }, 'has enforcementAction "dryrun", which does not block'],
        ["extra excluded namespaces", { match: { ...constraint(ENTRIES).spec.match, excludedNamespaces: ["kube-system", "default"] } }, `excludes namespace "default" beyond the system namespaces (${SYSTEM}), so images there are not judged`],
        ["fewer kinds", { match: { kinds: [{ apiGroups: ["apps"], kinds: ["Deployment"] }] } }, "does not match Pod, ReplicationController, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob (spec.match.kinds), which the generated constraint judges"],
        ["a namespaces list", { match: { namespaces: ["apps"] } }, 'judges only namespaces ["apps"] (spec.match.namespaces), so every other namespace is open'],
        ["a label selector", { match: { labelSelector: { matchLabels: { gated: "yes" } } } }, 'judges only objects matching spec.match.labelSelector {"matchLabels":{"gated":"yes"}}'],
        ["a regex `.*`", { parameters: { allowedImagesRegex: ".*", requirement: "x" } }, `its spec.parameters.allowedImagesRegex accepts "docker.io/library/nginx@${DIGEST}", which the trust config refuses`],
    ])("does not count a generated-template constraint with %s", async (_n, spec, text) => {
        expect(await messageOf([cluster(), k8sProvider("k1", "aks1"), ...generated("k1", spec)])).toContain(text);
    });

    it("counts wildcard kinds and no match at all (every object)", async () => {
        expect((await run([cluster(), k8sProvider("k1", "aks1"), ...generated("k1", { match: { kinds: [{ apiGroups: ["*"], kinds: ["*"] }] } })])).diagnostics).toEqual([]);
        expect((await run([cluster(), k8sProvider("k1", "aks1"), ...generated("k1", { match: undefined })])).diagnostics).toEqual([]);
    });

    it("other constraint kinds with their own templates are not admission and are not named", async () => {
        const labels: StackEntry[] = [
            { type: TEMPLATE_T, name: "labels-tpl", provider: "k1", props: { spec: { crd: { spec: { names: { kind: "K8sRequiredLabels" } } }, targets: [{ target: "admission.k8s.gatekeeper.sh", rego: "package x" }] } } },
            { type: "kubernetes:constraints.gatekeeper.sh/v1beta1:K8sRequiredLabels", name: "labels", provider: "k1", props: { spec: {} } },
        ];
        expect(await messageOf([cluster(), k8sProvider("k1", "aks1"), ...labels])).not.toContain("Found but not counted");
    });
});

describe("stack-aks-image-admission: config", () => {
    it("refuses bad management groups, naming the field; the registries are trusted-registries' own (no copy here)", async () => {
        const bad = await run([cluster()], { ...CONFIG, managementGroups: { corp: "sub" } });
        expect(bad.diagnostics).toHaveLength(1);
        expect(bad.diagnostics[0].message).toMatch(/The policy config is invalid, so the stack cannot be judged: managementGroups\.corp: expected a list of subscription IDs/);
        expect(stackAksImageAdmission.parseConfig({ trustedRegistries: ["contoso.azurecr.io"] })).toEqual({ ok: false, errors: [expect.stringContaining("trustedRegistries: unknown property")] });
    });

    it("is not applicable to a stack without clusters", async () => {
        expect((await run([builtIn()])).notApplicable).toBe("the stack has no AKS cluster");
    });
});
