/** The audit of what is deployed: state and running images re-judged by today's gates. */
export { parseStackExport, parseUrn, DEFAULT_STACK_EXPORT_LIMITS, SECRET_SIG, SECRET_SIG_KEY } from "./stack-export";
export type { DeployedStack, DeployedResource, StackExportLimits, StackExportResult } from "./stack-export";
export { judgeDeployedImage, scanSince } from "./gates";
export type { GateFailure, GateName, ImageVerdict, GateContext } from "./gates";
export { fixPlan, loopComponents } from "./fix";
export type { FixPlan, BuildTaskRef, WebhookRef } from "./fix";
export { queryRunningImages, rowsToClusters, RUNNING_IMAGES_QUERY, RUNNING_IMAGES_ASSESSMENT_KEY } from "./running-images";
export type { RunningCluster, RunningImage } from "./running-images";
export { runAudit } from "./audit";
export type { AuditReport, AuditGroup, AuditedImage, Unjudged, ImageUse, AuditInput } from "./audit";
export { IMAGE_BUILD_TASK_TYPE, REDEPLOY_WEBHOOK_TYPE } from "./component-types";
export { auditContext } from "./context";
