/**
 * How stack policies tell which resource another one points at: by per-property dependencies
 * (known even when the ID itself is still unknown at preview). ARM scopes and what they contain are
 * core/admission/arm-scope.ts.
 */
import { type AzureKind, matchAzureKind } from "./azure-kinds";
import { read } from "./properties";
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
