/**
 * Azure Policy for Kubernetes assignments that carry the trust config to clusters with the Azure
 * Policy add-on: the built-in "allowed images" definition with the generated regex, and the built-in
 * "no latest tag" definition when tags are allowed. The custom definition for what the regex cannot
 * check is in azure-custom-definition.ts. Pure: the ImageAdmission component creates them.
 */
import { TrustEntry } from "../trust";
import { AdmissionOptions, allowedImagesRegex } from "./image-regex";
import { describeRequirement } from "./gatekeeper-cel";

/** Kubernetes cluster containers should only use allowed images. */
export const ALLOWED_IMAGES_DEFINITION_ID = "/providers/Microsoft.Authorization/policyDefinitions/febd0533-8e55-448f-b837-bd0e06f16469";
/** Kubernetes cluster container images should not include latest image tag. */
export const NO_LATEST_DEFINITION_ID = "/providers/Microsoft.Authorization/policyDefinitions/021f8078-41a0-40e6-81b6-c6597da9f3ee";

/** The namespaces the add-on itself runs in; the built-ins' defaults, and the only ones excluded. */
export const SYSTEM_NAMESPACES: readonly string[] = ["kube-system", "gatekeeper-system", "azure-arc", "azure-extensions-usage-system"];

/** Which objects the add-on judges: `All` includes pods generated from workload templates by Gatekeeper expansion. */
export type PolicySource = "Original" | "Generated" | "All";
export type PolicyEffect = "Deny" | "Audit";

export interface AzurePolicyOptions extends AdmissionOptions {
    /** Default Deny. Audit reports without blocking. */
    readonly effect?: PolicyEffect;
    /** Default All. */
    readonly source?: PolicySource;
}

/** `{ name: { value } }`, the shape of PolicyAssignment parameters. */
export type AssignmentParameters = Record<string, { value: unknown }>;

export interface PlannedAssignment {
    /** Short, stable suffix for resource names. */
    readonly key: "allowed-images" | "no-latest";
    readonly policyDefinitionId: string;
    readonly displayName: string;
    readonly parameters: AssignmentParameters;
    readonly nonComplianceMessage: string;
}

/** Effect, excluded namespaces and source: the same for every assignment ImageAdmission makes. */
export function commonParameters(options: AzurePolicyOptions = {}): AssignmentParameters {
    return {
        effect: { value: options.effect ?? "Deny" },
        excludedNamespaces: { value: [...SYSTEM_NAMESPACES] },
        source: { value: options.source ?? "All" },
    };
}

/** The built-in assignments for a trust config; at least one trust entry is required (an empty list would deny every image). */
export function plannedAssignments(entries: readonly TrustEntry[], options: AzurePolicyOptions = {}): PlannedAssignment[] {
    if (entries.length === 0) throw new Error("image admission needs at least one trusted registry (an empty list would deny every image)");
    const common = commonParameters(options);
    const requirement = describeRequirement(entries, options);
    const out: PlannedAssignment[] = [{
        key: "allowed-images",
        policyDefinitionId: ALLOWED_IMAGES_DEFINITION_ID,
        displayName: "Containers use only trusted images (imagegate)",
        parameters: { ...common, allowedContainerImagesRegex: { value: allowedImagesRegex(entries, options).pattern } },
        nonComplianceMessage: `Container images must be valid references ${requirement}.`,
    }];
    if (!(options.requireDigest ?? true)) {
        out.push({
            key: "no-latest",
            policyDefinitionId: NO_LATEST_DEFINITION_ID,
            displayName: "Container images do not use the latest tag (imagegate)",
            parameters: { ...common },
            nonComplianceMessage: "Container images must name a version tag or digest, not \"latest\".",
        });
    }
    return out;
}
