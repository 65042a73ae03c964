/**
 * ARM scopes and what they contain: an Azure Policy assignment (or exemption) at a management group,
 * subscription, resource group or resource applies to every resource below it. IDs are compared
 * case-insensitively, as ARM compares them. Pure; used for image admission and reusable by any
 * check of "is this resource covered by that assignment".
 */

export type ArmScope =
    | { readonly level: "management group"; readonly managementGroup: string }
    | { readonly level: "subscription"; readonly subscription: string }
    | { readonly level: "resource group"; readonly subscription: string; readonly resourceGroup: string }
    /** `id` lowercased, no trailing slash. */
    | { readonly level: "resource"; readonly subscription: string; readonly resourceGroup: string; readonly id: string }
    | { readonly level: "unrecognized"; readonly scope: string };

/** Parses a scope ID (`/subscriptions/…/resourceGroups/…`, `/providers/Microsoft.Management/managementGroups/…`). */
export function parseArmScope(scope: string): ArmScope {
    const s = scope.trim().replace(/\/+$/, "");
    const lower = s.toLowerCase();
    let m = /^\/providers\/microsoft\.management\/managementgroups\/([^/]+)$/.exec(lower);
    if (m) return { level: "management group", managementGroup: m[1] };
    m = /^\/subscriptions\/([^/]+)(?:\/resourcegroups\/([^/]+)(\/providers\/.+)?)?$/.exec(lower);
    if (!m) return { level: "unrecognized", scope };
    if (m[2] === undefined) return { level: "subscription", subscription: m[1] };
    if (m[3] === undefined) return { level: "resource group", subscription: m[1], resourceGroup: m[2] };
    return { level: "resource", subscription: m[1], resourceGroup: m[2], id: lower };
}

/** What is known of the resource a scope may contain (at preview its ID may not be known yet). */
export interface ResourceLocation {
    /** Its ARM ID, when known. */
    readonly id?: string;
    /** `Microsoft.ContainerService/managedClusters`. */
    readonly armType: string;
    readonly name?: string;
    readonly resourceGroup?: string;
    readonly subscription?: string;
}

/** Management group name (lowercase) → the subscriptions it contains, as the operator declared them. */
export type ManagementGroupMembers = Readonly<Record<string, readonly string[]>>;

export type Containment =
    | { readonly state: "contains"; readonly level: ArmScope["level"] }
    | { readonly state: "outside" }
    /** Cannot be decided from what is known now (an ID not known until `pulumi up`). */
    | { readonly state: "unknown"; readonly why: string }
    /** Cannot be decided from the stack at all: which subscriptions the management group holds. */
    | { readonly state: "undeclared"; readonly managementGroup: string }
    | { readonly state: "unrecognized"; readonly scope: string };

/** The location's subscription, resource group and name, from its ID when known. */
export function locate(target: ResourceLocation): ResourceLocation {
    if (target.id === undefined) return target;
    const p = parseArmScope(target.id);
    if (p.level !== "resource") return target;
    const name = p.id.split("/").pop();
    return { ...target, subscription: p.subscription, resourceGroup: p.resourceGroup, ...(name ? { name } : {}) };
}

/**
 * Whether `scope` contains `target`. With the target's ID unknown (a resource created by this
 * preview), the resource group and name are compared and an unknown subscription is not held
 * against the match (it is checked again at `pulumi up`, when the ID is known).
 */
export function scopeContains(scope: string, target: ResourceLocation, managementGroups: ManagementGroupMembers = {}): Containment {
    const s = parseArmScope(scope);
    const t = locate(target);
    const sub = t.subscription?.toLowerCase();
    const rg = t.resourceGroup?.toLowerCase();
    const sameSub = (x: string) => sub === undefined || sub === x;
    switch (s.level) {
        case "unrecognized":
            return { state: "unrecognized", scope };
        case "management group": {
            const members = Object.entries(managementGroups).find(([k]) => k.toLowerCase() === s.managementGroup)?.[1];
            if (!members) return { state: "undeclared", managementGroup: s.managementGroup };
            if (sub === undefined) return { state: "unknown", why: "the cluster's subscription is not known yet" };
            return members.some((m) => m.toLowerCase() === sub) ? { state: "contains", level: s.level } : { state: "outside" };
        }
        case "subscription":
            if (sub === undefined) return { state: "unknown", why: "the cluster's subscription is not known yet" };
            return sub === s.subscription ? { state: "contains", level: s.level } : { state: "outside" };
        case "resource group":
            if (rg === undefined) return { state: "unknown", why: "the cluster's resource group is not known yet" };
            return rg === s.resourceGroup && sameSub(s.subscription) ? { state: "contains", level: s.level } : { state: "outside" };
        case "resource": {
            if (t.id !== undefined) return s.id === t.id.toLowerCase().replace(/\/+$/, "") ? { state: "contains", level: s.level } : { state: "outside" };
            if (t.name === undefined || rg === undefined) return { state: "unknown", why: "the cluster's ID is not known yet" };
            const own = `/subscriptions/${s.subscription}/resourcegroups/${rg}/providers/${t.armType.toLowerCase()}/${t.name.toLowerCase()}`;
            return s.id === own && sameSub(s.subscription) ? { state: "contains", level: s.level } : { state: "outside" };
        }
    }
}

/** "resource group "rg-aks"" and the like, for messages. */
export function describeScope(scope: string): string {
    const s = parseArmScope(scope);
    switch (s.level) {
        case "management group": return `management group "${s.managementGroup}"`;
        case "subscription": return `subscription ${s.subscription}`;
        case "resource group": return `resource group "${s.resourceGroup}"`;
        case "resource": return `"${scope}"`;
        case "unrecognized": return `scope "${scope}"`;
    }
}
