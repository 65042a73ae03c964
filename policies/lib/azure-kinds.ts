/** The azure-native resource kinds the hardening policies judge, matched in every API version. */
import { isAzureType } from "../../core/discovery";

/** An azure-native resource type (`containerregistry:Registry`), in any API version. */
export interface AzureKind {
    readonly module: string;
    readonly kind: string;
}

export const REGISTRY: AzureKind = { module: "containerregistry", kind: "Registry" };
export const REPLICATION: AzureKind = { module: "containerregistry", kind: "Replication" };
export const WEBHOOK: AzureKind = { module: "containerregistry", kind: "Webhook" };
export const CACHE_RULE: AzureKind = { module: "containerregistry", kind: "CacheRule" };
/** Repository-scoped access token (password-based; its ScopeMap only says what it may reach). */
export const TOKEN: AzureKind = { module: "containerregistry", kind: "Token" };
export const MANAGED_CLUSTER: AzureKind = { module: "containerservice", kind: "ManagedCluster" };
export const AGENT_POOL: AzureKind = { module: "containerservice", kind: "AgentPool" };
export const PRICING: AzureKind = { module: "security", kind: "Pricing" };
export const ROLE_ASSIGNMENT: AzureKind = { module: "authorization", kind: "RoleAssignment" };

/** Built-in AcrPull role. */
export const ACR_PULL_ROLE_GUID = "7f951dda-4ed3-4680-a7ca-43fe172d538d";

/** Kind of `type` when it is one of `kinds` (any API version), else undefined. */
export function matchAzureKind(type: string, kinds: readonly AzureKind[]): string | undefined {
    return kinds.find((k) => isAzureType(type, k.module, k.kind))?.kind;
}
