/**
 * AcrPull must be granted on a registry, never on a subscription, resource group or management
 * group: a broad grant lets the identity pull from every registry below it, including ones the
 * image gate does not trust. Scopes and role IDs are often unknown at preview (they come from the
 * registry's ID), so per-property dependencies are used to recognise a scope taken from a registry.
 */
import { ACR_PULL_ROLE_GUID, REGISTRY, ROLE_ASSIGNMENT } from "../lib/azure-kinds";
import { StackFinding, StackPolicyBaseConfig, StackResource, stackPolicy } from "../lib/stack-policy";
import { ofKind, stringProp } from "../lib/stack-links";
import { matchAzureKind } from "../lib/azure-kinds";

export type ScopeClass = "registry" | "subscription" | "resource group" | "management group" | "tenant root" | "other resource";

/** What an ARM scope string names. */
export function classifyScope(scope: string): ScopeClass {
    const s = scope.trim().toLowerCase().replace(/\/+$/, "");
    if (s === "") return "tenant root";
    if (/^\/providers\/microsoft\.management\/managementgroups\/[^/]+$/.test(s)) return "management group";
    if (/^\/subscriptions\/[^/]+$/.test(s)) return "subscription";
    if (/^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+$/.test(s)) return "resource group";
    if (/^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.containerregistry\/registries\/[^/]+(\/.*)?$/.test(s)) return "registry";
    return "other resource";
}

const FIX = "Fix: set the role assignment's scope to the registry's ID (registry.id), one assignment per registry the identity pulls from (SecureCluster's acrPullRegistryIds).";

function judge(a: StackResource, registries: ReadonlySet<string>, byUrn: ReadonlyMap<string, StackResource>): StackFinding | undefined {
    const role = stringProp(a, "roleDefinitionId");
    if (role === undefined) return undefined;
    const isAcrPull = role !== "unknown" && role.toLowerCase().replace(/\/+$/, "").endsWith(ACR_PULL_ROLE_GUID);
    if (role !== "unknown" && !isAcrPull) return undefined;
    const label = `RoleAssignment "${a.name}"`;
    const what = isAcrPull ? "AcrPull" : "a role not known until `pulumi up` (possibly AcrPull)";
    const scopeDeps = (a.propertyDependencies["scope"] ?? []).map((u) => byUrn.get(u)).filter((r): r is StackResource => r !== undefined);
    const scope = stringProp(a, "scope");
    if (scope !== undefined && scope !== "unknown") {
        const cls = classifyScope(scope);
        if (cls === "registry") return undefined;
        if (!isAcrPull) {
            return { kind: "unknown", urn: a.urn, message: `${label}: grants ${what} at ${cls} scope "${scope}"; if it is AcrPull that is too broad. It will be checked during \`pulumi up\`.` };
        }
        return { kind: "violation", urn: a.urn, message: `${label}: grants AcrPull at ${cls} scope "${scope}", so the identity can pull from every registry ${cls === "other resource" ? "it covers (a scope that is not a container registry)" : `in that ${cls}`}, including registries the image gate does not trust. ${FIX}` };
    }
    if (scopeDeps.some((r) => registries.has(r.urn))) return undefined;
    if (scope === undefined) {
        return isAcrPull ? { kind: "violation", urn: a.urn, message: `${label}: grants AcrPull with no scope. ${FIX}` } : undefined;
    }
    const from = scopeDeps.length ? ` (it is computed from ${scopeDeps.map((r) => `${r.type} "${r.name}"`).join(", ")}, not from a registry)` : "";
    return { kind: "unknown", urn: a.urn, message: `${label}: grants ${what}; its scope is not known until another resource is created${from}, so it cannot be verified at preview; it will be checked during \`pulumi up\`.` };
}

export function evaluateAcrPullScope(resources: readonly StackResource[]): StackFinding[] | string {
    const assignments = ofKind(resources, ROLE_ASSIGNMENT);
    if (assignments.length === 0) return "the stack has no role assignments";
    const registries = new Set(resources.filter((r) => matchAzureKind(r.type, [REGISTRY])).map((r) => r.urn));
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    return assignments.map((a) => judge(a, registries, byUrn)).filter((f): f is StackFinding => f !== undefined);
}

export const stackAcrPullScope = stackPolicy<StackPolicyBaseConfig>({
    name: "stack-acrpull-scope",
    displayName: "AcrPull is granted per registry",
    description: "AcrPull must be granted at a container registry's scope, never at a subscription, resource group or management group.",
    severity: "high",
    remediationSteps: "Scope each AcrPull role assignment to one registry's ID.",
    evaluate: (resources) => evaluateAcrPullScope(resources),
});
