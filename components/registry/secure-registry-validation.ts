/**
 * Construction-time checks for SecureRegistry: contradictory or unsafe combinations fail here with
 * a message that names the option, before any resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_EXPOSURE_LIMITS, judgeRangeList } from "../../core/ip-ranges";
import { requireResourceId } from "../shared/arm-id";
import { ALPHANUMERIC_NAME, checked, requireHttpsUrl } from "../shared/inputs";
import type { RegistryNetwork, SecureRegistryArgs } from "./secure-registry";

export interface ValidatedRegistryArgs {
    network: RegistryNetwork;
    /** undefined when retention is disabled. */
    retentionDays?: number;
    keyIdentifier?: pulumi.Output<string>;
    /** The quarantine scanner URL, checked (https, no credentials) now or when it resolves. */
    scannerEndpoint?: pulumi.Output<string>;
    agentPool?: { name: string; tier: string; count: number };
}

const AGENT_POOL_NAME = /^[A-Za-z0-9-]{3,20}$/;
const AGENT_POOL_TIERS = ["S1", "S2", "S3", "I6"];

const MAX_RETENTION_DAYS = 365;

export function validateSecureRegistryArgs(args: SecureRegistryArgs): ValidatedRegistryArgs {
    const a = args as SecureRegistryArgs & Record<string, unknown>;
    if (a === null || typeof a !== "object") throw new Error("SecureRegistry: args are required");
    if (a.resourceGroupName === undefined) throw new Error("SecureRegistry: resourceGroupName is required");
    // Docker Content Trust is deprecated and cannot be enabled on new registries; never offer it.
    for (const dct of ["trustPolicy", "contentTrust"]) {
        if (dct in a) throw new Error(`SecureRegistry: ${dct} is not supported: Docker Content Trust is deprecated; sign images with Notation (Notary Project) and verify at admission`);
    }
    if (args.registryName !== undefined && !ALPHANUMERIC_NAME.test(args.registryName)) {
        throw new Error(`SecureRegistry: registryName "${args.registryName}" must be 5–50 letters and digits (no '-' or '_')`);
    }

    const network = validateNetwork(args.network ?? { mode: "private" });
    if (network.mode === "firewall" && !args.allowExport) {
        throw new Error(
            "SecureRegistry: export policy 'disabled' requires public network access Disabled, but network mode 'firewall' keeps it Enabled; " +
            "use network mode 'private', or set allowExport: true to accept that images can be exported");
    }

    if (args.auditLogs === undefined) {
        throw new Error("SecureRegistry: auditLogs is required: { logAnalyticsWorkspaceId } sends login and repository events to Log Analytics, or \"disabled\" to opt out explicitly");
    }
    if (args.auditLogs !== "disabled" && (typeof args.auditLogs !== "object" || !args.auditLogs.logAnalyticsWorkspaceId)) {
        throw new Error("SecureRegistry: auditLogs.logAnalyticsWorkspaceId is required (or auditLogs: \"disabled\")");
    }

    // Off unless asked for: deployments pull by digest (see SecureRegistryArgs.untaggedRetention).
    let retentionDays: number | undefined;
    const retention = args.untaggedRetention;
    if (retention !== undefined && retention !== "disabled") {
        if (!Number.isInteger(retention.days) || retention.days < 0 || retention.days > MAX_RETENTION_DAYS) {
            throw new Error(`SecureRegistry: untaggedRetention.days must be an integer from 0 to ${MAX_RETENTION_DAYS}, got ${JSON.stringify(retention.days)}`);
        }
        retentionDays = retention.days;
    }

    let keyIdentifier: pulumi.Output<string> | undefined;
    if (args.encryption !== undefined) {
        const enc = args.encryption;
        if (!enc.keyIdentifier) throw new Error("SecureRegistry: encryption.keyIdentifier (Key Vault key URI) is required for customer-managed keys");
        const id = enc.identity as unknown;
        if (id === undefined || id === null || typeof id !== "object") {
            throw new Error("SecureRegistry: customer-managed key encryption needs a user-assigned identity: set encryption.identity to { resourceId, clientId } or { create: true, keyVaultId }");
        }
        const ident = id as Record<string, unknown>;
        if ("create" in ident) {
            if (ident.create !== true || !ident.keyVaultId) {
                throw new Error("SecureRegistry: encryption.identity { create: true } also needs keyVaultId, the vault to grant the new identity key access on");
            }
            if (typeof ident.keyVaultId === "string") requireResourceId(ident.keyVaultId, "Microsoft.KeyVault/vaults", "SecureRegistry: encryption.identity.keyVaultId");
        } else if (!ident.resourceId || !ident.clientId) {
            throw new Error("SecureRegistry: encryption.identity needs both resourceId and clientId of the user-assigned identity");
        }
        keyIdentifier = checked(enc.keyIdentifier, requireKeyIdentifier);
    }

    let scannerEndpoint: pulumi.Output<string> | undefined;
    if (args.quarantine !== undefined) {
        if (args.quarantine === null || typeof args.quarantine !== "object" || !args.quarantine.scannerEndpoint) {
            throw new Error("SecureRegistry: quarantine needs quarantine.scannerEndpoint: without a scanner to release them, every pushed image would stay quarantined");
        }
        const wh = args.quarantine.webhookName;
        if (wh !== undefined && !ALPHANUMERIC_NAME.test(wh)) {
            throw new Error(`SecureRegistry: quarantine.webhookName "${wh}" must be 5–50 letters and digits`);
        }
        scannerEndpoint = checked(args.quarantine.scannerEndpoint, (u) => requireHttpsUrl(u, "SecureRegistry: quarantine.scannerEndpoint"));
    }
    let agentPool: ValidatedRegistryArgs["agentPool"];
    if (args.taskAgentPool !== undefined) {
        const p = args.taskAgentPool;
        if (!p || !p.subnetId) throw new Error("SecureRegistry: taskAgentPool.subnetId (the VNet subnet the task agents run in) is required");
        const name = p.name ?? "tasks";
        if (!AGENT_POOL_NAME.test(name)) throw new Error(`SecureRegistry: taskAgentPool.name "${name}" must be 3–20 letters, digits or '-'`);
        const tier = p.tier ?? "S1";
        if (!AGENT_POOL_TIERS.includes(tier)) throw new Error(`SecureRegistry: taskAgentPool.tier must be one of ${AGENT_POOL_TIERS.join(", ")}, got ${JSON.stringify(tier)}`);
        const count = p.count ?? 1;
        if (!Number.isInteger(count) || count < 1) throw new Error(`SecureRegistry: taskAgentPool.count must be a positive integer, got ${JSON.stringify(p.count)}`);
        agentPool = { name, tier, count };
    }
    return { network, retentionDays, keyIdentifier, scannerEndpoint, agentPool };
}

function validateNetwork(n: RegistryNetwork): RegistryNetwork {
    const mode = (n as { mode?: unknown } | null)?.mode;
    const pe = (n as { privateEndpoint?: Record<string, unknown> } | null)?.privateEndpoint;
    if ((mode === "private" || mode === "firewall") && pe !== undefined) {
        if (!pe.subnetId) throw new Error("SecureRegistry: network.privateEndpoint.subnetId is required");
        const dns = pe.dns as Record<string, unknown> | undefined;
        if (!dns || typeof dns !== "object") {
            throw new Error("SecureRegistry: network.privateEndpoint.dns is required: { virtualNetworkIds } to create the privatelink.azurecr.io zone, or { existingZoneId }");
        }
        if ("existingZoneId" in dns) {
            if (!dns.existingZoneId) throw new Error("SecureRegistry: network.privateEndpoint.dns.existingZoneId is empty");
        } else if (!Array.isArray(dns.virtualNetworkIds) || dns.virtualNetworkIds.length === 0) {
            throw new Error("SecureRegistry: network.privateEndpoint.dns.virtualNetworkIds must list at least one VNet to link the private DNS zone to");
        }
    }
    if (mode === "private") {
        return n;
    }
    if (mode === "firewall") {
        const rules = (n as { ipRules?: unknown }).ipRules;
        if (!Array.isArray(rules) || rules.length === 0) {
            throw new Error("SecureRegistry: network mode 'firewall' needs at least one entry in ipRules; without one the public endpoint would deny everyone — use mode 'private' instead");
        }
        requireFirewallRules(rules);
        const dupes = rules.filter((r, i) => rules.indexOf(r) !== i);
        if (dupes.length) throw new Error(`SecureRegistry: ipRules lists ${JSON.stringify(dupes[0])} more than once`);
        return n;
    }
    throw new Error(`SecureRegistry: network.mode must be "private" or "firewall", got ${JSON.stringify(mode)}`);
}

/**
 * ACR IP rules take IPv4 addresses or CIDR ranges only (API 2023-01-01-preview), and with default
 * Deny what they admit together is what is open: at most a /16 of public addresses, as acr-network
 * requires at preview (core/ip-ranges judges both).
 */
export function requireFirewallRules(rules: readonly unknown[]): void {
    const j = judgeRangeList(rules.map((value, index) => ({ index, value })), DEFAULT_EXPOSURE_LIMITS, { families: ["IPv4"] });
    const problems = [
        ...j.entryProblems.map((p) => `network.ipRules[${p.index}]: ${p.problem}`),
        ...(j.listProblem ? [`network.ipRules: ${j.listProblem}; that is not a firewall, list only the egress addresses of your build agents and clusters`] : []),
    ];
    if (problems.length) throw new Error(`SecureRegistry: ${problems.join("; ")}`);
}

/** https://<vault host>/keys/<name>[/<version>] */
export function requireKeyIdentifier(uri: string): void {
    let url: URL | undefined;
    try {
        url = new URL(uri);
    } catch {
        url = undefined;
    }
    if (!url || url.protocol !== "https:" || !/^\/keys\/[A-Za-z0-9-]{1,127}(?:\/[0-9a-fA-F]{32})?\/?$/.test(url.pathname)) {
        throw new Error(`SecureRegistry: encryption.keyIdentifier must be a Key Vault key URI https://<vault>/keys/<name>[/<version>], got ${JSON.stringify(uri)}`);
    }
}
