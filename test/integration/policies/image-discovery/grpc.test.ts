/**
 * Where images are found, through the compiled pack (dist/) launched as the Pulumi CLI launches it
 * and driven over Analyzer gRPC: resources that used to pass with no diagnostic (a Deployment with
 * no container, a helm.sh/v3 Release, an ARM template deployment, App Service site config, the
 * legacy web ContainerApp, the classic azure provider's container resources, an unknown custom
 * resource spec, nesting past the walk limit) are judged or reported by every image policy.
 */
import * as fs from "fs";
import * as path from "path";
import { AnalyzerHarness, UNKNOWN } from "../../../../cli/harness";
import type { Diagnostic } from "../../../../cli/harness/types";
import { MAX_WALK_DEPTH } from "../../../../core/discovery";
import { ecKey, publicPem } from "../../../support/signing";
import { PACK_DIR, REPO_ROOT } from "../../../support/paths";

const IMAGE_POLICIES = ["trusted-registries", "require-digest", "no-latest-tag", "scanned-images", "signed-images"];
const PINNED = `contoso.azurecr.io/shop/web:1.4.2@sha256:${"d".repeat(64)}`;
const ARM_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

const res = (type: string, properties: Record<string, unknown>, name = "r") => ({ type, name, urn: `urn:pulumi:dev::p::${type}::${name}`, properties });
const lines = (ds: Diagnostic[], policy: string) => ds.filter((d) => d.policyName === policy).map((d) => [d.enforcementLevel, d.message.split("\n")[1]]);

/** The container group of the aci-linuxcontainer-public-ip quickstart (Azure/azure-quickstart-templates, MIT), trimmed. */
const aciTemplate = {
    $schema: ARM_SCHEMA,
    contentVersion: "1.0.0.0",
    parameters: { name: { type: "string", defaultValue: "acilinuxpublicipcontainergroup" }, image: { type: "string", defaultValue: "mcr.microsoft.com/azuredocs/aci-helloworld" } },
    resources: [{
        type: "Microsoft.ContainerInstance/containerGroups", apiVersion: "2021-09-01", name: "[parameters('name')]", location: "[resourceGroup().location]",
        properties: { containers: [{ name: "[parameters('name')]", properties: { image: "[parameters('image')]", resources: { requests: { cpu: 1, memoryInGB: 2 } } } }], osType: "Linux" },
    }],
};

let h: AnalyzerHarness;
beforeAll(async () => {
    if (!fs.existsSync(path.join(REPO_ROOT, "dist", "policies", "index.js"))) {
        throw new Error("dist/policies/index.js is missing: run `npm run build` before these tests");
    }
    h = await AnalyzerHarness.launch({ packDir: PACK_DIR, startTimeoutMs: 60_000 });
}, 90_000);
afterAll(async () => {
    await h?.close();
});

const configure = (unknownImages: "advisory" | "enforce") => h.configureFromFile({
    "trusted-registries": { enforcementLevel: "mandatory", registries: ["contoso.azurecr.io"], unknownImages },
    "require-digest": { enforcementLevel: "mandatory", unknownImages },
    "no-latest-tag": { enforcementLevel: "mandatory", unknownImages },
    "scanned-images": { enforcementLevel: "mandatory", unknownImages },
    "signed-images": { enforcementLevel: "mandatory", unknownImages, cosign: { keys: [publicPem(ecKey())] } },
});

describe("images wherever they can run, over gRPC", () => {
    beforeAll(() => configure("advisory"), 30_000);

    it("a Deployment whose pod spec lists no container is a violation in every image policy", async () => {
        const r = await h.analyze(res("kubernetes:apps/v1:Deployment", { metadata: { name: "web" }, spec: { selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { volumes: [] } } } }, "web"));
        for (const p of IMAGE_POLICIES) {
            expect(lines(r.diagnostics, p)).toEqual([[
                "mandatory",
                'Deployment "web" spec.template.spec.containers: no container is listed, so the images this workload runs cannot be judged. Fix: list the containers at this path (if they come from a YAML merge key `<<:` or an anchor, write them out).',
            ]]);
        }
    });

    it("a helm.sh/v3 Release: its values' images are judged, its rendered images are unknown (advisory by default)", async () => {
        const r = await h.analyze(res("kubernetes:helm.sh/v3:Release", {
            chart: "ingress-nginx", version: "4.11.3", repositoryOpts: { repo: "https://kubernetes.github.io/ingress-nginx" },
            values: { controller: { image: { registry: "registry.k8s.io", image: "ingress-nginx/controller", tag: "v1.11.3" }, admissionWebhooks: { patch: { image: { registry: "ghcr.io", repository: "acme/kube-webhook-certgen", tag: "v1.4.4" } } } } },
        }, "ingress"));
        // Properties travel as a protobuf Struct, whose keys may arrive reordered.
        expect(lines(r.diagnostics, "trusted-registries")).toEqual([
            ["mandatory", expect.stringMatching(/^Release "ingress" values\.controller\.admissionWebhooks\.patch\.image: image "ghcr\.io\/acme\/kube-webhook-certgen:v1\.4\.4" fails because ghcr\.io\/acme\/kube-webhook-certgen is not in a trusted registry/)],
            ["mandatory", expect.stringMatching(/^Release "ingress" values\.controller\.image: image "registry\.k8s\.io\/ingress-nginx\/controller:v1\.11\.3" fails because registry\.k8s\.io\/ingress-nginx\/controller is not in a trusted registry/)],
            [
                "advisory",
                'Release "ingress" chart: the images chart "ingress-nginx" renders are never sent to policy packs: a helm.sh/v3 Release renders and installs its templates inside the Kubernetes provider, so its images cannot be verified. ' +
                "Fix: deploy the chart with kubernetes:helm.sh/v4:Chart (`new k8s.helm.v4.Chart(…)`), which renders it in the program so every object it creates is judged, or judge `helm template` output with `imagegate check`.",
            ],
        ]);
        for (const p of IMAGE_POLICIES) expect(lines(r.diagnostics, p)).toContainEqual(["advisory", expect.stringMatching(/^Release "ingress" chart: the images chart "ingress-nginx" renders are never sent/)]);
    });

    it("an ARM template deployment: the container group's image from the template's default, a linked template unknown", async () => {
        const r = await h.analyze(res("azure-native:resources:Deployment", { resourceGroupName: "rg", properties: { mode: "Incremental", template: aciTemplate } }, "aci"));
        expect(lines(r.diagnostics, "trusted-registries")).toEqual([[
            "mandatory",
            expect.stringMatching(/^Deployment "aci" properties\.template\.resources\[0\]\.properties\.containers\[0\]\.properties\.image \(container "acilinuxpublicipcontainergroup"\): image "mcr\.microsoft\.com\/azuredocs\/aci-helloworld" fails because mcr\.microsoft\.com\/azuredocs\/aci-helloworld is not in a trusted registry/),
        ]]);
        expect(lines(r.diagnostics, "no-latest-tag")).toEqual([["mandatory", expect.stringMatching(/aci-helloworld" fails because it has no tag and no digest/)]]);
        const bicep = await h.analyze(res("azure-native:resources/v20240301:Deployment", {
            resourceGroupName: "rg",
            properties: {
                mode: "Incremental", parameters: { tag: { value: "1.4.2" } },
                template: { $schema: ARM_SCHEMA, languageVersion: "2.0", contentVersion: "1.0.0.0", parameters: { tag: { type: "string" } }, resources: { web: { type: "Microsoft.App/containerApps", apiVersion: "2024-03-01", name: "web", properties: { template: { containers: [{ name: "web", image: "[format('docker.io/acme/web:{0}', parameters('tag'))]" }] } } } } },
            },
        }, "bicep"));
        expect(lines(bicep.diagnostics, "trusted-registries")).toEqual([["mandatory", expect.stringMatching(/^Deployment "bicep" properties\.template\.resources\.web\.properties\.template\.containers\[0\]\.image \(container "web"\): image "docker\.io\/acme\/web:1\.4\.2" fails/)]]);
        const linked = await h.analyze(res("azure-native:resources:Deployment", { resourceGroupName: "rg", properties: { mode: "Incremental", templateLink: { uri: "https://example.com/azuredeploy.json" } } }, "linked"));
        expect(lines(linked.diagnostics, "trusted-registries")).toEqual([[
            "advisory",
            'Deployment "linked" properties.templateLink: the deployment\'s template is linked (templateLink), and the pack does not fetch it, so its images cannot be verified. Fix: pass the template inline in `template` (for example JSON.parse of the file) so its container resources are judged.',
        ]]);
    });

    it("App Service site config, the legacy web ContainerApp and versioned tokens", async () => {
        const cfg = await h.analyze(res("azure-native:web:WebAppConfiguration", { name: "shop", resourceGroupName: "rg", linuxFxVersion: "DOCKER|nginx:1.27" }, "shop"));
        expect(lines(cfg.diagnostics, "trusted-registries")).toEqual([["mandatory", expect.stringMatching(/^WebAppConfiguration "shop" linuxFxVersion: image "nginx:1\.27" fails because docker\.io\/library\/nginx is not in a trusted registry/)]]);
        const legacy = await h.analyze(res("azure-native:web/v20220301:ContainerApp", { kubeEnvironmentId: "/x", template: { containers: [{ name: "app", image: "ghcr.io/acme/app:1" }] } }, "legacy"));
        expect(lines(legacy.diagnostics, "trusted-registries")).toEqual([["mandatory", expect.stringMatching(/^ContainerApp "legacy" template\.containers\[0\]\.image \(container "app"\): image "ghcr\.io\/acme\/app:1" fails/)]]);
    });

    it("the classic azure provider: container groups, container apps and jobs, Linux web and function apps", async () => {
        const cases: [string, Record<string, unknown>, RegExp][] = [
            ["azure:containerservice/group:Group", { osType: "Linux", containers: [{ name: "app", image: "ghcr.io/acme/app:1", cpu: 1, memory: 1 }] }, /^Group "r" containers\[0\]\.image \(container "app"\): image "ghcr\.io\/acme\/app:1" fails/],
            ["azure:containerapp/app:App", { revisionMode: "Single", template: { containers: [{ name: "app", image: "ghcr.io/acme/app:1", cpu: 0.25, memory: "0.5Gi" }] } }, /^App "r" template\.containers\[0\]\.image \(container "app"\): image "ghcr\.io\/acme\/app:1" fails/],
            ["azure:containerapp/job:Job", { template: { containers: [{ name: "job", image: "ghcr.io/acme/job:1" }] } }, /^Job "r" template\.containers\[0\]\.image \(container "job"\): image "ghcr\.io\/acme\/job:1" fails/],
            ["azure:appservice/linuxWebApp:LinuxWebApp", { siteConfig: { applicationStack: { dockerImageName: "appsvc/staticsite:latest", dockerRegistryUrl: "https://mcr.microsoft.com" } } }, /^LinuxWebApp "r" siteConfig\.applicationStack\.dockerImageName: image "mcr\.microsoft\.com\/appsvc\/staticsite:latest" fails/],
            ["azure:appservice/linuxFunctionApp:LinuxFunctionApp", { siteConfig: { applicationStack: { dockers: [{ registryUrl: "https://ghcr.io", imageName: "acme/fn", imageTag: "2" }] } } }, /^LinuxFunctionApp "r" siteConfig\.applicationStack\.dockers\[0\]\.imageName: image "ghcr\.io\/acme\/fn:2" fails/],
        ];
        for (const [type, props, message] of cases) {
            const r = await h.analyze(res(type, props));
            expect(lines(r.diagnostics, "trusted-registries")).toEqual([["mandatory", expect.stringMatching(message)]]);
        }
        const empty = await h.analyze(res("azure:containerapp/app:App", { revisionMode: "Single", template: {} }));
        expect(lines(empty.diagnostics, "require-digest")).toEqual([["mandatory", expect.stringMatching(/^App "r" template\.containers: no container is listed/)]]);
    });

    it("a pod template nested past the walk limit is a violation, not a silent stop", async () => {
        let nested: Record<string, unknown> = { containers: [{ name: "a", image: PINNED }] };
        for (let i = 0; i < MAX_WALK_DEPTH + 2; i++) nested = { level: nested };
        const r = await h.analyze(res("kubernetes:example.com/v1:Deep", { spec: nested }, "deep"));
        expect(lines(r.diagnostics, "trusted-registries")).toEqual([[
            "mandatory",
            `Deep "deep" spec${".level".repeat(MAX_WALK_DEPTH - 1)}: the value nests deeper than ${MAX_WALK_DEPTH} levels, where the walk stops, so images below it cannot be judged. Fix: flatten the resource's properties; no Kubernetes or Azure schema nests this deep.`,
        ]]);
    });
});

describe('with unknownImages: "enforce"', () => {
    beforeAll(() => configure("enforce"), 30_000);

    it("a custom resource whose whole spec is unknown, and a Helm release's rendered images, are blocked at the policy's level", async () => {
        const cr = await h.analyze(res("kubernetes:tekton.dev/v1:Task", { metadata: { name: "build" }, spec: UNKNOWN }, "build"));
        for (const p of IMAGE_POLICIES) {
            expect(lines(cr.diagnostics, p)).toEqual([["mandatory", 'Task "build" spec: the image is not known until another resource is created, so it cannot be verified at preview; it will be checked during `pulumi up`.']]);
        }
        const release = await h.analyze(res("kubernetes:helm.sh/v3:Release", { chart: "podinfo", values: { replicaCount: 2 } }, "podinfo"));
        expect(lines(release.diagnostics, "trusted-registries")).toEqual([["mandatory", expect.stringMatching(/^Release "podinfo" chart: the images chart "podinfo" renders are never sent to policy packs/)]]);
    });

    it("keeps stdout for the port", () => {
        expect(h.protocolErrors()).toEqual([]);
    });
});
