/** A Key Vault and key for the registry's customer-managed-key encryption (prod). */
import * as pulumi from "@pulumi/pulumi";
import * as azure from "@pulumi/azure-native";

export interface EncryptionKey {
    vaultId: pulumi.Output<string>;
    /** Versionless key URI, so the registry follows key rotation. */
    keyUri: pulumi.Output<string>;
}

export function createEncryptionKey(rg: azure.resources.ResourceGroup, tenantId: pulumi.Input<string>, tags: Record<string, string>): EncryptionKey {
    const vault = new azure.keyvault.Vault("cmk", {
        resourceGroupName: rg.name,
        location: rg.location,
        // No fixed vaultName: with purge protection a deleted vault keeps its name for the retention
        // period, so a fixed name blocks destroy-and-recreate. Pulumi's auto-name adds a random suffix.
        properties: {
            tenantId,
            sku: { family: "A", name: "premium" },
            enableRbacAuthorization: true,
            // CMK for ACR requires both: a deleted key must stay recoverable.
            enableSoftDelete: true,
            enablePurgeProtection: true,
            publicNetworkAccess: "Disabled",
            networkAcls: { bypass: "AzureServices", defaultAction: "Deny" },
        },
        tags,
    });
    const key = new azure.keyvault.Key("acr-cmk", {
        resourceGroupName: rg.name,
        vaultName: vault.name,
        keyName: "acr-cmk",
        properties: {
            kty: "RSA",
            keySize: 3072,
            keyOps: ["wrapKey", "unwrapKey"],
            rotationPolicy: { lifetimeActions: [{ action: { type: "rotate" }, trigger: { timeAfterCreate: "P180D" } }], attributes: { expiryTime: "P2Y" } },
        },
    });
    return { vaultId: vault.id, keyUri: key.keyUri };
}
