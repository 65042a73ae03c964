/** Construction-time checks for ImageBuildTask; each error names the option at fault. */
import * as pulumi from "@pulumi/pulumi";
import { parseReference } from "../../core/reference";
import { requireRepository } from "../shared/repository";
import { requireResourceId } from "../shared/arm-id";
import { requireHttpsUrl, requireSecretInput } from "../shared/inputs";
import type { BaseImageRegistry, ImageBuildTaskArgs } from "./image-build-task";
import { checkTaskYaml } from "./task-yaml";

/** ACR's run-unique tag template. */
export const RUN_ID_TAG = "{{.Run.ID}}";
/** Default timer trigger: nightly at 03:00 UTC. */
export const NIGHTLY_SCHEDULE = "0 3 * * *";
export const MIN_TIMEOUT_SECONDS = 300;
export const MAX_TIMEOUT_SECONDS = 28800;
const REGISTRY_TYPE = "Microsoft.ContainerRegistry/registries";
// Any well-formed host.domain[:port] (the same host grammar the reference parser accepts).
const LOGIN_SERVER = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+(?::[0-9]+)?$/;
const CRON_FIELD = /^[0-9A-Za-z*,/?-]+$/;
const TASK_NAME = /^[A-Za-z0-9-_]{5,50}$/;

export interface ValidatedTaskArgs {
    baseImageTrigger: "Runtime" | "All";
    contextAccessToken?: pulumi.Output<string>;
    sourceToken?: pulumi.Output<string>;
    sourceEvents: ("commit" | "pullrequest")[];
    timerSchedule?: string;
    baseRegistries: BaseImageRegistry[];
    cpu: number;
    timeoutSeconds: number;
    /** forceUpdateTag of the initial run; undefined when there is none. */
    initialRun?: string;
}

function fail(msg: string): never {
    throw new Error(`ImageBuildTask: ${msg}`);
}

function requireTag(repository: string, tag: unknown): void {
    if (typeof tag !== "string") fail("build.extraTags entries must be strings");
    const parsed = parseReference(`registry.invalid/${repository}:${tag}`);
    if (!parsed.ok || parsed.ref.tag !== tag) fail(`build.extraTags entry "${tag}" is not a valid tag${parsed.ok ? "" : `: ${parsed.failure.message}`}`);
    if (tag === "latest") fail("build.extraTags must not include \"latest\": deployments are gated on digests, and a moving latest tag is rejected by the no-latest-tag policy");
}

export function validateCron(schedule: unknown): string {
    if (typeof schedule !== "string") fail("timerTrigger.schedule must be a cron string");
    const fields = schedule.trim().split(/\s+/);
    if (fields.length !== 5 || !fields.every((f) => CRON_FIELD.test(f))) {
        fail(`timerTrigger.schedule "${schedule}" must be a 5-field cron expression in UTC (minute hour day month weekday), e.g. "${NIGHTLY_SCHEDULE}"`);
    }
    return fields.join(" ");
}

function checkValues(vs: unknown, what: string): void {
    if (vs === undefined) return;
    if (!Array.isArray(vs)) fail(`${what} must be a list of { name, value, isSecret? }`);
    const seen = new Set<string>();
    for (const v of vs) {
        if (!v || typeof v.name !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.name)) fail(`${what}: every entry needs a name of letters, digits and '_'`);
        if (seen.has(v.name)) fail(`${what}: "${v.name}" is given twice`);
        seen.add(v.name);
        if (v.value === undefined) fail(`${what}: "${v.name}" has no value`);
    }
}

export function validateImageBuildTaskArgs(args: ImageBuildTaskArgs): ValidatedTaskArgs {
    if (!args || typeof args !== "object") fail("args are required");
    const reg = args.registry;
    if (!reg || !reg.id || !reg.name || !reg.loginServer || !reg.resourceGroupName) {
        fail("registry needs id, name, loginServer and resourceGroupName (pass a SecureRegistry)");
    }
    if (typeof reg.id === "string") requireResourceId(reg.id, REGISTRY_TYPE, "ImageBuildTask: registry.id");
    const repository = requireRepository(args.repository, "ImageBuildTask: repository");
    if (args.taskName !== undefined && !TASK_NAME.test(args.taskName)) fail(`taskName "${args.taskName}" must be 5–50 letters, digits, '-' or '_'`);

    const b = args.build as ImageBuildTaskArgs["build"] | undefined;
    if (!b || (b.kind !== "docker" && b.kind !== "multiStep")) fail("build.kind must be \"docker\" or \"multiStep\"");
    if (b.kind === "docker") {
        if (typeof b.dockerFilePath !== "string" || b.dockerFilePath.trim() === "") fail("build.dockerFilePath is required for a docker build");
        if (args.contextPath === undefined || args.contextPath === "") fail("contextPath (the source to build) is required for a docker build");
        for (const t of b.extraTags ?? []) requireTag(repository, t);
        checkValues(b.buildArguments, "build.buildArguments");
    } else {
        checkTaskYaml(b.taskYaml, repository);
        checkValues(b.values, "build.values");
    }

    const baseImageTrigger = args.baseImageTrigger ?? "Runtime";
    if (baseImageTrigger !== "Runtime" && baseImageTrigger !== "All") fail(`baseImageTrigger must be "Runtime" or "All", got ${JSON.stringify(baseImageTrigger)}`);

    let sourceToken: pulumi.Output<string> | undefined;
    let sourceEvents: ("commit" | "pullrequest")[] = ["commit"];
    const st = args.sourceTrigger;
    if (st !== undefined) {
        if (st.provider !== "github" && st.provider !== "azureDevOps") fail(`sourceTrigger.provider must be "github" or "azureDevOps", got ${JSON.stringify(st.provider)}`);
        requireHttpsUrl(st.repositoryUrl, "ImageBuildTask: sourceTrigger.repositoryUrl");
        const host = new URL(st.repositoryUrl).hostname;
        if (st.provider === "azureDevOps" && !/(^|\.)dev\.azure\.com$|\.visualstudio\.com$/.test(host)) {
            fail(`sourceTrigger.repositoryUrl for azureDevOps must be on dev.azure.com or *.visualstudio.com, got host ${host}`);
        }
        sourceToken = requireSecretInput(st.token, "ImageBuildTask: sourceTrigger.token");
        if (st.events !== undefined) {
            if (!Array.isArray(st.events) || st.events.length === 0 || st.events.some((e) => e !== "commit" && e !== "pullrequest")) {
                fail("sourceTrigger.events must be a non-empty list of \"commit\" and/or \"pullrequest\"");
            }
            sourceEvents = [...new Set(st.events)];
        }
    }
    const contextAccessToken = args.contextAccessToken !== undefined
        ? requireSecretInput(args.contextAccessToken, "ImageBuildTask: contextAccessToken")
        : sourceToken;

    const timerSchedule = args.timerTrigger === undefined ? undefined : validateCron(args.timerTrigger.schedule ?? NIGHTLY_SCHEDULE);

    const baseRegistries: BaseImageRegistry[] = [];
    for (const [i, r] of (args.baseImageRegistries ?? []).entries()) {
        if (!r || !r.id) fail(`baseImageRegistries[${i}].id is required`);
        if (typeof r.id === "string") requireResourceId(r.id, REGISTRY_TYPE, `ImageBuildTask: baseImageRegistries[${i}].id`);
        if (typeof r.loginServer !== "string" || !LOGIN_SERVER.test(r.loginServer)) {
            fail(`baseImageRegistries[${i}].loginServer must be a registry host like baseimages.azurecr.io, got ${JSON.stringify(r.loginServer)}`);
        }
        if (baseRegistries.some((x) => x.loginServer.toLowerCase() === r.loginServer.toLowerCase())) fail(`baseImageRegistries lists ${r.loginServer} twice`);
        // The task's own registry is already covered by AcrPush; a second grant would be redundant.
        if (typeof r.id === "string" && typeof reg.id === "string" && r.id.toLowerCase() === reg.id.toLowerCase()) continue;
        baseRegistries.push(r);
    }

    const cpu = args.cpu ?? 2;
    if (!Number.isInteger(cpu) || cpu < 1) fail(`cpu must be a positive integer, got ${JSON.stringify(args.cpu)}`);
    const timeoutSeconds = args.timeoutSeconds ?? 3600;
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < MIN_TIMEOUT_SECONDS || timeoutSeconds > MAX_TIMEOUT_SECONDS) {
        fail(`timeoutSeconds must be an integer from ${MIN_TIMEOUT_SECONDS} to ${MAX_TIMEOUT_SECONDS}, got ${JSON.stringify(args.timeoutSeconds)}`);
    }
    const os = args.platform?.os;
    if (os !== undefined && os !== "Linux" && os !== "Windows") fail(`platform.os must be "Linux" or "Windows", got ${JSON.stringify(os)}`);

    let initialRun: string | undefined = "initial";
    if (args.initialRun === false) initialRun = undefined;
    else if (typeof args.initialRun === "object") {
        if (typeof args.initialRun.forceUpdateTag !== "string" || args.initialRun.forceUpdateTag === "") fail("initialRun.forceUpdateTag must be a non-empty string");
        initialRun = args.initialRun.forceUpdateTag;
    } else if (args.initialRun !== undefined && args.initialRun !== true) {
        fail("initialRun must be true, false or { forceUpdateTag }");
    }

    return { baseImageTrigger, contextAccessToken, sourceToken, sourceEvents, timerSchedule, baseRegistries, cpu, timeoutSeconds, initialRun };
}
