/**
 * Typed reading of one policy's config properties. The Pulumi CLI validates config against each
 * policy's JSON schema before sending it, but nothing may rely on that (other clients, hand-written
 * Configure calls, missing entries, a program reading the file itself), so every reader of a
 * policy's config goes through these: defaults applied from the schema, every error collected with
 * the field it concerns.
 */

/** JSON schema of one config property (the subset the pack uses). */
export interface PropertySchema {
    type: "string" | "number" | "integer" | "boolean" | "array" | "object";
    description: string;
    default?: unknown;
    enum?: readonly (string | number)[];
    items?: Omit<PropertySchema, "description"> & { description?: string };
    properties?: Record<string, PropertySchema>;
    required?: string[];
    additionalProperties?: boolean | PropertySchema;
    minimum?: number;
    maximum?: number;
    minLength?: number;
    pattern?: string;
    format?: string;
}

export interface ConfigSchema {
    properties: Record<string, PropertySchema>;
    required?: string[];
}

export type ConfigResult<C> = { ok: true; config: C } | { ok: false; errors: string[] };

/** Collects errors while reading a raw config object. */
export class ConfigReader {
    readonly errors: string[] = [];
    constructor(private readonly raw: Record<string, unknown>, private readonly schema: ConfigSchema) {
        for (const key of Object.keys(raw)) {
            if (key !== "enforcementLevel" && !(key in schema.properties)) {
                this.errors.push(`${key}: unknown property (known: ${Object.keys(schema.properties).join(", ")})`);
            }
        }
    }

    private value(field: string): unknown {
        const v = this.raw[field];
        return v === undefined ? this.schema.properties[field]?.default : v;
    }

    string(field: string): string | undefined {
        const v = this.value(field);
        if (v === undefined) return undefined;
        if (typeof v !== "string") return this.fail(field, `expected a string, given ${kind(v)}`);
        return v;
    }

    enumValue<T extends string>(field: string, allowed: readonly T[]): T {
        const v = this.value(field);
        if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
            this.fail(field, `must be one of ${allowed.join(", ")}, given ${JSON.stringify(v)}`);
            return allowed[0];
        }
        return v as T;
    }

    boolean(field: string): boolean {
        const v = this.value(field);
        if (typeof v !== "boolean") {
            this.fail(field, `expected a boolean, given ${kind(v)}`);
            return false;
        }
        return v;
    }

    integer(field: string, min?: number, max?: number): number {
        const v = this.value(field);
        if (typeof v !== "number" || !Number.isInteger(v)) {
            this.fail(field, `expected an integer, given ${kind(v)}`);
            return 0;
        }
        if ((min !== undefined && v < min) || (max !== undefined && v > max)) {
            this.fail(field, `must be between ${min ?? "-∞"} and ${max ?? "∞"}, given ${v}`);
        }
        return v;
    }

    stringArray(field: string): string[] {
        const v = this.value(field);
        if (v === undefined) return [];
        if (!Array.isArray(v)) {
            this.fail(field, `expected an array of strings, given ${kind(v)}`);
            return [];
        }
        const out: string[] = [];
        v.forEach((item, i) => {
            if (typeof item !== "string") this.fail(`${field}[${i}]`, `expected a string, given ${kind(item)}`);
            else out.push(item);
        });
        return out;
    }

    /** Raw value (defaults applied) for readers of nested objects. */
    raw_(field: string): unknown {
        return this.value(field);
    }

    /** Records an error for `field` (dotted path) and returns undefined. */
    fail(field: string, message: string): undefined {
        this.errors.push(`${field}: ${message}`);
        return undefined;
    }

    /** Adds errors produced by a parser of `field`'s items (already prefixed with "[i]: "). */
    addItemErrors(field: string, errors: readonly string[]): void {
        for (const e of errors) this.errors.push(`${field}${e}`);
    }

    result<C>(config: C): ConfigResult<C> {
        return this.errors.length ? { ok: false, errors: this.errors } : { ok: true, config };
    }
}

function kind(v: unknown): string {
    if (v === null) return "null";
    if (Array.isArray(v)) return "array";
    return typeof v;
}
