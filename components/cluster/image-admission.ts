/**
 * ImageAdmission: the pack's trust config enforced in a cluster with the Azure Policy add-on, as
 * cluster-scope assignments of the built-in "allowed images" policy (effect Deny, the generated
 * `allowedContainerImagesRegex`, `source: All`) and, when tags are allowed, the built-in "no latest
 * tag" policy. See docs/admission.md for what the add-on can and cannot enforce.
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { parseTrustEntries } from "../../core/trust";
import { PolicyEffect, PolicySource, plannedAssignments } from "../../core/admission/azure-policy";
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
}

export class ImageAdmission extends pulumi.ComponentResource {
    /** The generated regex, also printed by `imagegate allowed-images-regex`. */
    readonly allowedImagesRegex: string;
    readonly assignments: authorization.PolicyAssignment[];

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
        const options = { requireDigest: args.requireDigest ?? true, effect: args.effect, source: args.source };
        let planned;
        try {
            planned = plannedAssignments(entries, options);
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
        this.registerOutputs({ allowedImagesRegex: this.allowedImagesRegex, assignmentIds: this.assignments.map((a) => a.id) });
    }
}
