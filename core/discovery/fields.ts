/**
 * Which fields hold a container image, by name and shape, whatever the resource: this is the one
 * rule discovery applies everywhere, and the knowledge of the `image` fields that are not images.
 */

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** Lists of containers (pod specs, Argo/Tekton templates, Container Apps, Container Instances, chart values). */
export const CONTAINER_LISTS: ReadonlySet<string> = new Set(["containers", "initContainers", "ephemeralContainers"]);

/** App Service's `<STACK>|<value>` fields; `DOCKER|` and `COMPOSE|` carry images (see app-service.ts). */
export const FX_VERSION_KEYS: ReadonlySet<string> = new Set(["linuxFxVersion", "windowsFxVersion"]);

/**
 * Fields named `image`, `imageName` or ending in `Image` (`baseImage`, `containerImage`,
 * `initImage`): a reference string, or an object as charts and Kubernetes write them.
 */
export function isImageKey(key: string): boolean {
    return key === "image" || key === "imageName" || (key.length > 5 && key.endsWith("Image"));
}

/**
 * Images split across sibling fields, as the classic `@pulumi/azure` provider takes them (its
 * Terraform provider joins them into `DOCKER|<registry host>/<name>[:<tag>]`).
 */
export interface SplitImage {
    /** Sibling holding a registry URL (`https://myacr.azurecr.io`) or host. */
    readonly registry?: string;
    /** Sibling holding the tag. */
    readonly tag?: string;
    /** The form applies only when one of these siblings is present (`imageName` alone is a full reference). */
    readonly when?: readonly string[];
}

export const SPLIT_IMAGES: ReadonlyMap<string, SplitImage> = new Map<string, SplitImage>([
    // Linux and Windows web apps (and slots), siteConfig.applicationStack (azure v6).
    ["dockerImageName", { registry: "dockerRegistryUrl" }],
    // Linux function apps (and slots), siteConfig.applicationStack.dockers[].
    ["imageName", { registry: "registryUrl", tag: "imageTag", when: ["registryUrl", "imageTag"] }],
    // Linux web apps before azure v6 (docker_image + docker_image_tag).
    ["dockerImage", { tag: "dockerImageTag", when: ["dockerImageTag"] }],
    // Windows web apps before azure v6 (docker_container_name / _registry / _tag).
    ["dockerContainerName", { registry: "dockerContainerRegistry", tag: "dockerContainerTag" }],
]);

/**
 * Every field name the walk treats specially (lists, fx versions, split images, ARM links, Argo's
 * pod spec patch, image names): one lookup decides whether an ordinary field needs more than a
 * recursion. Names ending in `Image` are recognised by isImageKey.
 */
export const SPECIAL_KEYS: ReadonlySet<string> = new Set([
    ...CONTAINER_LISTS, ...FX_VERSION_KEYS, ...SPLIT_IMAGES.keys(), "image", "imageName", "templateLink", "podSpecPatch", "template", "mainTemplate",
]);

/** `https://index.docker.io/` → `index.docker.io`: the host a registry URL names. */
export function registryHost(url: string): string {
    return url.replace(/^https?:\/\//i, "").replace(/\/+$/, "");
}

/**
 * Structural fields of a custom resource or template whose value, when unknown at preview, may
 * hide images (a whole `spec`, a pod or job template, Tekton steps): an unknown there is reported.
 * Unknown scalars elsewhere (names, ids) are not images and are left alone.
 */
export function isHolderKey(key: string): boolean {
    return key === "spec" || key === "template" || key === "templates" || key === "steps" || key === "sidecars" || key === "tasks"
        || key.endsWith("Spec") || key.endsWith("Template") || key.endsWith("Templates") || key === "siteConfig" || key === "applicationStack";
}

/** Strings an operator fills in at run time: Tekton `$(params.x)`, Argo/Kyverno `{{…}}`, Flux `${VAR}`. */
export function hasPlaceholder(s: string): boolean {
    return s.includes("$(") || s.includes("{{") || s.includes("${");
}

/** Root fields of a Kubernetes object that are not a spec: its status is written by controllers, never an input. */
export const KUBERNETES_ROOT_NOT_SPEC: ReadonlySet<string> = new Set(["status"]);

/** Under any `metadata`: labels and annotations are strings nothing runs (`image: …` there is a label). */
export const KUBERNETES_METADATA_NOT_SPEC: ReadonlySet<string> = new Set(["labels", "annotations", "managedFields"]);

/** ConfigMap and Secret payloads: opaque data, whatever its keys are called. */
export const KUBERNETES_DATA_KINDS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
    ["ConfigMap", new Set(["data", "binaryData"])],
    ["Secret", new Set(["data", "stringData"])],
]);

/**
 * Kubernetes `image` fields that are not container images: an RBD volume's `image` names a Ceph
 * block image (`volumes[].rbd.image`, PersistentVolume `spec.rbd.image`).
 */
export const KUBERNETES_NON_IMAGE_PARENTS: ReadonlySet<string> = new Set(["rbd"]);

/**
 * Schemas, not specs: a CRD's (or Crossplane XRD's) `openAPIV3Schema` declares an `image` property as
 * `{type: string}`; skipped anywhere in a Kubernetes object.
 */
export const KUBERNETES_SCHEMA_KEYS: ReadonlySet<string> = new Set(["openAPIV3Schema"]);

/**
 * Per API group, fields that hold patterns rather than specs: Kyverno policies match
 * `containers[].image: "!*:latest"` and list `verifyImages[].imageReferences: ["ghcr.io/*"]`.
 * (Kyverno `mutate` patches do set images and are walked.)
 */
export const KUBERNETES_PATTERN_KEYS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
    ["kyverno.io", new Set(["pattern", "anyPattern", "verifyImages"])],
]);

/** Azure resources' tags are free strings (`sourceImage: …` is a label, not an image). */
export const AZURE_NOT_SPEC: ReadonlySet<string> = new Set(["tags"]);
