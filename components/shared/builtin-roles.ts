/**
 * Azure built-in role definition IDs the components assign. These GUIDs are the same in every
 * tenant and subscription; the full role definition ID is scoped to the subscription of the
 * assignment's scope (see `roleDefinitionId`).
 */
import * as pulumi from "@pulumi/pulumi";
import { parseArmId } from "./arm-id";

export const BuiltInRole = {
    /** Pull artifacts from a container registry. */
    AcrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    /** Push (and pull) artifacts to a container registry. */
    AcrPush: "8311e382-0749-4cb8-b61a-304f252e45ec",
    /** Pull quarantined images. */
    AcrQuarantineReader: "cdda3590-29a3-44f6-95f2-9f980659eb04",
    /** Pull quarantined images and change their quarantine state (the scanner's role). */
    AcrQuarantineWriter: "c8d4ff99-41c3-41a8-9f60-21dfdad59608",
    /** Wrap/unwrap with Key Vault keys: what a registry's CMK identity needs. */
    KeyVaultCryptoServiceEncryptionUser: "e147488a-f6f5-4113-8e2d-b22465e65bf6",
    /** Azure Kubernetes Service Contributor: the Image Integrity DINE policy's first role (its roleDefinitionIds). */
    AzureKubernetesServiceContributor: "ed7f3fbd-7b88-4dd4-9017-9adb7ce333f8",
    /** Kubernetes Extension Contributor: the Image Integrity DINE policy's second role. */
    KubernetesExtensionContributor: "18ed5180-3e48-46fd-8541-4ea054d57064",
} as const;

export type BuiltInRoleName = keyof typeof BuiltInRole;

/** `/subscriptions/<sub>/providers/Microsoft.Authorization/roleDefinitions/<guid>` for a scope's subscription. */
export function roleDefinitionIdFor(scopeId: string, role: BuiltInRoleName): string {
    const { subscriptionId } = parseArmId(scopeId, "role assignment scope");
    return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${BuiltInRole[role]}`;
}

/** The same, for a scope that is only known at deployment time. */
export function roleDefinitionIdOutput(scopeId: pulumi.Input<string>, role: BuiltInRoleName): pulumi.Output<string> {
    return pulumi.output(scopeId).apply((id) => roleDefinitionIdFor(id, role));
}
