/**
 * GatekeeperImageConstraints: for clusters running their own Gatekeeper (not the Azure Policy
 * add-on, which manages Gatekeeper itself), the CEL ConstraintTemplate and Constraint generated from
 * the pack's trust config, applied with @pulumi/kubernetes.
 */
import * as pulumi from "@pulumi/pulumi";
import { CustomResource } from "@pulumi/kubernetes/apiextensions";
import { parseTrustEntries } from "../../core/trust";
import { EnforcementAction, GatekeeperOptions, constraint, constraintTemplate } from "../../core/admission/gatekeeper-cel";

export const GATEKEEPER_IMAGE_CONSTRAINTS_TYPE = "imagegate:components:GatekeeperImageConstraints";

export interface GatekeeperImageConstraintsArgs {
    /**
     * The cluster, as SecureCluster describes it (or `{ gatekeeper: "self-managed" }` for another):
     * a cluster whose Azure Policy add-on runs Gatekeeper is refused, since Azure does not support a
     * second, self-managed Gatekeeper beside it. Use ImageAdmission there.
     */
    cluster: { readonly gatekeeper: "azure-policy-addon" | "self-managed" };
    /** Trusted registries / repository prefixes, exactly as trusted-registries' `registries` config. */
    registries: string[];
    /** Default true. */
    requireDigest?: boolean;
    /** Default "deny". */
    enforcementAction?: EnforcementAction;
    /** Default kube-system and gatekeeper-system only. */
    excludedNamespaces?: string[];
    /** Constraint kind; default K8sTrustedImages. */
    kind?: string;
    /** Default "trusted-images". */
    constraintName?: string;
}

export class GatekeeperImageConstraints extends pulumi.ComponentResource {
    readonly template: CustomResource;
    readonly constraint: CustomResource;
    readonly allowedImagesRegex: string;

    constructor(name: string, args: GatekeeperImageConstraintsArgs, opts?: pulumi.ComponentResourceOptions) {
        super(GATEKEEPER_IMAGE_CONSTRAINTS_TYPE, name, {}, opts);
        if (args.cluster?.gatekeeper !== "self-managed") {
            throw new Error(`GatekeeperImageConstraints "${name}": the cluster's Gatekeeper is ${args.cluster?.gatekeeper === "azure-policy-addon" ? "the Azure Policy add-on's" : "not declared"}; a self-managed Gatekeeper cannot run beside the add-on. Create the cluster with gatekeeper: "self-managed" (SecureCluster), or use ImageAdmission`);
        }
        if (!Array.isArray(args.registries)) throw new Error(`GatekeeperImageConstraints "${name}": registries must be an array of trust entries`);
        const { entries, errors } = parseTrustEntries(args.registries);
        if (errors.length) throw new Error(`GatekeeperImageConstraints "${name}": registries${errors.join(`; registries`)}`);
        if (entries.length === 0) throw new Error(`GatekeeperImageConstraints "${name}": at least one trusted registry is required (an empty list would deny every image)`);
        if (args.enforcementAction !== undefined && !["deny", "dryrun", "warn"].includes(args.enforcementAction)) {
            throw new Error(`GatekeeperImageConstraints "${name}": enforcementAction must be "deny", "dryrun" or "warn", got ${JSON.stringify(args.enforcementAction)}`);
        }
        const options: GatekeeperOptions = {
            requireDigest: args.requireDigest ?? true,
            enforcementAction: args.enforcementAction,
            excludedNamespaces: args.excludedNamespaces,
            kind: args.kind,
            constraintName: args.constraintName,
        };
        let template, generated;
        try {
            template = constraintTemplate(options);
            generated = constraint(entries, options);
        } catch (e) {
            throw new Error(`GatekeeperImageConstraints "${name}": ${e instanceof Error ? e.message : String(e)}`);
        }
        this.allowedImagesRegex = generated.spec.parameters.allowedImagesRegex;
        this.template = new CustomResource(`${name}-template`, template, { parent: this });
        // The constraint's CRD exists only once Gatekeeper has processed the template.
        this.constraint = new CustomResource(`${name}-constraint`, generated, { parent: this, dependsOn: [this.template] });
        this.registerOutputs({ allowedImagesRegex: this.allowedImagesRegex });
    }
}
