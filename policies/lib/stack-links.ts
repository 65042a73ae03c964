/**
 * How stack policies tell which resource another one points at: by per-property dependencies
 * (known even when the ID itself is still unknown at preview), or by comparing ARM IDs.
 */
import { AzureKind, matchAzureKind, read } from "./resource-policy";
import type { StackResource } from "./stack-policy";

// The graph walks are the core's (one owner); re-exported for the stack policies.
export { propertyDependsOn, propertySources, transitiveDependencies } from "../../core/stack-graph";

export function ofKind(resources: readonly StackResource[], kind: AzureKind): StackResource[] {
    return resources.filter((r) => matchAzureKind(r.type, [kind]) !== undefined);
}

/** A string property: its value, "unknown", or undefined when unset or not a string. */
export function stringProp(r: StackResource | unknown, path: string): string | "unknown" | undefined {
    const props = isStackResource(r) ? r.props : r;
    const v = read(props, path);
    if (v.state === "unknown") return "unknown";
    return v.state === "value" && typeof v.value === "string" ? v.value : undefined;
}

function isStackResource(r: unknown): r is StackResource {
    return typeof r === "object" && r !== null && "urn" in r && "props" in r && "propertyDependencies" in r;
}

/** The resource's ARM ID when its outputs carry one. */
export function armId(r: StackResource): string | undefined {
    const id = stringProp(r, "id");
    return id === "unknown" ? undefined : id;
}

/** The resource's Azure name: `name` output, else the explicit name input (`resourceName`, `registryName`, …). */
export function azureName(r: StackResource, nameInput: string): string | undefined {
    for (const key of ["name", nameInput]) {
        const v = stringProp(r, key);
        if (v !== undefined && v !== "unknown") return v;
    }
    return undefined;
}

/**
 * Whether an ARM ID string names `target` (a resource of provider type `armType`, e.g.
 * `Microsoft.ContainerService/managedClusters`) or something below it: equal to its ID output, or
 * ending in `/providers/<armType>/<its name>` in the same resource group when that is known.
 */
export function idNames(id: string, target: StackResource, armType: string, nameInput: string): boolean {
    const lower = id.toLowerCase().replace(/\/+$/, "");
    const targetId = armId(target)?.toLowerCase();
    if (targetId && (lower === targetId || lower.startsWith(targetId + "/"))) return true;
    const name = azureName(target, nameInput);
    if (!name) return false;
    const m = new RegExp(`^/subscriptions/[^/]+/resourcegroups/([^/]+)/providers/${armType.toLowerCase().replace(/[.]/g, "\\.")}/([^/]+)(/.*)?$`).exec(lower);
    if (!m || m[2] !== name.toLowerCase()) return false;
    const rg = stringProp(target, "resourceGroupName");
    return rg === undefined || rg === "unknown" || rg.toLowerCase() === m[1];
}
