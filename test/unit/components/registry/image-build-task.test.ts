/** ImageBuildTask under Pulumi mocks: the task, its triggers, its identity's role assignments (IDs and scopes) and the initial run. */
import * as pulumi from "@pulumi/pulumi";
import { ImageBuildTask, type ImageBuildTaskArgs, RedeployWebhook, SecureRegistry, checkTaskYaml } from "../../../../components/registry";
import { OTHER_SUB, RG, WORKSPACE_ID, one, registryId, roleDef, run, typesOf } from "../../../support/registry-components";

const ACR_PUSH = "8311e382-0749-4cb8-b61a-304f252e45ec";
const ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
const TASK = "azure-native:containerregistry:Task";
const ROLE = "azure-native:authorization:RoleAssignment";
const COMPONENT = "imagegate:components:ImageBuildTask";
const registry = { id: registryId("appacr"), name: "appacr", loginServer: "appacr.azurecr.io", resourceGroupName: RG, location: "westeurope" };
const base: ImageBuildTaskArgs = {
    registry,
    repository: "team/app",
    contextPath: "https://github.com/org/app.git#main:src",
    build: { kind: "docker", dockerFilePath: "Dockerfile" },
};
const taskId = `${registryId("appacr")}/tasks/app`;

describe("ImageBuildTask defaults", () => {
    test("registers the task, AcrPush on its registry only, and the initial run, all parented to the component", async () => {
        const rs = await run(() => { new ImageBuildTask("app", base); });
        expect(typesOf(rs)).toEqual([COMPONENT, ROLE, TASK, "azure-native:containerregistry:TaskRun"].sort());
        for (const r of rs.filter((x) => x.custom)) expect(r.parentType).toBe(COMPONENT);
    });

    test("docker step with a run-unique tag, Runtime base-image trigger, system identity, no source or timer trigger", async () => {
        const rs = await run(() => { new ImageBuildTask("app", base); });
        expect(one(rs, TASK).inputs).toEqual({
            resourceGroupName: RG,
            registryName: "appacr",
            location: "westeurope",
            status: "Enabled",
            isSystemTask: false,
            identity: { type: "SystemAssigned" },
            platform: { os: "Linux", architecture: "amd64" },
            agentConfiguration: { cpu: 2 },
            timeout: 3600,
            step: {
                type: "Docker",
                dockerFilePath: "Dockerfile",
                contextPath: "https://github.com/org/app.git#main:src",
                imageNames: ["team/app:{{.Run.ID}}"],
                isPushEnabled: true,
                noCache: false,
            },
            credentials: { sourceRegistry: { loginMode: "Default" } },
            trigger: {
                baseImageTrigger: { name: "base-image-update", baseImageTriggerType: "Runtime", status: "Enabled", updateTriggerPayloadType: "Default" },
            },
        });
    });

    test("the task identity gets AcrPush (built-in ID) scoped to exactly this registry", async () => {
        const rs = await run(() => { new ImageBuildTask("app", base); });
        expect(one(rs, ROLE).inputs).toEqual({
            scope: registryId("appacr"),
            principalId: "principal-of-app",
            principalType: "ServicePrincipal",
            roleDefinitionId: roleDef(ACR_PUSH),
            description: "imagegate ImageBuildTask app: push rebuilt images to its own registry",
        });
    });

    test("an initial run of the task so ACR discovers the base-image dependencies", async () => {
        const rs = await run(() => { new ImageBuildTask("app", base); });
        expect(one(rs, "azure-native:containerregistry:TaskRun").inputs).toEqual({
            resourceGroupName: RG,
            registryName: "appacr",
            location: "westeurope",
            forceUpdateTag: "initial",
            runRequest: { type: "TaskRunRequest", taskId, isArchiveEnabled: false },
        });
    });

    test("outputs: fully qualified repository, task id and principal", async () => {
        const seen: Record<string, string> = {};
        await run(() => {
            const t = new ImageBuildTask("app", base);
            t.repository.apply((v) => { seen.repository = v; });
            t.taskId.apply((v) => { seen.taskId = v; });
            t.principalId.apply((v) => { seen.principalId = v; });
        });
        expect(seen).toEqual({ repository: "appacr.azurecr.io/team/app", taskId, principalId: "principal-of-app" });
    });
});

describe("ImageBuildTask options", () => {
    test("base-image registries: AcrPull on each, scoped to that registry with its own subscription's role definition, identity login", async () => {
        const other = registryId("baseimages", OTHER_SUB);
        const rs = await run(() => {
            new ImageBuildTask("app", {
                ...base,
                baseImageTrigger: "All",
                baseImageRegistries: [
                    { id: other, loginServer: "baseimages.azurecr.io" },
                    { id: registryId("appacr"), loginServer: "appacr.azurecr.io" }, // own registry: covered by AcrPush
                ],
            });
        });
        const roles = rs.filter((r) => r.type === ROLE).map((r) => ({ scope: r.inputs.scope, role: r.inputs.roleDefinitionId, type: r.inputs.principalType }));
        expect(roles).toEqual(expect.arrayContaining([
            { scope: registryId("appacr"), role: roleDef(ACR_PUSH), type: "ServicePrincipal" },
            { scope: other, role: roleDef(ACR_PULL, OTHER_SUB), type: "ServicePrincipal" },
        ]));
        expect(roles).toHaveLength(2);
        const task = one(rs, TASK).inputs;
        expect(task.credentials).toEqual({ sourceRegistry: { loginMode: "Default" }, customRegistries: { "baseimages.azurecr.io": { identity: "[system]" } } });
        expect(task.trigger.baseImageTrigger.baseImageTriggerType).toBe("All");
    });

    test("source trigger (GitHub): token is a secret, used for the context too; commit events", async () => {
        const rs = await run(() => {
            new ImageBuildTask("app", { ...base, sourceTrigger: { provider: "github", repositoryUrl: "https://github.com/org/app.git", branch: "main", token: pulumi.secret("ghp_token") } });
        });
        const task = one(rs, TASK);
        expect(task.inputs.trigger.sourceTriggers).toEqual([{
            name: "source-commit",
            sourceRepository: {
                repositoryUrl: "https://github.com/org/app.git",
                sourceControlType: "Github",
                branch: "main",
                sourceControlAuthProperties: { token: "ghp_token", tokenType: "PAT" },
            },
            sourceTriggerEvents: ["commit"],
            status: "Enabled",
        }]);
        expect(task.inputs.step.contextAccessToken).toBe("ghp_token");
        // The engine receives the objects holding the token as secrets (encrypted in state).
        expect(task.secretPaths).toEqual(expect.arrayContaining(["step", "trigger"]));
    });

    test("source trigger (Azure DevOps) maps to VisualStudioTeamService; a non-secret Output token is made secret", async () => {
        const rs = await run(() => {
            new ImageBuildTask("app", {
                ...base,
                contextPath: "https://dev.azure.com/org/proj/_git/app#main",
                sourceTrigger: { provider: "azureDevOps", repositoryUrl: "https://dev.azure.com/org/proj/_git/app", token: pulumi.output("ado_pat"), events: ["commit", "pullrequest"] },
            });
        });
        const task = one(rs, TASK);
        expect(task.inputs.trigger.sourceTriggers[0].sourceRepository.sourceControlType).toBe("VisualStudioTeamService");
        expect(task.inputs.trigger.sourceTriggers[0].sourceTriggerEvents).toEqual(["commit", "pullrequest"]);
        expect(task.secretPaths).toEqual(expect.arrayContaining(["trigger"]));
    });

    test("timer trigger: nightly by default, or the given schedule", async () => {
        const rs = await run(() => {
            new ImageBuildTask("nightly", { ...base, timerTrigger: {} });
            new ImageBuildTask("weekly", { ...base, timerTrigger: { schedule: "30 1 * * 0" } });
        });
        expect(one(rs, TASK, "nightly").inputs.trigger.timerTriggers).toEqual([{ name: "scheduled-rebuild", schedule: "0 3 * * *", status: "Enabled" }]);
        expect(one(rs, TASK, "weekly").inputs.trigger.timerTriggers[0].schedule).toBe("30 1 * * 0");
    });

    test("multi-step YAML is base64-encoded into an EncodedTask step", async () => {
        const yaml = "version: v1.1.0\nsteps:\n  - build: -t $Registry/team/app:$ID .\n  - push: [\"$Registry/team/app:$ID\"]\n";
        const rs = await run(() => { new ImageBuildTask("app", { ...base, build: { kind: "multiStep", taskYaml: yaml, values: [{ name: "API_KEY", value: "k", isSecret: true }] } }); });
        const step = one(rs, TASK).inputs.step;
        expect(step.type).toBe("EncodedTask");
        expect(Buffer.from(step.encodedTaskContent, "base64").toString("utf8")).toBe(yaml);
        expect(step.values).toEqual([{ name: "API_KEY", value: "k", isSecret: true }]);
    });

    test("extra tags, build arguments (secret ones as secrets), platform, cpu, timeout, agent pool, no initial run", async () => {
        const rs = await run(() => {
            new ImageBuildTask("app", {
                ...base,
                build: { kind: "docker", dockerFilePath: "src/Dockerfile", target: "runtime", extraTags: ["nightly"], noCache: true, buildArguments: [{ name: "NPM_TOKEN", value: "npm_x", isSecret: true }] },
                platform: { os: "Linux", architecture: "arm64", variant: "v8" },
                cpu: 4,
                timeoutSeconds: 7200,
                agentPoolName: "vnetpool",
                initialRun: false,
            });
        });
        expect(rs.some((r) => r.type === "azure-native:containerregistry:TaskRun")).toBe(false);
        const task = one(rs, TASK);
        expect(task.inputs.step).toEqual({
            type: "Docker",
            dockerFilePath: "src/Dockerfile",
            contextPath: "https://github.com/org/app.git#main:src",
            target: "runtime",
            imageNames: ["team/app:{{.Run.ID}}", "team/app:nightly"],
            isPushEnabled: true,
            noCache: true,
            arguments: [{ name: "NPM_TOKEN", value: "npm_x", isSecret: true }],
        });
        expect(task.secretPaths).toContain("step");
        expect(task.inputs.platform).toEqual({ os: "Linux", architecture: "arm64", variant: "v8" });
        expect(task.inputs.agentConfiguration).toEqual({ cpu: 4 });
        expect(task.inputs.timeout).toBe(7200);
        expect(task.inputs.agentPoolName).toBe("vnetpool");
    });

    test("initialRun { forceUpdateTag } re-runs by changing the tag", async () => {
        const rs = await run(() => { new ImageBuildTask("app", { ...base, initialRun: { forceUpdateTag: "2026-11-22" } }); });
        expect(one(rs, "azure-native:containerregistry:TaskRun").inputs.forceUpdateTag).toBe("2026-11-22");
    });
});

describe("composition", () => {
    test("a SecureRegistry is the registry of a task and a redeploy webhook: same name, group, location and scope", async () => {
        const seen: Record<string, string> = {};
        const rs = await run(() => {
            const acr = new SecureRegistry("acr", { resourceGroupName: RG, location: "northeurope", registryName: "contosoapps", auditLogs: { logAnalyticsWorkspaceId: WORKSPACE_ID } });
            const app = new ImageBuildTask("app", { ...base, registry: acr });
            new RedeployWebhook("app-redeploy", { registry: acr, repository: "team/app", serviceUri: "https://ci.example.com/hook" });
            app.repository.apply((v) => { seen.repository = v; });
        });
        const task = one(rs, TASK).inputs;
        expect(task).toMatchObject({ registryName: "contosoapps", resourceGroupName: RG, location: "northeurope" });
        expect(one(rs, ROLE).inputs).toMatchObject({ scope: registryId("contosoapps"), roleDefinitionId: roleDef(ACR_PUSH) });
        expect(one(rs, "azure-native:containerregistry:Webhook").inputs).toMatchObject({ registryName: "contosoapps", location: "northeurope", scope: "team/app:*" });
        expect(seen.repository).toBe("contosoapps.azurecr.io/team/app");
    });
});

describe("ImageBuildTask refuses bad input at construction", () => {
    const cases: [string, Partial<ImageBuildTaskArgs> & Record<string, unknown>, RegExp][] = [
        ["a plain-string source token", { sourceTrigger: { provider: "github", repositoryUrl: "https://github.com/org/app.git", token: "ghp_plain" as never } }, /sourceTrigger.token must be a Pulumi secret Output/],
        ["a plain-string context token", { contextAccessToken: "ghp_plain" as never }, /contextAccessToken must be a Pulumi secret Output/],
        ["a source repository over http", { sourceTrigger: { provider: "github", repositoryUrl: "http://github.com/org/app.git", token: pulumi.secret("t") } }, /repositoryUrl must use https/],
        ["an Azure DevOps URL that is not Azure DevOps", { sourceTrigger: { provider: "azureDevOps", repositoryUrl: "https://github.com/org/app.git", token: pulumi.secret("t") } }, /dev.azure.com/],
        ["an unknown source provider", { sourceTrigger: { provider: "gitlab" as never, repositoryUrl: "https://gitlab.com/a/b.git", token: pulumi.secret("t") } }, /provider must be "github" or "azureDevOps"/],
        ["no source events", { sourceTrigger: { provider: "github", repositoryUrl: "https://github.com/a/b.git", token: pulumi.secret("t"), events: [] } }, /events must be a non-empty list/],
        ["an uppercase repository", { repository: "Team/App" }, /repository "Team\/App".*lowercase/],
        ["a repository with a tag", { repository: "team/app:1.0" }, /repository path only/],
        ["a repository with a registry", { repository: "myacr.azurecr.io/team/app" }, /repository path only/],
        ["a latest extra tag", { build: { kind: "docker", dockerFilePath: "Dockerfile", extraTags: ["latest"] } }, /must not include "latest"/],
        ["an invalid extra tag", { build: { kind: "docker", dockerFilePath: "Dockerfile", extraTags: ["-bad"] } }, /extraTags entry "-bad" is not a valid tag/],
        ["a docker build without a Dockerfile", { build: { kind: "docker", dockerFilePath: "" } }, /dockerFilePath is required/],
        ["a docker build without context", { contextPath: undefined }, /contextPath .* is required/],
        ["an unknown build kind", { build: { kind: "buildpack" } as never }, /build.kind must be/],
        ["an unknown base-image trigger", { baseImageTrigger: "Build" as never }, /baseImageTrigger must be "Runtime" or "All"/],
        ["a 6-field cron", { timerTrigger: { schedule: "0 0 3 * * *" } }, /5-field cron/],
        ["a base registry that is not a registry ID", { baseImageRegistries: [{ id: "/subscriptions/x/resourceGroups/rg", loginServer: "b.azurecr.io" }] }, /baseImageRegistries\[0\].id must be an Azure resource ID/],
        ["a base registry ID of another resource type", { baseImageRegistries: [{ id: `/subscriptions/${OTHER_SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv`, loginServer: "b.azurecr.io" }] }, /must be the ID of a Microsoft.ContainerRegistry\/registries resource/],
        ["a base registry login server with a path", { baseImageRegistries: [{ id: registryId("b"), loginServer: "b.azurecr.io/x" }] }, /loginServer must be a registry host/],
        ["a timeout under 300 s", { timeoutSeconds: 60 }, /from 300 to 28800/],
        ["zero cpu", { cpu: 0 }, /cpu must be a positive integer/],
        ["a registry without login server", { registry: { ...registry, loginServer: "" } }, /registry needs id, name, loginServer and resourceGroupName/],
        ["a registry id that is not a registry", { registry: { ...registry, id: `/subscriptions/${OTHER_SUB}/resourceGroups/rg` } }, /registry.id must be the ID of a Microsoft.ContainerRegistry\/registries resource/],
        ["a build value given twice", { build: { kind: "docker", dockerFilePath: "Dockerfile", buildArguments: [{ name: "A", value: "1" }, { name: "A", value: "2" }] } }, /"A" is given twice/],
    ];
    test.each(cases)("%s", async (_, override, message) => {
        let thrown: unknown;
        const rs = await run(() => {
            try {
                new ImageBuildTask("app", { ...base, ...override } as ImageBuildTaskArgs);
            } catch (e) {
                thrown = e;
            }
        });
        expect(String(thrown)).toMatch(message);
        expect(rs.filter((r) => r.custom)).toEqual([]);
    });

    test("a secret's value never appears in the error for a plain-string token", () => {
        expect(() => new ImageBuildTask("app", { ...base, contextAccessToken: "ghp_SECRET123" as never })).toThrow(/^(?!.*ghp_SECRET123).*$/s);
    });
});

describe("multi-step task YAML checks", () => {
    test("accepts $ID and {{.Run.ID}} tags, with $Registry, {{.Run.Registry}} or a host prefix", () => {
        expect(checkTaskYaml("steps:\n  - push: [\"$Registry/team/app:$ID\"]\n", "team/app").pushes).toEqual(["$Registry/team/app:$ID"]);
        expect(checkTaskYaml("steps:\n  - push: [{{.Run.Registry}}/team/app:{{.Run.ID}}]\n", "team/app").pushes).toEqual(["{{.Run.Registry}}/team/app:{{.Run.ID}}"]);
        expect(checkTaskYaml("steps:\n  - push:\n    - appacr.azurecr.io/team/app:{{.Run.ID}}\n    - appacr.azurecr.io/team/app:stable\n", "team/app").pushes).toHaveLength(2);
    });
    test.each([
        ["invalid YAML", "steps: [unclosed\n", /not valid YAML/],
        ["no steps", "version: v1.1.0\n", /has no steps/],
        ["a step that is not a mapping", "steps:\n  - just-a-string\n", /steps\[0\] is not a mapping/],
        ["no push", "steps:\n  - build: -t $Registry/team/app:$ID .\n", /must push \$Registry\/team\/app:\{\{\.Run\.ID\}\}.*pushes nothing/],
        ["only a fixed tag", "steps:\n  - push: [\"$Registry/team/app:latest\"]\n", /tag unique to each run/],
        ["another repository", "steps:\n  - push: [\"$Registry/team/other:$ID\"]\n", /must push \$Registry\/team\/app/],
        ["a push that is not a list of images", "steps:\n  - push: {a: b}\n", /push must be an image or a list/],
        ["empty", "  \n", /taskYaml is empty/],
    ])("rejects %s", (_, yaml, message) => {
        expect(() => checkTaskYaml(yaml, "team/app")).toThrow(message);
    });
});
