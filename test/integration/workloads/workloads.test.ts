/**
 * The workload program (workloads/): its config, the sample deployed under Pulumi's mocks with the
 * platform's outputs arriving through a StackReference and the image resolved by TrustedImage
 * against the real loopback registry, and both bundled stacks previewed through the pack offline,
 * where the platform's outputs cannot be read.
 */
import * as path from "path";
import { parse } from "yaml";
import { loadPolicySettings, parsePolicySettings } from "../../../components/image";
import { mockCall } from "../../../cli/preview/mock-outputs";
import { workloadConfigFrom } from "../../../workloads/config";
import { createWorkloads, platformOutputs } from "../../../workloads/workloads";
import { ofType, runUnderMocks, type RegisteredResource } from "../../support/mocks";
import { cli } from "../../support/cli";
import { startRegistry, type TestRegistry } from "../../support/registry";
import { REPO_ROOT } from "../../support/paths";

const TRIVY_JSON = "application/vnd.aquasecurity.trivy.report+json";
const PACK = path.join(REPO_ROOT, "policies");

describe("workload stack config", () => {
    it("defaults to a non-root sample and an Azure CLI login, and names every wrong value", () => {
        const c = workloadConfigFrom({ platformStack: "organization/imagegate/dev" });
        expect(c).toMatchObject({ imageGate: "enforce", kubeLogin: { login: "azurecli" }, sampleApp: { namespace: "apps", replicas: 2, port: 8080, runAsUser: 65532 } });
        expect(() => workloadConfigFrom({ platformStack: "dev", kubeLogin: "devicecode", imageGate: "warn", sampleApp: { runAsUser: 0, replicas: 0 } })).toThrow(
            /platformStack must be a fully qualified stack name.*imageGate must be enforce or audit.*kubeLogin must be one of azurecli, workloadidentity, spn, msi \(got "devicecode"\).*replicas must be a positive integer.*runAsUser must be a non-root user ID/);
        expect(() => workloadConfigFrom({})).toThrow("imagegate-workloads:platformStack must be a non-empty string");
    });
});

describe("the sample workload under Pulumi's mocks, with the platform's outputs", () => {
    let reg: TestRegistry;
    let resources: RegisteredResource[];
    let digest: string;

    beforeAll(async () => {
        reg = await startRegistry();
        const img = await reg.pushImage("samples/web", "1.0.0");
        digest = img.manifest.digest;
        const report = {
            SchemaVersion: 2, CreatedAt: new Date().toISOString(), ArtifactName: `${reg.host}/samples/web@${digest}`, ArtifactType: "container_image",
            Metadata: { RepoDigests: [`${reg.host}/samples/web@${digest}`] }, Results: [{ Target: "web", Class: "os-pkgs", Type: "azurelinux", Vulnerabilities: [] }],
        };
        await reg.pushArtifact("samples/web", {
            subject: img.descriptor, artifactType: TRIVY_JSON,
            layers: [{ mediaType: TRIVY_JSON, bytes: Buffer.from(JSON.stringify(report)) }],
            annotations: { "org.opencontainers.image.created": new Date().toISOString() },
        });
        // The dev policy config, its registry swapped for the loopback one; signatures left out.
        const shipped = loadPolicySettings(path.join(REPO_ROOT, "policy-config.json"), PACK);
        const trust = parsePolicySettings({
            all: "mandatory",
            "trusted-registries": { registries: [reg.host] },
            "scanned-images": { registries: [reg.host], attestations: true, failOn: "high" },
            "signed-images": "disabled",
        }, shipped.file, PACK);
        const config = workloadConfigFrom(Object.fromEntries(Object.entries((parse(require("fs").readFileSync(path.join(REPO_ROOT, "workloads", "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> }).config)
            .map(([k, v]) => [k.replace(/^imagegate-workloads:/, ""), v])));
        resources = await runUnderMocks(async () => {
            createWorkloads({ ...config, imageGate: "enforce" }, trust, platformOutputs(config.platformStack));
        }, {
            project: "imagegate-workloads",
            stack: "dev",
            newResource: (a) => a.type === "pulumi:pulumi:StackReference"
                ? { id: a.name, state: { outputs: { resourceGroupName: "rg-imagegate-dev", clusterName: "aks", registryLoginServer: reg.host, sampleRepository: "samples/web", sampleTag: "1.0.0" } } }
                : undefined,
            call: (a) => mockCall(a.token, a.inputs as Record<string, unknown>),
            timeoutMs: 60_000,
        });
    }, 90_000);

    afterAll(async () => {
        await reg?.stop();
    });

    it("reads the platform stack named in the config", () => {
        expect(ofType(resources, "pulumi:pulumi:StackReference").map((r) => r.inputs.name)).toEqual(["organization/imagegate/dev"]);
    });

    it("deploys the platform's sample pinned to the digest its tag names now, as the image's non-root user", () => {
        const spec = ofType(resources, "kubernetes:apps/v1:Deployment")[0].inputs.spec.template.spec;
        expect(spec.containers[0].image).toBe(`${reg.host}/samples/web:1.0.0@${digest}`);
        expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 });
    });

    it("gives the Kubernetes provider a kubeconfig that logs in with the Azure CLI and never prompts, as a secret", () => {
        const provider = ofType(resources, "pulumi:providers:kubernetes")[0];
        expect(provider.secretPaths).toContain("kubeconfig");
        const exec = parse(provider.inputs.kubeconfig).users[0].user.exec;
        expect(exec.args).toEqual(expect.arrayContaining(["--login", "azurecli"]));
        expect(exec.args).not.toContain("devicecode");
        expect(exec.interactiveMode).toBe("Never");
        for (const t of ["kubernetes:core/v1:Namespace", "kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Service"]) expect(ofType(resources, t)).toHaveLength(1);
    });
});

describe.each(["dev", "prod"])("the %s workload stack previewed through the pack, offline", (stack) => {
    it("exits 0, the image it cannot know yet named as checked during `pulumi up`", async () => {
        const r = await cli(["preview", "--program", "workloads", "--stack", stack, "--policy-config", stack === "dev" ? "policy-config.json" : "policy-config.prod.json", "--format", "json"]);
        expect({ code: r.code, stderr: r.code ? r.stderr : "" }).toEqual({ code: 0, stderr: "" });
        const doc = JSON.parse(r.stdout) as { resources: { type: string }[]; diagnostics: { policy: string; level: string; message: string }[] };
        expect(doc.diagnostics.filter((d) => d.level === "mandatory")).toEqual([]);
        const unknown = doc.diagnostics.filter((d) => d.policy === "trusted-registries");
        expect(unknown).toHaveLength(1);
        expect(unknown[0].message).toMatch(/not known until another resource is created.*checked during `pulumi up`/s);
        expect(doc.resources.map((x) => x.type)).toEqual(expect.arrayContaining(["pulumi:providers:kubernetes", "kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Service"]));
    }, 120_000);
});
