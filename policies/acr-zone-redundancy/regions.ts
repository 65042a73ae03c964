/**
 * Which Azure regions have availability zones: ACR makes every registry and geo-replica in such a
 * region zone-redundant, in every tier, whatever `zoneRedundancy` says; in the others nothing can.
 * From Microsoft Learn's "Azure regions list" (reliability/regions-list, updated 2025-09-23,
 * read 2026-12-02), public cloud, plus the sovereign regions ACR's zone-redundancy page lists.
 * Programmatic names; display names ("West Europe") are normalised to them.
 */
export const REGIONS_WITH_ZONES: readonly string[] = [
    "australiaeast", "austriaeast", "belgiumcentral", "brazilsouth", "canadacentral", "centralindia",
    "centralus", "chilecentral", "denmarkeast", "eastasia", "eastus", "eastus2", "francecentral",
    "germanywestcentral", "indonesiacentral", "israelcentral", "italynorth", "japaneast", "japanwest",
    "koreacentral", "malaysiawest", "mexicocentral", "newzealandnorth", "northeurope", "norwayeast",
    "polandcentral", "qatarcentral", "southafricanorth", "southcentralus", "southeastasia",
    "spaincentral", "swedencentral", "switzerlandnorth", "uaenorth", "uksouth", "westeurope",
    "westus2", "westus3",
    // Sovereign clouds (ACR zone-redundancy page).
    "usgovvirginia", "chinanorth3",
];

export const REGIONS_WITHOUT_ZONES: readonly string[] = [
    "australiacentral", "australiacentral2", "australiasoutheast", "brazilsoutheast", "canadaeast",
    "francesouth", "germanynorth", "koreasouth", "northcentralus", "norwaywest", "southafricawest",
    "southindia", "switzerlandwest", "uaecentral", "ukwest", "westcentralus", "westindia", "westus",
];

/** `"West Europe"`, `"westeurope"` → `"westeurope"`. */
export function regionName(location: string): string {
    return location.toLowerCase().replace(/[\s_-]+/g, "");
}
