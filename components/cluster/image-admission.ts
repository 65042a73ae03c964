/**
 * ImageAdmission: the pack's trust config enforced in a cluster with the Azure Policy add-on, as
 * cluster-scope assignments of the built-in "allowed images" policy (effect Deny, the generated
 * `allowedContainerImagesRegex`, `source: All`), when tags are allowed the built-in "no latest tag"
 * policy, and a custom definition (CEL ConstraintTemplate in `templateInfo`) for the one rule the
 * regex cannot express, the 255-character limit on the normalized name. The cluster admits an image
 * only when every assignment does, which is exactly what the pack admits.
 *
 * The custom definition is created at subscription scope in the azure-native provider's
 * subscription, which must be the cluster's (an assignment can only use definitions from its own
 * subscription or the management groups above it). See docs/admission.md for what the add-on can
 * and cannot enforce.
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { parseTrustEntries } from "../../core/trust";
import { PolicyEffect, PolicySource, plannedAssignments } from "../../core/admission/azure-policy";
import { plannedCustomAssignment, trustedImagesDefinition } from "../../core/admission/azure-custom-definition";
import { allowedImagesRegex } from "../../core/admission/image-regex";
import { checked } from "../shared/inputs";
import { requireResourceId } from "../shared/arm-id";

export const IMAGE_ADMISSION_TYPE = "imagegate:components:ImageAdmission";

export interface ImageAdmissionArgs {
    /** The AKS cluster (Microsoft.ContainerService/managedClusters) the assignments are scoped to. */
    clusterId: pulumi.Input<string>;
    /** Trusted registries / repository prefixes, exactly as trusted-registries' `registries` config. */
    registries: string[];
    /** Only digest-pinned images are admitted. Default true (as require-digest). */
    requireDigest?: boolean;
    /** Default "Deny". "Audit" reports non-compliance without blocking. */
    effect?: PolicyEffect;
    /** Default "All": workload templates expanded by Gatekeeper are judged as well as Pods. */
    source?: PolicySource;
    /** Name of the custom policy definition in the subscription. Default: generated from the resource name (unique per stack). */
    policyDefinitionName?: string;
}

/** Azure policy definition names: 1–64 characters, none of `%&\?/<>:#*+` or control characters, no trailing space. */
const DEFINITION_NAME = /^[^%&\\?/<>:#*+\u0000-\u001f]{0,63}[^%&\\?/<>:#*+\u0000-\u001f ]$/;

export class ImageAdmission extends pulumi.ComponentResource {
    /** The generated regex, also printed by `imagegate allowed-images-regex`. */
    readonly allowedImagesRegex: string;
    /** Every assignment at the cluster: the built-in(s) first, then the custom definition's. */
    readonly assignments: authorization.PolicyAssignment[];
    /** The custom definition carrying the CEL ConstraintTemplate (subscription scope). */
    readonly trustedImagesDefinition: authorization.PolicyDefinition;

    constructor(name: string, args: ImageAdmissionArgs, opts?: pulumi.ComponentResourceOptions) {
        super(IMAGE_ADMISSION_TYPE, name, {}, opts);
        if (!Array.isArray(args.registries)) throw new Error(`ImageAdmission "${name}": registries must be an array of trust entries`);
        const { entries, errors } = parseTrustEntries(args.registries);
        if (errors.length) throw new Error(`ImageAdmission "${name}": registries${errors.join(`; registries`)}`);
        if (args.effect !== undefined && args.effect !== "Deny" && args.effect !== "Audit") {
            throw new Error(`ImageAdmission "${name}": effect must be "Deny" or "Audit", got ${JSON.stringify(args.effect)}`);
        }
        if (args.source !== undefined && !["Original", "Generated", "All"].includes(args.source)) {
            throw new Error(`ImageAdmission "${name}": source must be "Original", "Generated" or "All", got ${JSON.stringify(args.source)}`);
        }
        if (args.policyDefinitionName !== undefined && (typeof args.policyDefinitionName !== "string" || !DEFINITION_NAME.test(args.policyDefinitionName))) {
            throw new Error(`ImageAdmission "${name}": policyDefinitionName must be 1–64 characters without %&\\?/<>:#*+ or a trailing space, got ${JSON.stringify(args.policyDefinitionName)}`);
        }
        const options = { requireDigest: args.requireDigest ?? true, effect: args.effect, source: args.source };
        let planned, custom;
        try {
            planned = plannedAssignments(entries, options);
            custom = plannedCustomAssignment(entries, options);
        } catch (e) {
            throw new Error(`ImageAdmission "${name}": ${e instanceof Error ? e.message : String(e)}`);
        }
        const scope = checked(args.clusterId, (id) => requireResourceId(id, "Microsoft.ContainerService/managedClusters", "clusterId"));
        this.allowedImagesRegex = allowedImagesRegex(entries, options).pattern;
        this.assignments = planned.map((p) => new authorization.PolicyAssignment(`${name}-${p.key}`, {
            scope,
            policyDefinitionId: p.policyDefinitionId,
            displayName: p.displayName,
            enforcementMode: "Default",
            parameters: p.parameters,
            nonComplianceMessages: [{ message: p.nonComplianceMessage }],
        }, { parent: this }));
        const definition = trustedImagesDefinition();
        this.trustedImagesDefinition = new authorization.PolicyDefinition(`${name}-trusted-images`, {
            ...(args.policyDefinitionName !== undefined ? { policyDefinitionName: args.policyDefinitionName } : {}),
            policyType: definition.policyType,
            mode: definition.mode,
            displayName: definition.displayName,
            description: definition.description,
            metadata: definition.metadata,
            // Plain copies: the SDK's input types take mutable arrays.
            parameters: Object.fromEntries(Object.entries(definition.parameters).map(([k, p]) => [k, {
                type: p.type,
                metadata: { ...p.metadata },
                ...(p.allowedValues ? { allowedValues: [...p.allowedValues] } : {}),
                ...(p.defaultValue !== undefined ? { defaultValue: p.defaultValue } : {}),
            }])),
            policyRule: definition.policyRule,
        }, { parent: this });
        this.assignments.push(new authorization.PolicyAssignment(`${name}-${custom.key}`, {
            scope,
            policyDefinitionId: this.trustedImagesDefinition.id,
            displayName: custom.displayName,
            enforcementMode: "Default",
            parameters: custom.parameters,
            nonComplianceMessages: [{ message: custom.nonComplianceMessage }],
        }, { parent: this }));
        this.registerOutputs({
            allowedImagesRegex: this.allowedImagesRegex,
            assignmentIds: this.assignments.map((a) => a.id),
            trustedImagesDefinitionId: this.trustedImagesDefinition.id,
        });
    }
}
