/** Type tokens of imagegate's own components, as they appear in Pulumi state (the components use these). */
export const IMAGE_BUILD_TASK_TYPE = "imagegate:components:ImageBuildTask";
export const REDEPLOY_WEBHOOK_TYPE = "imagegate:components:RedeployWebhook";
