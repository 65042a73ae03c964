/**
 * A stack's config values under one namespace, as a program's typed config reader wants them. The
 * Pulumi SDK hands every value back as a string; objects, lists and booleans arrive JSON-encoded,
 * while numbers and plain strings stay as written (a tag "1.0" or an ID must not become a number).
 * The one reader for the platform (infra/) and workload (workloads/) programs.
 */
import * as pulumi from "@pulumi/pulumi";

export function readStackValues(cfg: pulumi.Config, keys: readonly string[]): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    for (const key of keys) {
        const raw = cfg.get(key);
        if (raw === undefined) continue;
        values[key] = decode(raw);
    }
    return values;
}

/** JSON objects, arrays and booleans decoded; anything else kept as the string written. */
export function decode(raw: string): unknown {
    try {
        const parsed: unknown = JSON.parse(raw);
        return typeof parsed === "object" && parsed !== null ? parsed : typeof parsed === "boolean" ? parsed : raw;
    } catch {
        return raw;
    }
}
