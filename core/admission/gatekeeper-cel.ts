/**
 * A Gatekeeper ConstraintTemplate written in CEL (`K8sNativeValidation`) and its Constraint,
 * generated from the pack's trust entries. The template judges Pods and every workload pod
 * template (all three container lists) with the allowed-images regex (core/admission/image-regex.ts)
 * plus the 255-character limit on the normalized name that a single regex cannot express, so the
 * cluster admits exactly what `trusted-registries` (+ `require-digest`) accept.
 *
 * Plain objects out: components/ wraps them in @pulumi/kubernetes CustomResources, the CLI prints them.
 */
import { TrustEntry } from "../trust";
import { AdmissionOptions, allowedImagesRegex } from "./image-regex";

/** A resource kind the template judges, and where its pod spec lives. */
export interface WorkloadKind {
    readonly apiGroup: string;
    readonly kind: string;
    /** Path of the pod spec inside the object. */
    readonly podSpecPath: readonly string[];
}

export const WORKLOAD_KINDS: readonly WorkloadKind[] = [
    { apiGroup: "", kind: "Pod", podSpecPath: ["spec"] },
    { apiGroup: "", kind: "ReplicationController", podSpecPath: ["spec", "template", "spec"] },
    { apiGroup: "apps", kind: "Deployment", podSpecPath: ["spec", "template", "spec"] },
    { apiGroup: "apps", kind: "StatefulSet", podSpecPath: ["spec", "template", "spec"] },
    { apiGroup: "apps", kind: "DaemonSet", podSpecPath: ["spec", "template", "spec"] },
    { apiGroup: "apps", kind: "ReplicaSet", podSpecPath: ["spec", "template", "spec"] },
    { apiGroup: "batch", kind: "Job", podSpecPath: ["spec", "template", "spec"] },
    { apiGroup: "batch", kind: "CronJob", podSpecPath: ["spec", "jobTemplate", "spec", "template", "spec"] },
];

/** distribution/reference NameTotalLengthMax, applied to the normalized name (core/reference.ts). */
const NAME_TOTAL_LENGTH_MAX = 255;

export const CONTAINER_LISTS = ["containers", "initContainers", "ephemeralContainers"] as const;

export type EnforcementAction = "deny" | "dryrun" | "warn";

export interface GatekeeperOptions extends AdmissionOptions {
    /** Constraint kind (CamelCase); the template is named after it in lowercase. Default K8sTrustedImages. */
    readonly kind?: string;
    /** Constraint name. Default "trusted-images". */
    readonly constraintName?: string;
    readonly enforcementAction?: EnforcementAction;
    /** Namespaces the constraint skips. Default: kube-system and gatekeeper-system only. */
    readonly excludedNamespaces?: readonly string[];
}

export const DEFAULT_EXCLUDED_NAMESPACES: readonly string[] = ["kube-system", "gatekeeper-system"];

export interface CelVariable {
    readonly name: string;
    readonly expression: string;
}

export interface CelValidation {
    readonly expression: string;
    readonly messageExpression: string;
    readonly message: string;
}

export interface ConstraintTemplate {
    apiVersion: "templates.gatekeeper.sh/v1";
    kind: "ConstraintTemplate";
    metadata: { name: string; annotations: Record<string, string> };
    spec: {
        crd: { spec: { names: { kind: string }; validation: { openAPIV3Schema: Record<string, unknown> } } };
        targets: {
            target: "admission.k8s.gatekeeper.sh";
            code: { engine: "K8sNativeValidation"; source: { variables: CelVariable[]; validations: CelValidation[] } }[];
        }[];
    };
}

export interface ConstraintParameters {
    /** Anchored RE2 pattern from allowedImagesRegex. */
    allowedImagesRegex: string;
    /** What is required, for violation messages ("from contoso.azurecr.io, pinned by digest"). */
    requirement: string;
}

export interface Constraint {
    apiVersion: "constraints.gatekeeper.sh/v1beta1";
    kind: string;
    metadata: { name: string };
    spec: {
        enforcementAction: EnforcementAction;
        match: { kinds: { apiGroups: string[]; kinds: string[] }[]; excludedNamespaces: string[] };
        parameters: ConstraintParameters;
    };
}

const KIND_PATTERN = /^[A-Z][A-Za-z0-9]{0,62}$/;
const DNS_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `has()` guards for each step of a path, so a missing field yields "no pod spec", not an error. */
function hasPath(root: string, path: readonly string[]): string {
    const guards: string[] = [];
    let expr = root;
    for (const field of path) {
        expr = `${expr}.${field}`;
        guards.push(`has(${expr})`);
    }
    return guards.join(" && ");
}

function podSpecsExpression(): string {
    const o = "variables.anyObject";
    const byPath = new Map<string, string[]>();
    for (const k of WORKLOAD_KINDS) {
        const key = k.podSpecPath.join(".");
        byPath.set(key, [...(byPath.get(key) ?? []), k.kind]);
    }
    // Kinds with the common `spec.template.spec` path are the fallback branch.
    const fallback = "spec.template.spec";
    const branches = [...byPath.entries()].filter(([p]) => p !== fallback);
    const specAt = (p: string) => {
        const path = p.split(".");
        return `(${hasPath(o, path)} ? [${o}.${p}] : [])`;
    };
    let expr = specAt(fallback);
    for (const [p, kinds] of branches.reverse()) {
        const test = kinds.map((k) => `${o}.kind == "${k}"`).join(" || ");
        expr = `(${test}) ? ${specAt(p)} : ${expr}`;
    }
    return `!has(${o}.kind) ? [] : ${expr}`;
}

/** The CEL program: variables computed in order, then one validation. */
export function trustedImagesCel(): { variables: CelVariable[]; validations: CelValidation[] } {
    const spec = "variables.podSpecs[0]";
    const lists = CONTAINER_LISTS.map((l) => `(has(${spec}.${l}) ? ${spec}.${l} : [])`).join(" + ");
    const variables: CelVariable[] = [
        { name: "podSpecs", expression: podSpecsExpression() },
        { name: "containers", expression: `size(variables.podSpecs) == 0 ? [] : ${lists}` },
        {
            name: "images",
            expression: `variables.containers.map(c, {"container": has(c.name) ? string(c.name) : "", "image": has(c.image) ? string(c.image) : ""})`,
        },
        // The name as written: the digest, then a tag (a ":" after the last "/") split off.
        {
            name: "beforeDigest",
            expression: `variables.images.map(e, {"container": e.container, "image": e.image, "rest": e.image.indexOf("@") >= 0 ? e.image.substring(0, e.image.indexOf("@")) : e.image})`,
        },
        {
            name: "names",
            expression: `variables.beforeDigest.map(e, {"container": e.container, "image": e.image, "name": e.rest.lastIndexOf(":") > e.rest.lastIndexOf("/") ? e.rest.substring(0, e.rest.lastIndexOf(":")) : e.rest})`,
        },
        {
            name: "split",
            expression: `variables.names.map(e, {"container": e.container, "image": e.image, "first": e.name.indexOf("/") >= 0 ? e.name.substring(0, e.name.indexOf("/")) : "", "rest": e.name.indexOf("/") >= 0 ? e.name.substring(e.name.indexOf("/") + 1) : e.name})`,
        },
        // Normalized as docker does: the first component is a registry if it has "." or ":", is
        // "localhost" or has upper case; Docker Hub single names live under "library/".
        {
            name: "normalized",
            expression:
                `variables.split.map(e, {"container": e.container, "image": e.image, "name": ` +
                `e.first != "" && (e.first.contains(".") || e.first.contains(":") || e.first == "localhost" || e.first.lowerAscii() != e.first) ` +
                `? (e.first == "index.docker.io" ? "docker.io" : e.first) + "/" + ((e.first == "docker.io" || e.first == "index.docker.io") && !e.rest.contains("/") ? "library/" : "") + e.rest ` +
                `: "docker.io/" + (e.first == "" ? "library/" + e.rest : e.first + "/" + e.rest)})`,
        },
        {
            name: "violations",
            expression:
                `variables.normalized.filter(e, !(has(variables.params.allowedImagesRegex) && ` +
                `e.image.matches(variables.params.allowedImagesRegex) && size(e.name) <= ${NAME_TOTAL_LENGTH_MAX}))`,
        },
    ];
    const validations: CelValidation[] = [
        {
            expression: "size(variables.violations) == 0",
            messageExpression:
                `"image not admitted (" + (has(variables.params.requirement) ? variables.params.requirement : "no trust configuration") + "): " + ` +
                `variables.violations.map(e, "container \\"" + e.container + "\\" uses \\"" + e.image + "\\"").join(", ")`,
            message: "a container image is not from a trusted registry or not pinned as required",
        },
    ];
    return { variables, validations };
}

function checkKind(kind: string): void {
    if (!KIND_PATTERN.test(kind)) throw new Error(`Gatekeeper constraint kind "${kind}" must be CamelCase letters and digits, starting with an upper-case letter`);
}

export function constraintTemplate(options: Pick<GatekeeperOptions, "kind"> = {}): ConstraintTemplate {
    const kind = options.kind ?? "K8sTrustedImages";
    checkKind(kind);
    return {
        apiVersion: "templates.gatekeeper.sh/v1",
        kind: "ConstraintTemplate",
        metadata: {
            name: kind.toLowerCase(),
            annotations: {
                description: "Admits Pods and workload pod templates only when every container, init container and ephemeral container image is a valid reference from a trusted registry (and pinned by digest when required). Generated by imagegate from the trusted-registries configuration.",
            },
        },
        spec: {
            crd: {
                spec: {
                    names: { kind },
                    validation: {
                        openAPIV3Schema: {
                            type: "object",
                            required: ["allowedImagesRegex", "requirement"],
                            properties: {
                                allowedImagesRegex: { type: "string", description: "Anchored RE2 pattern of the admitted image strings, generated by imagegate." },
                                requirement: { type: "string", description: "What images must satisfy, quoted in violation messages." },
                            },
                        },
                    },
                },
            },
            targets: [{ target: "admission.k8s.gatekeeper.sh", code: [{ engine: "K8sNativeValidation", source: trustedImagesCel() }] }],
        },
    };
}

/** A sentence for messages: "from contoso.azurecr.io or docker.io/library/, pinned by digest". */
export function describeRequirement(entries: readonly TrustEntry[], options: AdmissionOptions = {}): string {
    const from = entries.length ? `from ${entries.map((e) => e.source).join(" or ")}` : "no registry is trusted";
    return (options.requireDigest ?? true) ? `${from}, pinned by digest` : from;
}

export function constraint(entries: readonly TrustEntry[], options: GatekeeperOptions = {}): Constraint {
    const kind = options.kind ?? "K8sTrustedImages";
    checkKind(kind);
    const name = options.constraintName ?? "trusted-images";
    if (!DNS_NAME.test(name) || name.length > 253) throw new Error(`constraint name "${name}" must be a lowercase DNS name`);
    const excluded = [...(options.excludedNamespaces ?? DEFAULT_EXCLUDED_NAMESPACES)];
    for (const ns of excluded) {
        if (!DNS_NAME.test(ns) || ns.length > 63) throw new Error(`excluded namespace "${ns}" is not a valid namespace name`);
    }
    const groups = [...new Set(WORKLOAD_KINDS.map((k) => k.apiGroup))];
    return {
        apiVersion: "constraints.gatekeeper.sh/v1beta1",
        kind,
        metadata: { name },
        spec: {
            enforcementAction: options.enforcementAction ?? "deny",
            match: {
                kinds: groups.map((g) => ({ apiGroups: [g], kinds: WORKLOAD_KINDS.filter((k) => k.apiGroup === g).map((k) => k.kind) })),
                excludedNamespaces: excluded,
            },
            parameters: {
                allowedImagesRegex: allowedImagesRegex(entries, options).pattern,
                requirement: describeRequirement(entries, options),
            },
        },
    };
}
