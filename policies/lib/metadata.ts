/** The metadata every imagegate policy declares, and the one place it becomes SDK policy fields. */
import type { EnforcementLevel, Severity } from "@pulumi/policy";
import type { ConfigSchema } from "../../core/config/reader";

export const DOCS_URL = "https://github.com/imagegate/imagegate/blob/main/policies";

export interface PolicyMeta {
    readonly name: string;
    readonly displayName: string;
    readonly description: string;
    readonly severity: Severity;
    readonly remediationSteps: string;
    readonly enforcementLevel?: EnforcementLevel;
    readonly tags?: string[];
}

/** Name, level (mandatory unless the policy says otherwise), docs URL, tags and config schema. */
export function policyFields(spec: PolicyMeta, baseTags: readonly string[], schema: ConfigSchema) {
    return {
        name: spec.name,
        displayName: spec.displayName,
        description: spec.description,
        enforcementLevel: spec.enforcementLevel ?? ("mandatory" as EnforcementLevel),
        severity: spec.severity,
        remediationSteps: spec.remediationSteps,
        url: `${DOCS_URL}/${spec.name}/README.md`,
        tags: [...baseTags, ...(spec.tags ?? [])],
        // The SDK types configSchema loosely (JSON schema); ours is a subset of it.
        configSchema: schema as never,
    };
}
