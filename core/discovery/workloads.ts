/**
 * Kinds that always run containers: a Pod without a container, or a Container App without one, is
 * a finding, not a resource with nothing to judge. (How a manifest's containers can vanish from the
 * reader's view: a YAML merge key `<<:` it does not expand.) Also where an unknown template hides
 * them, for built-in kinds whose schema is known.
 */
import { isObj } from "./fields";
import type { TypeToken } from "./type-token";
import type { ImageSite } from "./types";
import { appendPath } from "../paths";
import { isUnknown } from "../unknown";

/** Where the containers (or the one image) of a workload kind are required. */
type Required = { readonly path: readonly string[]; readonly what: "containers" | "image" };

const POD_TEMPLATE = ["spec", "template", "spec", "containers"];

/** Built-in Kubernetes kinds (any group/version that carries them), by kind. */
const KUBERNETES: ReadonlyMap<string, readonly string[]> = new Map([
    ["Pod", ["spec", "containers"]],
    ["PodTemplate", ["template", "spec", "containers"]],
    ["Deployment", POD_TEMPLATE],
    ["StatefulSet", POD_TEMPLATE],
    ["DaemonSet", POD_TEMPLATE],
    ["ReplicaSet", POD_TEMPLATE],
    ["ReplicationController", POD_TEMPLATE],
    ["Job", POD_TEMPLATE],
    ["CronJob", ["spec", "jobTemplate", "spec", "template", "spec", "containers"]],
]);

/** Azure resources that run containers, by `pkg:module:Kind` (module as parseTypeToken gives it). */
const AZURE: ReadonlyMap<string, Required> = new Map(Object.entries({
    "azure-native:app:ContainerApp": { path: ["template", "containers"], what: "containers" },
    "azure-native:app:Job": { path: ["template", "containers"], what: "containers" },
    "azure-native:containerinstance:ContainerGroup": { path: ["containers"], what: "containers" },
    "azure-native:containerinstance:ContainerGroupProfile": { path: ["containers"], what: "containers" },
    "azure-native:containerinstance:CGProfile": { path: ["containers"], what: "containers" },
    "azure-native:web:WebAppSiteContainer": { path: ["image"], what: "image" },
    "azure-native:web:WebAppSiteContainerSlot": { path: ["image"], what: "image" },
    // Microsoft.Web/containerApps, the Container Apps preview on App Service (older azure-native versions).
    "azure-native:web:ContainerApp": { path: ["template", "containers"], what: "containers" },
    "azure:containerapp:App": { path: ["template", "containers"], what: "containers" },
    "azure:containerapp:Job": { path: ["template", "containers"], what: "containers" },
    "azure:containerservice:Group": { path: ["containers"], what: "containers" },
} satisfies Record<string, Required>));

/** The required containers of a built-in Kubernetes kind (`*Patch` kinds need none: a patch may leave them). */
export function requiredKubernetes(kind: string): Required | undefined {
    const path = KUBERNETES.get(kind);
    return path ? { path, what: "containers" } : undefined;
}

export function requiredAzure(token: TypeToken): Required | undefined {
    return AZURE.get(`${token.pkg}:${token.module}:${token.kind}`);
}

/**
 * Adds a site when `props` lacks what `req` requires: the list (or image) missing or empty is a
 * violation; an unknown value on the way is an unknown site (unless the walk already reported it).
 */
export function checkRequired(props: unknown, req: Required, base: string, out: ImageSite[]): void {
    let cur: unknown = props;
    let i = 0;
    for (; i < req.path.length; i++) {
        if (isUnknown(cur)) return addOnce(out, { path: pathTo(base, req.path, i), value: cur });
        if (!isObj(cur)) break;
        cur = cur[req.path[i]];
    }
    if (isUnknown(cur)) return addOnce(out, { path: pathTo(base, req.path, i), value: cur });
    if (req.what === "image") {
        if (cur === undefined || cur === null || cur === "") addOnce(out, { path: pathTo(base, req.path, req.path.length), value: undefined });
        return;
    }
    if (Array.isArray(cur) && cur.length > 0) return;
    addOnce(out, {
        path: pathTo(base, req.path, req.path.length),
        value: undefined,
        problem: "no container is listed, so the images this workload runs cannot be judged",
        fix: "list the containers at this path (if they come from a YAML merge key `<<:` or an anchor, write them out)",
    });
}

/** The path of the first `count` steps of `steps` below `base`. */
function pathTo(base: string, steps: readonly string[], count: number): string {
    let path = base;
    for (let i = 0; i < count; i++) path = appendPath(path, steps[i]);
    return path;
}

function addOnce(out: ImageSite[], site: ImageSite): void {
    if (!out.some((s) => s.path === site.path)) out.push(site);
}
