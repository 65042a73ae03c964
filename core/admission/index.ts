export * from "./image-regex";
export * from "./gatekeeper-cel";
export * from "./azure-policy";
export * from "./re2";
export * from "./azure-custom-definition";
