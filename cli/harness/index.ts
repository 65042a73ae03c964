/** The analyzer harness: launch a policy pack as the Pulumi CLI does and talk Analyzer gRPC to it. */
export { AnalyzerHarness, type HarnessOptions } from "./client";
export { launchPack, packRunner, type LaunchOptions, type LaunchedPack } from "./launch";
export { reconcilePolicyConfig, validatePolicyConfig, schemaDefaults, PolicyConfigError, type PolicyConfigFile, type ReconciledConfig } from "./policy-config";
export { UNKNOWN, secret, toWire, SIG_KEY, SECRET_SIG } from "./properties";
export * from "./types";
