/**
 * ImageBuildTask: an ACR Task that rebuilds an application image whenever its base image is
 * updated (and optionally on commits and on a timer), tags every run uniquely, and runs once at
 * creation so ACR learns the base-image dependencies. Its system-assigned identity gets AcrPush on
 * this registry only and AcrPull on each base-image registry, nothing wider.
 */
import * as pulumi from "@pulumi/pulumi";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as authorization from "@pulumi/azure-native/authorization";
import { roleDefinitionIdOutput } from "../shared/builtin-roles";
import { validateImageBuildTaskArgs, RUN_ID_TAG } from "./image-build-task-validation";

export { NIGHTLY_SCHEDULE, RUN_ID_TAG } from "./image-build-task-validation";

import { IMAGE_BUILD_TASK_TYPE } from "../../core/audit/component-types";

export { IMAGE_BUILD_TASK_TYPE };

/** The registry the task lives in and pushes to. A SecureRegistry satisfies this. */
export interface RegistryRef {
    id: pulumi.Input<string>;
    name: pulumi.Input<string>;
    loginServer: pulumi.Input<string>;
    resourceGroupName: pulumi.Input<string>;
    /** Tasks must be in the registry's region; defaults to the resource group's. */
    location?: pulumi.Input<string>;
}

/** Another ACR the Dockerfile's FROM images come from. */
export interface BaseImageRegistry {
    id: pulumi.Input<string>;
    /** e.g. `baseimages.azurecr.io`; the task logs in to it with its identity. */
    loginServer: string;
}

export interface BuildValue {
    name: string;
    value: pulumi.Input<string>;
    /** Secret values are held as Pulumi secrets and hidden from ACR run logs. */
    isSecret?: boolean;
}

export type BuildDefinition =
    | {
        kind: "docker";
        /** Relative to the context, e.g. `Dockerfile` or `src/Dockerfile`. */
        dockerFilePath: string;
        target?: string;
        buildArguments?: BuildValue[];
        /** Tags pushed in addition to the run-unique `{{.Run.ID}}` tag (never `latest`). */
        extraTags?: string[];
        noCache?: boolean;
    }
    | {
        kind: "multiStep";
        /** acr-task.yaml content; must push `<repository>:{{.Run.ID}}`. Base64-encoded for the API. */
        taskYaml: string;
        values?: BuildValue[];
    };

export interface SourceTriggerOptions {
    provider: "github" | "azureDevOps";
    /** https://github.com/org/repo.git or https://dev.azure.com/org/project/_git/repo */
    repositoryUrl: string;
    branch?: string;
    /** PAT with repo (and webhook) access; must be a Pulumi secret. */
    token: pulumi.Output<string>;
    /** Default ["commit"]. */
    events?: ("commit" | "pullrequest")[];
}

export interface ImageBuildTaskArgs {
    registry: RegistryRef;
    /** Repository in the registry, e.g. `team/app`. */
    repository: string;
    /** Build context: a git URL (`https://github.com/org/repo.git#main:src`) or a tarball URL. Required for docker builds. */
    contextPath?: pulumi.Input<string>;
    /** Token for a private context; must be a Pulumi secret. Defaults to the source trigger's token. */
    contextAccessToken?: pulumi.Output<string>;
    build: BuildDefinition;
    /** Which base images trigger a rebuild: the runtime (final stage) image (default) or all stages. */
    baseImageTrigger?: "Runtime" | "All";
    sourceTrigger?: SourceTriggerOptions;
    /** Scheduled rebuild; `{}` means nightly at 03:00 UTC. Cron, 5 fields, UTC. */
    timerTrigger?: { schedule?: string };
    baseImageRegistries?: BaseImageRegistry[];
    platform?: { os?: "Linux" | "Windows"; architecture?: "amd64" | "x86" | "386" | "arm" | "arm64"; variant?: "v6" | "v7" | "v8" };
    /** Agent CPUs, default 2. */
    cpu?: number;
    /** Run timeout in seconds, 300–28800, default 3600. */
    timeoutSeconds?: number;
    /** Dedicated agent pool (needed when the registry has no public network access). */
    agentPoolName?: pulumi.Input<string>;
    /** Run once after creation so ACR records the base-image dependencies. Default true. */
    initialRun?: boolean | { forceUpdateTag: string };
    taskName?: string;
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class ImageBuildTask extends pulumi.ComponentResource {
    /** `<loginServer>/<repository>` */
    public readonly repository: pulumi.Output<string>;
    public readonly taskId: pulumi.Output<string>;
    public readonly taskName: pulumi.Output<string>;
    /** The registry's resource name (what `az acr task run --registry` takes). */
    public readonly registryName: pulumi.Output<string>;
    /** `az acr task run --registry <registry> --name <task>`: what a scheduled audit runs to rebuild the image now. */
    public readonly runCommand: pulumi.Output<string>;
    /** Object ID of the task's system-assigned identity. */
    public readonly principalId: pulumi.Output<string>;
    public readonly initialRunId?: pulumi.Output<string>;

    constructor(name: string, args: ImageBuildTaskArgs, opts?: pulumi.ComponentResourceOptions) {
        super(IMAGE_BUILD_TASK_TYPE, name, {}, opts);
        const v = validateImageBuildTaskArgs(args);
        const parent = { parent: this };
        const reg = args.registry;

        const values = (vs: BuildValue[] | undefined) => vs?.map((x) => ({
            name: x.name,
            value: x.isSecret ? pulumi.secret(x.value) : x.value,
            isSecret: x.isSecret ?? false,
        }));
        const b = args.build;
        const step: containerregistry.TaskArgs["step"] = b.kind === "docker"
            ? {
                type: "Docker",
                dockerFilePath: b.dockerFilePath,
                contextPath: args.contextPath,
                contextAccessToken: v.contextAccessToken,
                imageNames: [`${args.repository}:${RUN_ID_TAG}`, ...(b.extraTags ?? []).map((t) => `${args.repository}:${t}`)],
                isPushEnabled: true,
                noCache: b.noCache ?? false,
                ...(b.target !== undefined ? { target: b.target } : {}),
                ...(b.buildArguments ? { arguments: values(b.buildArguments) } : {}),
            }
            : {
                type: "EncodedTask",
                encodedTaskContent: Buffer.from(b.taskYaml, "utf8").toString("base64"),
                contextPath: args.contextPath,
                contextAccessToken: v.contextAccessToken,
                ...(b.values ? { values: values(b.values) } : {}),
            };

        const st = args.sourceTrigger;
        const task = new containerregistry.Task(name, {
            resourceGroupName: reg.resourceGroupName,
            registryName: reg.name,
            location: reg.location,
            taskName: args.taskName,
            status: containerregistry.TaskStatus.Enabled,
            isSystemTask: false,
            identity: { type: containerregistry.ResourceIdentityType.SystemAssigned },
            platform: {
                os: args.platform?.os ?? containerregistry.OS.Linux,
                architecture: args.platform?.architecture ?? containerregistry.Architecture.Amd64,
                ...(args.platform?.variant ? { variant: args.platform.variant } : {}),
            },
            agentConfiguration: { cpu: v.cpu },
            agentPoolName: args.agentPoolName,
            timeout: v.timeoutSeconds,
            step,
            credentials: {
                sourceRegistry: { loginMode: containerregistry.SourceRegistryLoginMode.Default },
                // "[system]": log in to base-image registries with the task's own identity, no passwords.
                ...(v.baseRegistries.length > 0
                    ? { customRegistries: Object.fromEntries(v.baseRegistries.map((r) => [r.loginServer, { identity: "[system]" }])) }
                    : {}),
            },
            trigger: {
                baseImageTrigger: {
                    name: "base-image-update",
                    baseImageTriggerType: v.baseImageTrigger,
                    status: containerregistry.TriggerStatus.Enabled,
                    updateTriggerPayloadType: containerregistry.UpdateTriggerPayloadType.Default,
                },
                ...(st ? {
                    sourceTriggers: [{
                        name: "source-commit",
                        sourceRepository: {
                            repositoryUrl: st.repositoryUrl,
                            sourceControlType: st.provider === "github"
                                ? containerregistry.SourceControlType.Github
                                : containerregistry.SourceControlType.VisualStudioTeamService,
                            ...(st.branch !== undefined ? { branch: st.branch } : {}),
                            sourceControlAuthProperties: { token: v.sourceToken!, tokenType: containerregistry.TokenType.PAT },
                        },
                        sourceTriggerEvents: v.sourceEvents,
                        status: containerregistry.TriggerStatus.Enabled,
                    }],
                } : {}),
                ...(v.timerSchedule !== undefined ? {
                    timerTriggers: [{ name: "scheduled-rebuild", schedule: v.timerSchedule, status: containerregistry.TriggerStatus.Enabled }],
                } : {}),
            },
            tags: args.tags,
        }, parent);

        this.taskId = task.id;
        this.taskName = task.name;
        this.principalId = task.identity.apply((identity) => {
            if (!identity?.principalId) {
                throw new Error(`ImageBuildTask ${name}: the task has no system-assigned identity principal ID; cannot grant registry roles`);
            }
            return identity.principalId;
        });
        this.repository = pulumi.interpolate`${reg.loginServer}/${args.repository}`;
        this.registryName = pulumi.output(reg.name);
        this.runCommand = pulumi.interpolate`az acr task run --registry ${reg.name} --name ${task.name}`;

        const grant = (suffix: string, scope: pulumi.Input<string>, role: "AcrPush" | "AcrPull", why: string) =>
            new authorization.RoleAssignment(`${name}-${suffix}`, {
                scope,
                principalId: this.principalId,
                principalType: authorization.PrincipalType.ServicePrincipal,
                roleDefinitionId: roleDefinitionIdOutput(scope, role),
                description: `imagegate ImageBuildTask ${name}: ${why}`,
            }, parent);
        const grants = [grant("acrpush", reg.id, "AcrPush", "push rebuilt images to its own registry")];
        v.baseRegistries.forEach((r, i) => grants.push(grant(`acrpull-base-${i}`, r.id, "AcrPull", `pull base images from ${r.loginServer}`)));

        if (v.initialRun !== undefined) {
            const run = new containerregistry.TaskRun(`${name}-initial-run`, {
                resourceGroupName: reg.resourceGroupName,
                registryName: reg.name,
                location: reg.location,
                forceUpdateTag: v.initialRun,
                runRequest: { type: "TaskRunRequest", taskId: task.id, isArchiveEnabled: false },
            }, { parent: this, dependsOn: grants });
            this.initialRunId = run.id;
        }

        this.registerOutputs({
            repository: this.repository,
            taskId: this.taskId,
            taskName: this.taskName,
            registryName: this.registryName,
            runCommand: this.runCommand,
            principalId: this.principalId,
            initialRunId: this.initialRunId,
        });
    }
}
