import { ConfigReader } from "../../core/config/reader";
import { read, show } from "../lib/properties";
import { CheckResult, unreadable, violation } from "../lib/checks";
import { ResourcePolicyBaseConfig, resourcePolicy } from "../lib/resource-policy";
import { REGISTRY, REPLICATION } from "../lib/azure-kinds";
import { REGIONS_WITHOUT_ZONES, REGIONS_WITH_ZONES, regionName } from "./regions";

export interface AcrZoneRedundancyConfig extends ResourcePolicyBaseConfig {
    /** Extra regions (normalised) counted as having availability zones. */
    readonly regionsWithZones: readonly string[];
}

const FIX_REGION = "create the registry in a region with availability zones, where ACR makes it zone-redundant in every tier with no setting, or add a geo-replica (Premium) in such a region; zoneRedundancy no longer decides this";

/**
 * Zone redundancy is decided by the region now: ACR makes every registry and replica in a region with
 * availability zones zone-redundant by default, in every tier, and `zoneRedundancy` no longer
 * controls it (Microsoft Learn, "Zone redundancy in Azure Container Registry"). So the region is
 * judged, not the property, and the fix is a region, never "recreate with zoneRedundancy Enabled".
 */
function zoneRedundantRegion(props: unknown, kind: string, config: AcrZoneRedundancyConfig): CheckResult[] {
    const what = kind === "Replication" ? "replica" : "registry";
    const loc = read(props, "location");
    const bad = unreadable(loc, "the region");
    if (bad) return bad;
    if (loc.state === "absent") {
        return [violation(loc.path, `no location is set, so the region the ${what} lands in (the resource group's), and whether it has availability zones, cannot be judged`, "set location explicitly to a region with availability zones")];
    }
    if (loc.state !== "value" || typeof loc.value !== "string") return [violation(loc.path, `the location is ${show(loc.state === "value" ? loc.value : undefined)}, not a region name`, "set location to a region with availability zones")];
    const region = regionName(loc.value);
    if (REGIONS_WITH_ZONES.includes(region) || config.regionsWithZones.includes(region)) return [];
    if (REGIONS_WITHOUT_ZONES.includes(region)) {
        return [violation(loc.path, `the region ${show(loc.value)} has no availability zones, so the ${what} is not zone-redundant and an outage of its datacenter stops image pulls`, FIX_REGION)];
    }
    return [violation(loc.path, `${show(loc.value)} is not a region known to have availability zones (Microsoft's region list of 2025-09-23), so whether the ${what} is zone-redundant cannot be judged`, "use a region with availability zones; if this region has gained them, add it to this policy's regionsWithZones")];
}

export const acrZoneRedundancy = resourcePolicy<AcrZoneRedundancyConfig>({
    name: "acr-zone-redundancy",
    displayName: "ACR registries and replicas are in regions with availability zones",
    description: "Container registries and their geo-replicas should be in regions with availability zones, where ACR makes them zone-redundant by default, so a zone outage does not stop image pulls.",
    severity: "low",
    enforcementLevel: "advisory",
    remediationSteps: "Deploy the registry (or a geo-replica) in a region with availability zones; ACR makes it zone-redundant there in every tier. The `zoneRedundancy` property no longer controls this.",
    appliesTo: [REGISTRY, REPLICATION],
    properties: {
        regionsWithZones: {
            type: "array",
            items: { type: "string", minLength: 1 },
            default: [],
            description: "Regions to count as having availability zones besides the built-in list (Microsoft's Azure regions list of 2025-09-23), for a region that has gained zones since. Display or programmatic names.",
        },
    },
    readConfig: (reader: ConfigReader, base) => ({ ...base, regionsWithZones: reader.stringArray("regionsWithZones").map(regionName) }),
    checks: [{
        id: "zone-redundancy",
        title: "location is a region with availability zones (registry and replications)",
        evaluate: (ctx) => zoneRedundantRegion(ctx.props, ctx.kind, ctx.config),
    }],
});
