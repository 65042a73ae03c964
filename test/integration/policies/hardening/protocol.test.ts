/**
 * The hardening policies in the compiled imagegate pack (dist/), launched as the Pulumi CLI launches
 * it and driven over the Analyzer gRPC protocol: metadata, a hardened and a weak registry (Analyze),
 * unknown values, config validation, and a stack without image admission (AnalyzeStack).
 */
import * as fs from "fs";
import * as path from "path";
import { AnalyzerHarness, UNKNOWN, secret } from "../../../../cli/harness";
import { allowedImagesRegex } from "../../../../core/admission";
import { parseTrustEntries } from "../../../../core/trust";
import { hardeningPolicies } from "../../../../policies/hardening";
import { hardenedCluster, hardenedRegistry, withValue } from "../../../support/hardening";
import { PACK_DIR, REPO_ROOT } from "../../../support/paths";

const PACK = PACK_DIR;
const HARDENING = new Set(hardeningPolicies.map((p) => p.name));
const registry = (props: Record<string, unknown>, type = "azure-native:containerregistry:Registry") => ({ type, name: "acr", urn: `urn:pulumi:dev::p::${type}::acr`, properties: props });

describe("hardening policies over the Analyzer protocol", () => {
    let h: AnalyzerHarness;
    beforeAll(async () => {
        if (!fs.existsSync(path.join(REPO_ROOT, "dist", "policies", "index.js"))) {
            throw new Error("dist/policies/index.js is missing: run `npm run build` before these tests");
        }
        h = await AnalyzerHarness.launch({ packDir: PACK, startTimeoutMs: 60_000 });
    }, 90_000);
    afterAll(async () => {
        await h?.close();
    });

    it("lists every hardening policy with its type, severity, remediation and docs URL", async () => {
        const info = await h.getAnalyzerInfo();
        const mine = info.policies.filter((p) => HARDENING.has(p.name));
        expect(mine.map((p) => p.name).sort()).toEqual([...HARDENING].sort());
        for (const p of mine) {
            expect(p.policyType).toBe(p.name.startsWith("stack-") ? "stack" : "resource");
            expect(p.severity).not.toBe("");
            expect(p.remediationSteps.length).toBeGreaterThan(20);
            expect(p.url).toMatch(new RegExp(`/policies/${p.name}/README\\.md$`));
        }
        expect(mine.find((p) => p.name === "acr-no-content-trust")?.enforcementLevel).toBe("advisory");
        expect(mine.find((p) => p.name === "acr-authentication")?.enforcementLevel).toBe("mandatory");
    });

    it("passes a hardened registry and reports each weakness of a weak one at mandatory", async () => {
        await h.configureFromFile({});
        const good = await h.analyze(registry(hardenedRegistry(), "azure-native:containerregistry/v20230701:Registry"));
        expect(good.diagnostics.filter((d) => HARDENING.has(d.policyName))).toEqual([]);
        let weak = withValue(hardenedRegistry(), "adminUserEnabled", true);
        weak = withValue(weak, "sku.name", "Standard");
        weak = withValue(weak, "publicNetworkAccess", "Enabled");
        weak = withValue(weak, "networkRuleSet", undefined);
        const bad = await h.analyze(registry(weak));
        const mine = bad.diagnostics.filter((d) => HARDENING.has(d.policyName));
        expect(mine.map((d) => [d.policyName, d.enforcementLevel, d.severity]).sort()).toEqual([
            ["acr-authentication", "mandatory", "high"],
            ["acr-network", "mandatory", "high"],
            ["acr-premium-sku", "mandatory", "high"],
        ]);
        expect(mine.find((d) => d.policyName === "acr-authentication")?.message).toContain('Registry "acr" adminUserEnabled: the admin user is true');
        expect(bad.notApplicable).toContainEqual({ policyName: "aks-access-control", reason: "applies to azure-native containerservice:ManagedCluster" });
    });

    it("an unknown setting is advisory over the wire too", async () => {
        await h.configureFromFile({});
        const res = await h.analyze(registry(withValue(hardenedRegistry(), "sku", UNKNOWN)));
        expect(res.diagnostics.filter((d) => HARDENING.has(d.policyName)).map((d) => [d.policyName, d.enforcementLevel])).toEqual([["acr-premium-sku", "advisory"]]);
    });

    it("config: skipChecks is applied, and an unknown check ID is refused naming the field", async () => {
        await h.configureFromFile({ "acr-authentication": { skipChecks: ["admin-user-disabled"] } });
        const res = await h.analyze(registry(withValue(hardenedRegistry(), "adminUserEnabled", true)));
        expect(res.diagnostics.filter((d) => HARDENING.has(d.policyName))).toEqual([]);
        await expect(h.configureFromFile({ "acr-authentication": { skipChecks: ["admin-user"] } })).rejects.toThrow(/acr-authentication: skipChecks\.0/);
    });

    it("AnalyzeStack: a cluster without image admission fails at mandatory, with the cluster's URN", async () => {
        await h.configureFromFile({ "trusted-registries": { registries: ["contoso.azurecr.io"] } });
        const clusterUrn = "urn:pulumi:dev::p::azure-native:containerservice:ManagedCluster::aks1";
        const res = await h.analyzeStack([
            { type: "azure-native:containerservice:ManagedCluster", name: "aks1", urn: clusterUrn, properties: hardenedCluster() },
        ]);
        const admission = res.diagnostics.filter((d) => d.policyName === "stack-aks-image-admission");
        expect(admission).toEqual([expect.objectContaining({ enforcementLevel: "mandatory", urn: clusterUrn, severity: "critical" })]);
        const fixed = await h.analyzeStack([
            { type: "azure-native:containerservice:ManagedCluster", name: "aks1", urn: clusterUrn, properties: hardenedCluster() },
            {
                type: "azure-native:authorization:PolicyAssignment",
                name: "admission",
                urn: "urn:pulumi:dev::p::azure-native:authorization:PolicyAssignment::admission",
                properties: {
                    scope: UNKNOWN,
                    policyDefinitionId: "/providers/Microsoft.Authorization/policyDefinitions/febd0533-8e55-448f-b837-bd0e06f16469",
                    parameters: { effect: { value: "Deny" }, allowedContainerImagesRegex: { value: allowedImagesRegex(parseTrustEntries(["contoso.azurecr.io"]).entries).pattern } },
                },
                dependencies: [clusterUrn],
                propertyDependencies: { scope: [clusterUrn] },
            },
        ]);
        expect(fixed.diagnostics.filter((d) => d.policyName === "stack-aks-image-admission")).toEqual([]);
    });

    it("judges a webhook URI sent as a Pulumi secret, and never prints it", async () => {
        await h.configureFromFile({});
        const hook = (uri: string) => ({ type: "azure-native:containerregistry:Webhook", name: "hook", urn: "urn:pulumi:dev::p::azure-native:containerregistry:Webhook::hook", properties: { serviceUri: secret(uri), actions: ["quarantine"] } });
        expect((await h.analyze(hook("https://scanner.example.com/h?code=s3cret"))).diagnostics.filter((d) => HARDENING.has(d.policyName))).toEqual([]);
        const bad = (await h.analyze(hook("http://scanner.example.com/h?code=s3cret"))).diagnostics.filter((d) => HARDENING.has(d.policyName));
        expect(bad.map((d) => d.policyName)).toEqual(["acr-webhook-https"]);
        expect(bad[0].message).toContain("uses http://");
        expect(bad[0].message).not.toContain("s3cret");
    });

    it("issue 17 over the wire: the internet in two /1 ranges fails, private ranges pass, tokens are judged", async () => {
        await h.configureFromFile({});
        const cluster = (ranges: string[]) => ({ type: "azure-native:containerservice:ManagedCluster", name: "aks1", urn: "urn:pulumi:dev::p::azure-native:containerservice:ManagedCluster::aks1", properties: { ...hardenedCluster(), apiServerAccessProfile: { authorizedIPRanges: ranges } } });
        const halves = (await h.analyze(cluster(["0.0.0.0/1", "128.0.0.0/1"]))).diagnostics.filter((d) => HARDENING.has(d.policyName));
        expect(halves.map((d) => [d.policyName, d.enforcementLevel])).toEqual([["aks-api-server-access", "mandatory"]]);
        expect(halves[0].message).toContain('ManagedCluster "aks1" apiServerAccessProfile.authorizedIPRanges: the entries together admit 3,702,258,690 public IPv4 addresses (every public IPv4 address; widest: "0.0.0.0/1", "128.0.0.0/1"), more than the 65,536 of one /16.');
        expect((await h.analyze(cluster(["10.0.0.0/8", "203.0.113.0/24", "20.0.0.0/17"]))).diagnostics.filter((d) => HARDENING.has(d.policyName))).toEqual([]);
        // The limit is config: the same list passes with a wider one.
        await h.configureFromFile({ "aks-api-server-access": { maxPublicIpv4Prefix: 8 } });
        expect((await h.analyze(cluster(["20.0.0.0/8"]))).diagnostics.filter((d) => HARDENING.has(d.policyName))).toEqual([]);
        await h.configureFromFile({});
        const token = { type: "azure-native:containerregistry:Token", name: "ci", urn: "urn:pulumi:dev::p::azure-native:containerregistry:Token::ci", properties: { registryName: "contosoacr", scopeMapId: "/x/scopeMaps/_repositories_push" } };
        const t = (await h.analyze(token)).diagnostics.filter((d) => HARDENING.has(d.policyName));
        expect(t.map((d) => [d.policyName, d.enforcementLevel])).toEqual([["acr-authentication", "mandatory"]]);
        expect(t[0].message).toMatch(/\[repository-tokens-disabled\]$/);
    });

    it("AnalyzeStack: a registry covered by the Defender plan a platform stack exports, read through a StackReference", async () => {
        await h.configureFromFile({});
        const sub = "11111111-1111-1111-1111-111111111111";
        const registryUrn = "urn:pulumi:dev::p::azure-native:containerregistry:Registry::acr";
        const acr = { type: "azure-native:containerregistry:Registry", name: "acr", urn: registryUrn, properties: { ...hardenedRegistry(), id: `/subscriptions/${sub}/resourceGroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/contosoacr` } };
        const platform = (coverage: Record<string, unknown>) => ({
            type: "pulumi:pulumi:StackReference",
            name: "platform",
            urn: "urn:pulumi:dev::p::pulumi:pulumi:StackReference::platform",
            // The coverage output is a secret in the other stack: it arrives in the secret envelope.
            properties: { name: "contoso/platform/prod", outputs: { defenderForContainers: secret(coverage as never) }, secretOutputNames: ["defenderForContainers"] },
        });
        const record = { kind: "imagegate/defender-for-containers/v1", plan: "Containers", pricingTier: "Standard", registryVulnerabilityAssessment: true, scopeId: `/subscriptions/${sub}` };
        const covered = await h.analyzeStack([acr, platform(record)]);
        expect(covered.diagnostics.filter((d) => d.policyName === "stack-registry-scanning")).toEqual([]);
        const free = await h.analyzeStack([acr, platform({ ...record, pricingTier: "Free" })]);
        expect(free.diagnostics.filter((d) => d.policyName === "stack-registry-scanning")).toEqual([
            expect.objectContaining({ enforcementLevel: "mandatory", urn: registryUrn, message: expect.stringContaining('Registry "acr": no vulnerability-scanning source covers it') }),
        ]);
    });

    it("AnalyzeStack: scanned-images at mandatory in the same config is the registry's scanning source; at advisory it is not", async () => {
        const acr = { type: "azure-native:containerregistry:Registry", name: "acr", urn: "urn:pulumi:dev::p::azure-native:containerregistry:Registry::acr", properties: hardenedRegistry() };
        const scanning = async (file: Record<string, unknown>) => (await h.configureFromFile(file), (await h.analyzeStack([acr])).diagnostics.filter((d) => d.policyName === "stack-registry-scanning").map((d) => d.message));
        expect(await scanning({ "scanned-images": { enforcementLevel: "mandatory", reports: ["../test/fixtures/reports"] } })).toEqual([]);
        expect(await scanning({ all: "mandatory" })).toEqual([]);
        expect(await scanning({ "scanned-images": "advisory" })).toEqual([expect.stringContaining('Registry "acr": no vulnerability-scanning source covers it')]);
        expect(await scanning({})).toEqual([expect.stringContaining('Registry "acr": no vulnerability-scanning source covers it')]);
    });

    it("wrote nothing but the port to stdout", () => {
        expect(h.protocolErrors()).toEqual([]);
    });
});
