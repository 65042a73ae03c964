/**
 * Workload image discovery: every place a resource's inputs can name a container image, found by
 * the resource's type token (plain or versioned), over raw properties (unknowns left in place).
 */
import { parse as parseYaml } from "yaml";
import { isUnknown } from "./unknown";

/** One image slot in a resource. */
export interface ImageSite {
    /** Property path of the image value, e.g. `spec.template.spec.initContainers[0].image`. */
    readonly path: string;
    /** Container name where the resource gives one (never used for exemptions: users control it). */
    readonly container?: string;
    /** The raw value: a string, the unknown sentinel, or anything else a program put there. */
    readonly value: unknown;
    /** Set when the slot exists but the image cannot be read from it (e.g. an undecodable App Service value). */
    readonly problem?: string;
    /** Text before the image in the property's value (`DOCKER|` in App Service), kept when rewriting. */
    readonly prefix?: string;
    /** False when the image sits inside an encoded value (a COMPOSE file) and cannot be rewritten in place. */
    readonly rewritable?: boolean;
}

/** How a resource type carries images. */
export type WorkloadFamily = "kubernetes" | "container-app" | "container-instance" | "app-service";

export interface WorkloadImages {
    readonly family: WorkloadFamily;
    /** Kind for messages: `Deployment`, `ContainerApp`, … */
    readonly kind: string;
    readonly sites: ImageSite[];
}

/** Parsed Pulumi type token: `pkg:module[/version]:Kind`. */
export interface TypeToken {
    readonly pkg: string;
    readonly module: string;
    readonly version?: string;
    readonly kind: string;
}

export function parseTypeToken(type: string): TypeToken | undefined {
    const parts = type.split(":");
    if (parts.length !== 3) return undefined;
    const [pkg, mod, kind] = parts;
    const slash = mod.lastIndexOf("/");
    // azure-native versions look like v20250101 / v20230101preview; kubernetes tokens carry group/version.
    if (pkg === "azure-native" && slash !== -1 && /^v\d{8}[a-z0-9]*$/.test(mod.slice(slash + 1))) {
        return { pkg, module: mod.slice(0, slash), version: mod.slice(slash + 1), kind };
    }
    if (pkg === "kubernetes" && slash !== -1) {
        return { pkg, module: mod.slice(0, slash), version: mod.slice(slash + 1), kind };
    }
    return { pkg, module: mod, kind };
}

/** Whether `type` is azure-native `module:kind` in any API version. */
export function isAzureType(type: string, module: string, kind: string): boolean {
    const t = parseTypeToken(type);
    return t !== undefined && t.pkg === "azure-native" && t.module === module && t.kind === kind;
}

const CONTAINER_LISTS = ["initContainers", "containers", "ephemeralContainers"] as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** Images of one pod spec (all three container lists). */
function podSpecSites(spec: unknown, base: string, out: ImageSite[]): void {
    if (isUnknown(spec)) {
        out.push({ path: base, value: spec });
        return;
    }
    if (!isObj(spec)) return;
    for (const list of CONTAINER_LISTS) containerListSites(spec[list], `${base}.${list}`, out);
}

function containerListSites(list: unknown, base: string, out: ImageSite[]): void {
    if (isUnknown(list)) {
        out.push({ path: base, value: list });
        return;
    }
    if (!Array.isArray(list)) return;
    list.forEach((c, i) => {
        const path = `${base}[${i}]`;
        if (isUnknown(c)) {
            out.push({ path, value: c });
            return;
        }
        if (!isObj(c)) {
            out.push({ path, value: c, problem: "container entry is not an object" });
            return;
        }
        const name = typeof c.name === "string" ? c.name : undefined;
        out.push({ path: `${path}.image`, value: c.image, ...(name !== undefined ? { container: name } : {}) });
    });
}

/** Follows a dotted path; an unknown on the way is reported as the site itself. */
function at(root: unknown, path: string): { value: unknown; path: string } | undefined {
    let cur: unknown = root;
    let walked = "";
    for (const key of path.split(".")) {
        if (isUnknown(cur)) return { value: cur, path: walked };
        if (!isObj(cur)) return undefined;
        cur = cur[key];
        walked = walked ? `${walked}.${key}` : key;
        if (cur === undefined) return undefined;
    }
    return { value: cur, path: walked };
}

function templateSites(props: unknown, templatePath: string, out: ImageSite[]): void {
    const found = at(props, templatePath);
    if (found) podSpecSites(found.value, found.path, out);
}

/** Where the pod spec of each built-in Kubernetes kind lives (`*Patch` kinds share it). */
const K8S_POD_SPEC_PATHS: Readonly<Record<string, string>> = {
    Pod: "spec",
    PodTemplate: "template.spec",
    Deployment: "spec.template.spec",
    StatefulSet: "spec.template.spec",
    DaemonSet: "spec.template.spec",
    ReplicaSet: "spec.template.spec",
    ReplicationController: "spec.template.spec",
    Job: "spec.template.spec",
    CronJob: "spec.jobTemplate.spec.template.spec",
};

/** Built-in kinds that never carry images: skipped without a walk. */
const K8S_BUILTIN_GROUPS = new Set([
    "core", "apps", "batch", "extensions", "networking.k8s.io", "policy", "rbac.authorization.k8s.io",
    "storage.k8s.io", "scheduling.k8s.io", "coordination.k8s.io", "discovery.k8s.io", "node.k8s.io",
    "admissionregistration.k8s.io", "apiextensions.k8s.io", "apiregistration.k8s.io", "autoscaling",
    "certificates.k8s.io", "events.k8s.io", "flowcontrol.apiserver.k8s.io", "resource.k8s.io",
    "authentication.k8s.io", "authorization.k8s.io", "internal.apiserver.k8s.io", "storagemigration.k8s.io",
    "meta", "pulumi", "helm.sh", "yaml", "kustomize",
]);

/**
 * Any custom resource: every `containers` / `initContainers` / `ephemeralContainers` array of
 * objects found anywhere in it is a pod spec's (Argo Rollout, Knative Service, Tekton, …).
 */
function walkCustomResource(value: unknown, path: string, out: ImageSite[], depth: number): void {
    if (depth > 32) return;
    if (Array.isArray(value)) {
        value.forEach((v, i) => walkCustomResource(v, `${path}[${i}]`, out, depth + 1));
        return;
    }
    if (!isObj(value)) return;
    for (const [key, v] of Object.entries(value)) {
        const p = path ? `${path}.${key}` : key;
        if ((CONTAINER_LISTS as readonly string[]).includes(key) && (Array.isArray(v) || isUnknown(v))) {
            if (isUnknown(v) || (v as unknown[]).some((c) => isObj(c) && ("image" in c || "name" in c))) {
                containerListSites(v, p, out);
                continue;
            }
        }
        walkCustomResource(v, p, out, depth + 1);
    }
}

function kubernetesImages(token: TypeToken, props: unknown): WorkloadImages | undefined {
    const group = token.module;
    const baseKind = token.kind.endsWith("Patch") ? token.kind.slice(0, -"Patch".length) : token.kind;
    const isList = baseKind.endsWith("List") && baseKind !== "List";
    const itemKind = isList ? baseKind.slice(0, -"List".length) : baseKind;
    const specPath = K8S_POD_SPEC_PATHS[itemKind];
    const sites: ImageSite[] = [];
    if (K8S_BUILTIN_GROUPS.has(group)) {
        if (specPath === undefined) return undefined;
        if (isList) {
            const items = at(props, "items");
            if (items && isUnknown(items.value)) sites.push({ path: "items", value: items.value });
            else if (items && Array.isArray(items.value)) {
                items.value.forEach((item, i) => {
                    const found = at(item, specPath);
                    if (found) podSpecSites(found.value, `items[${i}].${found.path}`, sites);
                });
            }
        } else {
            templateSites(props, specPath, sites);
        }
        return { family: "kubernetes", kind: baseKind, sites };
    }
    walkCustomResource(props, "", sites, 0);
    return sites.length > 0 ? { family: "kubernetes", kind: token.kind, sites } : undefined;
}

/** Container Apps (apps, jobs) and session pools. */
function containerAppImages(kind: string, props: unknown): WorkloadImages | undefined {
    const sites: ImageSite[] = [];
    if (kind === "ContainerApp" || kind === "Job") {
        const tpl = at(props, "template");
        if (tpl && isUnknown(tpl.value)) {
            sites.push({ path: "template", value: tpl.value });
        } else {
            for (const list of ["initContainers", "containers"]) {
                const found = at(props, `template.${list}`);
                if (found) containerListSites(found.value, found.path, sites);
            }
        }
        return { family: "container-app", kind, sites };
    }
    if (kind === "ContainerAppsSessionPool") {
        const found = at(props, "customContainerTemplate.containers");
        if (found) containerListSites(found.value, found.path, sites);
        return { family: "container-app", kind, sites };
    }
    return undefined;
}

function containerInstanceImages(kind: string, props: unknown): WorkloadImages | undefined {
    if (kind !== "ContainerGroup" && kind !== "ContainerGroupProfile" && kind !== "CGProfile") return undefined;
    const sites: ImageSite[] = [];
    for (const list of ["initContainers", "containers"]) {
        const found = at(props, list);
        if (found) containerListSites(found.value, found.path, sites);
    }
    return { family: "container-instance", kind, sites };
}

/**
 * App Service: `siteConfig.linuxFxVersion` / `windowsFxVersion` of the form `DOCKER|image`, or
 * `COMPOSE|<base64 compose file>` (each service's image); sidecar `WebAppSiteContainer[Slot]` images.
 */
function appServiceImages(kind: string, props: unknown): WorkloadImages | undefined {
    const sites: ImageSite[] = [];
    if (kind === "WebAppSiteContainer" || kind === "WebAppSiteContainerSlot") {
        const found = at(props, "image");
        sites.push({ path: "image", value: found ? found.value : undefined });
        return { family: "app-service", kind, sites };
    }
    if (kind !== "WebApp" && kind !== "WebAppSlot") return undefined;
    for (const key of ["linuxFxVersion", "windowsFxVersion"]) {
        const found = at(props, `siteConfig.${key}`);
        if (!found) continue;
        fxVersionSites(found.value, found.path, sites);
    }
    return { family: "app-service", kind, sites };
}

function fxVersionSites(value: unknown, path: string, out: ImageSite[]): void {
    if (isUnknown(value)) {
        out.push({ path, value });
        return;
    }
    if (typeof value !== "string") return;
    const bar = value.indexOf("|");
    if (bar === -1) return; // A language stack ("NODE|20-lts" has a bar; "" or "v4.0" do not).
    const scheme = value.slice(0, bar).toUpperCase();
    const rest = value.slice(bar + 1);
    if (scheme === "DOCKER") {
        out.push({ path, value: rest, prefix: value.slice(0, bar + 1) });
    } else if (scheme === "COMPOSE") {
        composeSites(rest, path, out);
    }
}

function composeSites(encoded: string, path: string, out: ImageSite[]): void {
    let doc: unknown;
    try {
        const text = Buffer.from(encoded, "base64").toString("utf8");
        doc = parseYaml(text);
    } catch (e) {
        out.push({ path, value: undefined, problem: `COMPOSE value is not base64-encoded YAML (${(e as Error).message})` });
        return;
    }
    const services = isObj(doc) ? doc.services : undefined;
    if (!isObj(services)) {
        out.push({ path, value: undefined, problem: "COMPOSE value has no services" });
        return;
    }
    for (const [name, svc] of Object.entries(services)) {
        out.push({ path: `${path}(compose services.${name}.image)`, value: isObj(svc) ? svc.image : undefined, container: name, rewritable: false });
    }
}

/**
 * The images a resource would run, or undefined when its type carries none. Props are the raw
 * inputs (unknown sentinels in place; unwrap @pulumi/policy's proxy first).
 */
export function discoverImages(type: string, props: unknown): WorkloadImages | undefined {
    const token = parseTypeToken(type);
    if (!token) return undefined;
    if (token.pkg === "kubernetes") return kubernetesImages(token, props);
    if (token.pkg !== "azure-native") return undefined;
    switch (token.module) {
        case "app": return containerAppImages(token.kind, props);
        case "containerinstance": return containerInstanceImages(token.kind, props);
        case "web": return appServiceImages(token.kind, props);
        default: return undefined;
    }
}

/** Human label for a resource in messages: `Deployment "web"`. */
export function resourceLabel(kind: string, name: string): string {
    return `${kind} "${name}"`;
}
