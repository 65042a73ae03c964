/**
 * Checks of SecureCluster's plain-value arguments, run at construction so a weak or contradictory
 * cluster fails on `new`, with a message naming the argument. Pure. Authorized IP ranges are judged
 * by core/ip-ranges, as aks-api-server-access judges them at preview.
 */
import { DEFAULT_EXPOSURE_LIMITS, judgeRangeList } from "../../core/ip-ranges";

/** How the API server is reached: one of the two must be chosen. */
export type ApiServerAccess =
    /** Private cluster: the API server has only a private endpoint in the cluster's VNet. */
    | { mode: "private"; privateDnsZone?: string }
    /**
     * Public endpoint restricted to these IPv4 addresses or CIDRs. Together they may admit at most a
     * /16 of public addresses (private ranges count for nothing), as aks-api-server-access requires.
     */
    | { mode: "authorizedIpRanges"; authorizedIpRanges: string[] };

export type NetworkPolicyChoice = "cilium" | "azure";

export interface SystemPoolOptions {
    /** Nodes in the system pool; at least 3. Default 3. */
    count?: number;
    /** Default Standard_D4ds_v5. */
    vmSize?: string;
    /** Zones the nodes spread across; at least 2 distinct. Default ["1", "2", "3"]. */
    availabilityZones?: string[];
}

export interface SecureClusterValidationInput {
    apiServer: ApiServerAccess;
    networkPolicy: NetworkPolicyChoice;
    systemPool: Required<SystemPoolOptions>;
    imageCleanerIntervalHours: number;
}

/** AKS image cleaner accepts 24 hours to 90 days. */
export const IMAGE_CLEANER_MIN_HOURS = 24;
export const IMAGE_CLEANER_MAX_HOURS = 2160;
export const MIN_SYSTEM_NODES = 3;

/** Returns every problem found (empty when valid). */
export function secureClusterProblems(input: SecureClusterValidationInput): string[] {
    const problems: string[] = [];
    const api = input.apiServer as ApiServerAccess | undefined;
    if (!api || (api.mode !== "private" && api.mode !== "authorizedIpRanges")) {
        problems.push('apiServer: choose { mode: "private" } or { mode: "authorizedIpRanges", authorizedIpRanges: [...] }; a public API server open to the internet is not allowed');
    } else if (api.mode === "authorizedIpRanges") {
        const ranges = api.authorizedIpRanges;
        if (!Array.isArray(ranges) || ranges.length === 0) {
            problems.push("apiServer.authorizedIpRanges: at least one CIDR is required (an empty list leaves the API server open to every address)");
        } else {
            // The examples in AKS's docs are IPv4; the policy measures IPv6 too.
            const j = judgeRangeList(ranges.map((value, index) => ({ index, value })), DEFAULT_EXPOSURE_LIMITS, { families: ["IPv4"] });
            for (const p of j.entryProblems) problems.push(`apiServer.authorizedIpRanges[${p.index}]: ${p.problem}`);
            if (j.listProblem) problems.push(`apiServer.authorizedIpRanges: ${j.listProblem}; list only the admin and CI egress ranges`);
        }
    }
    if (input.networkPolicy !== "cilium" && input.networkPolicy !== "azure") {
        problems.push(`networkPolicy: must be "cilium" or "azure", got ${JSON.stringify(input.networkPolicy)}`);
    }
    const pool = input.systemPool;
    if (!Number.isInteger(pool.count) || pool.count < MIN_SYSTEM_NODES) {
        problems.push(`systemPool.count: at least ${MIN_SYSTEM_NODES} nodes are required for a zone-redundant system pool, got ${pool.count}`);
    }
    const zones = pool.availabilityZones;
    if (!Array.isArray(zones) || new Set(zones).size < 2) {
        problems.push(`systemPool.availabilityZones: nodes must spread across at least 2 distinct zones, got ${JSON.stringify(zones)}`);
    } else if (zones.some((z) => !/^[1-3]$/.test(z))) {
        problems.push(`systemPool.availabilityZones: zones are "1", "2" or "3", got ${JSON.stringify(zones)}`);
    }
    if (typeof pool.vmSize !== "string" || !/^Standard_[A-Za-z0-9_]+$/.test(pool.vmSize)) {
        problems.push(`systemPool.vmSize: ${JSON.stringify(pool.vmSize)} is not an Azure VM size (Standard_…)`);
    }
    const h = input.imageCleanerIntervalHours;
    if (!Number.isInteger(h) || h < IMAGE_CLEANER_MIN_HOURS || h > IMAGE_CLEANER_MAX_HOURS) {
        problems.push(`imageCleanerIntervalHours: must be a whole number of hours from ${IMAGE_CLEANER_MIN_HOURS} to ${IMAGE_CLEANER_MAX_HOURS}, got ${h}`);
    }
    return problems;
}
