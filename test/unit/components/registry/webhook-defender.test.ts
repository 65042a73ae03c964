/** RedeployWebhook and DefenderForContainers under Pulumi mocks, and the shared input checks they rely on. */
import * as pulumi from "@pulumi/pulumi";
import { DefenderForContainers, RedeployWebhook, type DefenderForContainersArgs, type RedeployWebhookArgs } from "../../../../components/registry";
import { BuiltInRole, roleDefinitionIdFor } from "../../../../components/shared/builtin-roles";
import { parseArmId } from "../../../../components/shared/arm-id";
import { alphanumericName, checked, requireHttpsUrl } from "../../../../components/shared/inputs";
import { RG, SUB, one, registryId, run, typesOf } from "../../../support/registry-components";

/** An Output's settled value or error (Output.promise() is the SDK's own accessor, used here only to observe deferred checks). */
function settle<T>(o: pulumi.Output<T>): Promise<T> {
    return (o as unknown as { promise(): Promise<T> }).promise();
}

const hookBase: RedeployWebhookArgs = {
    registry: { name: "appacr", resourceGroupName: RG, location: "westeurope" },
    repository: "team/app",
    serviceUri: "https://dev.azure.com/contoso/_apis/public/distributedtask/webhooks/acrpush?api-version=6.0-preview",
};

describe("RedeployWebhook", () => {
    test("a push webhook scoped to the repository, calling the HTTPS endpoint with URI and headers as secrets", async () => {
        const rs = await run(() => {
            new RedeployWebhook("app", { ...hookBase, customHeaders: { Authorization: pulumi.secret("Basic czpwYXQ=") } });
        });
        expect(typesOf(rs)).toEqual(["azure-native:containerregistry:Webhook", "imagegate:components:RedeployWebhook"]);
        const hook = one(rs, "azure-native:containerregistry:Webhook");
        expect(hook.parentType).toBe("imagegate:components:RedeployWebhook");
        expect(hook.inputs).toEqual({
            resourceGroupName: RG,
            registryName: "appacr",
            location: "westeurope",
            webhookName: "appredeploy",
            actions: ["push"],
            scope: "team/app:*",
            status: "enabled",
            serviceUri: "https://dev.azure.com/contoso/_apis/public/distributedtask/webhooks/acrpush?api-version=6.0-preview",
            customHeaders: { Authorization: "Basic czpwYXQ=" },
        });
        expect(hook.secretPaths.sort()).toEqual(["customHeaders", "serviceUri"]);
    });

    test("a single-tag filter and an explicit webhook name", async () => {
        const rs = await run(() => { new RedeployWebhook("app", { ...hookBase, tag: "stable", webhookName: "appstable01" }); });
        const hook = one(rs, "azure-native:containerregistry:Webhook");
        expect(hook.inputs.scope).toBe("team/app:stable");
        expect(hook.inputs.webhookName).toBe("appstable01");
        expect(hook.inputs.customHeaders).toBeUndefined();
    });

    const bad: [string, Partial<RedeployWebhookArgs>, RegExp][] = [
        ["an http endpoint", { serviceUri: "http://ci.example.com/hook" }, /serviceUri must use https/],
        ["a non-URL endpoint", { serviceUri: "ci.example.com/hook" }, /absolute https:\/\/ URL/],
        ["credentials in the URL", { serviceUri: "https://user:pw@ci.example.com/hook" }, /must not embed credentials/],
        ["no endpoint", { serviceUri: "" }, /serviceUri .* is required/],
        ["a repository with a tag", { repository: "team/app:1" }, /RedeployWebhook: repository "team\/app:1" must be a repository path only/],
        ["a tag filter with a wildcard inside", { tag: "v1*" }, /tag must be "\*" or a single tag/],
        ["a webhook name with a dash", { webhookName: "app-hook" }, /5–50 letters and digits/],
        ["no registry", { registry: undefined as never }, /registry \{ name, resourceGroupName \} is required/],
    ];
    test.each(bad)("refuses %s at construction", async (_, override, message) => {
        let thrown: unknown;
        const rs = await run(() => {
            try {
                new RedeployWebhook("app", { ...hookBase, ...override } as RedeployWebhookArgs);
            } catch (e) {
                thrown = e;
            }
        });
        expect(String(thrown)).toMatch(message);
        expect(rs.filter((r) => r.custom)).toEqual([]);
    });

    test("the error for a bad endpoint does not echo the URL (it may carry a token)", () => {
        expect(() => new RedeployWebhook("app", { ...hookBase, serviceUri: "http://ci.example.com/hook?token=SECRET42" })).toThrow(/^(?!.*SECRET42).*$/s);
    });
});

describe("DefenderForContainers", () => {
    const defBase: DefenderForContainersArgs = { subscriptionId: SUB, acknowledgeSubscriptionWide: true };

    test("Containers plan, Standard tier, at the subscription scope, registry VA and agentless discovery on, the rest explicitly off", async () => {
        const rs = await run(() => { new DefenderForContainers("defender", defBase); });
        expect(typesOf(rs)).toEqual(["azure-native:security:Pricing", "imagegate:components:DefenderForContainers"]);
        const pricing = one(rs, "azure-native:security:Pricing");
        expect(pricing.parentType).toBe("imagegate:components:DefenderForContainers");
        expect(pricing.inputs).toEqual({
            pricingName: "Containers",
            scopeId: `/subscriptions/${SUB}`,
            pricingTier: "Standard",
            extensions: [
                { name: "ContainerRegistriesVulnerabilityAssessments", isEnabled: "True" },
                { name: "AgentlessDiscoveryForKubernetes", isEnabled: "True" },
                { name: "ContainerSensor", isEnabled: "False" },
                { name: "AgentlessVmScanning", isEnabled: "False" },
            ],
        });
    });

    test("coverage: what the deployed plan covers, for other stacks, read from the Pricing's outputs", async () => {
        let coverage: unknown;
        await run(() => {
            new DefenderForContainers("defender", defBase).coverage.apply((c) => { coverage = c; });
        });
        expect(coverage).toEqual({
            kind: "imagegate/defender-for-containers/v1",
            plan: "Containers",
            pricingTier: "Standard",
            registryVulnerabilityAssessment: true,
            scopeId: `/subscriptions/${SUB}`,
        });
    });

    test("optional extensions and enforce", async () => {
        const rs = await run(() => { new DefenderForContainers("defender", { ...defBase, containerSensor: true, agentlessVmScanning: true, enforce: true }); });
        const p = one(rs, "azure-native:security:Pricing").inputs;
        expect(p.extensions.every((e: { isEnabled: string }) => e.isEnabled === "True")).toBe(true);
        expect(p.enforce).toBe("True");
    });

    test.each([
        ["without the subscription-wide acknowledgement", { acknowledgeSubscriptionWide: undefined as never }, /acknowledgeSubscriptionWide: true/],
        ["with a subscription that is not a GUID", { subscriptionId: "my-sub" }, /subscriptionId must be a subscription GUID/],
        ["without a subscription", { subscriptionId: undefined as never }, /subscriptionId is required/],
    ])("refuses to run %s", async (_, override, message) => {
        let thrown: unknown;
        const rs = await run(() => {
            try {
                new DefenderForContainers("defender", { ...defBase, ...override } as DefenderForContainersArgs);
            } catch (e) {
                thrown = e;
            }
        });
        expect(String(thrown)).toMatch(message);
        expect(rs.filter((r) => r.custom)).toEqual([]);
    });
});

describe("shared checks", () => {
    test("role definition IDs are the built-in GUIDs under the scope's own subscription", () => {
        expect(BuiltInRole).toEqual({
            AcrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
            AcrPush: "8311e382-0749-4cb8-b61a-304f252e45ec",
            AcrQuarantineReader: "cdda3590-29a3-44f6-95f2-9f980659eb04",
            AcrQuarantineWriter: "c8d4ff99-41c3-41a8-9f60-21dfdad59608",
            KeyVaultCryptoServiceEncryptionUser: "e147488a-f6f5-4113-8e2d-b22465e65bf6",
            // The roles the Image Integrity deploy policy names (its roleDefinitionIds).
            AzureKubernetesServiceContributor: "ed7f3fbd-7b88-4dd4-9017-9adb7ce333f8",
            KubernetesExtensionContributor: "18ed5180-3e48-46fd-8541-4ea054d57064",
        });
        expect(roleDefinitionIdFor(registryId("appacr").toUpperCase().replace("/SUBSCRIPTIONS/", "/subscriptions/"), "AcrPull"))
            .toBe(`/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d`);
        expect(() => roleDefinitionIdFor("appacr", "AcrPull")).toThrow(/role assignment scope must be an Azure resource ID/);
    });

    test("ARM IDs: subscriptions, groups and top-level resources parse; nested IDs and junk do not", () => {
        expect(parseArmId(`/subscriptions/${SUB}`, "x")).toEqual({ subscriptionId: SUB, resourceGroup: undefined, resourceType: undefined, name: undefined });
        expect(parseArmId(registryId("appacr"), "x")).toEqual({ subscriptionId: SUB, resourceGroup: RG, resourceType: "Microsoft.ContainerRegistry/registries", name: "appacr" });
        expect(() => parseArmId(`${registryId("appacr")}/webhooks/h`, "scope")).toThrow(/scope must be an Azure resource ID/);
        expect(() => parseArmId("/subscriptions/not-a-guid", "scope")).toThrow(/scope must be/);
    });

    test("plain values are checked at construction; values known only at deployment are checked when they resolve", async () => {
        expect(() => checked("http://now.example.com", (u) => requireHttpsUrl(u, "endpoint"))).toThrow(/endpoint must use https/);
        const seen: string[] = [];
        const late = checked(pulumi.output("https://late.example.com"), (u) => { seen.push(u); });
        expect(seen).toEqual([]); // not yet resolved: nothing checked at construction
        await expect(settle(late)).resolves.toBe("https://late.example.com");
        expect(seen).toEqual(["https://late.example.com"]);
    });

    test("alphanumeric names are derived from component names, or refused when too short", () => {
        expect(alphanumericName("my-app_1", "redeploy")).toBe("myapp1redeploy");
        expect(alphanumericName("x".repeat(60), "hook")).toHaveLength(50);
        expect(() => alphanumericName("-", "ab")).toThrow(/pass an explicit name/);
    });
});
