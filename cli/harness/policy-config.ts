/** The policy config file as the Pulumi CLI reconciles it: owned by core/config/policy-config.ts. */
export { reconcilePolicyConfig, validatePolicyConfig, schemaDefaults, PolicyConfigError, type PolicyConfigFile, type ReconciledConfig } from "../../core/config/policy-config";
