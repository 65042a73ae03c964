/**
 * stack-image-verification in the compiled pack, launched as the Pulumi CLI launches it and driven
 * over AnalyzeStack, with signed-images mandatory in the pack's config (read by the policy through
 * peers, not a copy): a cluster without the generated Ratify documents, with a weaker trust policy,
 * with a dry-run constraint, or with only AKS Image Integrity is refused; the full generated set counts.
 */
import * as fs from "fs";
import * as path from "path";
import { AnalyzerHarness, UNKNOWN } from "../../../../cli/harness";
import type { AnalyzeStackResource as StackResource } from "../../../../cli/harness/types";
import { IMAGE_INTEGRITY_NOTATION_DEFINITION_ID, KubernetesDocument, planDocuments, ratifyPlan } from "../../../../core/admission";
import { signedImagesGate } from "../../../../core/gate/config";
import { hardenedCluster } from "../../../support/hardening";
import { PACK_DIR, REPO_ROOT } from "../../../support/paths";
import { rootCa } from "../../../support/signing";

const POLICY = "stack-image-verification";
const CLUSTER_ID = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks1";
const urn = (type: string, name: string) => `urn:pulumi:dev::p::${type}::${name}`;
const CLUSTER_T = "azure-native:containerservice:ManagedCluster";
const cluster: StackResource = { type: CLUSTER_T, name: "aks1", urn: urn(CLUSTER_T, "aks1"), properties: { ...hardenedCluster(), id: CLUSTER_ID } };

const root = rootCa([["C", "US"], ["ST", "WA"], ["O", "Contoso"], ["CN", "Contoso Root"]]);
const SIGNED = {
    notation: {
        trustStores: [{ name: "contoso", certificates: [root.pem] }],
        trustPolicies: [{ name: "app", registryScopes: ["contoso.azurecr.io/app"], trustStores: ["ca:contoso"], trustedIdentities: ["x509.subject: C=US, ST=WA, O=Contoso, CN=ci"], level: "strict" }],
    },
};
const parsed = signedImagesGate.parse(SIGNED, { baseDir: PACK_DIR });
if (!parsed.ok) throw new Error(parsed.errors.join("; "));
const docs = planDocuments(ratifyPlan(parsed.config.signature!));

function k8s(d: KubernetesDocument, over: Record<string, unknown> = {}): StackResource {
    const t = `kubernetes:${d.apiVersion}:${d.kind}`;
    return { type: t, name: d.metadata.name, urn: urn(t, d.metadata.name), properties: { apiVersion: d.apiVersion, kind: d.kind, metadata: { name: d.metadata.name }, spec: d.spec, ...over } };
}
const generated = () => docs.map((d) => k8s(d));

let h: AnalyzerHarness;
beforeAll(async () => {
    if (!fs.existsSync(path.join(REPO_ROOT, "dist", "policies", "index.js"))) throw new Error("dist/policies/index.js is missing: run `npm run build` before these tests");
    h = await AnalyzerHarness.launch({ packDir: PACK_DIR, startTimeoutMs: 60_000 });
    await h.configureFromFile({ "signed-images": { enforcementLevel: "mandatory", ...SIGNED } });
}, 90_000);
afterAll(async () => {
    await h?.close();
});

async function findings(resources: StackResource[]) {
    const res = await h.analyzeStack(resources);
    return res.diagnostics.filter((d) => d.policyName === POLICY);
}

describe("stack-image-verification over AnalyzeStack", () => {
    it("counts the generated documents applied to the only cluster", async () => {
        expect(await findings([cluster, ...generated()])).toEqual([]);
    });

    it("refuses a cluster without signature admission, at mandatory, naming what is missing", async () => {
        const d = await findings([cluster]);
        expect(d).toEqual([expect.objectContaining({ enforcementLevel: "mandatory", urn: cluster.urn, severity: "critical" })]);
        expect(d[0].message).toContain('ManagedCluster "aks1": signed-images is mandatory, but the cluster does not verify signatures at admission');
        expect(d[0].message).toContain('Verifier "imagegate-notation" is not applied to the cluster');
        expect(d[0].message).toContain("no ImagegateSignedImages constraint is applied");
    });

    it("refuses a weaker trust policy (any identity) and a constraint that only audits", async () => {
        const weaker = generated().map((r) => {
            if (r.name !== "imagegate-notation") return r;
            const spec = JSON.parse(JSON.stringify((r.properties as { spec: unknown }).spec));
            spec.parameters.trustPolicyDoc.trustPolicies[0].trustedIdentities = ["*"];
            return { ...r, properties: { ...r.properties, spec } };
        });
        const d1 = await findings([cluster, ...weaker]);
        expect(d1[0].message).toContain('Verifier "imagegate-notation" differs from the one generated from signed-images at spec.parameters.trustPolicyDoc.trustPolicies[0].trustedIdentities[0]');
        const dryrun = generated().map((r) => (r.name === "imagegate-signed-images" ? { ...r, properties: { ...r.properties, spec: { ...(r.properties as { spec: object }).spec, enforcementAction: "dryrun" } } } : r));
        const d2 = await findings([cluster, ...dryrun]);
        expect(d2[0].message).toContain('constraint has enforcementAction "dryrun", which does not block');
    });

    it("refuses an extra verifier beside the generated ones, and Ratify's chart with its own verifiers on", async () => {
        const extra = k8s({ apiVersion: "config.ratify.deislabs.io/v1beta1", kind: "Verifier", metadata: { name: "verifier-notation" }, spec: { name: "notation", artifactTypes: "application/vnd.cncf.notary.signature", parameters: {} } });
        const d1 = await findings([cluster, ...generated(), extra]);
        expect(d1[0].message).toContain('Verifier "verifier-notation" is also applied, and any verifier that succeeds admits an image');
        const t = "kubernetes:helm.sh/v3:Release";
        const release = (values: Record<string, unknown>): StackResource => ({ type: t, name: "ratify", urn: urn(t, "ratify"), properties: { chart: "ratify", version: "1.15.0", values } });
        const d2 = await findings([cluster, ...generated(), release({ cosign: { enabled: false } })]);
        expect(d2[0].message).toContain('the Ratify Helm release "ratify" leaves the chart\'s own notation verifier on');
        expect(d2[0].message).not.toContain("own cosign verifier");
        expect(await findings([cluster, ...generated(), release({ notation: { enabled: false }, cosign: { enabled: false }, vulnerabilityreport: { enabled: false } })])).toEqual([]);
    });

    it("says AKS Image Integrity only audits", async () => {
        const t = "azure-native:authorization:PolicyAssignment";
        const ii: StackResource = { type: t, name: "ii", urn: urn(t, "ii"), properties: { scope: CLUSTER_ID, policyDefinitionId: IMAGE_INTEGRITY_NOTATION_DEFINITION_ID }, dependencies: [cluster.urn] };
        const d = await findings([cluster, ii]);
        expect(d[0].message).toContain("AKS Image Integrity is assigned, but its built-in only audits");
    });

    it("a spec not known at preview is advisory, not a pass", async () => {
        const unknown = generated().map((r) => (r.name === "imagegate-notation" ? { ...r, properties: { ...r.properties, spec: UNKNOWN } } : r));
        const d = await findings([cluster, ...unknown]);
        expect(d).toEqual([expect.objectContaining({ enforcementLevel: "advisory" })]);
        expect(d[0].message).toContain("will be checked during `pulumi up`");
    });
});
