/** Plain-object shapes of the Analyzer protocol, as the harness hands them out. */
import type { PropertyMap } from "./properties";

import type { EnforcementLevel, PolicyConfig } from "../../core/config/policy-config";

export { ENFORCEMENT_LEVELS, type EnforcementLevel, type PolicyConfig } from "../../core/config/policy-config";
export type Severity = "" | "low" | "medium" | "high" | "critical";

export interface PolicyConfigSchema {
    properties: Record<string, unknown>;
    required: string[];
}

export interface PolicyInfo {
    name: string;
    displayName: string;
    description: string;
    message: string;
    enforcementLevel: EnforcementLevel;
    policyType: "resource" | "stack" | "unknown";
    severity: Severity;
    configSchema?: PolicyConfigSchema;
    tags: string[];
    remediationSteps: string;
    url: string;
}

export interface AnalyzerInfo {
    name: string;
    displayName: string;
    version: string;
    description: string;
    supportsConfig: boolean;
    policies: PolicyInfo[];
    initialConfig: Record<string, Partial<PolicyConfig>>;
    tags: string[];
    repository: string;
}

export interface ResourceOptions {
    parent?: string;
    protect?: boolean;
    ignoreChanges?: string[];
    aliases?: string[];
    additionalSecretOutputs?: string[];
    deleteBeforeReplace?: boolean;
}

export interface ProviderResource {
    type: string;
    name: string;
    urn: string;
    properties: Record<string, unknown>;
}

/** A resource as Analyze / Remediate receive it (properties are inputs). */
export interface AnalyzeResource {
    type: string;
    name: string;
    urn: string;
    properties: Record<string, unknown>;
    options?: ResourceOptions;
    provider?: ProviderResource;
}

/** A resource as AnalyzeStack receives it (properties are outputs). */
export interface AnalyzeStackResource extends AnalyzeResource {
    parent?: string;
    dependencies?: string[];
    propertyDependencies?: Record<string, string[]>;
}

export interface Diagnostic {
    policyName: string;
    policyPackName: string;
    policyPackVersion: string;
    description: string;
    message: string;
    enforcementLevel: EnforcementLevel;
    urn: string;
    severity: Severity;
}

export interface NotApplicable {
    policyName: string;
    reason: string;
}

export interface AnalyzeResult {
    diagnostics: Diagnostic[];
    notApplicable: NotApplicable[];
}

export interface Remediation {
    policyName: string;
    policyPackName: string;
    policyPackVersion: string;
    description: string;
    /** The remediated properties; undefined when the policy only reported a diagnostic. */
    properties?: PropertyMap;
    diagnostic: string;
}

export interface RemediateResult {
    remediations: Remediation[];
    notApplicable: NotApplicable[];
}

export interface StackConfigureRequest {
    stack: string;
    project: string;
    organization: string;
    dryRun: boolean;
    config?: Record<string, string>;
    configSecretKeys?: string[];
    tags?: Record<string, string>;
}
