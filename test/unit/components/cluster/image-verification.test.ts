/**
 * ImageVerification under Pulumi's mocks: the Kubernetes documents it applies are exactly the ones
 * ratify-plan generates from the policy config (the store with the real workload identity), Ratify's
 * chart is installed with its own verifiers off, the chart's hook store and policy are patched, the
 * Image Integrity path assigns the two built-ins with the roles the deploy policy names, and the
 * exclusions (add-on Gatekeeper vs self-managed, Image Integrity is Notation-only, a gate that does
 * not block) are refused at construction.
 */
import { IMAGE_INTEGRITY_DEPLOY_DEFINITION_ID, IMAGE_INTEGRITY_NOTATION_DEFINITION_ID, RATIFY_CHART_REPO, RATIFY_CHART_VERSION, planDocuments, ratifyPlan } from "../../../../core/admission";
import { parsePolicySettings, PolicySettings } from "../../../../components/image/policy-config";
import type { ImageVerificationArgs } from "../../../../components/cluster/image-verification";
import { RegisteredResource, runUnderMocks } from "../../../support/mocks";
import { FIXTURES, PACK_DIR } from "../../../support/paths";
import * as fs from "fs";
import * as path from "path";
import { ecKey, rootCa } from "../../../support/signing";

const CLUSTER_ID = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks";
const CLIENT_ID = "22222222-2222-2222-2222-222222222222";
const root = rootCa([["C", "US"], ["ST", "WA"], ["O", "Contoso"], ["CN", "Contoso Root"]]);
const NOTATION = {
    trustStores: [{ name: "contoso", certificates: [root.pem] }],
    trustPolicies: [{ name: "all", registryScopes: ["*"], trustStores: ["ca:contoso"], trustedIdentities: ["x509.subject: C=US, ST=WA, O=Contoso, CN=ci"], level: "strict" }],
};
const COSIGN = { keys: [ecKey().publicKey.export({ format: "pem", type: "spki" }).toString()] };

function settings(signed: Record<string, unknown>, extra: Record<string, unknown> = {}): PolicySettings {
    return parsePolicySettings({ "signed-images": { enforcementLevel: "mandatory", registries: [{ host: "contoso.azurecr.io", auth: "acr" }], ...signed }, ...extra }, "/tmp/policy-config.json", PACK_DIR);
}

async function verification(args: Partial<ImageVerificationArgs>): Promise<RegisteredResource[]> {
    return runUnderMocks(async () => {
        const { ImageVerification } = await import("../../../../components/cluster/image-verification");
        new ImageVerification("sig", { path: "ratify", azurePolicyAddon: false, policy: settings({ notation: NOTATION, cosign: COSIGN }), workloadIdentityClientId: CLIENT_ID, ...args } as ImageVerificationArgs);
    });
}

async function errorOf(p: Promise<unknown>): Promise<string> {
    try {
        await p;
    } catch (e) {
        return e instanceof Error ? e.message : String(e);
    }
    throw new Error("expected construction to fail");
}

const k8sDocs = (rs: RegisteredResource[]) => rs.filter((r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm"));

describe("ImageVerification", () => {
    it("ratify: applies exactly the generated documents, the store with the workload identity, after Ratify's chart", async () => {
        const policy = settings({ notation: NOTATION, cosign: COSIGN });
        const rs = await verification({ policy });
        const plan = ratifyPlan(policy.gates.signedImages.config.signature!, { workloadIdentityClientId: CLIENT_ID, registries: policy.gates.signedImages.config.registries });
        const applied = k8sDocs(rs).map((r) => ({ type: r.type, name: r.inputs.metadata.name, spec: r.inputs.spec }));
        const expected = planDocuments(plan).map((d) => ({ type: `kubernetes:${d.apiVersion}:${d.kind}${d.kind === "Store" || d.kind === "Policy" ? "Patch" : ""}`, name: d.metadata.name, spec: d.spec }));
        const byKey = (xs: typeof applied) => [...xs].sort((a, b) => `${a.type}/${a.name}`.localeCompare(`${b.type}/${b.name}`));
        expect(byKey(applied)).toEqual(byKey(expected));
        expect(plan.store.spec.parameters).toMatchObject({ cosignEnabled: true, authProvider: { name: "azureWorkloadIdentity", clientID: CLIENT_ID, endpoints: ["contoso.azurecr.io"] } });
        const release = rs.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!;
        expect(release.inputs).toMatchObject({
            chart: "ratify",
            version: RATIFY_CHART_VERSION,
            repositoryOpts: { repo: RATIFY_CHART_REPO },
            namespace: "gatekeeper-system",
            values: { notation: { enabled: false }, cosign: { enabled: false }, vulnerabilityreport: { enabled: false }, azureWorkloadIdentity: { clientId: CLIENT_ID }, oras: { authProviders: { azureWorkloadIdentityEnabled: true } } },
        });
        const patches = k8sDocs(rs).filter((r) => r.type.endsWith("Patch"));
        expect(patches.map((p) => p.inputs.metadata.annotations["pulumi.com/patchForce"])).toEqual(["true", "true"]);
    });

    it("ratify: scan evidence at admission when scanned-images blocks and reads attestations", async () => {
        const policy = settings({ notation: NOTATION }, { "scanned-images": { enforcementLevel: "mandatory", attestations: true, registries: ["contoso.azurecr.io"], failOn: "critical", maxAgeDays: 1 } });
        const rs = await verification({ policy });
        const vr = k8sDocs(rs).find((r) => r.inputs.spec?.name === "vulnerabilityreport");
        expect(vr?.inputs.spec.parameters).toEqual({ maximumAge: "1440m", disallowedSeverities: ["CRITICAL"] });
        const off = await verification({ policy, scan: false });
        expect(k8sDocs(off).find((r) => r.inputs.spec?.name === "vulnerabilityreport")).toBeUndefined();
    });

    it("image-integrity: the deploy and notation built-ins at the cluster, the deploy identity's two roles, the generated notation documents, no self-managed Gatekeeper", async () => {
        const policy = settings({ notation: NOTATION });
        const rs = await verification({ path: "image-integrity", azurePolicyAddon: true, policy, clusterId: CLUSTER_ID, location: "westeurope" });
        const assignments = rs.filter((r) => r.type === "azure-native:authorization:PolicyAssignment");
        expect(assignments.map((a) => a.inputs.policyDefinitionId).sort()).toEqual([IMAGE_INTEGRITY_DEPLOY_DEFINITION_ID, IMAGE_INTEGRITY_NOTATION_DEFINITION_ID].sort());
        expect(assignments.every((a) => a.inputs.scope === CLUSTER_ID)).toBe(true);
        const deploy = assignments.find((a) => a.inputs.policyDefinitionId === IMAGE_INTEGRITY_DEPLOY_DEFINITION_ID)!;
        expect(deploy.inputs).toMatchObject({ identity: { type: "SystemAssigned" }, location: "westeurope" });
        const roles = rs.filter((r) => r.type === "azure-native:authorization:RoleAssignment").map((r) => r.inputs.roleDefinitionId.split("/").pop()).sort();
        expect(roles).toEqual(["18ed5180-3e48-46fd-8541-4ea054d57064", "ed7f3fbd-7b88-4dd4-9017-9adb7ce333f8"]);
        expect(rs.some((r) => r.type.startsWith("kubernetes:helm") || r.type.startsWith("kubernetes:templates.gatekeeper.sh"))).toBe(false);
        expect(k8sDocs(rs).map((r) => r.inputs.kind).sort()).toEqual(["KeyManagementProvider", "Store", "Verifier"]);
    });

    it("image-integrity: every assigned parameter is declared by the built-in with an allowed value; the identity holds the roles the definition names", async () => {
        type Def = { id: string; roleDefinitionIds?: string[]; parameters: Record<string, { type: string; allowedValues?: unknown[] }> };
        const defs = Object.values(JSON.parse(fs.readFileSync(path.join(FIXTURES, "azure-policy", "image-integrity-definitions.json"), "utf8")) as Record<string, Def>);
        const rs = await verification({ path: "image-integrity", azurePolicyAddon: true, policy: settings({ notation: NOTATION }), clusterId: CLUSTER_ID, location: "westeurope" });
        for (const a of rs.filter((r) => r.type === "azure-native:authorization:PolicyAssignment")) {
            const def = defs.find((d) => d.id === a.inputs.policyDefinitionId)!;
            expect(def).toBeDefined();
            for (const [name, { value }] of Object.entries(a.inputs.parameters as Record<string, { value: unknown }>)) {
                expect(Object.keys(def.parameters)).toContain(name);
                if (def.parameters[name].allowedValues) expect(def.parameters[name].allowedValues).toContain(value);
            }
        }
        const dine = defs.find((d) => d.roleDefinitionIds)!;
        const roles = rs.filter((r) => r.type === "azure-native:authorization:RoleAssignment").map((r) => r.inputs.roleDefinitionId.split("/").pop()).sort();
        expect(roles).toEqual(dine.roleDefinitionIds!.map((r) => r.split("/").pop()).sort());
    });

    it.each<[string, Partial<ImageVerificationArgs>, RegExp]>([
        ["ratify beside the Azure Policy add-on", { azurePolicyAddon: true }, /cannot run beside the Azure Policy add-on's/],
        ["image-integrity without the add-on", { path: "image-integrity", clusterId: CLUSTER_ID }, /needs the Azure Policy add-on/],
        ["image-integrity with cosign keys", { path: "image-integrity", azurePolicyAddon: true, clusterId: CLUSTER_ID }, /Notation signatures only; signed-images also has cosign/],
        ["signed-images not blocking", { policy: parsePolicySettings({ "signed-images": { enforcementLevel: "advisory", notation: NOTATION } }, "/tmp/p.json", PACK_DIR) }, /signed-images is advisory/],
        ["no trust material", { policy: parsePolicySettings({ "signed-images": { enforcementLevel: "mandatory" } }, "/tmp/p.json", PACK_DIR) }, /no notation or cosign trust material/],
        ["an unknown path", { path: "kyverno" as never }, /path must be "ratify" or "image-integrity"/],
    ])("refuses %s", async (_n, args, message) => {
        expect(await errorOf(verification(args))).toMatch(message);
    });
});
