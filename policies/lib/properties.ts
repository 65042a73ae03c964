/**
 * Reading Azure resource properties from raw inputs, telling "unset" from "unknown at preview" from
 * "set twice in different casing" (ARM property names and add-on keys are case-insensitive).
 */
import { isUnknown } from "../../core/unknown";

/** The outcome of reading one property path of a resource's raw inputs. */
export type Read =
    | { readonly state: "value"; readonly path: string; readonly value: unknown }
    /** The property (or an object on the way to it) is not set. */
    | { readonly state: "absent"; readonly path: string }
    /** The property (or an object on the way) is an output of another resource: unknown at preview. */
    | { readonly state: "unknown"; readonly path: string }
    /** Two keys differing only in case name the same property; Azure reads keys case-insensitively. */
    | { readonly state: "ambiguous"; readonly path: string; readonly keys: readonly string[] };

type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** Keys of `obj` equal to `key` ignoring case (ARM property names and add-on keys are case-insensitive). */
export function keysIgnoringCase(obj: Obj, key: string): string[] {
    const lower = key.toLowerCase();
    return Object.keys(obj).filter((k) => k.toLowerCase() === lower);
}

/**
 * Reads a dotted path (`addonProfiles.azurepolicy.enabled`) from raw props. Every segment is
 * matched case-insensitively: the SDK spells `enableAzureRBAC`, ARM `enableAzureRbac`, the add-on
 * key is `azurepolicy` in ARM and `azurePolicy` in PSRule and many programs. The returned path uses
 * the keys as the program wrote them, so messages point at what the user typed.
 */
export function read(root: unknown, path: string): Read {
    let cur: unknown = root;
    let walked = "";
    for (const segment of path.split(".")) {
        if (isUnknown(cur)) return { state: "unknown", path: walked || segment };
        if (!isObj(cur)) return { state: "absent", path: walked ? `${walked}.${segment}` : segment };
        const keys = keysIgnoringCase(cur, segment);
        if (keys.length > 1) return { state: "ambiguous", path: walked ? `${walked}.${segment}` : segment, keys };
        const key = keys[0] ?? segment;
        walked = walked ? `${walked}.${key}` : key;
        cur = keys.length === 1 ? cur[key] : undefined;
        if (cur === undefined || cur === null) return { state: "absent", path: walked };
    }
    if (isUnknown(cur)) return { state: "unknown", path: walked };
    return { state: "value", path: walked, value: cur };
}

/** `"Enabled"`, `true`, `["a"]` for messages. */
export function show(v: unknown): string {
    try {
        const s = JSON.stringify(v);
        return s === undefined ? String(v) : s.length > 120 ? `${s.slice(0, 117)}...` : s;
    } catch {
        return String(v);
    }
}

/** Case-insensitive string comparison for enum values (`"Disabled"` / `"disabled"`). */
export function sameText(v: unknown, expected: string): boolean {
    return typeof v === "string" && v.toLowerCase() === expected.toLowerCase();
}
