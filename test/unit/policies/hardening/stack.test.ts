/**
 * The stack policies (AnalyzeStack) with StackValidationArgs built as the SDK builds them: a
 * scanning source per registry, AcrPull scoped to registries (image admission has its own suite,
 * stack-aks-image-admission.test.ts). Relationships
 * are recognised through per-property dependencies when IDs are unknown at preview.
 */
import { stackAcrPullScope } from "../../../../policies/stack-acrpull-scope/policy";
import { stackRegistryScanning } from "../../../../policies/stack-registry-scanning/policy";
import { classifyScope } from "../../../../policies/stack-acrpull-scope/policy";
import { recordConfigured } from "../../../../policies/lib/sdk";
import { ACR_PULL_DEF, CLUSTER_ID, REGISTRY_ID, RG_ID, SUB, StackEntry, hardenedCluster, hardenedPricing, hardenedRegistry, runStackPolicy, urnOf, withValue } from "../../../support/hardening";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const CLUSTER_T = "azure-native:containerservice:ManagedCluster";
const ROLE_T = "azure-native:authorization:RoleAssignment";
const REGISTRY_T = "azure-native:containerregistry:Registry";
const PRICING_T = "azure-native:security:Pricing";

const cluster = (name = "aks1", props: Record<string, unknown> = {}): StackEntry => ({ type: CLUSTER_T, name, props: { ...hardenedCluster(), resourceName: name, ...props } });

describe("stack-acrpull-scope", () => {
    const run = (entries: StackEntry[]) => runStackPolicy(stackAcrPullScope, entries);
    const grant = (name: string, scope: unknown, extra: Partial<StackEntry> = {}, role: unknown = ACR_PULL_DEF): StackEntry => ({ type: ROLE_T, name, props: { principalId: "p", roleDefinitionId: role, scope }, ...extra });

    it.each([
        ["/", "tenant root"],
        [`/subscriptions/${SUB}`, "subscription"],
        [`/subscriptions/${SUB}/`, "subscription"],
        [RG_ID, "resource group"],
        ["/providers/Microsoft.Management/managementGroups/corp", "management group"],
        [REGISTRY_ID, "registry"],
        [REGISTRY_ID.toUpperCase(), "registry"],
        [`${REGISTRY_ID}/scopeMaps/pull`, "registry"],
        [CLUSTER_ID, "other resource"],
    ])("classifies %s as %s", (scope, cls) => {
        expect(classifyScope(scope)).toBe(cls);
    });

    it("passes AcrPull at a registry; fails it at a subscription, resource group or management group", async () => {
        expect((await run([grant("ok", REGISTRY_ID)])).diagnostics).toEqual([]);
        for (const scope of [`/subscriptions/${SUB}`, RG_ID, "/providers/Microsoft.Management/managementGroups/corp"]) {
            const r = await run([grant("broad", scope)]);
            expect(r.diagnostics).toEqual([expect.objectContaining({ urn: urnOf(ROLE_T, "broad"), message: expect.stringContaining(`grants AcrPull at`) })]);
            expect(r.diagnostics[0].enforcementLevel).toBeUndefined();
        }
    });

    it("matches the role by GUID in any casing and any role-definition form; ignores other roles", async () => {
        expect((await run([grant("g", RG_ID, {}, ACR_PULL_DEF.toUpperCase())])).diagnostics).toHaveLength(1);
        expect((await run([grant("g", RG_ID, {}, "7f951dda-4ed3-4680-a7ca-43fe172d538d")])).diagnostics).toHaveLength(1);
        expect((await run([grant("reader", RG_ID, {}, `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7`)])).diagnostics).toEqual([]);
        expect((await run([{ ...grant("v", `/subscriptions/${SUB}`), type: "azure-native:authorization/v20220401:RoleAssignment" }])).diagnostics).toHaveLength(1);
    });

    it("at preview: a scope computed from a registry passes, even with the role ID unknown", async () => {
        const entries: StackEntry[] = [{ type: REGISTRY_T, name: "acr", props: hardenedRegistry() }, grant("pull", UNKNOWN, { propertyDependencies: { scope: ["acr"], roleDefinitionId: ["acr"] } }, UNKNOWN)];
        expect((await run(entries)).diagnostics).toEqual([]);
    });

    it("at preview: a scope computed from something else is advisory, naming what it came from", async () => {
        const entries: StackEntry[] = [{ type: "azure-native:resources:ResourceGroup", name: "rg", props: {} }, grant("pull", UNKNOWN, { propertyDependencies: { scope: ["rg"] } })];
        const r = await run(entries);
        expect(r.diagnostics).toEqual([expect.objectContaining({ enforcementLevel: "advisory", message: expect.stringContaining('computed from azure-native:resources:ResourceGroup "rg", not from a registry') })]);
    });

    it("an unknown role at a broad scope is advisory; at a registry it passes", async () => {
        expect((await run([grant("x", RG_ID, {}, UNKNOWN)])).diagnostics.map((d) => d.enforcementLevel)).toEqual(["advisory"]);
        expect((await run([grant("x", REGISTRY_ID, {}, UNKNOWN)])).diagnostics).toEqual([]);
    });

    it("is not applicable without role assignments", async () => {
        expect((await run([cluster()])).notApplicable).toBe("the stack has no role assignments");
    });
});

describe("stack-registry-scanning", () => {
    const run = (entries: StackEntry[], config = {}) => runStackPolicy(stackRegistryScanning, entries, config);
    const registry = (props: Record<string, unknown> = {}): StackEntry => ({ type: REGISTRY_T, name: "acr", props: { ...hardenedRegistry(), ...props } });
    const pricing = (props: Record<string, unknown> = hardenedPricing()): StackEntry => ({ type: PRICING_T, name: "defender", props });
    const deployment = (image: string): StackEntry => ({ type: "kubernetes:apps/v1:Deployment", name: "web", props: { spec: { template: { spec: { containers: [{ name: "app", image }] } } } } });

    it("passes registries when the Containers plan with registry assessment is in the stack", async () => {
        expect((await run([registry(), pricing()])).diagnostics).toEqual([]);
        expect((await run([registry(), { ...pricing(), type: "azure-native:security/v20240101:Pricing" }])).diagnostics).toEqual([]);
    });

    it("fails a registry with no scanning source", async () => {
        const r = await run([registry()]);
        expect(r.diagnostics).toEqual([expect.objectContaining({ urn: urnOf(REGISTRY_T, "acr"), message: expect.stringContaining('Registry "acr": no vulnerability-scanning source covers it') })]);
    });

    it.each([
        ["a Free Containers plan", withValue(hardenedPricing(), "pricingTier", "Free")],
        ["a plan without registry assessment", withValue(hardenedPricing(), "extensions[0].isEnabled", "False")],
        ["the legacy ContainerRegistry plan", { pricingName: "ContainerRegistry", pricingTier: "Standard" }],
    ])("does not count %s", async (_n, props) => {
        expect((await run([registry(), pricing(props)])).diagnostics.map((d) => d.message)).toEqual([expect.stringContaining("no vulnerability-scanning source covers it")]);
    });

    it("fails a closed registry that Defender cannot reach (trusted-service bypass off)", async () => {
        const r = await run([registry({ networkRuleBypassOptions: "None" }), pricing()]);
        expect(r.diagnostics[0].message).toContain('networkRuleBypassOptions is "None", so Defender');
    });

    it("the scanned-images gate at mandatory (as the pack is configured) is the scanning source; at advisory it is not", async () => {
        try {
            recordConfigured({ "scanned-images": { enforcementLevel: "mandatory", properties: {} } });
            expect((await run([registry()])).diagnostics).toEqual([]);
            recordConfigured({ "scanned-images": { enforcementLevel: "advisory", properties: {} } });
            expect((await run([registry()])).diagnostics.map((d) => d.message)).toEqual([expect.stringContaining("no vulnerability-scanning source covers it")]);
        } finally {
            recordConfigured({});
        }
        // The level is read from scanned-images' own entry: this policy takes no copy of it.
        expect(stackRegistryScanning.parseConfig({ scannedImagesEnforced: true })).toEqual({ ok: false, errors: [expect.stringContaining("scannedImagesEnforced: unknown property")] });
    });

    it("a plan whose settings are unknown at preview is advisory", async () => {
        const r = await run([registry(), pricing(withValue(hardenedPricing(), "pricingTier", UNKNOWN))]);
        expect(r.diagnostics.map((d) => d.enforcementLevel)).toEqual(["advisory"]);
    });

    it("judges the registries defined in the stack; workloads alone (their registries live in other stacks) are not applicable", async () => {
        expect((await run([deployment(`fabrikam.azurecr.io/web@sha256:${"a".repeat(64)}`)])).notApplicable).toBe("the stack defines no container registry");
        const r = await run([registry(), deployment("contosoacr.azurecr.io/web:1")]);
        expect(r.diagnostics.map((d) => d.urn)).toEqual([urnOf(REGISTRY_T, "acr")]);
    });

    describe("a plan declared once, in another stack or outside Pulumi", () => {
        const OTHER = "99999999-8888-7777-6666-555555555555";
        const coverage = (props: Record<string, unknown> = {}) => ({ kind: "imagegate/defender-for-containers/v1", plan: "Containers", pricingTier: "Standard", registryVulnerabilityAssessment: true, scopeId: `/subscriptions/${SUB}`, ...props });
        const reference = (outputs: unknown, name = "contoso/platform/prod"): StackEntry => ({ type: "pulumi:pulumi:StackReference", name: "platform", props: { name, outputs, secretOutputNames: [] } });
        const existing = (sub = SUB) => registry({ id: `/subscriptions/${sub}/resourceGroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/contosoacr` });

        it("a StackReference to the stack that owns the plan covers the registries of its subscription", async () => {
            expect((await run([existing(), reference({ defenderForContainers: coverage(), loginServer: "x" })])).diagnostics).toEqual([]);
            // A new registry's subscription is not known at preview: the plan counts, and is compared at `pulumi up`.
            expect((await run([registry(), reference({ defender: coverage() })])).diagnostics).toEqual([]);
        });

        it("a plan for another subscription does not cover the registry, and the message says which", async () => {
            const r = await run([existing(OTHER), reference({ defenderForContainers: coverage() })]);
            expect(r.diagnostics.map((d) => d.message)).toEqual([expect.stringContaining(`Registry "acr": it is in subscription ${OTHER}, and the Defender for Containers plan exported by stack "contoso/platform/prod" (output "defenderForContainers") is for subscription ${SUB}, so images pushed there are deployed unscanned.`)]);
            // The same rule for a Pricing in this stack.
            const here = await run([existing(OTHER), pricing()]);
            expect(here.diagnostics.map((d) => d.message)).toEqual([expect.stringContaining(`it is in subscription ${OTHER}, and Pricing "defender" is for subscription ${SUB}`)]);
        });

        it.each([
            ["a Free tier", coverage({ pricingTier: "Free" })],
            ["registry assessment off", coverage({ registryVulnerabilityAssessment: false })],
            ["another plan", coverage({ plan: "VirtualMachines" })],
            ["an output that only looks alike (no kind marker)", { plan: "Containers", pricingTier: "Standard", registryVulnerabilityAssessment: true, scopeId: `/subscriptions/${SUB}` }],
        ])("does not count an exported record with %s", async (_n, record) => {
            const r = await run([existing(), reference({ defenderForContainers: record })]);
            expect(r.diagnostics.map((d) => d.message)).toEqual([expect.stringContaining("no vulnerability-scanning source covers it")]);
        });

        it("outputs of the referenced stack that are not known yet are advisory", async () => {
            expect((await run([existing(), reference(UNKNOWN)])).diagnostics.map((d) => [d.enforcementLevel, d.message])).toEqual([
                ["advisory", expect.stringContaining('Registry "acr": whether the outputs of stack "contoso/platform/prod" (not known yet) scans it cannot be verified at preview')],
            ]);
        });

        it("defenderSubscriptions: a plan managed outside Pulumi, for the named subscriptions only", async () => {
            expect((await run([existing(), registry({ id: undefined })], { defenderSubscriptions: [SUB.toUpperCase()] })).diagnostics).toEqual([]);
            const r = await run([existing(OTHER)], { defenderSubscriptions: [SUB] });
            expect(r.diagnostics.map((d) => d.message)).toEqual([expect.stringContaining(`it is in subscription ${OTHER}, and the Defender for Containers plan declared in this policy's defenderSubscriptions is for subscription ${SUB}`)]);
            expect(stackRegistryScanning.parseConfig({ defenderSubscriptions: ["prod-subscription"] })).toEqual({ ok: false, errors: ['defenderSubscriptions[0]: "prod-subscription" is not a subscription ID (a GUID)'] });
        });

        it("a registry Defender cannot reach is reported whichever stack declares the plan", async () => {
            const r = await run([existing(), { ...existing(), name: "closed", props: { ...existing().props, networkRuleBypassOptions: "None" } }, reference({ d: coverage() })]);
            expect(r.diagnostics.map((d) => d.urn)).toEqual([urnOf(REGISTRY_T, "closed")]);
        });
    });
});
