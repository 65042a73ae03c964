import { discoverImages, isAzureType, MAX_WALK_DEPTH, parseTypeToken } from "../../../core/discovery";
import { parsePath, setAtPath } from "../../../core/paths";
import { UNKNOWN_STRING } from "../../../core/unknown";

const pod = (prefix: string) => ({
    initContainers: [{ name: "init", image: `${prefix}-init` }],
    containers: [{ name: "main", image: `${prefix}-main` }, { name: "side", image: `${prefix}-side` }],
    ephemeralContainers: [{ name: "debug", image: `${prefix}-debug` }],
});
const images = (type: string, props: unknown) => discoverImages(type, props)?.sites.map((s) => [s.path, s.value, s.container]);
const sites = (type: string, props: unknown) => discoverImages(type, props)?.sites;

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

    it("kinds that run nothing carry no images", () => {
        expect(discoverImages("kubernetes:core/v1:Service", { spec: { ports: [{ port: 80 }] } })).toBeUndefined();
        expect(discoverImages("kubernetes:core/v1:Namespace", { metadata: { name: "apps" } })).toBeUndefined();
    });

    it("a container without an image is a site with no value", () => {
        expect(images("kubernetes:core/v1:Pod", { spec: { containers: [{ name: "x" }] } })).toEqual([["spec.containers[0].image", undefined, "x"]]);
    });

    it("a container entry that is not an object is reported", () => {
        expect(sites("kubernetes:core/v1:Pod", { spec: { containers: ["nginx"] } })?.[0]).toMatchObject({ path: "spec.containers[0]", problem: "container entry is not an object" });
    });

    it("an image volume (volumes[].image.reference) is an image; an RBD volume's image is a Ceph image, not one", () => {
        const spec = { containers: [{ name: "a", image: "x" }], volumes: [{ name: "models", image: { reference: "quay.io/acme/models:v1", pullPolicy: "IfNotPresent" } }, { name: "ceph", rbd: { monitors: ["10.0.0.1:6789"], image: "foo", pool: "kube" } }] };
        expect(images("kubernetes:core/v1:Pod", { spec })).toEqual([
            ["spec.containers[0].image", "x", "a"],
            ["spec.volumes[0].image.reference", "quay.io/acme/models:v1", undefined],
        ]);
        expect(discoverImages("kubernetes:core/v1:PersistentVolume", { spec: { rbd: { image: "foo", monitors: ["m"] } } })).toBeUndefined();
    });
});

describe("a workload with no container is a finding", () => {
    const noContainers = {
        value: undefined,
        problem: "no container is listed, so the images this workload runs cannot be judged",
        fix: "list the containers at this path (if they come from a YAML merge key `<<:` or an anchor, write them out)",
    };
    it.each([
        ["kubernetes:apps/v1:Deployment", { spec: { template: { spec: {} } } }, "spec.template.spec.containers"],
        ["kubernetes:apps/v1:Deployment", { spec: {} }, "spec.template.spec.containers"],
        ["kubernetes:core/v1:Pod", { spec: { containers: [] } }, "spec.containers"],
        ["kubernetes:batch/v1:CronJob", { spec: { schedule: "* * * * *" } }, "spec.jobTemplate.spec.template.spec.containers"],
        ["azure-native:app:ContainerApp", { template: { scale: { minReplicas: 1 } } }, "template.containers"],
        ["azure-native:containerinstance/v20241001preview:ContainerGroup", { osType: "Linux", containers: [] }, "containers"],
        ["azure:containerapp/app:App", { template: {} }, "template.containers"],
        ["azure:containerapp/job:Job", { template: { containers: [] } }, "template.containers"],
        ["azure:containerservice/group:Group", { osType: "Linux" }, "containers"],
    ])("%s %j", (type, props, path) => {
        expect(sites(type, props)).toEqual([{ path, ...noContainers }]);
    });

    it("in each item of a list kind, but not in a patch, which may leave the containers as they are", () => {
        expect(sites("kubernetes:apps/v1:DeploymentList", { items: [{ spec: { template: { spec: { containers: [{ name: "a", image: "x" }] } } } }, { spec: {} }] })?.map((s) => s.path)).toEqual([
            "items[0].spec.template.spec.containers[0].image",
            "items[1].spec.template.spec.containers",
        ]);
        expect(discoverImages("kubernetes:apps/v1:DeploymentPatch", { spec: { replicas: 3 } })).toBeUndefined();
    });

    it("an App Service sidecar without an image is a site with no value", () => {
        expect(images("azure-native:web:WebAppSiteContainer", { name: "app", targetPort: "80" })).toEqual([["image", undefined, undefined]]);
    });
});

describe("data that is not a spec, and image fields that are not images", () => {
    it("ConfigMap data, Secret data and stringData, in items of list kinds too", () => {
        expect(discoverImages("kubernetes:core/v1:ConfigMap", { data: { image: "nginx", containers: "x" }, binaryData: { baseImage: "eA==" } })).toBeUndefined();
        expect(discoverImages("kubernetes:core/v1:Secret", { stringData: { image: "nginx" }, data: { image: "bmdpbng=" } })).toBeUndefined();
        expect(discoverImages("kubernetes:core/v1:ConfigMapList", { items: [{ data: { image: "nginx" } }] })).toBeUndefined();
    });
    it("labels and annotations are strings nothing runs; status is not an input", () => {
        const meta = { name: "x", labels: { image: "nginx" }, annotations: { "example.com/baseImage": "ubuntu" } };
        expect(images("kubernetes:apps/v1:Deployment", { metadata: meta, spec: { template: { metadata: meta, spec: { containers: [{ name: "a", image: "x" }] } } }, status: { image: "y" } })).toEqual([
            ["spec.template.spec.containers[0].image", "x", "a"],
        ]);
    });
    it("a CRD's schema declares an image property; it holds none", () => {
        const schema = { type: "object", properties: { spec: { type: "object", properties: { image: { type: "string", default: "nginx" }, containers: { type: "array", items: { type: "object" } } } } } };
        expect(discoverImages("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", { spec: { group: "example.com", versions: [{ name: "v1", schema: { openAPIV3Schema: schema } }] } })).toBeUndefined();
    });
    it("Kyverno patterns and verifyImages are patterns, not images; its mutate patches are judged", () => {
        const policy = {
            spec: {
                rules: [
                    { name: "no-latest", validate: { pattern: { spec: { containers: [{ image: "!*:latest" }] } } } },
                    { name: "any", validate: { anyPattern: [{ spec: { containers: [{ image: "ghcr.io/*" }] } }] } },
                    { name: "signed", verifyImages: [{ imageReferences: ["ghcr.io/acme/*"], image: "ghcr.io/acme/*" }] },
                    { name: "sidecar", mutate: { patchStrategicMerge: { spec: { containers: [{ name: "proxy", image: "docker.io/acme/proxy:1" }] } } } },
                ],
            },
        };
        expect(images("kubernetes:kyverno.io/v1:ClusterPolicy", policy)).toEqual([["spec.rules[3].mutate.patchStrategicMerge.spec.containers[0].image", "docker.io/acme/proxy:1", "proxy"]]);
    });
    it("Azure tags and VM disks: `sourceImage` tags and `osDisk.image: {uri}` are not container images", () => {
        expect(discoverImages("azure-native:compute:VirtualMachine", {
            tags: { sourceImage: "ubuntu" },
            storageProfile: { imageReference: { publisher: "Canonical", offer: "ubuntu", sku: "22_04-lts" }, osDisk: { image: { uri: "https://x.blob.core.windows.net/vhds/os.vhd" }, createOption: "FromImage" } },
        })).toBeUndefined();
    });
});

describe("fields named like images, in any resource", () => {
    it("image, imageName and *Image strings; an empty one means the operator's default", () => {
        expect(images("kubernetes:example.com/v1:Thing", { spec: { image: "a:1", imageName: "b:1", initImage: "c:1", sidecar: { containerImage: "d:1" }, defaultImage: "" } })).toEqual([
            ["spec.image", "a:1", undefined],
            ["spec.imageName", "b:1", undefined],
            ["spec.initImage", "c:1", undefined],
            ["spec.sidecar.containerImage", "d:1", undefined],
        ]);
    });
    it("objects with registry/repository/tag/digest parts, as charts write them, assembled and never rewritten", () => {
        const D = `sha256:${"a".repeat(64)}`;
        expect(sites("kubernetes:example.com/v1:Thing", {
            spec: {
                full: { image: { registry: "docker.io", repository: "bitnami/nginx", tag: "1.27.3-debian-12-r0", digest: D, pullPolicy: "IfNotPresent" } },
                short: { image: { repository: "nginx", tag: 1.27 } },
                named: { image: { name: "gcr.io/datadoghq/agent", tag: "7.60.0" } },
                ingress: { image: { registry: "registry.k8s.io", image: "ingress-nginx/controller", tag: "v1.11.3" } },
                tagOnly: { image: { tag: "2.0" } },
                policyOnly: { image: { pullPolicy: "Always" } },
                unknownPart: { image: { repository: "nginx", tag: UNKNOWN_STRING } },
            },
        })).toEqual([
            { path: "spec.full.image", value: `docker.io/bitnami/nginx:1.27.3-debian-12-r0@${D}`, rewritable: false },
            { path: "spec.short.image", value: "nginx:1.27", rewritable: false },
            { path: "spec.named.image", value: "gcr.io/datadoghq/agent:7.60.0", rewritable: false },
            { path: "spec.ingress.image", value: "registry.k8s.io/ingress-nginx/controller:v1.11.3", rewritable: false },
            {
                path: "spec.tagOnly.image", value: UNKNOWN_STRING,
                unknownReason: "the image object names no repository, so the chart or operator fills in its default image",
                fix: "set `repository` (and `tag` or `digest`) so the pack can judge the image",
            },
            { path: "spec.unknownPart.image", value: UNKNOWN_STRING, rewritable: false },
        ]);
    });
    it("only `image` strings are rewritable in place", () => {
        const s = sites("kubernetes:example.com/v1:Thing", { spec: { image: "a:1", baseImage: "b:1" } });
        expect(s?.map((x) => x.rewritable)).toEqual([undefined, false]);
    });
    it("keys that are not plain names are quoted in paths, and the path writes back to the same place", () => {
        const props = { spec: { config: { "group.id": { image: "a:1" } }, "0": { image: "b:1" } } };
        const found = sites("kubernetes:example.com/v1:Thing", props)!;
        expect(found.map((s) => s.path).sort()).toEqual(['spec.config["group.id"].image', 'spec["0"].image']);
        for (const s of found) expect(parsePath(s.path)).toEqual(s.path.startsWith('spec["0"]') ? ["spec", "0", "image"] : ["spec", "config", "group.id", "image"]);
        expect(setAtPath(props, 'spec.config["group.id"].image', "z")).toEqual({ spec: { config: { "group.id": { image: "z" } }, "0": { image: "b:1" } } });
    });
    it("placeholders a custom resource's operator fills in are unknown, not passed and not failed", () => {
        expect(sites("kubernetes:tekton.dev/v1:Task", { spec: { steps: [{ name: "build", image: "$(params.builder)" }] } })).toEqual([{
            path: "spec.steps[0].image", value: UNKNOWN_STRING,
            unknownReason: 'the image "$(params.builder)" is a placeholder filled in at run time',
            fix: "write the image literally, or judge the values the placeholder takes where they are set",
        }]);
        expect(sites("kubernetes:argoproj.io/v1alpha1:Workflow", { spec: { templates: [{ name: "t", container: { image: "{{inputs.parameters.image}}" } }] } })?.[0].unknownReason).toMatch(/placeholder/);
        // In a built-in kind nothing fills it in: the reference is judged (and fails to parse).
        expect(images("kubernetes:apps/v1:Deployment", { spec: { template: { spec: { containers: [{ name: "a", image: "{{ .Values.image }}" }] } } } })).toEqual([
            ["spec.template.spec.containers[0].image", "{{ .Values.image }}", "a"],
        ]);
    });
    it("Argo's podSpecPatch can set any image at run time and is reported", () => {
        expect(sites("kubernetes:argoproj.io/v1alpha1:Workflow", { spec: { podSpecPatch: '{"containers":[{"name":"main","image":"evil.io/x"}]}', templates: [] } })?.[0]).toMatchObject({
            path: "spec.podSpecPatch", value: UNKNOWN_STRING, unknownReason: expect.stringMatching(/^the pod spec patch is a string the operator applies at run time/),
        });
    });
});

describe("custom resources of known operators, by the rule (shapes from the projects' examples)", () => {
    it("Tekton: steps, sidecars, stepTemplate (TaskRun taskSpec, Task, Pipeline taskSpec)", () => {
        expect(images("kubernetes:tekton.dev/v1:TaskRun", { spec: { taskSpec: { stepTemplate: { image: "alpine:3.20" }, steps: [{ image: "docker", name: "client" }], sidecars: [{ image: "docker:dind", name: "server" }] } } })).toEqual([
            ["spec.taskSpec.stepTemplate.image", "alpine:3.20", undefined],
            ["spec.taskSpec.steps[0].image", "docker", undefined],
            ["spec.taskSpec.sidecars[0].image", "docker:dind", undefined],
        ]);
        expect(images("kubernetes:tekton.dev/v1:Pipeline", { spec: { tasks: [{ name: "t", taskSpec: { steps: [{ name: "s", image: "ubuntu" }] } }] } })).toEqual([["spec.tasks[0].taskSpec.steps[0].image", "ubuntu", undefined]]);
    });
    it("Argo Workflows: container, script, initContainers, sidecars, containerSet", () => {
        expect(images("kubernetes:argoproj.io/v1alpha1:Workflow", {
            spec: {
                entrypoint: "main",
                templates: [
                    { name: "a", container: { image: "alpine:latest", command: ["echo"] }, initContainers: [{ name: "hello", image: "alpine:3" }], sidecars: [{ name: "influxdb", image: "influxdb:1.2" }] },
                    { name: "b", script: { image: "python:3.12", source: "print(1)" } },
                    { name: "c", containerSet: { containers: [{ name: "x", image: "busybox" }] } },
                ],
            },
        })).toEqual([
            ["spec.templates[0].container.image", "alpine:latest", undefined],
            ["spec.templates[0].initContainers[0].image", "alpine:3", "hello"],
            ["spec.templates[0].sidecars[0].image", "influxdb:1.2", undefined],
            ["spec.templates[1].script.image", "python:3.12", undefined],
            ["spec.templates[2].containerSet.containers[0].image", "busybox", "x"],
        ]);
    });
    it("Prometheus operator: Prometheus and Alertmanager spec.image, Thanos sidecar, extra containers", () => {
        expect(images("kubernetes:monitoring.coreos.com/v1:Prometheus", { spec: { image: "quay.io/prometheus/prometheus:v2.40.1", thanos: { image: "quay.io/thanos/thanos:v0.36.1" }, containers: [{ name: "oauth-proxy", image: "quay.io/oauth2-proxy/oauth2-proxy:v7.6.0" }] } })).toEqual([
            ["spec.image", "quay.io/prometheus/prometheus:v2.40.1", undefined],
            ["spec.thanos.image", "quay.io/thanos/thanos:v0.36.1", undefined],
            ["spec.containers[0].image", "quay.io/oauth2-proxy/oauth2-proxy:v7.6.0", "oauth-proxy"],
        ]);
        expect(images("kubernetes:monitoring.coreos.com/v1:Alertmanager", { spec: { image: "quay.io/prometheus/alertmanager:v0.28.1", replicas: 3 } })).toEqual([["spec.image", "quay.io/prometheus/alertmanager:v0.28.1", undefined]]);
    });
    it("Spark operator: application, driver and executor images and sidecars", () => {
        expect(images("kubernetes:sparkoperator.k8s.io/v1beta2:SparkApplication", { spec: { type: "Scala", image: "gcr.io/spark-operator/spark:v2.4.4", driver: { image: "d:1", sidecars: [{ name: "s", image: "s:1" }] }, executor: { image: "e:1", initContainers: [{ name: "i", image: "i:1" }] } } })).toEqual([
            ["spec.image", "gcr.io/spark-operator/spark:v2.4.4", undefined],
            ["spec.driver.image", "d:1", undefined],
            ["spec.driver.sidecars[0].image", "s:1", undefined],
            ["spec.executor.image", "e:1", undefined],
            ["spec.executor.initContainers[0].image", "i:1", "i"],
        ]);
    });
    it("KubeVirt: containerDisk images of a VirtualMachineInstance and a VirtualMachine's template", () => {
        expect(images("kubernetes:kubevirt.io/v1:VirtualMachineInstance", { spec: { volumes: [{ containerDisk: { image: "registry:5000/kubevirt/cirros-container-disk-demo:devel" }, name: "containerdisk" }] } })).toEqual([
            ["spec.volumes[0].containerDisk.image", "registry:5000/kubevirt/cirros-container-disk-demo:devel", undefined],
        ]);
        expect(images("kubernetes:kubevirt.io/v1:VirtualMachine", { spec: { template: { spec: { volumes: [{ name: "d", containerDisk: { image: "quay.io/containerdisks/fedora:40" } }] } } } })).toEqual([
            ["spec.template.spec.volumes[0].containerDisk.image", "quay.io/containerdisks/fedora:40", undefined],
        ]);
    });
    it("OpenTelemetry operator: collector image, additional containers, instrumentation images per language", () => {
        expect(images("kubernetes:opentelemetry.io/v1beta1:OpenTelemetryCollector", { spec: { image: "otel/opentelemetry-collector-contrib:0.110.0", additionalContainers: [{ name: "x", image: "busybox" }], config: { receivers: { otlp: {} } } } })).toEqual([
            ["spec.image", "otel/opentelemetry-collector-contrib:0.110.0", undefined],
            ["spec.additionalContainers[0].image", "busybox", undefined],
        ]);
        expect(images("kubernetes:opentelemetry.io/v1alpha1:Instrumentation", { spec: { exporter: { endpoint: "http://c:4317" }, java: { image: "ghcr.io/open-telemetry/opentelemetry-operator/autoinstrumentation-java:latest" }, python: { env: [] } } })).toEqual([
            ["spec.java.image", "ghcr.io/open-telemetry/opentelemetry-operator/autoinstrumentation-java:latest", undefined],
        ]);
        expect(discoverImages("kubernetes:opentelemetry.io/v1beta1:OpenTelemetryCollector", { spec: { config: { receivers: { otlp: { protocols: { grpc: {} } } } } } })).toBeUndefined();
    });
    it("Strimzi: component images and the image a KafkaConnect build pushes and then runs", () => {
        expect(images("kubernetes:kafka.strimzi.io/v1beta2:KafkaConnect", { spec: { image: "quay.io/strimzi/kafka:0.45.0-kafka-3.9.0", config: { "group.id": "connect-cluster" }, build: { output: { type: "docker", image: "ttl.sh/strimzi-connect-example-3.9.2:24h" } } } })).toEqual([
            ["spec.image", "quay.io/strimzi/kafka:0.45.0-kafka-3.9.0", undefined],
            ["spec.build.output.image", "ttl.sh/strimzi-connect-example-3.9.2:24h", undefined],
        ]);
    });
    it("Argo Rollouts and Knative: pod templates", () => {
        expect(images("kubernetes:argoproj.io/v1alpha1:Rollout", { spec: { template: { spec: { containers: [{ name: "a", image: "x" }] } } } })).toEqual([["spec.template.spec.containers[0].image", "x", "a"]]);
        expect(images("kubernetes:serving.knative.dev/v1:Service", { spec: { template: { spec: { containers: [{ image: "k" }] } } } })).toEqual([["spec.template.spec.containers[0].image", "k", undefined]]);
    });
    it("a custom resource without images is not a workload; one whose spec or templates are unknown is reported", () => {
        expect(discoverImages("kubernetes:cert-manager.io/v1:Certificate", { spec: { dnsNames: ["a"], secretName: UNKNOWN_STRING } })).toBeUndefined();
        expect(images("kubernetes:example.com/v1:Thing", { spec: UNKNOWN_STRING })).toEqual([["spec", UNKNOWN_STRING, undefined]]);
        expect(images("kubernetes:tekton.dev/v1:Pipeline", { spec: { tasks: [UNKNOWN_STRING], finally: UNKNOWN_STRING } })).toEqual([["spec.tasks[0]", UNKNOWN_STRING, undefined]]);
        expect(images("kubernetes:argoproj.io/v1alpha1:Rollout", { spec: { template: UNKNOWN_STRING } })).toEqual([["spec.template", UNKNOWN_STRING, undefined]]);
        expect(images("kubernetes:example.com/v1:Thing", { spec: { containers: [{ name: "a", image: "x" }] }, status: UNKNOWN_STRING })).toEqual([["spec.containers[0].image", "x", "a"]]);
    });
    it("keys and kinds named like Object.prototype members are plain names", () => {
        expect(images("kubernetes:example.com/v1:constructor", { spec: { constructor: "x", toString: { image: "a:1" }, hasOwnProperty: [{ containers: "y" }] } })).toEqual([["spec.toString.image", "a:1", undefined]]);
        expect(discoverImages("kubernetes:core/v1:constructor", { data: { a: "b" } })).toBeUndefined();
        expect(discoverImages("azure-native:web:constructor", { constructor: "DOCKER|x" })).toBeUndefined();
    });
    it("a list of container names is not a container list", () => {
        expect(discoverImages("kubernetes:example.com/v1:Restart", { spec: { containers: ["app", "sidecar"] } })).toBeUndefined();
    });
});

describe("the walk limit", () => {
    const nest = (levels: number, leaf: unknown): unknown => (levels === 0 ? leaf : { n: nest(levels - 1, leaf) });
    it(`a pod template just within ${MAX_WALK_DEPTH} levels is read`, () => {
        const props = { spec: nest(MAX_WALK_DEPTH - 4, { containers: [{ name: "a", image: "x" }] }) };
        expect(images("kubernetes:example.com/v1:Deep", props)?.map((s) => s[1])).toEqual(["x"]);
    });
    it("one nested past the limit is a violation where the walk stopped, reported once", () => {
        const props = { spec: nest(MAX_WALK_DEPTH + 5, { containers: [{ name: "a", image: "x" }] }), other: nest(MAX_WALK_DEPTH + 5, {}) };
        const found = sites("kubernetes:example.com/v1:Deep", props);
        expect(found).toEqual([{
            path: `spec${".n".repeat(MAX_WALK_DEPTH - 1)}`,
            value: undefined,
            problem: `the value nests deeper than ${MAX_WALK_DEPTH} levels, where the walk stops, so images below it cannot be judged`,
            fix: "flatten the resource's properties; no Kubernetes or Azure schema nests this deep",
        }]);
    });
    it("in Azure resources too", () => {
        expect(sites("azure-native:resources:Deployment", { properties: { template: { resources: [nest(MAX_WALK_DEPTH, {})] } } })?.[0].problem).toMatch(/nests deeper than/);
    });
});

describe("Helm releases and Pulumi's Kubernetes components", () => {
    it("a helm.sh/v3 Release: its values' images are judged, what it renders is unknown", () => {
        const found = sites("kubernetes:helm.sh/v3:Release", {
            chart: "oci://registry-1.docker.io/bitnamicharts/nginx",
            version: "18.2.4",
            values: { image: { registry: "docker.io", repository: "bitnami/nginx", tag: "1.27.3" }, initContainers: [{ name: "wait", image: "busybox:1.36" }], metrics: { image: { tag: "1.4.0" } }, podLabels: { image: "x" } },
        });
        expect(found).toEqual([
            { path: "values.image", value: "docker.io/bitnami/nginx:1.27.3", rewritable: false },
            { path: "values.initContainers[0].image", value: "busybox:1.36", container: "wait", rewritable: false },
            expect.objectContaining({ path: "values.metrics.image", value: UNKNOWN_STRING, unknownReason: expect.stringMatching(/names no repository/) }),
            expect.objectContaining({ path: "values.podLabels.image", value: "x" }),
            {
                path: "chart", value: UNKNOWN_STRING,
                unknownReason: 'the images chart "oci://registry-1.docker.io/bitnamicharts/nginx" renders are never sent to policy packs: a helm.sh/v3 Release renders and installs its templates inside the Kubernetes provider',
                fix: "deploy the chart with kubernetes:helm.sh/v4:Chart (`new k8s.helm.v4.Chart(…)`), which renders it in the program so every object it creates is judged, or judge `helm template` output with `imagegate check`",
            },
        ]);
        expect(images("kubernetes:helm.sh/v3:Release", { chart: UNKNOWN_STRING, values: UNKNOWN_STRING })).toEqual([["chart", UNKNOWN_STRING, undefined]]);
    });
    it("Flux and Argo CD deployers: values judged, rendered objects unknown", () => {
        expect(sites("kubernetes:helm.toolkit.fluxcd.io/v2:HelmRelease", { spec: { chart: { spec: { chart: "podinfo" } }, values: { image: { repository: "ghcr.io/stefanprodan/podinfo", tag: "6.7.1" } } } })?.map((s) => [s.path, s.value])).toEqual([
            ["spec.values.image", "ghcr.io/stefanprodan/podinfo:6.7.1"],
            ["spec", UNKNOWN_STRING],
        ]);
        expect(sites("kubernetes:argoproj.io/v1alpha1:Application", { spec: { source: { repoURL: "https://github.com/x/y" } } })?.[0].unknownReason).toBe("the objects this Argo CD Application syncs come from its source repository and are never sent to policy packs");
    });
    it("helm.sh/v4 Chart, yaml/v2 and kustomize/v2 register what they render as resources of their own: nothing to judge on the component", () => {
        for (const type of ["kubernetes:helm.sh/v4:Chart", "kubernetes:helm.sh/v3:Chart", "kubernetes:yaml/v2:ConfigGroup", "kubernetes:kustomize/v2:Directory"]) {
            expect(discoverImages(type, { chart: "nginx", values: { image: "nginx" } })).toBeUndefined();
        }
    });
});

describe("ARM template deployments", () => {
    const SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
    // The container group of Azure-Samples' aci-linuxcontainer-public-ip quickstart, trimmed.
    const aci = (image: unknown = "[parameters('image')]") => ({
        type: "Microsoft.ContainerInstance/containerGroups",
        apiVersion: "2021-09-01",
        name: "[parameters('name')]",
        properties: { containers: [{ name: "[parameters('name')]", properties: { image, ports: [{ port: "[parameters('port')]" }] } }], osType: "Linux" },
    });
    const template = (resources: unknown, extra: Record<string, unknown> = {}) => ({
        $schema: SCHEMA,
        contentVersion: "1.0.0.0",
        parameters: { name: { type: "string", defaultValue: "acilinuxpublicipcontainergroup" }, image: { type: "string", defaultValue: "mcr.microsoft.com/azuredocs/aci-helloworld" }, port: { type: "int", defaultValue: 80 } },
        resources,
        ...extra,
    });
    const deployment = (tpl: unknown, parameters?: unknown, more: Record<string, unknown> = {}) => ({ resourceGroupName: "rg", properties: { mode: "Incremental", template: tpl, ...(parameters ? { parameters } : {}), ...more } });
    const where = "properties.template.resources[0].properties.containers[0].properties.image";

    it("container groups inside the template, parameters from the deployment or the default, any API version of Deployment*", () => {
        for (const type of ["azure-native:resources:Deployment", "azure-native:resources/v20240301:Deployment", "azure-native:resources:DeploymentAtSubscriptionScope", "azure-native:resources:DeploymentAtScope"]) {
            expect(sites(type, deployment(template([aci()])))).toEqual([{ path: where, container: "acilinuxpublicipcontainergroup", value: "mcr.microsoft.com/azuredocs/aci-helloworld", rewritable: false }]);
        }
        expect(sites("azure-native:resources:Deployment", deployment(template([aci()]), { image: { value: "contoso.azurecr.io/app:1" } }))?.[0].value).toBe("contoso.azurecr.io/app:1");
        expect(sites("azure-native:resources:Deployment", deployment(template([aci()]), { Image: { value: "contoso.azurecr.io/app:2" } }))?.[0].value).toBe("contoso.azurecr.io/app:2");
    });

    it("a literal image is rewritable at its path; an evaluated one is not", () => {
        const props = deployment(template([aci("nginx:1.27")]));
        const site = sites("azure-native:resources:Deployment", props)![0];
        expect(site).toEqual({ path: where, container: "acilinuxpublicipcontainergroup", value: "nginx:1.27" });
        const rewritten = setAtPath(props, site.path, "nginx:1.27@sha256:x") as unknown as { properties: { template: { resources: { properties: { containers: { properties: { image: string } }[] } }[] } } };
        expect(rewritten.properties.template.resources[0].properties.containers[0].properties.image).toBe("nginx:1.27@sha256:x");
    });

    it("Bicep's languageVersion 2.0: resources by symbolic name, format() and variables", () => {
        const tpl = {
            $schema: SCHEMA, languageVersion: "2.0", contentVersion: "1.0.0.0",
            parameters: { tag: { type: "string", defaultValue: "1.4.2" } },
            variables: { registry: "contoso.azurecr.io" },
            resources: {
                containerImage: { type: "Microsoft.App/containerApps", apiVersion: "2024-03-01", name: "web", properties: { template: { containers: [{ name: "web", image: "[format('{0}/shop/web:{1}', variables('registry'), parameters('tag'))]" }] } } },
                site: { type: "Microsoft.Web/sites", apiVersion: "2023-12-01", name: "app", properties: { siteConfig: { linuxFxVersion: "[concat('DOCKER|', variables('registry'), '/shop/api:', parameters('tag'))]" } } },
            },
        };
        expect(sites("azure-native:resources:Deployment", deployment(tpl))).toEqual([
            { path: "properties.template.resources.containerImage.properties.template.containers[0].image", container: "web", value: "contoso.azurecr.io/shop/web:1.4.2", rewritable: false },
            { path: "properties.template.resources.site.properties.siteConfig.linuxFxVersion", value: "contoso.azurecr.io/shop/api:1.4.2", prefix: "DOCKER|", rewritable: false },
        ]);
    });

    it("expressions that need deployment-time values are unknown, saying which and why", () => {
        const tpl = template([aci("[reference(resourceId('Microsoft.Resources/deployments', 'build')).outputs.image.value]"), aci("[parameters('missing')]"), aci("[[literal]")]);
        expect(sites("azure-native:resources:Deployment", deployment(tpl))?.map((s) => [s.value === UNKNOWN_STRING ? s.unknownReason : s.value])).toEqual([
            [`the ARM expression "[reference(resourceId('Microsoft.Resources/deployments', 'build')).outputs.image.value]" cannot be evaluated before deployment (it reads a property or an index of a result, which Azure evaluates at deployment)`],
            [`the ARM expression "[parameters('missing')]" cannot be evaluated before deployment (parameter 'missing' has no value in the deployment and no default)`],
            ["[literal]"],
        ]);
        expect(sites("azure-native:resources:Deployment", deployment(template([aci()]), { image: { reference: { keyVault: { id: "kv" }, secretName: "img" } } }))?.[0].unknownReason).toMatch(/parameter 'image' is a Key Vault reference/);
        expect(sites("azure-native:resources:Deployment", deployment(template([aci()]), undefined, { parametersLink: { uri: "https://x/params.json" } }))?.[0].unknownReason).toMatch(/linked parameters file/);
        expect(sites("azure-native:resources:Deployment", deployment(template([aci()]), { image: { value: UNKNOWN_STRING } }))).toEqual([{ path: where, container: "acilinuxpublicipcontainergroup", value: UNKNOWN_STRING }]);
    });

    it("containers, properties and whole resources given by expression are evaluated when literal", () => {
        const tpl = template([
            { type: "Microsoft.App/containerApps", name: "a", properties: { template: { containers: "[parameters('containers')]" } } },
            { type: "Microsoft.ContainerInstance/containerGroups", name: "b", properties: "[variables('group')]" },
        ], { variables: { group: { containers: [{ name: "v", properties: { image: "ghcr.io/acme/v:1" } }] } } });
        expect(sites("azure-native:resources:Deployment", deployment(tpl, { containers: { value: [{ name: "p", image: "ghcr.io/acme/p:1" }] } }))?.map((s) => [s.path, s.value, s.rewritable])).toEqual([
            ["properties.template.resources[0].properties.template.containers[0].image", "ghcr.io/acme/p:1", false],
            ["properties.template.resources[1].properties.containers[0].properties.image", "ghcr.io/acme/v:1", false],
        ]);
    });

    it("nested deployments: outer scope sees the parent's parameters, inner scope gets its own, linked templates are unknown", () => {
        const nested = (scope: "inner" | "outer") => ({
            type: "Microsoft.Resources/deployments", name: "inner", apiVersion: "2022-09-01",
            properties: {
                mode: "Incremental",
                expressionEvaluationOptions: { scope },
                parameters: { img: { value: "[concat(parameters('image'), '-nested')]" } },
                template: { $schema: SCHEMA, contentVersion: "1.0.0.0", parameters: { img: { type: "string" } }, resources: [aci(scope === "inner" ? "[parameters('img')]" : "[parameters('image')]")] },
            },
        });
        const base = "properties.template.resources[0].properties.template.resources[0].properties.containers[0].properties.image";
        expect(sites("azure-native:resources:Deployment", deployment(template([nested("outer")])))?.map((s) => [s.path, s.value])).toEqual([[base, "mcr.microsoft.com/azuredocs/aci-helloworld"]]);
        expect(sites("azure-native:resources:Deployment", deployment(template([nested("inner")])))?.map((s) => [s.path, s.value])).toEqual([[base, "mcr.microsoft.com/azuredocs/aci-helloworld-nested"]]);
        const linked = { type: "Microsoft.Resources/deployments", name: "l", properties: { mode: "Incremental", templateLink: { uri: "https://example.com/t.json" } } };
        expect(sites("azure-native:resources:Deployment", deployment(template([linked])))).toEqual([{
            path: "properties.template.resources[0].properties.templateLink", value: UNKNOWN_STRING,
            unknownReason: "the deployment's template is linked (templateLink), and the pack does not fetch it",
            fix: "pass the template inline in `template` (for example JSON.parse of the file) so its container resources are judged",
        }]);
        expect(sites("azure-native:resources:Deployment", { properties: { mode: "Incremental", templateLink: { id: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Resources/templateSpecs/t/versions/1" } } })?.[0].path).toBe("properties.templateLink");
    });

    it("deployment stacks and template specs carry templates too; a template with no container resource is nothing to judge", () => {
        expect(images("azure-native:resources:DeploymentStackAtResourceGroup", { template: template([aci()]), parameters: { image: { value: "ghcr.io/acme/x:1" } } })?.map((s) => s[1])).toEqual(["ghcr.io/acme/x:1"]);
        expect(images("azure-native:resources:TemplateSpecVersion", { mainTemplate: template([aci()]) })?.map((s) => s[1])).toEqual(["mcr.microsoft.com/azuredocs/aci-helloworld"]);
        expect(discoverImages("azure-native:resources:Deployment", deployment(template([{ type: "Microsoft.Storage/storageAccounts", name: "[parameters('name')]", properties: { minimumTlsVersion: "TLS1_2" } }])))).toBeUndefined();
        expect(images("azure-native:resources:Deployment", { properties: { template: UNKNOWN_STRING } })).toEqual([["properties.template", UNKNOWN_STRING, undefined]]);
    });
});

describe("Azure workloads, both providers", () => {
    it("Container Apps, plain and versioned tokens, containers and init containers", () => {
        const props = { template: { containers: [{ name: "app", image: "a" }], initContainers: [{ name: "init", image: "b" }] } };
        for (const type of ["azure-native:app:ContainerApp", "azure-native:app/v20250101:ContainerApp", "azure-native:app/v20240202preview:ContainerApp", "azure-native:app:Job", "azure-native:web:ContainerApp", "azure:containerapp/app:App", "azure:containerapp/job:Job"]) {
            expect(images(type, props)).toEqual([
                ["template.containers[0].image", "a", "app"],
                ["template.initContainers[0].image", "b", "init"],
            ]);
        }
    });
    it("Container Apps session pools", () => {
        expect(images("azure-native:app:ContainerAppsSessionPool", { customContainerTemplate: { containers: [{ name: "s", image: "x" }] } })).toEqual([
            ["customContainerTemplate.containers[0].image", "x", "s"],
        ]);
        expect(discoverImages("azure-native:app:ContainerAppsSessionPool", { poolManagementType: "Dynamic", containerType: "PythonLTS" })).toBeUndefined();
    });
    it("Container Instances (azure-native and classic): containers and init containers", () => {
        for (const type of ["azure-native:containerinstance:ContainerGroup", "azure-native:containerinstance/v20230501:ContainerGroup", "azure-native:containerinstance:ContainerGroupProfile", "azure:containerservice/group:Group"]) {
            expect(images(type, { containers: [{ name: "c", image: "x" }], initContainers: [{ name: "i", image: "y" }] })).toEqual([
                ["containers[0].image", "x", "c"],
                ["initContainers[0].image", "y", "i"],
            ]);
        }
    });
    it("App Service: DOCKER| in linuxFxVersion and windowsFxVersion of sites, slots and the site config resource", () => {
        for (const type of ["azure-native:web:WebApp", "azure-native:web:WebAppSlot", "azure-native:web/v20240401:WebApp", "azure:appservice/appService:AppService"]) {
            expect(images(type, { siteConfig: { linuxFxVersion: "DOCKER|contoso.azurecr.io/app:1" } })).toEqual([["siteConfig.linuxFxVersion", "contoso.azurecr.io/app:1", undefined]]);
            expect(images(type, { siteConfig: { windowsFxVersion: "docker|mcr.microsoft.com/x:1" } })).toEqual([["siteConfig.windowsFxVersion", "mcr.microsoft.com/x:1", undefined]]);
            expect(discoverImages(type, { siteConfig: { windowsFxVersion: "docker|x" } })?.sites[0].prefix).toBe("docker|");
        }
        for (const type of ["azure-native:web:WebAppConfiguration", "azure-native:web/v20220901:WebAppConfigurationSlot"]) {
            expect(sites(type, { name: "app", resourceGroupName: "rg", linuxFxVersion: "DOCKER|nginx:1.27" })).toEqual([{ path: "linuxFxVersion", value: "nginx:1.27", prefix: "DOCKER|" }]);
        }
    });
    it("App Service language stacks carry no image", () => {
        expect(discoverImages("azure-native:web:WebApp", { siteConfig: { linuxFxVersion: "NODE|20-lts" } })).toBeUndefined();
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
    it("classic web and function apps: the image split into registry URL, name and tag, joined as the provider joins it", () => {
        for (const type of ["azure:appservice/linuxWebApp:LinuxWebApp", "azure:appservice/linuxWebAppSlot:LinuxWebAppSlot", "azure:appservice/windowsWebApp:WindowsWebApp"]) {
            expect(sites(type, { siteConfig: { applicationStack: { dockerImageName: "appsvc/staticsite:latest", dockerRegistryUrl: "https://mcr.microsoft.com" } } })).toEqual([
                { path: "siteConfig.applicationStack.dockerImageName", value: "mcr.microsoft.com/appsvc/staticsite:latest", rewritable: false },
            ]);
        }
        expect(sites("azure:appservice/linuxFunctionApp:LinuxFunctionApp", { siteConfig: { applicationStack: { dockers: [{ registryUrl: "https://contoso.azurecr.io", imageName: "shop/fn", imageTag: "2.1" }] } } })).toEqual([
            { path: "siteConfig.applicationStack.dockers[0].imageName", value: "contoso.azurecr.io/shop/fn:2.1", rewritable: false },
        ]);
        // azure v5 forms: docker_image + docker_image_tag (Linux), docker_container_* (Windows).
        expect(images("azure:appservice/linuxWebApp:LinuxWebApp", { siteConfig: { applicationStack: { dockerImage: "mcr.microsoft.com/appsvc/staticsite", dockerImageTag: "latest" } } })?.map((s) => s[1])).toEqual(["mcr.microsoft.com/appsvc/staticsite:latest"]);
        expect(images("azure:appservice/windowsWebApp:WindowsWebApp", { siteConfig: { applicationStack: { dockerContainerName: "app", dockerContainerRegistry: "contoso.azurecr.io", dockerContainerTag: "1" } } })?.map((s) => s[1])).toEqual(["contoso.azurecr.io/app:1"]);
        expect(sites("azure:appservice/linuxWebApp:LinuxWebApp", { siteConfig: { applicationStack: { dockerImageName: "app:1", dockerRegistryUrl: UNKNOWN_STRING } } })).toEqual([
            { path: "siteConfig.applicationStack.dockerImageName", value: UNKNOWN_STRING, rewritable: false },
        ]);
        expect(discoverImages("azure:appservice/linuxWebApp:LinuxWebApp", { siteConfig: { applicationStack: { nodeVersion: "20-lts" } } })).toBeUndefined();
    });
    it("images in other Azure resources by the same rule (Batch start task, ML environment)", () => {
        expect(images("azure-native:batch:Pool", { startTask: { commandLine: "x", containerSettings: { imageName: "contoso.azurecr.io/tools:1" } } })).toEqual([["startTask.containerSettings.imageName", "contoso.azurecr.io/tools:1", undefined]]);
        expect(images("azure-native:machinelearningservices:EnvironmentVersion", { environmentVersionProperties: { image: "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04" } })).toEqual([["environmentVersionProperties.image", "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04", undefined]]);
    });
    it("resources that run no image carry none", () => {
        expect(discoverImages("azure-native:containerregistry:Registry", { sku: { name: "Premium" } })).toBeUndefined();
        expect(discoverImages("azure-native:resources:ResourceGroup", {})).toBeUndefined();
        expect(discoverImages("azure:storage/account:Account", { accountTier: "Standard" })).toBeUndefined();
    });
    it("other providers are not read", () => {
        expect(discoverImages("docker:index/container:Container", { image: "nginx" })).toBeUndefined();
        expect(discoverImages("gcp:compute/instance:Instance", { bootDisk: { initializeParams: { image: "debian-cloud/debian-12" } } })).toBeUndefined();
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
        expect(images("kubernetes:apps/v1:Deployment", { spec: UNKNOWN_STRING })).toEqual([["spec", UNKNOWN_STRING, undefined]]);
        expect(images("kubernetes:core/v1:Pod", { spec: { containers: [UNKNOWN_STRING] } })).toEqual([["spec.containers[0]", UNKNOWN_STRING, undefined]]);
        expect(images("azure-native:web:WebApp", { siteConfig: { linuxFxVersion: UNKNOWN_STRING } })).toEqual([["siteConfig.linuxFxVersion", UNKNOWN_STRING, undefined]]);
        expect(images("azure-native:web:WebApp", { siteConfig: UNKNOWN_STRING })).toEqual([["siteConfig", UNKNOWN_STRING, undefined]]);
        expect(images("azure-native:app:ContainerApp", { template: UNKNOWN_STRING })).toEqual([["template", UNKNOWN_STRING, undefined]]);
    });
    it("unknown names and ids are not images", () => {
        expect(discoverImages("kubernetes:core/v1:Service", { spec: UNKNOWN_STRING })).toBeUndefined();
        expect(images("azure-native:app:ContainerApp", { managedEnvironmentId: UNKNOWN_STRING, template: { containers: [{ name: "a", image: "x" }] } })).toEqual([["template.containers[0].image", "x", "a"]]);
    });
});

describe("type tokens", () => {
    it("parses plain and versioned tokens of the three providers", () => {
        expect(parseTypeToken("azure-native:app/v20250101:ContainerApp")).toEqual({ pkg: "azure-native", module: "app", version: "v20250101", kind: "ContainerApp" });
        expect(parseTypeToken("azure-native:containerregistry/v20230101preview:Registry")).toMatchObject({ module: "containerregistry", version: "v20230101preview" });
        expect(parseTypeToken("kubernetes:apps/v1:Deployment")).toEqual({ pkg: "kubernetes", module: "apps", version: "v1", kind: "Deployment" });
        expect(parseTypeToken("azure:appservice/linuxWebApp:LinuxWebApp")).toEqual({ pkg: "azure", module: "appservice", kind: "LinuxWebApp" });
        expect(parseTypeToken("pulumi:pulumi:Stack")).toEqual({ pkg: "pulumi", module: "pulumi", kind: "Stack" });
        expect(parseTypeToken("nonsense")).toBeUndefined();
        expect(isAzureType("azure-native:containerregistry/v20250401:Registry", "containerregistry", "Registry")).toBe(true);
        expect(isAzureType("azure-native:containerregistry:RegistryX", "containerregistry", "Registry")).toBe(false);
        expect(isAzureType("azure:containerregistry:Registry", "containerregistry", "Registry")).toBe(false);
    });
});
