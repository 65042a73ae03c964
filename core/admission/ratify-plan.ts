/**
 * Signature (and scan) verification at admission, generated from the parsed signed-images config:
 * the Ratify v1 custom resources (config.ratify.deislabs.io/v1beta1 — KeyManagementProvider,
 * Verifier, Store, Policy) and the Gatekeeper ConstraintTemplate + Constraint that call Ratify as an
 * external-data provider. The same trust stores, trust policies (scopes, identities, levels) and
 * cosign keys the pack verifies with; nothing is read twice (the input is core/signature/config's
 * parse). Targets Ratify v1.4.0 (Helm chart 1.15.0, Gatekeeper 3.18 as that chart declares); see
 * docs/admission.md for what admission cannot enforce that preview does.
 */
import { createHash } from "node:crypto";
import type { JudgementConfig, FailOn } from "../evidence/config";
import type { RegistryEntry } from "../registry/types";
import { formatDn, X509_SUBJECT_PREFIX } from "../signature/dn";
import type { SignatureConfig, TrustStoreType } from "../signature/config";
import { SYSTEM_NAMESPACES } from "./azure-policy";

export const RATIFY_VERSION = "v1.4.0";
export const RATIFY_CHART_VERSION = "1.15.0";
export const RATIFY_CHART_REPO = "https://ratify-project.github.io/ratify";
export const RATIFY_API_VERSION = "config.ratify.deislabs.io/v1beta1";
/** The names Ratify's chart gives the ORAS store and the policy (Helm hooks), which the plan overwrites. */
export const RATIFY_STORE_NAME = "store-oras";
export const RATIFY_POLICY_NAME = "ratify-policy";
export const NOTATION_ARTIFACT_TYPE = "application/vnd.cncf.notary.signature";
export const COSIGN_ARTIFACT_TYPE = "application/vnd.dev.cosign.artifact.sig.v1+json";
export const SARIF_ARTIFACT_TYPE = "application/sarif+json";
/** Kind of the generated ConstraintTemplate (imagegate's own, calling provider `ratify-provider`). */
export const SIGNED_IMAGES_CONSTRAINT_KIND = "ImagegateSignedImages";
export const RATIFY_PROVIDER = "ratify-provider";

export interface KubernetesDocument {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: { readonly name: string };
    readonly spec: Record<string, unknown>;
}

/** Scan evidence Ratify can judge at admission: SARIF reports attached as referrers. */
export type ScanAdmission = Pick<JudgementConfig, "failOn" | "maxAgeDays" | "ignoreUnfixed" | "exceptions">;

export interface RatifyPlanOptions {
    /** Client ID of the workload identity Ratify authenticates to ACR with (Store authProvider azureWorkloadIdentity). */
    readonly workloadIdentityClientId?: string;
    /** Registries the identity's token may be sent to; only `acr` entries of signed-images' `registries` are used. */
    readonly registries?: readonly RegistryEntry[];
    /** Also require a passing SARIF vulnerability report (scanned-images' judgement), when given. */
    readonly scan?: ScanAdmission;
    /** Default "deny". */
    readonly enforcementAction?: "deny" | "dryrun" | "warn";
}

export interface RatifyPlan {
    readonly keyManagementProviders: readonly KubernetesDocument[];
    readonly verifiers: readonly KubernetesDocument[];
    readonly store: KubernetesDocument;
    readonly policy: KubernetesDocument;
    readonly template: KubernetesDocument;
    readonly constraint: KubernetesDocument;
    /** What preview enforces that this admission configuration cannot, one sentence each. */
    readonly notEnforced: readonly string[];
}

const doc = (kind: string, name: string, spec: Record<string, unknown>, apiVersion = RATIFY_API_VERSION): KubernetesDocument => ({ apiVersion, kind, metadata: { name }, spec });

/** A short stable suffix, so names stay valid Kubernetes names whatever the store is called. */
const short = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 8);
/** KeyManagementProvider name for certificate `i` of trust store `store`. */
export const storeProviderName = (store: string, i: number) => `imagegate-notation-${store.toLowerCase().replace(/[^a-z0-9-]/g, "-").replace(/^-+|-+$/g, "").slice(0, 30) || "store"}-${short(store)}-${i}`;
export const cosignProviderName = (i: number) => `imagegate-cosign-key-${i}`;

const SEVERITIES: readonly FailOn[] = ["critical", "high", "medium", "low"];

/** Severities at or above `failOn`, as Ratify's vulnerabilityreport verifier compares them (case-insensitively). */
export function disallowedSeverities(failOn: FailOn): string[] {
    return SEVERITIES.slice(0, SEVERITIES.indexOf(failOn) + 1).map((s) => s.toUpperCase());
}

// The Rego policy Ratify evaluates over its verifier reports: the pack's rule — one verified
// signature (Notation or cosign) is enough — and, with scan evidence, the newest SARIF report passes.
const SIGNATURE_REGO = `package ratify.policy

default valid := false

signature_verifiers := {"notation", "cosign"}

signature_ok {
  r := input.verifierReports[_].verifierReports[_]
  signature_verifiers[r.type]
  r.isSuccess == true
}
`;

const SCAN_REGO = `
scan_results := [r | r := input.verifierReports[_].verifierReports[_]; r.type == "vulnerabilityreport"]

newest_scan := max([t | t := time.parse_rfc3339_ns(scan_results[_].extensions.createdAt)])

scan_ok {
  r := scan_results[_]
  time.parse_rfc3339_ns(r.extensions.createdAt) == newest_scan
  r.isSuccess == true
}
`;

export function ratifyPolicyRego(scan: boolean): string {
    return scan ? `${SIGNATURE_REGO}${SCAN_REGO}\nvalid {\n  signature_ok\n  scan_ok\n}\n` : `${SIGNATURE_REGO}\nvalid {\n  signature_ok\n}\n`;
}

// Every container list of a Pod, the images sent to Ratify; a failure, an error, or a subject Ratify
// did not judge valid is a violation (fail closed: a timeout is a system_error, so it denies).
const TEMPLATE_REGO = `package imagegatesignedimages

remote_data := response {
  images := [img | img = input.review.object.spec.containers[_].image]
  images_init := [img | img = input.review.object.spec.initContainers[_].image]
  images_ephemeral := [img | img = input.review.object.spec.ephemeralContainers[_].image]
  response := external_data({"provider": "${RATIFY_PROVIDER}", "keys": array.concat(array.concat(images, images_init), images_ephemeral)})
}

violation[{"msg": msg}] {
  err := remote_data.system_error
  err != ""
  msg := sprintf("imagegate: signature verification could not run (Ratify system error): %s", [err])
}

violation[{"msg": msg}] {
  count(remote_data.errors) > 0
  msg := sprintf("imagegate: signature verification failed for %v", [remote_data.errors])
}

violation[{"msg": msg}] {
  result := remote_data.responses[_]
  result[1].isSuccess == false
  msg := sprintf("imagegate: %s has no signature trusted by the signed-images trust config (Ratify trace-id %s)", [result[0], result[1].traceID])
}
`;

export function signedImagesTemplate(): KubernetesDocument {
    return doc("ConstraintTemplate", SIGNED_IMAGES_CONSTRAINT_KIND.toLowerCase(), {
        crd: { spec: { names: { kind: SIGNED_IMAGES_CONSTRAINT_KIND } } },
        targets: [{ target: "admission.k8s.gatekeeper.sh", rego: TEMPLATE_REGO }],
    }, "templates.gatekeeper.sh/v1");
}

export function signedImagesConstraint(enforcementAction: "deny" | "dryrun" | "warn" = "deny"): KubernetesDocument {
    return doc(SIGNED_IMAGES_CONSTRAINT_KIND, "imagegate-signed-images", {
        enforcementAction,
        // Pods only: every workload's Pods are admitted through here, and the images are the Pod's.
        match: { kinds: [{ apiGroups: [""], kinds: ["Pod"] }], excludedNamespaces: [...SYSTEM_NAMESPACES] },
    }, "constraints.gatekeeper.sh/v1beta1");
}

function pemOf(der: Buffer, label: string): string {
    const b64 = der.toString("base64").replace(/.{1,64}/g, "$&\n");
    return `-----BEGIN ${label}-----\n${b64}-----END ${label}-----\n`;
}

/** The Ratify documents for a parsed signed-images config. Throws when there is nothing to trust. */
export function ratifyPlan(sig: SignatureConfig, options: RatifyPlanOptions = {}): RatifyPlan {
    if (!sig.notation && !sig.cosign) throw new Error("signed-images has neither notation nor cosign trust material: nothing could be verified at admission");
    const kmps: KubernetesDocument[] = [];
    const verifiers: KubernetesDocument[] = [];
    const notEnforced: string[] = [];

    if (sig.notation) {
        const providers = new Map<string, string[]>();
        for (const store of sig.notation.trustStores.values()) {
            const names = store.certificates.map((c, i) => {
                const name = storeProviderName(store.name, i);
                kmps.push(doc("KeyManagementProvider", name, { type: "inline", parameters: { contentType: "certificate", value: pemOf(c.raw, "CERTIFICATE") } }));
                return name;
            });
            providers.set(store.name, names);
        }
        const certStores: Partial<Record<TrustStoreType, Record<string, string[]>>> = {};
        for (const p of sig.notation.trustPolicies) {
            for (const ref of p.trustStores) (certStores[ref.type] ??= {})[ref.name] = providers.get(ref.name) ?? [];
        }
        verifiers.push(doc("Verifier", "imagegate-notation", {
            name: "notation",
            version: "1.0.0",
            artifactTypes: NOTATION_ARTIFACT_TYPE,
            parameters: {
                verificationCertStores: certStores,
                trustPolicyDoc: {
                    version: "1.0",
                    trustPolicies: sig.notation.trustPolicies.map((p) => ({
                        name: p.name,
                        registryScopes: [...p.registryScopes],
                        signatureVerification: { level: p.level },
                        trustStores: p.trustStores.map((r) => `${r.type}:${r.name}`),
                        trustedIdentities: p.trustedIdentities === "*" ? ["*"] : p.trustedIdentities.map((dn) => `${X509_SUBJECT_PREFIX} ${formatDn(dn)}`),
                    })),
                },
            },
        }));
    }
    if (sig.cosign) {
        const providers = sig.cosign.keys.map((k, i) => {
            const name = cosignProviderName(i);
            kmps.push(doc("KeyManagementProvider", name, { type: "inline", parameters: { contentType: "key", value: k.key.export({ format: "pem", type: "spki" }).toString() } }));
            return name;
        });
        verifiers.push(doc("Verifier", "imagegate-cosign", {
            name: "cosign",
            artifactTypes: COSIGN_ARTIFACT_TYPE,
            parameters: {
                // The pack verifies a key signature over the payload, not a transparency-log entry.
                trustPolicies: [{ name: "imagegate", version: "1.0.0", scopes: ["*"], keys: providers.map((provider) => ({ provider })), tLogVerify: false }],
            },
        }));
    }
    if (options.scan) {
        const s = options.scan;
        verifiers.push(doc("Verifier", "imagegate-vulnerabilityreport", {
            name: "vulnerabilityreport",
            version: "1.0.0",
            artifactTypes: SARIF_ARTIFACT_TYPE,
            parameters: { maximumAge: `${Math.round(s.maxAgeDays * 24 * 60)}m`, disallowedSeverities: disallowedSeverities(s.failOn) },
        }));
        notEnforced.push("Scan evidence is read only from SARIF reports attached to the image as referrers; report files and Defender findings the pack reads are not seen at admission.");
        if (s.exceptions.length) notEnforced.push(`Scan exceptions (${s.exceptions.map((e) => e.id).join(", ")}) have no equivalent in Ratify's vulnerabilityreport verifier (it has a deny-list, not an allow-list): an excepted finding at or above "${s.failOn}" is denied at admission.`);
        if (s.ignoreUnfixed) notEnforced.push("ignoreUnfixed has no equivalent at admission: findings without a fix still count there.");
    }
    const acrHosts = (options.registries ?? []).filter((r) => r.auth.type === "acr").map((r) => r.host);
    const store = doc("Store", RATIFY_STORE_NAME, {
        name: "oras",
        version: "1.0.0",
        parameters: {
            ...(sig.cosign ? { cosignEnabled: true } : {}),
            ...(options.workloadIdentityClientId ? { authProvider: { name: "azureWorkloadIdentity", clientID: options.workloadIdentityClientId, endpoints: acrHosts } } : {}),
            cacheEnabled: true,
            ttl: 10,
        },
    });
    const policy = doc("Policy", RATIFY_POLICY_NAME, { type: "rego-policy", parameters: { passthroughEnabled: false, policy: ratifyPolicyRego(options.scan !== undefined) } });
    return { keyManagementProviders: kmps, verifiers, store, policy, template: signedImagesTemplate(), constraint: signedImagesConstraint(options.enforcementAction), notEnforced };
}

/** Every document of a plan, in apply order (providers before the verifiers that name them). */
export function planDocuments(plan: RatifyPlan): KubernetesDocument[] {
    return [...plan.keyManagementProviders, ...plan.verifiers, plan.store, plan.policy, plan.template, plan.constraint];
}
