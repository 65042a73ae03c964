/**
 * Image discovery: every place a resource's inputs name a container image, found by one rule over
 * all its fields (walk.ts), for every Kubernetes, azure-native and classic azure resource, plain or
 * versioned type token, over raw properties (unknowns left in place). What it cannot read is a site
 * too, so every image policy reports it:
 *   - a workload kind with no container (workloads.ts) — a violation;
 *   - nesting deeper than MAX_WALK_DEPTH — a violation;
 *   - values unknown at preview, ARM expressions Azure evaluates at deployment, linked templates,
 *     run-time placeholders, and what Helm releases, Flux and Argo CD render (deployers.ts) — unknown.
 * Other providers' resources (docker, aws, gcp…) are not read: the gate is for Azure and AKS.
 *
 * A pure function of (type, props): the pack may memoize it per resource.
 */
import { deployerOf, renderedSite } from "./deployers";
import { isObj, KUBERNETES_DATA_KINDS, KUBERNETES_PATTERN_KEYS, KUBERNETES_ROOT_NOT_SPEC, AZURE_NOT_SPEC } from "./fields";
import { parseTypeToken, type TypeToken } from "./type-token";
import type { ImageSite, WorkloadImages } from "./types";
import { walkImages, type WalkOptions } from "./walk";
import { checkRequired, requiredAzure, requiredKubernetes } from "./workloads";
import { isUnknown } from "../unknown";

export type { ImageSite, WorkloadFamily, WorkloadImages } from "./types";
export { isAzureType, parseTypeToken, type TypeToken } from "./type-token";
export { MAX_WALK_DEPTH } from "./walk";

/** Kubernetes API groups whose kinds' schemas are known (built-in); any other group is a custom resource. */
const BUILTIN_GROUPS: ReadonlySet<string> = new Set([
    "core", "apps", "batch", "extensions", "networking.k8s.io", "policy", "rbac.authorization.k8s.io",
    "storage.k8s.io", "scheduling.k8s.io", "coordination.k8s.io", "discovery.k8s.io", "node.k8s.io",
    "admissionregistration.k8s.io", "apiextensions.k8s.io", "apiregistration.k8s.io", "autoscaling",
    "certificates.k8s.io", "events.k8s.io", "flowcontrol.apiserver.k8s.io", "resource.k8s.io",
    "authentication.k8s.io", "authorization.k8s.io", "internal.apiserver.k8s.io", "storagemigration.k8s.io", "meta",
]);

/**
 * Pulumi's own Kubernetes components (`helm.sh/v4:Chart`, `yaml/v2:ConfigGroup`, `kustomize/v2:Directory`,
 * …): they register each object they render as a resource, and the pack judges those.
 * (`helm.sh/v3:Release` is not one: deployers.ts.)
 */
const COMPONENT_GROUPS: ReadonlySet<string> = new Set(["helm.sh", "yaml", "kustomize", "pulumi"]);

/**
 * The images a resource would run, or undefined when its type carries none. Props are the raw
 * inputs (unknown sentinels in place; unwrap @pulumi/policy's proxy first).
 */
export function discoverImages(type: string, props: unknown): WorkloadImages | undefined {
    const token = parseTypeToken(type);
    if (!token) return undefined;
    if (token.pkg === "kubernetes") return kubernetesImages(token, props);
    if (token.pkg === "azure-native" || token.pkg === "azure") return azureImages(token, props);
    return undefined;
}

function kubernetesImages(token: TypeToken, props: unknown): WorkloadImages | undefined {
    const group = token.module;
    const sites: ImageSite[] = [];
    const deployer = deployerOf(token);
    if (deployer) {
        if (deployer.values) walkAt(props, deployer.values, sites, { scope: "values" });
        sites.push(renderedSite(deployer, props));
        return { family: "kubernetes", kind: token.kind, sites };
    }
    if (COMPONENT_GROUPS.has(group)) return undefined;
    const builtin = BUILTIN_GROUPS.has(group);
    const isPatch = token.kind.endsWith("Patch");
    const baseKind = isPatch ? token.kind.slice(0, -"Patch".length) : token.kind;
    const isList = baseKind.endsWith("List") && baseKind !== "List";
    const itemKind = isList ? baseKind.slice(0, -"List".length) : baseKind;
    const data = builtin ? KUBERNETES_DATA_KINDS.get(itemKind) : undefined;
    const patternKeys = KUBERNETES_PATTERN_KEYS.get(group);
    const opts: WalkOptions = {
        scope: builtin ? "builtin" : "custom",
        rootSkip: data ? new Set([...KUBERNETES_ROOT_NOT_SPEC, ...data]) : KUBERNETES_ROOT_NOT_SPEC,
        ...(patternKeys ? { patternKeys } : {}),
    };
    const required = builtin && !isPatch ? requiredKubernetes(itemKind) : undefined;
    const items = isList && isObj(props) ? props.items : undefined;
    if (isList && isUnknown(items)) {
        sites.push({ path: "items", value: items });
    } else if (isList && Array.isArray(items)) {
        // Each item is an object of its own: its root fields (ConfigMap data, status) are skipped as an object's are.
        items.forEach((item, i) => {
            walkImages(item, sites, { ...opts, base: ["items", i] });
            if (required) checkRequired(item, required, `items[${i}]`, sites);
        });
    } else {
        walkImages(props, sites, opts);
        if (required) checkRequired(props, required, "", sites);
    }
    if (sites.length === 0) return undefined;
    return { family: "kubernetes", kind: builtin ? baseKind : token.kind, sites };
}

function azureImages(token: TypeToken, props: unknown): WorkloadImages | undefined {
    const sites: ImageSite[] = [];
    walkImages(props, sites, { scope: "azure", rootSkip: AZURE_NOT_SPEC });
    const required = requiredAzure(token);
    if (required) checkRequired(props, required, "", sites);
    if (sites.length === 0) return undefined;
    return { family: token.pkg === "azure" ? "azure" : "azure-native", kind: token.kind, sites };
}

/** Walks the value at `path` of `props` (a Helm release's `values`), reporting sites by their full path. */
function walkAt(props: unknown, path: readonly string[], sites: ImageSite[], opts: WalkOptions): void {
    let cur: unknown = props;
    for (const key of path) {
        if (!isObj(cur)) return;
        cur = cur[key];
    }
    // Unknown values are covered by the release's own unknown site.
    if (cur === undefined || isUnknown(cur)) return;
    walkImages(cur, sites, { ...opts, base: path });
}
