/** Registry components: a locked-down ACR, Defender for Containers, base-image rebuilds, redeploy webhook. */
export * from "./secure-registry";
export * from "./defender-for-containers";
export * from "./image-build-task";
export * from "./redeploy-webhook";
export { checkTaskYaml } from "./task-yaml";
