/**
 * ImageVerification: the cluster verifies image signatures (and, when asked, SARIF scan reports) at
 * admission with the trust material the pack verifies with at preview — the Ratify documents of
 * core/admission/ratify-plan, generated from the policy config's signed-images entry.
 *
 * Two paths, one of which the cluster's Gatekeeper decides:
 * - "ratify": self-managed Gatekeeper (the Azure Policy add-on off) + Ratify v1.4.0 from its Helm
 *   chart 1.15.0, as the Ratify-on-Azure guide installs it; the chart's own verifiers are off, its
 *   store and policy (Helm hooks) are patched with the generated ones, and the generated
 *   ConstraintTemplate + Constraint deny.
 * - "image-integrity": AKS Image Integrity (preview, managed Ratify behind the Azure Policy add-on):
 *   the built-in policies that deploy it and audit with it, plus the generated Ratify documents.
 *   Notation only, and audit only — Microsoft's built-in has no Deny effect.
 * The add-on's Gatekeeper and a self-managed one cannot share a cluster, so the path must agree
 * with `azurePolicyAddon` (SecureCluster enables the add-on).
 *
 * Kubernetes resources use the provider passed in `opts.providers`/`opts.provider` (one built from
 * the cluster's credentials).
 */
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as k8s from "@pulumi/kubernetes";
import { CustomResource, CustomResourcePatch } from "@pulumi/kubernetes/apiextensions";
import { blocks } from "../../core/gate/config";
import { KubernetesDocument, RATIFY_CHART_REPO, RATIFY_CHART_VERSION, RatifyPlan, ratifyPlan } from "../../core/admission/ratify-plan";
import { IMAGE_INTEGRITY_DEPLOY_DEFINITION_ID, IMAGE_INTEGRITY_NOTATION_DEFINITION_ID } from "../../core/admission/signature-admission";
import type { PolicySettings } from "../image/policy-config";
import { checked } from "../shared/inputs";
import { requireResourceId } from "../shared/arm-id";
import { roleDefinitionIdOutput } from "../shared/builtin-roles";

export const IMAGE_VERIFICATION_TYPE = "imagegate:components:ImageVerification";

export type SignatureAdmissionPath = "ratify" | "image-integrity";

export interface ImageVerificationArgs {
    path: SignatureAdmissionPath;
    /** Whether the cluster runs the Azure Policy add-on (SecureCluster: true). "ratify" needs false, "image-integrity" true. */
    azurePolicyAddon: boolean;
    /** The policy config the pack is given (loadPolicySettings): signed-images' trust material, scanned-images' judgement. */
    policy: PolicySettings;
    /** Client ID of the user-assigned identity (federated with Ratify's service account) that reads ACR. */
    workloadIdentityClientId: pulumi.Input<string>;
    /** The AKS cluster; needed by "image-integrity" (the Azure Policy assignments' scope). */
    clusterId?: pulumi.Input<string>;
    /** Location of the deploy-if-not-exists assignment's identity ("image-integrity"). */
    location?: pulumi.Input<string>;
    /** Also verify SARIF reports attached as referrers. Default: scanned-images blocks and reads attestations. */
    scan?: boolean;
    /** Namespace of Gatekeeper and Ratify ("ratify"). Default gatekeeper-system. */
    namespace?: string;
}

function plan(name: string, args: ImageVerificationArgs, clientId: string): RatifyPlan {
    const signed = args.policy.gates.signedImages;
    if (!blocks(signed.level)) throw new Error(`ImageVerification "${name}": signed-images is ${signed.level} in ${args.policy.file}; admission would verify what preview does not block`);
    if (!signed.config.signature) throw new Error(`ImageVerification "${name}": signed-images has no notation or cosign trust material in ${args.policy.file}`);
    const scanned = args.policy.gates.scannedImages;
    const scan = args.scan ?? (blocks(scanned.level) && scanned.config.attestations);
    return ratifyPlan(signed.config.signature, {
        workloadIdentityClientId: clientId,
        registries: signed.config.registries,
        ...(scan ? { scan: scanned.config } : {}),
    });
}

export class ImageVerification extends pulumi.ComponentResource {
    /** What preview enforces that admission cannot, for this configuration. */
    readonly notEnforced: readonly string[];
    readonly resources: pulumi.Resource[] = [];

    constructor(name: string, args: ImageVerificationArgs, opts?: pulumi.ComponentResourceOptions) {
        super(IMAGE_VERIFICATION_TYPE, name, {}, opts);
        if (args.path !== "ratify" && args.path !== "image-integrity") throw new Error(`ImageVerification "${name}": path must be "ratify" or "image-integrity", got ${JSON.stringify(args.path)}`);
        if (args.path === "ratify" && args.azurePolicyAddon) {
            throw new Error(`ImageVerification "${name}": path "ratify" installs its own Gatekeeper, which cannot run beside the Azure Policy add-on's; disable the add-on (SecureCluster enables it) or use path "image-integrity"`);
        }
        if (args.path === "image-integrity" && !args.azurePolicyAddon) throw new Error(`ImageVerification "${name}": path "image-integrity" needs the Azure Policy add-on on the cluster`);
        // The shape is decided now (a placeholder ID); the real ID goes into the Store below.
        const shape = plan(name, args, "client-id");
        this.notEnforced = shape.notEnforced;
        const parent = { parent: this };
        const cr = (d: KubernetesDocument, o: pulumi.CustomResourceOptions = {}) => new CustomResource(`${name}-${d.kind.toLowerCase()}-${d.metadata.name}`, { apiVersion: d.apiVersion, kind: d.kind, metadata: { name: d.metadata.name }, spec: d.spec }, { ...parent, ...o });
        const store = pulumi.output(args.workloadIdentityClientId).apply((id) => plan(name, args, id).store.spec);

        if (args.path === "image-integrity") {
            if (shape.verifiers.some((v) => v.spec.name !== "notation")) {
                throw new Error(`ImageVerification "${name}": AKS Image Integrity verifies Notation signatures only; signed-images also has ${shape.verifiers.filter((v) => v.spec.name !== "notation").map((v) => v.spec.name).join(", ")} (use path "ratify", or scan: false)`);
            }
            const scope = checked(args.clusterId ?? "", (id) => requireResourceId(id, "Microsoft.ContainerService/managedClusters", "clusterId"));
            const deploy = new authorization.PolicyAssignment(`${name}-deploy-image-integrity`, {
                scope,
                policyDefinitionId: IMAGE_INTEGRITY_DEPLOY_DEFINITION_ID,
                displayName: "Deploy Image Integrity (imagegate)",
                identity: { type: "SystemAssigned" },
                location: args.location,
                parameters: { effect: { value: "DeployIfNotExists" } },
            }, parent);
            for (const role of ["AzureKubernetesServiceContributor", "KubernetesExtensionContributor"] as const) {
                this.resources.push(new authorization.RoleAssignment(`${name}-deploy-${role}`, {
                    scope,
                    principalId: deploy.identity.apply((i) => i?.principalId ?? ""),
                    principalType: "ServicePrincipal",
                    roleDefinitionId: roleDefinitionIdOutput(scope, role),
                }, parent));
            }
            this.resources.push(deploy, new authorization.PolicyAssignment(`${name}-notation`, {
                scope,
                policyDefinitionId: IMAGE_INTEGRITY_NOTATION_DEFINITION_ID,
                displayName: "Only images signed by notation (imagegate, audit)",
                parameters: { effect: { value: "Audit" } },
            }, parent));
            const kmps = shape.keyManagementProviders.map((d) => cr(d));
            this.resources.push(...kmps, ...shape.verifiers.map((d) => cr(d, { dependsOn: kmps })));
            this.resources.push(new CustomResource(`${name}-store`, { apiVersion: shape.store.apiVersion, kind: shape.store.kind, metadata: { name: shape.store.metadata.name }, spec: store }, parent));
            this.registerOutputs({ notEnforced: this.notEnforced });
            return;
        }

        const namespace = args.namespace ?? "gatekeeper-system";
        const release = new k8s.helm.v3.Release(`${name}-ratify`, {
            chart: "ratify",
            version: RATIFY_CHART_VERSION,
            repositoryOpts: { repo: RATIFY_CHART_REPO },
            namespace,
            values: {
                // The chart's verifiers would trust its own defaults; the generated ones replace them.
                notation: { enabled: false },
                cosign: { enabled: false },
                vulnerabilityreport: { enabled: false },
                azureWorkloadIdentity: { clientId: args.workloadIdentityClientId },
                oras: { authProviders: { azureWorkloadIdentityEnabled: true } },
            },
        }, parent);
        const after = { dependsOn: [release] };
        const kmps = shape.keyManagementProviders.map((d) => cr(d, after));
        this.resources.push(release, ...kmps, ...shape.verifiers.map((d) => cr(d, { dependsOn: [release, ...kmps] })));
        // store-oras and ratify-policy are the chart's Helm hooks: patched (server-side apply) to the generated content.
        const patch = (d: KubernetesDocument, spec: pulumi.Input<Record<string, unknown>>) => new CustomResourcePatch(`${name}-${d.kind.toLowerCase()}-patch`, {
            apiVersion: d.apiVersion,
            kind: d.kind,
            metadata: { name: d.metadata.name, annotations: { "pulumi.com/patchForce": "true" } },
            spec,
        }, { ...parent, ...after });
        this.resources.push(patch(shape.store, store), patch(shape.policy, shape.policy.spec));
        const template = cr(shape.template, after);
        this.resources.push(template, cr(shape.constraint, { dependsOn: [template] }));
        this.registerOutputs({ notEnforced: this.notEnforced });
    }
}
