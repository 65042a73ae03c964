/** imagegate's Pulumi components: registry, cluster and image trust. */
export * from "./registry";
export * from "./cluster";
export * from "./image";
