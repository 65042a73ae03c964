import { discoverImages, isAzureType, parseTypeToken } from "../../../core/discovery";
import { UNKNOWN_STRING } from "../../../core/unknown";

const pod = (prefix: string) => ({
    initContainers: [{ name: "init", image: `${prefix}-init` }],
    containers: [{ name: "main", image: `${prefix}-main` }, { name: "side", image: `${prefix}-side` }],
    ephemeralContainers: [{ name: "debug", image: `${prefix}-debug` }],
});
const images = (type: string, props: unknown) => discoverImages(type, props)?.sites.map((s) => [s.path, s.value, s.container]);

describe("Kubernetes workloads: every kind, every container list", () => {
    const cases: [string, unknown, string][] = [
        ["kubernetes:core/v1:Pod", { spec: pod("p") }, "spec"],
        ["kubernetes:core/v1:PodTemplate", { template: { spec: pod("p") } }, "template.spec"],
        ["kubernetes:apps/v1:Deployment", { spec: { template: { spec: pod("p") } } }, "spec.template.spec"],
        ["kubernetes:apps/v1:StatefulSet", { spec: { template: { spec: pod("p") } } }, "spec.template.spec"],
        ["kubernetes:apps/v1:DaemonSet", { spec: { template: { spec: pod("p") } } }, "spec.template.spec"],
        ["kubernetes:apps/v1:ReplicaSet", { spec: { template: { spec: pod("p") } } }, "spec.template.spec"],
        ["kubernetes:core/v1:ReplicationController", { spec: { template: { spec: pod("p") } } }, "spec.template.spec"],
        ["kubernetes:batch/v1:Job", { spec: { template: { spec: pod("p") } } }, "spec.template.spec"],
        ["kubernetes:batch/v1:CronJob", { spec: { jobTemplate: { spec: { template: { spec: pod("p") } } } } }, "spec.jobTemplate.spec.template.spec"],
        ["kubernetes:batch/v1beta1:CronJob", { spec: { jobTemplate: { spec: { template: { spec: pod("p") } } } } }, "spec.jobTemplate.spec.template.spec"],
        ["kubernetes:apps/v1beta1:Deployment", { spec: { template: { spec: pod("p") } } }, "spec.template.spec"],
        ["kubernetes:extensions/v1beta1:DaemonSet", { spec: { template: { spec: pod("p") } } }, "spec.template.spec"],
        ["kubernetes:apps/v1:DeploymentPatch", { spec: { template: { spec: pod("p") } } }, "spec.template.spec"],
        ["kubernetes:core/v1:PodPatch", { spec: pod("p") }, "spec"],
        ["kubernetes:batch/v1:CronJobPatch", { spec: { jobTemplate: { spec: { template: { spec: pod("p") } } } } }, "spec.jobTemplate.spec.template.spec"],
    ];
    it.each(cases)("%s", (type, props, base) => {
        expect(images(type, props)).toEqual([
            [`${base}.initContainers[0].image`, "p-init", "init"],
            [`${base}.containers[0].image`, "p-main", "main"],
            [`${base}.containers[1].image`, "p-side", "side"],
            [`${base}.ephemeralContainers[0].image`, "p-debug", "debug"],
        ]);
    });

    it("list kinds: every item", () => {
        expect(images("kubernetes:apps/v1:DeploymentList", { items: [{ spec: { template: { spec: { containers: [{ name: "a", image: "x" }] } } } }, { spec: { template: { spec: { containers: [{ name: "b", image: "y" }] } } } }] })).toEqual([
            ["items[0].spec.template.spec.containers[0].image", "x", "a"],
            ["items[1].spec.template.spec.containers[0].image", "y", "b"],
        ]);
    });

    it("kinds without pod specs carry no images", () => {
        expect(discoverImages("kubernetes:core/v1:ConfigMap", { data: { containers: "x" } })).toBeUndefined();
        expect(discoverImages("kubernetes:core/v1:Service", { spec: {} })).toBeUndefined();
        expect(discoverImages("kubernetes:helm.sh/v3:Release", { values: { image: "x" } })).toBeUndefined();
    });

    it("a workload without containers yet has no sites (not a pass of anything)", () => {
        expect(discoverImages("kubernetes:apps/v1:Deployment", { spec: {} })).toEqual({ family: "kubernetes", kind: "Deployment", sites: [] });
    });

    it("a container without an image is a site with no value", () => {
        expect(images("kubernetes:core/v1:Pod", { spec: { containers: [{ name: "x" }] } })).toEqual([["spec.containers[0].image", undefined, "x"]]);
    });

    it("a container entry that is not an object is reported", () => {
        const d = discoverImages("kubernetes:core/v1:Pod", { spec: { containers: ["nginx"] } });
        expect(d?.sites[0]).toMatchObject({ path: "spec.containers[0]", problem: expect.stringMatching(/not an object/) });
    });
});

describe("custom resources carrying pod specs", () => {
    it("Argo Rollout", () => {
        expect(images("kubernetes:argoproj.io/v1alpha1:Rollout", { spec: { template: { spec: { containers: [{ name: "a", image: "x" }], initContainers: [{ name: "i", image: "y" }] } } } })).toEqual([
            ["spec.template.spec.containers[0].image", "x", "a"],
            ["spec.template.spec.initContainers[0].image", "y", "i"],
        ]);
    });
    it("Knative Service", () => {
        expect(images("kubernetes:serving.knative.dev/v1:Service", { spec: { template: { spec: { containers: [{ image: "k" }] } } } })).toEqual([
            ["spec.template.spec.containers[0].image", "k", undefined],
        ]);
    });
    it("deeply nested and in arrays (e.g. a Tekton pipeline's task specs)", () => {
        expect(images("kubernetes:example.com/v1:Thing", { spec: { stages: [{ pod: { ephemeralContainers: [{ name: "e", image: "z" }] } }] } })).toEqual([
            ["spec.stages[0].pod.ephemeralContainers[0].image", "z", "e"],
        ]);
    });
    it("a custom resource without containers is not a workload", () => {
        expect(discoverImages("kubernetes:cert-manager.io/v1:Certificate", { spec: { dnsNames: ["a"] } })).toBeUndefined();
    });
});

describe("Azure workloads", () => {
    it("Container Apps, plain and versioned tokens, containers and init containers", () => {
        const props = { template: { containers: [{ name: "app", image: "a" }], initContainers: [{ name: "init", image: "b" }] } };
        for (const type of ["azure-native:app:ContainerApp", "azure-native:app/v20250101:ContainerApp", "azure-native:app/v20240202preview:ContainerApp", "azure-native:app:Job"]) {
            expect(images(type, props)).toEqual([
                ["template.initContainers[0].image", "b", "init"],
                ["template.containers[0].image", "a", "app"],
            ]);
        }
    });
    it("Container Apps session pools", () => {
        expect(images("azure-native:app:ContainerAppsSessionPool", { customContainerTemplate: { containers: [{ name: "s", image: "x" }] } })).toEqual([
            ["customContainerTemplate.containers[0].image", "x", "s"],
        ]);
    });
    it("Container Instances: containers and init containers", () => {
        for (const type of ["azure-native:containerinstance:ContainerGroup", "azure-native:containerinstance/v20230501:ContainerGroup", "azure-native:containerinstance:ContainerGroupProfile"]) {
            expect(images(type, { containers: [{ name: "c", image: "x" }], initContainers: [{ name: "i", image: "y" }] })).toEqual([
                ["initContainers[0].image", "y", "i"],
                ["containers[0].image", "x", "c"],
            ]);
        }
    });
    it("App Service sites and slots: DOCKER| in linuxFxVersion and windowsFxVersion", () => {
        for (const type of ["azure-native:web:WebApp", "azure-native:web:WebAppSlot", "azure-native:web/v20240401:WebApp"]) {
            expect(images(type, { siteConfig: { linuxFxVersion: "DOCKER|contoso.azurecr.io/app:1" } })).toEqual([["siteConfig.linuxFxVersion", "contoso.azurecr.io/app:1", undefined]]);
            expect(images(type, { siteConfig: { windowsFxVersion: "docker|mcr.microsoft.com/x:1" } })).toEqual([["siteConfig.windowsFxVersion", "mcr.microsoft.com/x:1", undefined]]);
            expect(discoverImages(type, { siteConfig: { windowsFxVersion: "docker|x" } })?.sites[0].prefix).toBe("docker|");
        }
    });
    it("App Service language stacks carry no image", () => {
        expect(images("azure-native:web:WebApp", { siteConfig: { linuxFxVersion: "NODE|20-lts" } })).toEqual([]);
    });
    it("App Service COMPOSE| files: every service's image", () => {
        const compose = Buffer.from("services:\n  web:\n    image: nginx:1.27\n  cache:\n    image: redis\n").toString("base64");
        expect(images("azure-native:web:WebApp", { siteConfig: { linuxFxVersion: `COMPOSE|${compose}` } })).toEqual([
            ["siteConfig.linuxFxVersion(compose services.web.image)", "nginx:1.27", "web"],
            ["siteConfig.linuxFxVersion(compose services.cache.image)", "redis", "cache"],
        ]);
        expect(discoverImages("azure-native:web:WebApp", { siteConfig: { linuxFxVersion: `COMPOSE|${compose}` } })?.sites[0].rewritable).toBe(false);
        const bad = discoverImages("azure-native:web:WebApp", { siteConfig: { linuxFxVersion: "COMPOSE|%%%" } });
        expect(bad?.sites[0].problem).toMatch(/COMPOSE/);
    });
    it("App Service sidecar containers", () => {
        expect(images("azure-native:web:WebAppSiteContainer", { image: "x" })).toEqual([["image", "x", undefined]]);
    });
    it("other Azure resources carry no images", () => {
        expect(discoverImages("azure-native:containerregistry:Registry", { sku: { name: "Premium" } })).toBeUndefined();
        expect(discoverImages("azure-native:resources:ResourceGroup", {})).toBeUndefined();
    });
});

describe("unknown values stay per image", () => {
    it("an unknown image is a site of its own beside known ones", () => {
        expect(images("kubernetes:core/v1:Pod", { spec: { containers: [{ name: "a", image: UNKNOWN_STRING }, { name: "b", image: "nginx" }] } })).toEqual([
            ["spec.containers[0].image", UNKNOWN_STRING, "a"],
            ["spec.containers[1].image", "nginx", "b"],
        ]);
    });
    it("an unknown container list, container or template is reported where it is", () => {
        expect(images("kubernetes:core/v1:Pod", { spec: { containers: UNKNOWN_STRING } })).toEqual([["spec.containers", UNKNOWN_STRING, undefined]]);
        expect(images("kubernetes:apps/v1:Deployment", { spec: { template: UNKNOWN_STRING } })).toEqual([["spec.template", UNKNOWN_STRING, undefined]]);
        expect(images("kubernetes:core/v1:Pod", { spec: { containers: [UNKNOWN_STRING] } })).toEqual([["spec.containers[0]", UNKNOWN_STRING, undefined]]);
        expect(images("azure-native:web:WebApp", { siteConfig: { linuxFxVersion: UNKNOWN_STRING } })).toEqual([["siteConfig.linuxFxVersion", UNKNOWN_STRING, undefined]]);
        expect(images("azure-native:app:ContainerApp", { template: UNKNOWN_STRING })).toEqual([["template", UNKNOWN_STRING, undefined]]);
    });
});

describe("type tokens", () => {
    it("parses plain and versioned tokens", () => {
        expect(parseTypeToken("azure-native:app/v20250101:ContainerApp")).toEqual({ pkg: "azure-native", module: "app", version: "v20250101", kind: "ContainerApp" });
        expect(parseTypeToken("azure-native:containerregistry/v20230101preview:Registry")).toMatchObject({ module: "containerregistry", version: "v20230101preview" });
        expect(parseTypeToken("kubernetes:apps/v1:Deployment")).toEqual({ pkg: "kubernetes", module: "apps", version: "v1", kind: "Deployment" });
        expect(parseTypeToken("pulumi:pulumi:Stack")).toEqual({ pkg: "pulumi", module: "pulumi", kind: "Stack" });
        expect(parseTypeToken("nonsense")).toBeUndefined();
        expect(isAzureType("azure-native:containerregistry/v20250401:Registry", "containerregistry", "Registry")).toBe(true);
        expect(isAzureType("azure-native:containerregistry:RegistryX", "containerregistry", "Registry")).toBe(false);
        expect(isAzureType("azure:containerregistry:Registry", "containerregistry", "Registry")).toBe(false);
    });
});
