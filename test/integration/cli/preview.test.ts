/** `imagegate preview`: a Pulumi program run under mocks, its resources judged by the imagegate pack. */
import * as fs from "fs";
import * as path from "path";
import { engineUrn } from "../../../cli/preview/run-program";
import { armId, mockResource } from "../../../cli/preview/mock-outputs";
import { configValue, loadProject } from "../../../cli/preview/program-config";
import { cli } from "../../support/cli";
import { REPO_ROOT } from "../../support/paths";

const ROOT = REPO_ROOT;
const P = "test/fixtures/programs";


describe("preview building blocks", () => {
    it("builds URNs like the engine: parent chain without the root stack", () => {
        const stack = "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev";
        expect(engineUrn("dev", "proj", "my:comp:App", "web", stack)).toBe("urn:pulumi:dev::proj::my:comp:App::web");
        const child = engineUrn("dev", "proj", "kubernetes:apps/v1:Deployment", "d", "urn:pulumi:dev::proj::my:comp:App::web");
        expect(child).toBe("urn:pulumi:dev::proj::my:comp:App$kubernetes:apps/v1:Deployment::d");
        expect(engineUrn("dev", "proj", "x:y:Z", "z", child)).toBe("urn:pulumi:dev::proj::my:comp:App$kubernetes:apps/v1:Deployment$x:y:Z::z");
    });

    it("gives plausible outputs: ARM ids, ACR login servers, inputs echoed", () => {
        const acr = mockResource("azure-native:containerregistry:Registry", "acr", { registryName: "ContosoAcr", resourceGroupName: "rg1", sku: { name: "Premium" } });
        expect(acr.id).toBe("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ContainerRegistry/registries/ContosoAcr");
        expect(acr.state).toMatchObject({ loginServer: "contosoacr.azurecr.io", sku: { name: "Premium" }, id: acr.id });
        expect(armId("azure-native:resources:ResourceGroup", "rg", {})).toBe("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg");
        expect(armId("azure-native:containerservice/v20250101:ManagedCluster", "aks", { resourceGroupName: "rg" })).toContain("/providers/Microsoft.ContainerService/managedClusters/aks");
        expect(mockResource("kubernetes:core/v1:Pod", "p", { metadata: { name: "pod", namespace: "ns" } }).id).toBe("ns/pod");
        // Subscription-scope resources, and the outputs programs read from AKS and Key Vault.
        expect(armId("azure-native:authorization:PolicyDefinition", "d", { policyDefinitionName: "imagegate-trusted" })).toBe("/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/policyDefinitions/imagegate-trusted");
        expect(armId("azure-native:security:Pricing", "p", { pricingName: "Containers" })).toBe("/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Security/pricings/Containers");
        const aks = mockResource("azure-native:containerservice:ManagedCluster", "aks", { resourceGroupName: "rg", oidcIssuerProfile: { enabled: true }, identity: { type: "SystemAssigned" } });
        expect(aks.state).toMatchObject({ identityProfile: { kubeletidentity: { objectId: expect.any(String) } }, oidcIssuerProfile: { issuerURL: expect.stringMatching(/^https:\/\//) }, identity: { principalId: expect.any(String) } });
        expect(mockResource("azure-native:keyvault:Key", "k", { vaultName: "kv1", keyName: "cmk", resourceGroupName: "rg" }).state.keyUri).toBe("https://kv1.vault.azure.net/keys/cmk");
    });

    it("reads stack config as the engine passes it: namespaced keys, string values, objects as JSON", () => {
        const proj = loadProject(path.join(ROOT, P, "basic"), "dev");
        expect(proj.project).toBe("basic-fixture");
        expect(proj.main).toBe(path.join(ROOT, P, "basic", "index.ts"));
        expect(proj.config).toEqual({
            "basic-fixture:appImage": "nginx:latest",
            "basic-fixture:replicas": "2",
            "basic-fixture:labels": '{"team":"web"}',
        });
        expect(() => configValue("p:k", { secure: "AAAB" }, "Pulumi.dev.yaml")).toThrow("config p:k is an encrypted secret");
        expect(() => loadProject(path.join(ROOT, P, "basic"), "prod")).toThrow("stack config Pulumi.prod.yaml not found");
        expect(() => loadProject(path.join(ROOT, P), "dev")).toThrow("no Pulumi.yaml");
    });
});

describe("imagegate preview (CLI)", () => {
    it("prints every registered resource with engine inputs and URNs, and the diagnostics, as one JSON document", async () => {
        const r = await cli(["preview", "--program", `${P}/basic`, "--format", "json", "--include-inputs"]);
        expect(r.code).toBe(1);
        const doc = JSON.parse(r.stdout);
        expect(Object.keys(doc)).toEqual(["summary", "resources", "diagnostics", "errors"]);
        // The summary counts what the text summary counts: the resources judged one by one (not the stack or components).
        expect(doc.summary.checked).toBe(doc.resources.filter((x: { component?: boolean }) => !x.component).length);
        expect(doc.summary.mandatory).toBe(doc.diagnostics.filter((d: { level: string }) => d.level === "mandatory").length);
        const byName = Object.fromEntries(doc.resources.map((x: { name: string }) => [x.name, x]));
        expect(byName["web-deploy"]).toMatchObject({
            type: "kubernetes:apps/v1:Deployment",
            urn: "urn:pulumi:dev::basic-fixture::imagegate:test:App$kubernetes:apps/v1:Deployment::web-deploy",
            inputs: {
                metadata: { name: "web", labels: { team: "web" } },
                spec: { replicas: 2, template: { spec: { containers: [{ name: "app", image: `contosoacr.azurecr.io/web@sha256:${"a".repeat(64)}` }] } } },
            },
        });
        expect(byName["acr"].urn).toBe("urn:pulumi:dev::basic-fixture::azure-native:containerregistry:Registry::acr");
        expect(byName["basic-fixture-dev"]).toMatchObject({ type: "pulumi:pulumi:Stack", component: true }); // judged only as a whole (AnalyzeStack)
        // Secrets never reach the report.
        expect(byName["debug"].inputs.spec.containers[0].env[0].value).toBe("[secret]");
        expect(r.stdout).not.toContain("s3cret");
        for (const d of doc.diagnostics) expect(Object.keys(d)).toEqual(["policy", "level", "urn", "message"]);
        const podFindings = doc.diagnostics.filter((d: { urn: string }) => d.urn === "urn:pulumi:dev::basic-fixture::kubernetes:core/v1:Pod::debug");
        expect(podFindings.map((d: { policy: string }) => d.policy).sort()).toEqual(["no-latest-tag", "require-digest", "trusted-registries"]);
        expect(podFindings.every((d: { level: string }) => d.level === "mandatory")).toBe(true);
    });

    it("prints the Pulumi CLI layout and exits 0 when the only violations are made advisory", async () => {
        const r = await cli(["preview", "--program", `${P}/basic`, "--policy-config", `${P}/all-advisory.json`]);
        expect(r.code).toBe(0);
        expect(r.stdout).toContain("imagegate@v0.1.0");
        expect(r.stdout).toContain("- [advisory]  no-latest-tag  (kubernetes:core/v1:Pod: debug)");
        expect(r.stdout).toContain('Pod "debug" spec.containers[0].image (container "debug"): image "nginx:latest"');
        expect(r.stdout).toMatch(/Policy summary: 3 resources checked, 0 mandatory, \d+ advisory\n$/);
        expect(r.stdout).not.toContain("error:");
    });

    it("names the program and exits 2 when it throws", async () => {
        const r = await cli(["preview", "--program", `${P}/throws`]);
        expect(r.code).toBe(2);
        expect(r.stdout).toBe("");
        expect(r.stderr).toContain(`error: program ${P}/throws (index.ts) failed: Error: boom: the fixture program failed on purpose`);
    });

    it("exits 2 on a missing program directory or stack file", async () => {
        const r = await cli(["preview", "--program", `${P}/missing`]);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain(`${P}/missing: no Pulumi.yaml`);
        const s = await cli(["preview", "--program", `${P}/basic`, "--stack", "prod"]);
        expect(s.code).toBe(2);
        expect(s.stderr).toContain("stack config Pulumi.prod.yaml not found");
    });
});
