/**
 * ARM scope containment (core/admission/arm-scope.ts): which assignment scopes contain a cluster,
 * with its ID known or (at preview) only its name and resource group known, and management groups
 * only as the operator declares them.
 */
import { describeScope, parseArmScope, scopeContains } from "../../../../core/admission/arm-scope";

const SUB = "11111111-1111-1111-1111-111111111111";
const OTHER_SUB = "22222222-2222-2222-2222-222222222222";
const RG = `/subscriptions/${SUB}/resourceGroups/rg-aks`;
const CLUSTER_ID = `${RG}/providers/Microsoft.ContainerService/managedClusters/aks1`;
const TYPE = "Microsoft.ContainerService/managedClusters";
const known = { id: CLUSTER_ID, armType: TYPE };
const preview = { armType: TYPE, name: "aks1", resourceGroup: "rg-aks" };

describe("parseArmScope", () => {
    it.each([
        ["/providers/Microsoft.Management/managementGroups/Corp", { level: "management group", managementGroup: "corp" }],
        [`/subscriptions/${SUB}`, { level: "subscription", subscription: SUB }],
        [`/subscriptions/${SUB}/`, { level: "subscription", subscription: SUB }],
        [`${RG}`, { level: "resource group", subscription: SUB, resourceGroup: "rg-aks" }],
        [CLUSTER_ID.toUpperCase(), { level: "resource", subscription: SUB, resourceGroup: "rg-aks", id: CLUSTER_ID.toLowerCase() }],
        ["/", { level: "unrecognized", scope: "/" }],
        ["rg-aks", { level: "unrecognized", scope: "rg-aks" }],
    ])("%s", (scope, parsed) => {
        expect(parseArmScope(scope)).toEqual(parsed);
    });
});

describe("scopeContains", () => {
    it.each([
        ["the cluster itself", CLUSTER_ID, { state: "contains", level: "resource" }],
        ["the cluster, other casing", CLUSTER_ID.toUpperCase(), { state: "contains", level: "resource" }],
        ["its resource group", RG, { state: "contains", level: "resource group" }],
        ["its subscription", `/subscriptions/${SUB}`, { state: "contains", level: "subscription" }],
        ["another cluster", CLUSTER_ID.replace("aks1", "aks2"), { state: "outside" }],
        ["something below the cluster", `${CLUSTER_ID}/agentPools/system`, { state: "outside" }],
        ["another resource group", `/subscriptions/${SUB}/resourceGroups/rg-other`, { state: "outside" }],
        ["the same group name in another subscription", `/subscriptions/${OTHER_SUB}/resourceGroups/rg-aks`, { state: "outside" }],
        ["another subscription", `/subscriptions/${OTHER_SUB}`, { state: "outside" }],
        ["an undeclared management group", "/providers/Microsoft.Management/managementGroups/corp", { state: "undeclared", managementGroup: "corp" }],
        ["the tenant root", "/", { state: "unrecognized", scope: "/" }],
    ])("with the cluster's ID known: %s", (_n, scope, expected) => {
        expect(scopeContains(scope, known)).toEqual(expected);
    });

    it("management groups contain the subscriptions declared for them, matched ignoring case", () => {
        const mg = "/providers/Microsoft.Management/managementGroups/Corp";
        expect(scopeContains(mg, known, { corp: [SUB.toUpperCase()] })).toEqual({ state: "contains", level: "management group" });
        expect(scopeContains(mg, known, { CORP: [OTHER_SUB] })).toEqual({ state: "outside" });
        expect(scopeContains(mg, preview, { corp: [SUB] })).toEqual({ state: "unknown", why: "the cluster's subscription is not known yet" });
    });

    it("at preview (ID unknown): the resource group and name decide, the subscription cannot", () => {
        expect(scopeContains(CLUSTER_ID, preview)).toEqual({ state: "contains", level: "resource" });
        expect(scopeContains(RG, preview)).toEqual({ state: "contains", level: "resource group" });
        expect(scopeContains(`/subscriptions/${SUB}/resourceGroups/rg-other`, preview)).toEqual({ state: "outside" });
        expect(scopeContains(`/subscriptions/${SUB}`, preview)).toEqual({ state: "unknown", why: "the cluster's subscription is not known yet" });
        expect(scopeContains(CLUSTER_ID, { armType: TYPE })).toEqual({ state: "unknown", why: "the cluster's ID is not known yet" });
    });

    it("describes scopes for messages", () => {
        expect([RG, `/subscriptions/${SUB}`, "/providers/Microsoft.Management/managementGroups/corp", CLUSTER_ID].map(describeScope)).toEqual([
            'resource group "rg-aks"', `subscription ${SUB}`, 'management group "corp"', `"${CLUSTER_ID}"`,
        ]);
    });
});
