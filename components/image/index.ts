/** Image components: deploy-time pinning with the pack's evidence and signature checks. */
export * from "./trusted-image";
export * from "./policy-config";
