/**
 * Resource properties as the engine marshals them to analyzers (KeepUnknowns, KeepSecrets):
 * plain JSON in a google.protobuf.Struct, unknowns as the engine's sentinel strings, secrets in the
 * signature envelope. Callers build inputs with `UNKNOWN` and `secret()`.
 */
import { UNKNOWN_STRING } from "../../core/unknown";
import { structPb } from "./proto";

export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const RESOURCE_REF_SIG = "5cf8f73096256a8f31e491e813e4eb8e";

/** The engine's untyped unknown (a value computed during `pulumi up`). */
export const UNKNOWN = UNKNOWN_STRING;

export type PropertyValue = null | boolean | number | string | PropertyValue[] | { [k: string]: PropertyValue };
export type PropertyMap = Record<string, PropertyValue>;

/** A secret value in the engine's envelope. */
export function secret(value: PropertyValue): PropertyMap {
    return { [SIG_KEY]: SECRET_SIG, value };
}

/**
 * Checks a value can travel in a Struct (JSON only) and drops `undefined` members as the engine does;
 * throws naming the path of anything else (functions, NaN, class instances…).
 */
export function toWire(value: unknown, where = "properties"): PropertyValue {
    if (value === null || typeof value === "string" || typeof value === "boolean") return value as PropertyValue;
    if (typeof value === "number") {
        if (!Number.isFinite(value)) throw new Error(`${where}: ${value} cannot be sent to an analyzer`);
        return value;
    }
    if (Array.isArray(value)) return value.map((v, i) => toWire(v === undefined ? null : v, `${where}[${i}]`));
    if (typeof value === "object") {
        const proto = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) {
            throw new Error(`${where}: a ${proto?.constructor?.name ?? "non-plain"} object cannot be sent to an analyzer`);
        }
        const out: PropertyMap = {};
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
            if (v !== undefined) out[k] = toWire(v, `${where}.${k}`);
        }
        return out;
    }
    throw new Error(`${where}: a ${typeof value} cannot be sent to an analyzer`);
}

export function toStruct(props: Record<string, unknown>, where = "properties"): InstanceType<typeof structPb.Struct> {
    const wire = toWire(props, where);
    return structPb.Struct.fromJavaScript(wire as Record<string, never>);
}

export function fromStruct(s: InstanceType<typeof structPb.Struct> | undefined): PropertyMap {
    return (s ? s.toJavaScript() : {}) as PropertyMap;
}
