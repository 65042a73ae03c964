export * from "./secure-cluster";
export * from "./secure-cluster-validation";
export * from "./image-admission";
export * from "./gatekeeper-image-constraints";
export * from "./image-verification";
