/** Azure Resource Manager resource IDs: just enough parsing to scope role assignments safely. */

export interface ArmId {
    subscriptionId: string;
    resourceGroup?: string;
    /** `Microsoft.ContainerRegistry/registries`, for a resource ID; undefined for a subscription or group. */
    resourceType?: string;
    name?: string;
}

const GUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
export const GUID_RE = new RegExp(`^${GUID}$`);
// Top-level resources only: nested IDs (…/registries/x/webhooks/y) are never a registry scope.
const ARM_ID = new RegExp(
    `^/subscriptions/(${GUID})(?:/resourceGroups/([-\\w._()]+)(?:/providers/([A-Za-z0-9.]+/[A-Za-z0-9]+)/([^/]+))?)?$`,
    "i",
);

/** Parses an ARM ID; throws an Error naming `what` and the bad value otherwise. */
export function parseArmId(id: string, what: string): ArmId {
    const m = typeof id === "string" ? ARM_ID.exec(id) : null;
    if (!m) {
        throw new Error(`${what} must be an Azure resource ID like /subscriptions/<guid>/resourceGroups/<rg>/providers/<namespace>/<type>/<name>, got ${JSON.stringify(id)}`);
    }
    return { subscriptionId: m[1].toLowerCase(), resourceGroup: m[2], resourceType: m[3], name: m[4] };
}

/** Throws unless `id` is the ID of a resource of `resourceType` (compared case-insensitively, as ARM does). */
export function requireResourceId(id: string, resourceType: string, what: string): ArmId {
    const parsed = parseArmId(id, what);
    if (parsed.resourceType?.toLowerCase() !== resourceType.toLowerCase()) {
        throw new Error(`${what} must be the ID of a ${resourceType} resource, got ${JSON.stringify(id)}`);
    }
    return parsed;
}

// Any resource ID, child resources included (…/virtualNetworks/v/subnets/s): for scopes whose
// subscription is all that is needed.
const ANY_RESOURCE_ID = new RegExp(`^/subscriptions/(${GUID})/resourceGroups/[-\\w._()]+/providers/[A-Za-z0-9.]+/[A-Za-z0-9]+/[^/]+(?:/[A-Za-z0-9]+/[^/]+)*$`, "i");

/** The subscription of any resource ID, nested ones included; throws naming `what` otherwise. */
export function subscriptionOfResourceId(id: string, what: string): string {
    const m = typeof id === "string" ? ANY_RESOURCE_ID.exec(id) : null;
    if (!m) throw new Error(`${what} must be an Azure resource ID like /subscriptions/<guid>/resourceGroups/<rg>/providers/<namespace>/<type>/<name>[/<child type>/<name>], got ${JSON.stringify(id)}`);
    return m[1].toLowerCase();
}
