/**
 * YAML as kubectl reads it. kubectl decodes manifests with sigs.k8s.io/yaml, which is go-yaml
 * (YAML 1.1): `<<` merge keys are resolved, `yes`/`on` are booleans, and duplicate keys are an
 * error. The `yaml` package is told the same, so what kubectl would deploy is what is judged.
 */
import type { DocumentOptions, ParseOptions, SchemaOptions, ToJSOptions } from "yaml";

export const KUBECTL_YAML: ParseOptions & DocumentOptions & SchemaOptions = {
    version: "1.1",
    merge: true,
    uniqueKeys: true,
    // strict adds checks go-yaml does not make (a 1024-char limit on implicit keys measured differently,
    // flow-indentation rules); kubectl reads those documents, so must we.
    strict: false,
};

/** Aliases expand in place: a bound keeps an alias bomb from costing unbounded memory. */
export const TO_JS: ToJSOptions = { maxAliasCount: 100 };
