/** The ACR, AKS, Defender and stack hardening policies (issue 8), in the order the CLI lists them. */
import type { CatalogPolicy } from "./catalog";
import { acrPremiumSku } from "./acr-premium-sku/policy";
import { acrAuthentication } from "./acr-authentication/policy";
import { acrNetwork } from "./acr-network/policy";
import { acrZoneRedundancy } from "./acr-zone-redundancy/policy";
import { acrUntaggedRetention } from "./acr-untagged-retention/policy";
import { acrNoContentTrust } from "./acr-no-content-trust/policy";
import { acrWebhookHttps } from "./acr-webhook-https/policy";
import { acrCacheRules } from "./acr-cache-rules/policy";
import { aksAzurePolicyAddon } from "./aks-azure-policy-addon/policy";
import { aksAccessControl } from "./aks-access-control/policy";
import { aksWorkloadIdentity } from "./aks-workload-identity/policy";
import { aksImageCleaner } from "./aks-image-cleaner/policy";
import { aksDefenderProfile } from "./aks-defender-profile/policy";
import { aksAutoUpgrade } from "./aks-auto-upgrade/policy";
import { aksApiServerAccess } from "./aks-api-server-access/policy";
import { aksNetworkPolicy } from "./aks-network-policy/policy";
import { aksNodePublicIp } from "./aks-node-public-ip/policy";
import { aksNoInsecureAddons } from "./aks-no-insecure-addons/policy";
import { defenderContainersPlan } from "./defender-containers-plan/policy";
import { stackAksImageAdmission } from "./stack-aks-image-admission/policy";
import { stackRegistryScanning } from "./stack-registry-scanning/policy";
import { stackAcrPullScope } from "./stack-acrpull-scope/policy";
import { stackImageVerification } from "./stack-image-verification/policy";
import type { ResourcePolicy } from "./lib/resource-policy";

/** Resource policies (Analyze: inputs, at preview and up). */
export const hardeningResourcePolicies: ResourcePolicy<unknown>[] = [
    acrPremiumSku,
    acrAuthentication,
    acrNetwork,
    acrZoneRedundancy,
    acrUntaggedRetention,
    acrNoContentTrust,
    acrWebhookHttps,
    acrCacheRules,
    aksAzurePolicyAddon,
    aksAccessControl,
    aksWorkloadIdentity,
    aksImageCleaner,
    aksDefenderProfile,
    aksAutoUpgrade,
    aksApiServerAccess,
    aksNetworkPolicy,
    aksNodePublicIp,
    aksNoInsecureAddons,
    defenderContainersPlan,
] as ResourcePolicy<unknown>[];

/** Stack policies (AnalyzeStack: relationships between resources). */
export const hardeningStackPolicies = [stackAksImageAdmission, stackImageVerification, stackRegistryScanning, stackAcrPullScope];

export const hardeningPolicies: CatalogPolicy[] = [...hardeningResourcePolicies, ...hardeningStackPolicies];
