/**
 * Issue 6/8: every component's resources pass the hardening policies through the analyzer harness.
 * The fixture program (test/fixtures/programs/components) instantiates every component with its
 * options exercised and is previewed with the built CLI, which launches the compiled pack as the
 * Pulumi CLI does and sends each resource (Analyze) and the whole stack (AnalyzeStack) over gRPC.
 *
 * The one by-design finding: a firewall-mode registry keeps its export policy enabled, because
 * Azure only lets export be disabled when public network access is Disabled (SecureRegistry
 * refuses firewall mode without allowExport: true). It is asserted to be exactly that check on
 * exactly that registry, rather than skipped with acr-network.skipChecks, which would hide it for
 * every registry.
 *
 * The negative control (stack "weak") adds raw, deliberately weak resources to the same program:
 * every hardening and stack policy must fire on them through the same path, so the zero for the
 * components is not a zero by absence, and the components must stay clean next to them.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { hardeningPolicies } from "../../../policies/hardening";
import { cli, type CliResult } from "../../support/cli";
import { FIXTURES } from "../../support/paths";

const PROGRAM = path.join(FIXTURES, "programs", "components");
const COMPONENT_PREFIX = "imagegate:components:";
const HARDENING = new Set(hardeningPolicies.map((p) => p.name));

interface JsonResource { type: string; name: string; urn: string; inputs: Record<string, any> }
interface JsonDiagnostic { policy: string; level: string; urn: string; message: string }
interface Report { resources: JsonResource[]; diagnostics: JsonDiagnostic[] }

interface Preview { result: CliResult; report: Report }

let dir: string;
const previews: Record<"dev" | "weak", Preview> = {} as Record<"dev" | "weak", Preview>;

async function preview(stack: "dev" | "weak", policyConfig: string): Promise<Preview> {
    const result = await cli(["preview", "--program", PROGRAM, "--stack", stack, "--policy-config", policyConfig, "--format", "json", "--include-inputs"], 180_000);
    let report: Report;
    try {
        report = JSON.parse(result.stdout) as Report;
    } catch {
        throw new Error(`imagegate preview --stack ${stack} printed no JSON report (exit ${result.code}):\n${result.stderr.slice(0, 4000)}`);
    }
    return { result, report };
}

beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "components-harness-"));
    const policyConfig = path.join(dir, "policy-config.json");
    fs.writeFileSync(policyConfig, JSON.stringify({
        // Every policy at mandatory, so an advisory default cannot soften a finding away.
        all: "mandatory",
        // Evidence and signatures need registries and trust material; not what this test judges.
        "scanned-images": "disabled",
        "signed-images": "disabled",
        // Admission counts only when it denies what these trust entries deny (stack-aks-image-admission reads them here).
        "trusted-registries": { registries: ["componentsacr.azurecr.io", "componentsbaseacr.azurecr.io/base/"] },
    }));
    const [dev, weak] = await Promise.all([preview("dev", policyConfig), preview("weak", policyConfig)]);
    previews.dev = dev;
    previews.weak = weak;
}, 240_000);

afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** The component a resource belongs to: the outermost imagegate component in its URN's type chain. */
function componentOf(urn: string): string | undefined {
    const chain = urn.split("::")[2]?.split("$") ?? [];
    return chain.find((t) => t.startsWith(COMPONENT_PREFIX))?.slice(COMPONENT_PREFIX.length);
}

function resourceOf(report: Report, urn: string): JsonResource | undefined {
    return report.resources.find((r) => r.urn === urn);
}

/** One line per diagnostic, readable in a failed expectation. */
function line(report: Report, d: JsonDiagnostic): string {
    const r = resourceOf(report, d.urn);
    const where = r ? `${r.type} "${r.name}"` : d.urn;
    return `${componentOf(d.urn) ?? "(no component)"}: ${where}: [${d.level}] ${d.policy}: ${d.message}`;
}

/** The trailing `[check-id]` resource policies end each diagnostic with. */
function checkId(d: JsonDiagnostic): string | undefined {
    return /\[([a-z0-9-]+)\]\s*$/.exec(d.message)?.[1];
}

const isFirewallExport = (report: Report, d: JsonDiagnostic) =>
    d.policy === "acr-network" && checkId(d) === "export-disabled" && resourceOf(report, d.urn)?.name === "base-acr";

describe("the components fixture previewed through the compiled pack", () => {
    it("runs the program and the pack without errors", () => {
        for (const stack of ["dev", "weak"] as const) {
            const { result } = previews[stack];
            expect(result.stderr).not.toMatch(/^error:/m);
            // Exit 1: mandatory findings (the firewall registry's export policy, and the weak resources).
            expect({ stack, code: result.code }).toEqual({ stack, code: 1 });
        }
    });

    it("instantiates every component, with the options the zero is claimed for", () => {
        const { report } = previews.dev;
        const count = (type: string) => report.resources.filter((r) => r.type === type).length;
        expect({
            SecureRegistry: count("imagegate:components:SecureRegistry"),
            DefenderForContainers: count("imagegate:components:DefenderForContainers"),
            ImageBuildTask: count("imagegate:components:ImageBuildTask"),
            RedeployWebhook: count("imagegate:components:RedeployWebhook"),
            SecureCluster: count("imagegate:components:SecureCluster"),
            ImageAdmission: count("imagegate:components:ImageAdmission"),
            GatekeeperImageConstraints: count("imagegate:components:GatekeeperImageConstraints"),
        }).toEqual({ SecureRegistry: 2, DefenderForContainers: 1, ImageBuildTask: 2, RedeployWebhook: 1, SecureCluster: 2, ImageAdmission: 1, GatekeeperImageConstraints: 1 });

        const one = (type: string, name: string) => {
            const found = report.resources.filter((r) => r.type === type && r.name === name);
            expect(found.map((r) => r.name)).toEqual([name]);
            return found[0];
        };
        const priv = one("azure-native:containerregistry:Registry", "acr");
        expect(priv.inputs.publicNetworkAccess).toBe("Disabled");
        expect(priv.inputs.encryption.status).toBe("enabled");
        expect(priv.inputs.identity.type).toBe("UserAssigned");
        expect(priv.inputs.policies.quarantinePolicy.status).toBe("enabled");
        one("azure-native:network:PrivateEndpoint", "acr-pe");
        one("azure-native:managedidentity:UserAssignedIdentity", "acr-cmk");
        one("azure-native:containerregistry:AgentPool", "acr-tasks");
        expect(one("azure-native:containerregistry:Webhook", "acr-quarantine").inputs.actions).toEqual(["quarantine"]);
        const fw = one("azure-native:containerregistry:Registry", "base-acr");
        expect(fw.inputs.publicNetworkAccess).toBe("Enabled");
        expect(fw.inputs.networkRuleSet.defaultAction).toBe("Deny");
        expect(fw.inputs.networkRuleSet.ipRules.length).toBeGreaterThan(0);

        const docker = one("azure-native:containerregistry:Task", "web-build");
        expect(docker.inputs.step.type).toBe("Docker");
        // The source trigger's token makes the whole trigger a secret: the report redacts it (the pack sees it).
        expect(docker.inputs.trigger).toBe("[secret]");
        expect(Object.keys(docker.inputs.credentials.customRegistries)).toEqual(["componentsbaseacr.azurecr.io"]);
        expect(one("azure-native:containerregistry:Task", "api-build").inputs.step.type).toBe("EncodedTask");
        one("azure-native:containerregistry:TaskRun", "api-build-initial-run");
        expect(one("azure-native:containerregistry:Webhook", "web-redeploy").inputs.actions).toEqual(["push"]);

        expect(one("azure-native:containerservice:ManagedCluster", "aks-private").inputs.apiServerAccessProfile.enablePrivateCluster).toBe(true);
        expect(one("azure-native:containerservice:ManagedCluster", "aks-ranges").inputs.apiServerAccessProfile.authorizedIPRanges.length).toBeGreaterThan(0);
        one("azure-native:authorization:PolicyAssignment", "admission-allowed-images");
        one("kubernetes:constraints.gatekeeper.sh/v1beta1:K8sTrustedImages", "gatekeeper-constraint");
        one("azure-native:security:Pricing", "defender-containers");
    });

    const components = ["SecureRegistry", "DefenderForContainers", "ImageBuildTask", "RedeployWebhook", "SecureCluster", "ImageAdmission", "GatekeeperImageConstraints"];
    it.each(components)("%s: zero diagnostics from every hardening and stack policy (but the firewall registry's export)", (component) => {
        const { report } = previews.dev;
        expect(report.resources.some((r) => componentOf(r.urn) === component && r.type !== `${COMPONENT_PREFIX}${component}`)).toBe(true);
        const found = report.diagnostics
            .filter((d) => HARDENING.has(d.policy) && componentOf(d.urn) === component && !isFirewallExport(report, d))
            .map((d) => line(report, d));
        expect(found).toEqual([]);
    });

    it("the firewall registry fails exactly acr-network's export-disabled check, by design, and nothing else in the stack is flagged", () => {
        const { report } = previews.dev;
        expect(report.diagnostics.map((d) => line(report, d))).toEqual([
            expect.stringMatching(/^SecureRegistry: azure-native:containerregistry:Registry "base-acr": \[mandatory\] acr-network: .*policies\.exportPolicy\.status.*\[export-disabled\]$/),
        ]);
    });

    it("negative control: raw weak resources in the same stack fail every hardening and stack policy, with the expected checks", () => {
        const { report } = previews.weak;
        const weak = report.diagnostics.filter((d) => componentOf(d.urn) === undefined);
        // Every policy the zero above is claimed for does fire through this path.
        // stack-image-verification applies only where signed-images blocks, which this fixture's config does not set
        // (it is exercised over AnalyzeStack in test/integration/policies/stack-image-verification).
        expect([...new Set(weak.map((d) => d.policy))].sort()).toEqual([...HARDENING].filter((p) => p !== "stack-image-verification").sort());
        expect(weak.every((d) => d.level === "mandatory")).toBe(true);

        const checks = (name: string) => weak
            .filter((d) => resourceOf(report, d.urn)?.name === name)
            .map((d) => `${d.policy}${checkId(d) ? ` [${checkId(d)}]` : ""}`)
            .sort();
        expect(checks("weak-acr")).toEqual([
            "acr-authentication [admin-user-disabled]",
            "acr-authentication [anonymous-pull-disabled]",
            "acr-authentication [arm-audience-tokens-disabled]",
            "acr-network [dedicated-data-endpoints]",
            "acr-network [export-disabled]",
            "acr-network [public-network-restricted]",
            "acr-no-content-trust [content-trust-not-used]",
            "acr-premium-sku [premium-sku]",
            "acr-untagged-retention [untagged-retention]",
            "acr-zone-redundancy [zone-redundancy]",
        ]);
        expect(checks("unscannable-acr")).toEqual(["stack-registry-scanning"]);
        expect(checks("weak-token")).toEqual(["acr-authentication [repository-tokens-disabled]"]);
        // Issue 17's rules, through this path: the region, retention under pinning, exposure as a total.
        const message = (name: string, policy: string) => weak.find((d) => resourceOf(report, d.urn)?.name === name && d.policy === policy)?.message;
        expect(message("weak-acr", "acr-zone-redundancy")).toContain('Registry "weak-acr" location: the region "westus" has no availability zones');
        expect(message("weak-acr", "acr-untagged-retention")).toContain("the retention policy deletes every untagged manifest after 7 days, and deployments pull by digest");
        expect(message("aks-weak", "aks-api-server-access")).toContain('ManagedCluster "aks-weak" apiServerAccessProfile.authorizedIPRanges: the entries together admit 3,702,258,690 public IPv4 addresses (every public IPv4 address; widest: "0.0.0.0/1", "128.0.0.0/1")');
        expect(checks("weak-hook")).toEqual(["acr-webhook-https [https-service-uri]"]);
        expect(checks("weak-cache")).toEqual(["acr-cache-rules [trusted-upstream]"]);
        expect(checks("weak-legacy-plan")).toEqual(["defender-containers-plan [no-legacy-plan]"]);
        expect(checks("weak-acrpull")).toEqual(["stack-acrpull-scope"]);
        // The cluster has neither ImageAdmission nor Gatekeeper: the constraints applied through
        // aks-ranges' provider must not count for it (three clusters, so no single-cluster shortcut).
        expect(new Set(checks("aks-weak"))).toEqual(new Set([
            "aks-access-control [entra-azure-rbac]",
            "aks-access-control [local-accounts-disabled]",
            "aks-access-control [managed-identity]",
            "aks-access-control [rbac-enabled]",
            "aks-api-server-access [private-or-authorized-ips]",
            "aks-auto-upgrade [node-os-upgrade-channel]",
            "aks-auto-upgrade [upgrade-channel]",
            "aks-azure-policy-addon [azure-policy-addon]",
            "aks-defender-profile [defender-sensor]",
            "aks-image-cleaner [image-cleaner]",
            "aks-network-policy [network-policy]",
            "aks-no-insecure-addons [http-application-routing-disabled]",
            "aks-node-public-ip [no-node-public-ip]",
            "aks-workload-identity [oidc-issuer]",
            "aks-workload-identity [workload-identity]",
            "stack-aks-image-admission",
        ]));

        // The weak neighbours leak nothing onto the components: still only the by-design finding.
        const onComponents = report.diagnostics.filter((d) => componentOf(d.urn) !== undefined && !isFirewallExport(report, d)).map((d) => line(report, d));
        expect(onComponents).toEqual([]);
        expect(report.diagnostics.filter((d) => isFirewallExport(report, d))).toHaveLength(1);
    });
});
