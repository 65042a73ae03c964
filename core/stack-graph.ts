/**
 * A stack's resources as a graph: the plain view stack checks work on (raw properties, URNs of
 * dependencies, per-property dependencies and provider), and walks over it. Per-property
 * dependencies say which resource a value came from even while the value itself is unknown at preview.
 */

/** One resource of the stack. `props` are outputs (at preview: inputs, with unknown sentinels). */
export interface StackNode {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly props: unknown;
    readonly dependencies: readonly string[];
    /** Property name → URNs of the resources its value came from. */
    readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
    readonly providerUrn?: string;
}

/** Whether `property` of `from` was computed from `to` (per-property dependencies). */
export function propertyDependsOn(from: StackNode, property: string, to: StackNode): boolean {
    return (from.propertyDependencies[property] ?? []).includes(to.urn);
}

/** The resources `property` of `from` was computed from. */
export function propertySources(from: StackNode, property: string, byUrn: ReadonlyMap<string, StackNode>): StackNode[] {
    return (from.propertyDependencies[property] ?? []).map((u) => byUrn.get(u)).filter((r): r is StackNode => r !== undefined);
}

/** Every URN `start` depends on, directly or through other resources (dependencies and property dependencies). */
export function transitiveDependencies(start: StackNode, byUrn: ReadonlyMap<string, StackNode>): Set<string> {
    const seen = new Set<string>();
    const queue = [start.urn];
    for (let head = 0; head < queue.length && seen.size < 100_000; head++) {
        const r = byUrn.get(queue[head]);
        if (!r) continue;
        for (const u of [...r.dependencies, ...Object.values(r.propertyDependencies).flat()]) {
            if (!seen.has(u)) {
                seen.add(u);
                queue.push(u);
            }
        }
    }
    return seen;
}
