/**
 * `imagegate check` on operators' custom resources as their projects write them (fixtures with
 * sources in test/fixtures/manifests/operators/README.md): every image the operator will run is
 * judged by the one discovery rule, an operator's default image is not invented, and a workload
 * with no container is a violation rather than a silent pass.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cli } from "../../support/cli";

const M = "test/fixtures/manifests";
const TRUST = `${M}/trust-contoso.json`;

interface JsonDiagnostic { policy: string; level: string; message: string; source: { file: string; document: number } }

async function check(target: string): Promise<{ code: number; resources: { name: string }[]; diagnostics: JsonDiagnostic[] }> {
    const r = await cli(["check", target, "--policy-config", TRUST, "--format", "json"]);
    return { code: r.code, ...JSON.parse(r.stdout) };
}

const trusted = (ds: JsonDiagnostic[]) =>
    ds.filter((d) => d.policy === "trusted-registries").map((d) => [path.basename(d.source.file), d.source.document, d.level, d.message.replace(/ \(trusted: contoso\.azurecr\.io\)\. Fix: .*$/, "")]);

describe("imagegate check: operators' custom resources", () => {
    it("judges Tekton, Argo Workflows, Prometheus operator, Spark, KubeVirt and Strimzi images where the projects put them", async () => {
        const r = await check(`${M}/operators`);
        expect(r.code).toBe(1);
        expect(r.resources).toHaveLength(10);
        expect(trusted(r.diagnostics)).toEqual([
            ["argo-workflows.yaml", 0, "mandatory", 'Workflow "init-container-*" spec.templates[0].container.image: image "alpine:latest" fails because docker.io/library/alpine is not in a trusted registry'],
            ["argo-workflows.yaml", 0, "mandatory", 'Workflow "init-container-*" spec.templates[0].initContainers[0].image (container "hello"): image "alpine:latest" fails because docker.io/library/alpine is not in a trusted registry'],
            ["argo-workflows.yaml", 1, "mandatory", 'Workflow "scripts-bash-*" spec.templates[1].script.image: image "alpine:latest" fails because docker.io/library/alpine is not in a trusted registry'],
            ["argo-workflows.yaml", 1, "mandatory", 'Workflow "scripts-bash-*" spec.templates[2].container.image: image "alpine:latest" fails because docker.io/library/alpine is not in a trusted registry'],
            ["argo-workflows.yaml", 2, "mandatory", 'Workflow "sidecar-*" spec.templates[0].container.image: image "alpine:latest" fails because docker.io/library/alpine is not in a trusted registry'],
            ["argo-workflows.yaml", 2, "mandatory", 'Workflow "sidecar-*" spec.templates[0].sidecars[0].image: image "influxdb:1.2" fails because docker.io/library/influxdb is not in a trusted registry'],
            ["kubevirt-vmi-ephemeral.yaml", 0, "mandatory", 'VirtualMachineInstance "vmi-ephemeral" spec.volumes[0].containerDisk.image: image "registry:5000/kubevirt/cirros-container-disk-demo:devel" fails because registry:5000/kubevirt/cirros-container-disk-demo is not in a trusted registry'],
            ["prometheus-operator.yaml", 0, "mandatory", 'Alertmanager "monitoring/main" spec.image: image "quay.io/prometheus/alertmanager:v0.28.1" fails because quay.io/prometheus/alertmanager is not in a trusted registry'],
            ["prometheus-operator.yaml", 1, "mandatory", 'Prometheus "monitoring/k8s" spec.image: image "quay.io/prometheus/prometheus:v2.40.1" fails because quay.io/prometheus/prometheus is not in a trusted registry'],
            ["spark-pi.yaml", 0, "mandatory", 'SparkApplication "default/spark-pi" spec.image: image "gcr.io/spark-operator/spark:v2.4.4" fails because gcr.io/spark-operator/spark is not in a trusted registry'],
            ["strimzi-kafka-connect-build.yaml", 0, "mandatory", 'KafkaConnect "my-connect-cluster" spec.build.output.image: image "ttl.sh/strimzi-connect-example-3.9.2:24h" fails because ttl.sh/strimzi-connect-example-3.9.2 is not in a trusted registry'],
            // Properties travel to the pack as a protobuf Struct, whose keys may arrive reordered.
            ["tekton-dind-sidecar.yaml", 0, "mandatory", 'TaskRun "dind-sidecar-*" spec.taskSpec.sidecars[0].image: image "docker:dind" fails because docker.io/library/docker is not in a trusted registry'],
            ["tekton-dind-sidecar.yaml", 0, "mandatory", 'TaskRun "dind-sidecar-*" spec.taskSpec.steps[0].image: image "docker" fails because docker.io/library/docker is not in a trusted registry'],
        ]);
        // The OpenTelemetry collector sample names no image: the operator's default runs, nothing is invented.
        expect(r.diagnostics.filter((d) => d.source.file.endsWith("opentelemetry-collector.yaml"))).toEqual([]);
    }, 120_000);

    it("a Deployment whose pod spec lists no container is a mandatory violation, not a pass", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "imagegate-nocontainer-"));
        try {
            const file = path.join(dir, "deploy.yaml");
            fs.writeFileSync(file, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      volumes: []\n");
            const r = await check(file);
            expect(r.code).toBe(1);
            expect(trusted(r.diagnostics)).toEqual([[
                "deploy.yaml", 0, "mandatory",
                'Deployment "web" spec.template.spec.containers: no container is listed, so the images this workload runs cannot be judged. Fix: list the containers at this path (if they come from a YAML merge key `<<:` or an anchor, write them out).',
            ]]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }, 120_000);
});
