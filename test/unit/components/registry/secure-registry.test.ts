/** SecureRegistry under Pulumi mocks: exact resources and properties for the default and each option, and the combinations it refuses. */
import * as pulumi from "@pulumi/pulumi";
import { SecureRegistry, type SecureRegistryArgs } from "../../../../components/registry";
import { requireFirewallRules, requireKeyIdentifier } from "../../../../components/registry/secure-registry-validation";
import { KEY_URI, KEY_VAULT_ID, RG, SUB, SUBNET_ID, VNET_ID, WORKSPACE_ID, one, registryId, roleDef, run, typesOf } from "../../../support/registry-components";

const base: SecureRegistryArgs = { resourceGroupName: RG, location: "westeurope", registryName: "appacr", auditLogs: { logAnalyticsWorkspaceId: WORKSPACE_ID } };
const REGISTRY = "azure-native:containerregistry:Registry";
const COMPONENT = "imagegate:components:SecureRegistry";

const securePolicies = {
    trustPolicy: { status: "disabled", type: "Notary" },
    quarantinePolicy: { status: "disabled" },
    // Off by default: deployments pull by digest, and retention deletes pinned images once their tag moves.
    retentionPolicy: { status: "disabled", days: 7 },
    exportPolicy: { status: "disabled" },
    azureADAuthenticationAsArmPolicy: { status: "disabled" },
};

describe("SecureRegistry defaults", () => {
    test("registers exactly the registry and its audit diagnostic setting, parented to the component", async () => {
        const rs = await run(() => { new SecureRegistry("acr", base); });
        expect(typesOf(rs)).toEqual([
            "azure-native:containerregistry:Registry",
            "azure-native:monitor:DiagnosticSetting",
            COMPONENT,
        ].sort());
        for (const r of rs.filter((x) => x.custom)) expect(r.parentType).toBe(COMPONENT);
    });

    test("registry is Premium, private, admin and anonymous pull off, retention off (digest pinning), export off, zone redundant, DCT off", async () => {
        const rs = await run(() => { new SecureRegistry("acr", base); });
        expect(one(rs, REGISTRY).inputs).toEqual({
            resourceGroupName: RG,
            location: "westeurope",
            registryName: "appacr",
            sku: { name: "Premium" },
            adminUserEnabled: false,
            anonymousPullEnabled: false,
            publicNetworkAccess: "Disabled",
            networkRuleSet: { defaultAction: "Deny", ipRules: [] },
            networkRuleBypassOptions: "AzureServices",
            dataEndpointEnabled: true,
            zoneRedundancy: "Enabled",
            policies: securePolicies,
        });
    });

    test("login and repository events go to the Log Analytics workspace", async () => {
        const rs = await run(() => { new SecureRegistry("acr", base); });
        expect(one(rs, "azure-native:monitor:DiagnosticSetting").inputs).toEqual({
            name: "imagegate-registry-audit",
            resourceUri: registryId("appacr"),
            workspaceId: WORKSPACE_ID,
            logAnalyticsDestinationType: "Dedicated",
            logs: [
                { category: "ContainerRegistryLoginEvents", enabled: true },
                { category: "ContainerRegistryRepositoryEvents", enabled: true },
            ],
        });
    });

    test("outputs are the registry's id, name and login server", async () => {
        let out: Record<string, pulumi.Output<string>> = {};
        const seen: Record<string, string> = {};
        await run(() => {
            const r = new SecureRegistry("acr", base);
            out = { id: r.id, name: r.name, loginServer: r.loginServer };
            for (const [k, o] of Object.entries(out)) o.apply((v) => { seen[k] = v; });
        });
        expect(seen).toEqual({ id: registryId("appacr"), name: "appacr", loginServer: "appacr.azurecr.io" });
    });
});

describe("SecureRegistry options", () => {
    test("private endpoint creates the endpoint, the privatelink.azurecr.io zone, a link per VNet and the zone group", async () => {
        const vnet2 = VNET_ID.replace("/hub", "/spoke");
        const rs = await run(() => {
            new SecureRegistry("acr", { ...base, network: { mode: "private", privateEndpoint: { subnetId: SUBNET_ID, dns: { virtualNetworkIds: [VNET_ID, vnet2] } } } });
        });
        const pe = one(rs, "azure-native:network:PrivateEndpoint");
        expect(pe.inputs.subnet.id).toBe(SUBNET_ID);
        expect(pe.inputs.privateLinkServiceConnections).toEqual([{ name: "acr-registry", privateLinkServiceId: registryId("appacr"), groupIds: ["registry"] }]);
        expect(one(rs, "azure-native:privatedns:PrivateZone").inputs).toEqual({ resourceGroupName: RG, privateZoneName: "privatelink.azurecr.io", location: "global" });
        const links = rs.filter((r) => r.type === "azure-native:privatedns:VirtualNetworkLink");
        expect(links.map((l) => l.inputs.virtualNetwork.id)).toEqual([VNET_ID, vnet2]);
        for (const l of links) expect(l.inputs).toMatchObject({ privateZoneName: "privatelink.azurecr.io", registrationEnabled: false, location: "global" });
        expect(one(rs, "azure-native:network:PrivateDnsZoneGroup").inputs).toEqual({
            resourceGroupName: RG,
            privateEndpointName: "acr-pe",
            privateDnsZoneGroupName: "default",
            privateDnsZoneConfigs: [{ name: "privatelink-azurecr-io", privateDnsZoneId: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/privateDnsZones/privatelink.azurecr.io` }],
        });
        expect(one(rs, REGISTRY).inputs.publicNetworkAccess).toBe("Disabled");
    });

    test("an existing (hub) DNS zone is used instead of creating one", async () => {
        const hubZone = `/subscriptions/${SUB}/resourceGroups/dns/providers/Microsoft.Network/privateDnsZones/privatelink.azurecr.io`;
        const rs = await run(() => {
            new SecureRegistry("acr", { ...base, network: { mode: "private", privateEndpoint: { subnetId: SUBNET_ID, dns: { existingZoneId: hubZone } } } });
        });
        expect(rs.some((r) => r.type === "azure-native:privatedns:PrivateZone" || r.type === "azure-native:privatedns:VirtualNetworkLink")).toBe(false);
        expect(one(rs, "azure-native:network:PrivateDnsZoneGroup").inputs.privateDnsZoneConfigs[0].privateDnsZoneId).toBe(hubZone);
    });

    test("firewall mode keeps public access with Deny + IP rules, and needs export allowed explicitly", async () => {
        const rs = await run(() => {
            new SecureRegistry("acr", { ...base, network: { mode: "firewall", ipRules: ["203.0.113.7", "198.51.100.0/24"] }, allowExport: true });
        });
        const reg = one(rs, REGISTRY).inputs;
        expect(reg.publicNetworkAccess).toBe("Enabled");
        expect(reg.networkRuleSet).toEqual({
            defaultAction: "Deny",
            ipRules: [{ iPAddressOrRange: "203.0.113.7", action: "Allow" }, { iPAddressOrRange: "198.51.100.0/24", action: "Allow" }],
        });
        expect(reg.networkRuleBypassOptions).toBe("AzureServices");
        expect(reg.policies.exportPolicy).toEqual({ status: "enabled" });
    });

    test("customer-managed key with a created identity: UAI, Key Vault role on the vault, registry identity + encryption", async () => {
        const rs = await run(() => {
            new SecureRegistry("acr", { ...base, encryption: { keyIdentifier: KEY_URI, identity: { create: true, keyVaultId: KEY_VAULT_ID } } });
        });
        const uaiId = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/acr-cmk`;
        expect(one(rs, "azure-native:managedidentity:UserAssignedIdentity").inputs).toEqual({ resourceGroupName: RG, location: "westeurope" });
        expect(one(rs, "azure-native:authorization:RoleAssignment").inputs).toMatchObject({
            scope: KEY_VAULT_ID,
            principalId: "principal-of-acr-cmk",
            principalType: "ServicePrincipal",
            roleDefinitionId: roleDef("e147488a-f6f5-4113-8e2d-b22465e65bf6"),
        });
        const reg = one(rs, REGISTRY).inputs;
        expect(reg.identity).toEqual({ type: "UserAssigned", userAssignedIdentities: { [uaiId]: {} } });
        expect(reg.encryption).toEqual({ status: "enabled", keyVaultProperties: { keyIdentifier: KEY_URI, identity: "client-of-acr-cmk" } });
        expect(reg.policies.trustPolicy.status).toBe("disabled");
    });

    test("customer-managed key with an existing identity creates no identity or role assignment", async () => {
        const uai = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/shared`;
        const rs = await run(() => {
            new SecureRegistry("acr", { ...base, encryption: { keyIdentifier: KEY_URI, identity: { resourceId: uai, clientId: "cid-1" } } });
        });
        expect(rs.some((r) => r.type === "azure-native:managedidentity:UserAssignedIdentity" || r.type === "azure-native:authorization:RoleAssignment")).toBe(false);
        const reg = one(rs, REGISTRY).inputs;
        expect(reg.identity.userAssignedIdentities).toEqual({ [uai]: {} });
        expect(reg.encryption.keyVaultProperties).toEqual({ keyIdentifier: KEY_URI, identity: "cid-1" });
    });

    test("quarantine enables the policy, adds a quarantine webhook with secret URI/headers, and grants the scanner AcrQuarantineWriter on the registry", async () => {
        const rs = await run(() => {
            new SecureRegistry("acr", { ...base, quarantine: { scannerEndpoint: "https://scanner.example.com/hook?code=abc", scannerHeaders: { Authorization: "Bearer t" }, scannerPrincipalId: "scanner-oid" } });
        });
        expect(one(rs, REGISTRY).inputs.policies.quarantinePolicy).toEqual({ status: "enabled" });
        const hook = one(rs, "azure-native:containerregistry:Webhook");
        expect(hook.inputs).toEqual({
            resourceGroupName: RG,
            registryName: "appacr",
            location: "westeurope",
            webhookName: "acrquarantine",
            actions: ["quarantine"],
            status: "enabled",
            serviceUri: "https://scanner.example.com/hook?code=abc",
            customHeaders: { Authorization: "Bearer t" },
        });
        expect(hook.secretPaths.sort()).toEqual(["customHeaders", "serviceUri"]);
        expect(one(rs, "azure-native:authorization:RoleAssignment").inputs).toMatchObject({
            scope: registryId("appacr"),
            principalId: "scanner-oid",
            principalType: "ServicePrincipal",
            roleDefinitionId: roleDef("c8d4ff99-41c3-41a8-9f60-21dfdad59608"),
        });
    });

    test("explicit weaker settings are honoured: no retention, export allowed, ARM tokens, no zone redundancy, no data endpoints, no audit logs", async () => {
        const rs = await run(() => {
            new SecureRegistry("acr", {
                ...base, auditLogs: "disabled", untaggedRetention: "disabled", allowExport: true, allowArmAudienceTokens: true,
                zoneRedundancy: false, dedicatedDataEndpoints: false,
            });
        });
        expect(typesOf(rs)).toEqual([COMPONENT, REGISTRY].sort());
        const reg = one(rs, REGISTRY).inputs;
        expect(reg.policies).toEqual({
            ...securePolicies,
            exportPolicy: { status: "enabled" },
            azureADAuthenticationAsArmPolicy: { status: "enabled" },
        });
        expect(reg.zoneRedundancy).toBe("Disabled");
        expect(reg.dataEndpointEnabled).toBe(false);
        expect(reg.publicNetworkAccess).toBe("Disabled");
    });

    test("a VNet agent pool for ACR Tasks, named in the outputs", async () => {
        let poolName = "";
        const rs = await run(() => {
            const r = new SecureRegistry("acr", { ...base, taskAgentPool: { subnetId: SUBNET_ID, tier: "S2", count: 2 } });
            r.taskAgentPoolName!.apply((n) => { poolName = n; });
        });
        expect(one(rs, "azure-native:containerregistry:AgentPool").inputs).toEqual({
            resourceGroupName: RG,
            registryName: "appacr",
            location: "westeurope",
            agentPoolName: "tasks",
            tier: "S2",
            count: 2,
            os: "Linux",
            virtualNetworkSubnetResourceId: SUBNET_ID,
        });
        expect(poolName).toBe("tasks");
    });

    test("retention is opt-in, with its days, for registries nothing pulls by digest", async () => {
        const off = await run(() => { new SecureRegistry("acr", { ...base, untaggedRetention: "disabled" }); });
        expect(one(off, REGISTRY).inputs.policies.retentionPolicy).toEqual({ status: "disabled", days: 7 });
        const rs = await run(() => { new SecureRegistry("acr", { ...base, untaggedRetention: { days: 30 } }); });
        expect(one(rs, REGISTRY).inputs.policies.retentionPolicy).toEqual({ status: "enabled", days: 30 });
    });
});

describe("SecureRegistry refuses invalid combinations at construction", () => {
    const cases: [string, Partial<SecureRegistryArgs> & Record<string, unknown>, RegExp][] = [
        ["export disabled while public network access stays enabled", { network: { mode: "firewall", ipRules: ["203.0.113.7"] } }, /export policy 'disabled' requires public network access Disabled.*allowExport: true/],
        ["firewall without IP rules", { network: { mode: "firewall", ipRules: [] }, allowExport: true }, /needs at least one entry in ipRules/],
        ["an IPv6 rule", { network: { mode: "firewall", ipRules: ["2001:db8::/32"] }, allowExport: true }, /network\.ipRules\[0\]: "2001:db8::\/32" is an IPv6 range, and only IPv4 is accepted here/],
        ["a /0 rule", { network: { mode: "firewall", ipRules: ["0.0.0.0/0"] }, allowExport: true }, /network\.ipRules: the entries together admit 3,702,258,690 public IPv4 addresses \(every public IPv4 address; widest: "0\.0\.0\.0\/0"\)/],
        ["two halves of the internet", { network: { mode: "firewall", ipRules: ["0.0.0.0/1", "128.0.0.0/1"] }, allowExport: true }, /every public IPv4 address; widest: "0\.0\.0\.0\/1", "128\.0\.0\.0\/1"\), more than the 65,536 of one \/16; that is not a firewall/],
        ["a service tag", { network: { mode: "firewall", ipRules: ["AzureCloud"] }, allowExport: true }, /network\.ipRules\[0\]: "AzureCloud" is an Azure service tag/],
        ["an unknown network mode", { network: { mode: "public" } as never }, /network.mode must be "private" or "firewall"/],
        ["a private endpoint without DNS", { network: { mode: "private", privateEndpoint: { subnetId: SUBNET_ID } as never } }, /privateEndpoint.dns is required/],
        ["a private endpoint with no VNets to link", { network: { mode: "private", privateEndpoint: { subnetId: SUBNET_ID, dns: { virtualNetworkIds: [] } } } }, /at least one VNet/],
        ["CMK without an identity", { encryption: { keyIdentifier: KEY_URI } as never }, /customer-managed key encryption needs a user-assigned identity/],
        ["CMK identity without client ID", { encryption: { keyIdentifier: KEY_URI, identity: { resourceId: "x" } as never } }, /both resourceId and clientId/],
        ["CMK created identity without a vault", { encryption: { keyIdentifier: KEY_URI, identity: { create: true } as never } }, /needs keyVaultId/],
        ["CMK created identity with a vault ID that is not a vault", { encryption: { keyIdentifier: KEY_URI, identity: { create: true, keyVaultId: registryId("appacr") } } }, /keyVaultId must be the ID of a Microsoft.KeyVault\/vaults resource/],
        ["CMK with a key URI that is not a Key Vault key", { encryption: { keyIdentifier: "https://kv1.vault.azure.net/secrets/x", identity: { create: true, keyVaultId: KEY_VAULT_ID } } }, /Key Vault key URI/],
        ["quarantine without a scanner endpoint", { quarantine: {} as never }, /quarantine needs quarantine.scannerEndpoint/],
        ["a quarantine scanner endpoint over http", { quarantine: { scannerEndpoint: "http://scanner.example.com" } }, /scannerEndpoint must use https/],
        ["a scanner URL with embedded credentials", { quarantine: { scannerEndpoint: "https://u:p@scanner.example.com" } }, /must not embed credentials/],
        ["an agent pool without a subnet", { taskAgentPool: {} as never }, /taskAgentPool.subnetId .* is required/],
        ["an agent pool with an unknown tier", { taskAgentPool: { subnetId: SUBNET_ID, tier: "S9" as never } }, /tier must be one of S1, S2, S3, I6/],
        ["an agent pool with a bad name", { taskAgentPool: { subnetId: SUBNET_ID, name: "a_b" } }, /3–20 letters, digits or '-'/],
        ["no audit log decision", { auditLogs: undefined as never }, /auditLogs is required/],
        ["retention beyond 365 days", { untaggedRetention: { days: 400 } }, /from 0 to 365/],
        ["a registry name with a dash", { registryName: "app-acr" }, /5–50 letters and digits/],
        ["Docker Content Trust", { trustPolicy: { status: "enabled" } }, /Docker Content Trust is deprecated; sign images with Notation/],
    ];
    test.each(cases)("%s", async (_, override, message) => {
        let thrown: unknown;
        const rs = await run(() => {
            try {
                new SecureRegistry("acr", { ...base, ...override } as SecureRegistryArgs);
            } catch (e) {
                thrown = e;
            }
        });
        expect(String(thrown)).toMatch(message);
        // Nothing but the (empty) component itself got registered.
        expect(rs.filter((r) => r.custom)).toEqual([]);
    });

    test("IP rule and key URI checks accept the valid forms", () => {
        expect(() => requireFirewallRules(["10.1.2.3", "203.0.113.0/24"])).not.toThrow();
        // Exactly a /16 of public addresses is the limit; private ranges count for nothing.
        expect(() => requireFirewallRules(["20.1.0.0/16", "10.0.0.0/8", "100.64.0.0/10"])).not.toThrow();
        expect(() => requireFirewallRules(["20.1.0.0/16", "20.2.0.0/32"])).toThrow(/admit 65,537 public IPv4 addresses/);
        expect(() => requireFirewallRules(["10.1.0.0/33"])).toThrow('SecureRegistry: network.ipRules[0]: "10.1.0.0/33" is not an IP address or CIDR range');
        expect(() => requireFirewallRules(["10.1.0/16"])).toThrow(/"10\.1\.0\/16" is not an IP address or CIDR range/);
        expect(() => requireKeyIdentifier(KEY_URI)).not.toThrow();
        expect(() => requireKeyIdentifier(`${KEY_URI}/0123456789abcdef0123456789abcdef`)).not.toThrow();
        expect(() => requireKeyIdentifier("http://kv1.vault.azure.net/keys/k")).toThrow(/Key Vault key URI/);
    });
});
