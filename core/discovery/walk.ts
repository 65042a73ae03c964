/**
 * The one discovery rule, applied to every field of a resource at any depth: container lists
 * (`containers`, `initContainers`, `ephemeralContainers`, as pod specs, Argo templates, Container
 * Apps, Container Instances and chart values write them), fields named like images (fields.ts),
 * App Service fx versions, images split over sibling fields, and ARM templates (arm.ts). A value
 * the walk cannot read is a site too: unknown at preview, an ARM expression evaluated at
 * deployment, a placeholder filled in at run time, or nesting past MAX_WALK_DEPTH.
 *
 * Cheap by construction: one pass, a shared path stack (a path string is built only for a site),
 * no copies of the input.
 */
import { fxVersionSites } from "./app-service";
import { ArmScope, isArmExpression, isArmTemplate, unescapeArmLiteral } from "./arm";
import {
    CONTAINER_LISTS, FX_VERSION_KEYS, hasPlaceholder, isHolderKey, isImageKey, isObj, KUBERNETES_METADATA_NOT_SPEC,
    KUBERNETES_NON_IMAGE_PARENTS, KUBERNETES_SCHEMA_KEYS, type Obj, registryHost, SPECIAL_KEYS, SPLIT_IMAGES,
} from "./fields";
import type { ImageSite } from "./types";
import { formatPath, type Step } from "../paths";
import { isUnknown, UNKNOWN_STRING } from "../unknown";

/** How deep the walk reads (objects and arrays); a value nested deeper is a finding, not a silent stop. */
export const MAX_WALK_DEPTH = 64;

/**
 * What the walk knows of where it is: `builtin` Kubernetes kinds (schema known), `custom` resources
 * (schema unknown: unknown structure and run-time placeholders are reported), chart `values`
 * (read only for what they say; nothing in them can be rewritten), and `azure` resources.
 */
export type WalkScope = "builtin" | "custom" | "values" | "azure";

export interface WalkOptions {
    readonly scope: WalkScope;
    /** Root keys that are data, not a spec (ConfigMap `data`, Azure `tags`). */
    readonly rootSkip?: ReadonlySet<string>;
    /** Keys that hold patterns, not specs, anywhere in the resource (Kyverno). */
    readonly patternKeys?: ReadonlySet<string>;
    /** Path of the walked value inside the resource (`values` for a Helm release). */
    readonly base?: readonly Step[];
}

class Walk {
    readonly steps: Step[];
    arm: ArmScope | undefined;
    /** False inside values that were computed (an ARM expression) or read from chart values. */
    rewritable: boolean;
    private deepReported = false;

    constructor(readonly out: ImageSite[], readonly opts: WalkOptions) {
        this.steps = [...(opts.base ?? [])];
        this.rewritable = opts.scope !== "values";
    }

    get kubernetes(): boolean {
        return this.opts.scope !== "azure";
    }

    path(extra?: Step): string {
        if (extra === undefined) return formatPath(this.steps);
        this.steps.push(extra);
        const p = formatPath(this.steps);
        this.steps.pop();
        return p;
    }

    site(site: Omit<ImageSite, "path">, extra?: Step): void {
        this.out.push({ path: this.path(extra), ...site });
    }

    /** The common site, built without spreads: this runs for every image of every resource. */
    image(value: unknown, container: string | undefined, rewritable: boolean): void {
        const site: { path: string; value: unknown; container?: string; rewritable?: boolean } = { path: formatPath(this.steps), value };
        if (container !== undefined) site.container = container;
        if (!rewritable) site.rewritable = false;
        this.out.push(site);
    }

    unknown(reason: string, fix: string, extra?: Step): void {
        this.site({ value: UNKNOWN_STRING, unknownReason: reason, fix }, extra);
    }

    tooDeep(): void {
        if (this.deepReported) return;
        this.deepReported = true;
        this.site({
            value: undefined,
            problem: `the value nests deeper than ${MAX_WALK_DEPTH} levels, where the walk stops, so images below it cannot be judged`,
            fix: "flatten the resource's properties; no Kubernetes or Azure schema nests this deep",
        });
    }

    /** Keys worth evaluating (ARM) or reporting when their value is unknown. */
    candidate(key: string): boolean {
        return CONTAINER_LISTS.has(key) || FX_VERSION_KEYS.has(key) || isImageKey(key) || SPLIT_IMAGES.has(key) || this.holder(key);
    }

    /** Structural fields whose value, given as an unknown or an expression, may stand for a spec with images. */
    holder(key: string): boolean {
        switch (this.opts.scope) {
            case "custom":
                return isHolderKey(key);
            case "azure":
                return isHolderKey(key) || key === "properties" || key === "resources";
            default:
                // Built-in kinds: the required-container check (workloads.ts) reports unknown templates.
                return false;
        }
    }
}

/** Walks `value` (a resource's properties, or a part of them) and appends every image site to `out`. */
export function walkImages(value: unknown, out: ImageSite[], opts: WalkOptions): void {
    const w = new Walk(out, opts);
    walkValue(w, value, "", true);
}

function walkValue(w: Walk, value: unknown, ownKey: string, root = false): void {
    if (Array.isArray(value)) {
        if (w.steps.length >= MAX_WALK_DEPTH) return w.tooDeep();
        for (let i = 0; i < value.length; i++) {
            const v = value[i];
            if (isUnknown(v)) {
                // An unknown entry of a list that holds workloads (Tekton steps, Argo templates).
                if (w.candidate(ownKey)) w.site({ value: v }, i);
                continue;
            }
            if (v === null || typeof v !== "object") continue;
            w.steps.push(i);
            walkValue(w, v, ownKey);
            w.steps.pop();
        }
        return;
    }
    if (!isObj(value)) return;
    if (w.steps.length >= MAX_WALK_DEPTH) return w.tooDeep();
    const parentKey = root ? "" : ownKey;
    for (const key in value) {
        if (skip(w, value, key, parentKey, root)) continue;
        w.steps.push(key);
        visit(w, value, key, value[key], parentKey);
        w.steps.pop();
    }
}

function skip(w: Walk, parent: Obj, key: string, parentKey: string, root: boolean): boolean {
    if (root && w.opts.rootSkip?.has(key)) return true;
    if (w.opts.patternKeys?.has(key)) return true;
    if (w.kubernetes) return KUBERNETES_SCHEMA_KEYS.has(key) || (parentKey === "metadata" && KUBERNETES_METADATA_NOT_SPEC.has(key));
    // A deployment's parameter values are judged where the template uses them (or the linked template is reported).
    return key === "parameters" && (isArmTemplate("template", parent.template) || isObj(parent.templateLink));
}

/** One field `key` of `parent` (its path is on the stack). */
function visit(w: Walk, parent: Obj, key: string, raw: unknown, parentKey: string): void {
    if (!SPECIAL_KEYS.has(key) && !isImageKey(key)) {
        // An ordinary field: only an object can hold images, unless a string stands for a spec (unknown, or an ARM expression).
        if (raw !== null && typeof raw === "object") {
            if (!w.kubernetes && isArmTemplate(key, raw)) return armTemplate(w, parent, key, raw);
            return walkValue(w, raw, key);
        }
        if (typeof raw !== "string" || !w.holder(key)) return;
    }
    const saved = w.rewritable;
    visitField(w, parent, key, raw, parentKey);
    w.rewritable = saved;
}

/** A field that names an image, a list of containers, an fx version, an ARM link, or a spec given as a string. */
function visitField(w: Walk, parent: Obj, key: string, raw: unknown, parentKey: string): void {
    let value = raw;
    if (w.arm && typeof raw === "string" && isArmExpression(raw)) {
        const r = w.arm.evaluate(raw);
        if (!r.ok) {
            return w.unknown(
                `the ARM expression "${clip(raw)}" cannot be evaluated before deployment (${r.failure.message})`,
                "give the value literally in the template, or as a deployment parameter value (`parameters.<name>.value`), so the pack can judge it",
            );
        }
        value = r.value;
        w.rewritable = false;
    } else if (w.arm && typeof raw === "string" && raw.startsWith("[[")) {
        value = unescapeArmLiteral(raw);
        w.rewritable = false;
    }
    if (isUnknown(value)) {
        if (w.candidate(key)) w.site({ value });
        return;
    }
    if (CONTAINER_LISTS.has(key) && Array.isArray(value)) return containerList(w, value);
    if (FX_VERSION_KEYS.has(key) && typeof value === "string") return fxVersionSites(value, w.path(), w.rewritable, w.out);
    const split = SPLIT_IMAGES.get(key);
    if (split && typeof value === "string" && (!split.when || split.when.some((k) => k in parent))) return splitImage(w, parent, key, value);
    if (isImageKey(key) && !(w.kubernetes && KUBERNETES_NON_IMAGE_PARENTS.has(parentKey)) && imageField(w, key, value)) return;
    if (!w.kubernetes) {
        if (key === "templateLink" && isObj(value)) {
            return w.unknown(
                "the deployment's template is linked (templateLink), and the pack does not fetch it",
                "pass the template inline in `template` (for example JSON.parse of the file) so its container resources are judged",
            );
        }
        if (isArmTemplate(key, value)) return armTemplate(w, parent, key, value);
    }
    if (key === "podSpecPatch" && typeof value === "string" && w.opts.scope === "custom") {
        return w.unknown(
            "the pod spec patch is a string the operator applies at run time; the pack does not read it, and it can set any container's image",
            "set images in the template's container fields instead of podSpecPatch",
        );
    }
    if (value !== null && typeof value === "object") walkValue(w, value, key);
}

/** A list of containers: every entry's `image` (or `properties.image`, as ARM writes container groups) is a site. */
function containerList(w: Walk, list: unknown[]): void {
    // Outside built-in pod specs a `containers` list of strings names containers (or storage containers); it holds no image.
    if (w.opts.scope !== "builtin" && !list.some((c) => isObj(c) || isUnknown(c))) return;
    for (let i = 0; i < list.length; i++) {
        w.steps.push(i);
        containerEntry(w, list[i]);
        w.steps.pop();
    }
}

function containerEntry(w: Walk, raw: unknown): void {
    let entry = raw;
    if (w.arm && typeof raw === "string" && isArmExpression(raw)) {
        const r = w.arm.evaluate(raw);
        if (!r.ok) return w.unknown(`the ARM expression "${clip(raw)}" cannot be evaluated before deployment (${r.failure.message})`, "write the container literally in the template");
        entry = r.value;
    }
    if (isUnknown(entry)) return w.site({ value: entry });
    if (!isObj(entry)) return w.site({ value: entry, problem: "container entry is not an object" });
    const container = containerName(w, entry.name);
    const nested = !("image" in entry) && isObj(entry.properties) ? entry.properties : undefined;
    if (nested) w.steps.push("properties");
    w.steps.push("image");
    imageValue(w, nested ? nested.image : entry.image, container, true);
    w.steps.pop();
    if (nested) w.steps.pop();
}

function containerName(w: Walk, name: unknown): string | undefined {
    if (typeof name !== "string") return undefined;
    if (w.arm && isArmExpression(name)) {
        const r = w.arm.evaluate(name);
        return r.ok && typeof r.value === "string" ? r.value : name;
    }
    return name;
}

/**
 * A container's image, or an image field's string: its value as given, with ARM expressions
 * evaluated and run-time placeholders of custom resources reported. In a container, a missing or
 * non-string image is itself a site (the container runs something); elsewhere it is not an image.
 */
function imageValue(w: Walk, raw: unknown, container: string | undefined, inContainer: boolean): void {
    let value = raw;
    let rewritable = w.rewritable;
    if (w.arm && typeof raw === "string" && isArmExpression(raw)) {
        const r = w.arm.evaluate(raw);
        if (!r.ok) {
            return w.site({
                ...(container !== undefined ? { container } : {}),
                value: UNKNOWN_STRING,
                unknownReason: `the ARM expression "${clip(raw)}" cannot be evaluated before deployment (${r.failure.message})`,
                fix: "give the image literally in the template, or as a deployment parameter value (`parameters.<name>.value`), so the pack can judge it",
            });
        }
        value = r.value;
        rewritable = false;
    } else if (w.arm && typeof raw === "string" && raw.startsWith("[[")) {
        value = unescapeArmLiteral(raw);
        rewritable = false;
    }
    if (isUnknown(value)) return w.image(value, container, true);
    if (typeof value === "string") {
        if (!inContainer && value === "") return; // An empty field means the operator's or chart's default.
        if ((w.opts.scope === "custom" || w.opts.scope === "values") && hasPlaceholder(value)) {
            return w.site({
                ...(container !== undefined ? { container } : {}),
                value: UNKNOWN_STRING,
                unknownReason: `the image "${clip(value)}" is a placeholder filled in at run time`,
                fix: "write the image literally, or judge the values the placeholder takes where they are set",
            });
        }
        return w.image(value, container, rewritable);
    }
    if (inContainer) w.image(value, container, true);
}

/**
 * A field named like an image: a reference string, or an image object. False when it is neither (an
 * object that is no image, such as an ARM resource whose symbolic name ends in `Image`): the walk
 * then reads inside it like any other object.
 */
function imageField(w: Walk, key: string, value: unknown): boolean {
    if (isObj(value)) return imageObject(w, value);
    if (Array.isArray(value)) return false;
    const saved = w.rewritable;
    // Only `image` is a reference everywhere; `baseImage`, `imageName`… may be joined with other fields by their consumer.
    if (key !== "image") w.rewritable = false;
    imageValue(w, value, undefined, false);
    w.rewritable = saved;
    return true;
}

const PARTS = ["registry", "repository", "tag", "digest"] as const;

/**
 * An image written as an object: Kubernetes' image volume `{reference}`, or chart values'
 * `{registry, repository, tag, digest}` (`image`, or `name` beside a tag or digest, standing in for `repository`).
 * An object with none of these parts (`{uri}` of a VM disk, `{pullPolicy}`) is not an image.
 */
function imageObject(w: Walk, obj: Obj): boolean {
    if (typeof obj.reference === "string" || isUnknown(obj.reference)) {
        w.steps.push("reference");
        imageValue(w, obj.reference, undefined, false);
        w.steps.pop();
        return true;
    }
    const hasPart = PARTS.some((p) => obj[p] !== undefined && obj[p] !== null && typeof obj[p] !== "object");
    if (!hasPart) return false;
    imageParts(w, obj);
    return true;
}

function imageParts(w: Walk, obj: Obj): void {
    // Charts name the repository `repository` (Bitnami), `image` (ingress-nginx) or `name` (Datadog).
    const repository = obj.repository ?? obj.image ?? (obj.tag !== undefined || obj.digest !== undefined ? obj.name : undefined);
    const parts = [obj.registry, repository, obj.tag, obj.digest];
    if (parts.some(isUnknown)) return w.site({ value: UNKNOWN_STRING, rewritable: false });
    if (parts.some((p) => w.arm && typeof p === "string" && isArmExpression(p))) {
        return w.unknown("the image object's parts are ARM expressions", "give the image literally");
    }
    const text = (p: unknown): string => (typeof p === "string" ? p : typeof p === "number" ? String(p) : "");
    const repo = text(repository);
    if (repo === "") {
        return w.unknown(
            "the image object names no repository, so the chart or operator fills in its default image",
            "set `repository` (and `tag` or `digest`) so the pack can judge the image",
        );
    }
    const registry = text(obj.registry);
    const tag = text(obj.tag);
    const digest = text(obj.digest);
    const value = `${registry ? `${registry}/` : ""}${repo}${tag ? `:${tag}` : ""}${digest ? `@${digest}` : ""}`;
    if ((w.opts.scope === "custom" || w.opts.scope === "values") && hasPlaceholder(value)) {
        return w.unknown(`the image "${clip(value)}" is a placeholder filled in at run time`, "write the image literally");
    }
    w.site({ value, rewritable: false });
}

/** An image split over sibling fields (registry URL, name, tag), joined as the provider joins them. */
function splitImage(w: Walk, parent: Obj, key: string, name: string): void {
    const form = SPLIT_IMAGES.get(key)!;
    const registry = form.registry !== undefined ? parent[form.registry] : undefined;
    const tag = form.tag !== undefined ? parent[form.tag] : undefined;
    if (isUnknown(name) || isUnknown(registry) || isUnknown(tag)) return w.site({ value: UNKNOWN_STRING, rewritable: false });
    const host = typeof registry === "string" && registry !== "" ? `${registryHost(registry)}/` : "";
    const suffix = typeof tag === "string" && tag !== "" ? `:${tag}` : "";
    w.site({ value: `${host}${name}${suffix}`, rewritable: false });
}

function armTemplate(w: Walk, parent: Obj, key: string, template: Obj): void {
    const saved = w.arm;
    w.arm = ArmScope.of(template, key, parent, saved);
    // Only resources run; parameters, variables and outputs are read through the expressions that use them.
    w.steps.push("resources");
    visit(w, template, "resources", template.resources, key);
    w.steps.pop();
    w.arm = saved;
}

/** Long values are cut in messages. */
function clip(s: string): string {
    return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}
