/**
 * The Ratify documents generated from a signed-images config: valid against Ratify's own CRD
 * schemas (test/fixtures/ratify, unknown fields refused as the API server would prune them), and
 * equivalent to the pack's parse — the generated trust policy document and key providers, read back
 * into the pack's config shape and parsed by the pack's own parser, give the same stores,
 * certificates, scopes, identities, levels and cosign keys.
 */
import * as fs from "fs";
import * as path from "path";
import Ajv, { ValidateFunction } from "ajv";
import fc from "fast-check";
import { parse as parseYaml } from "yaml";
import { createHash, X509Certificate } from "node:crypto";
import { signedImagesGate } from "../../../../core/gate/config";
import { parseSignatureConfig, SignatureConfig } from "../../../../core/signature/config";
import { formatDn } from "../../../../core/signature/dn";
import { KubernetesDocument, planDocuments, ratifyPlan, disallowedSeverities, ratifyPolicyRego } from "../../../../core/admission/ratify-plan";
import { SYSTEM_NAMESPACES } from "../../../../core/admission/azure-policy";
import { FIXTURES } from "../../../support/paths";
import { ecKey, rootCa, rsaKey } from "../../../support/signing";

// ---- schemas ----

type Schema = Record<string, unknown>;
/** Objects with declared properties refuse others, unless the CRD preserves unknown fields there. */
function closed(s: Schema): Schema {
    const out: Schema = { ...s };
    if (s.properties && !s["x-kubernetes-preserve-unknown-fields"]) {
        out.additionalProperties = false;
        out.properties = Object.fromEntries(Object.entries(s.properties as Record<string, Schema>).map(([k, v]) => [k, closed(v)]));
    }
    if (s.items) out.items = closed(s.items as Schema);
    return out;
}

// The CRDs' date-time fields (status timestamps) checked as RFC 3339, not ignored with a warning.
const ajv = new Ajv({ strict: false, allErrors: true, formats: { "date-time": /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i } });
const validators = new Map<string, ValidateFunction>();
for (const file of fs.readdirSync(path.join(FIXTURES, "ratify")).filter((f) => f.endsWith(".yaml"))) {
    const crd = parseYaml(fs.readFileSync(path.join(FIXTURES, "ratify", file), "utf8"));
    const v = crd.spec.versions.find((x: { name: string }) => x.name === "v1beta1");
    validators.set(crd.spec.names.kind, ajv.compile(closed(v.schema.openAPIV3Schema)));
}

function schemaErrors(d: KubernetesDocument): string[] {
    if (!d.apiVersion.startsWith("config.ratify.deislabs.io/")) return [];
    const validate = validators.get(d.kind);
    if (!validate) return [`no vendored schema for ${d.kind}`];
    if (d.apiVersion !== "config.ratify.deislabs.io/v1beta1") return [`${d.kind} has apiVersion ${d.apiVersion}`];
    return validate(d as unknown) ? [] : (validate.errors ?? []).map((e) => `${d.kind} ${d.metadata.name}${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

// ---- trust material ----

const roots = Array.from({ length: 4 }, (_, i) => rootCa([["C", "US"], ["ST", "WA"], ["O", `Org${i}`], ["CN", `Root ${i}`]]));
const cosignKeys = [ecKey().publicKey, ecKey("P-384").publicKey, rsaKey().publicKey].map((k) => k.export({ format: "pem", type: "spki" }).toString());
const fp = (der: Buffer) => createHash("sha256").update(der).digest("hex");

/** What the pack trusts, as comparable data. */
function summary(c: SignatureConfig) {
    return {
        stores: c.notation ? [...c.notation.trustStores.values()].map((s) => ({ name: s.name, certs: s.certificates.map((x) => fp(x.raw)).sort() })).sort((a, b) => a.name.localeCompare(b.name)) : [],
        policies: (c.notation?.trustPolicies ?? []).map((p) => ({
            name: p.name,
            scopes: [...p.registryScopes],
            stores: p.trustStores.map((r) => `${r.type}:${r.name}`),
            identities: p.trustedIdentities === "*" ? "*" : p.trustedIdentities.map(formatDn),
            level: p.level,
        })),
        cosign: (c.cosign?.keys ?? []).map((k) => k.fingerprint).sort(),
    };
}

/**
 * The generated documents read back into the pack's config shape: each trust store of the
 * verifier's verificationCertStores is the certificates of the key management providers it names,
 * each trust policy is the trustPolicyDoc's, cosign keys are the providers the cosign verifier names.
 */
function readBack(docs: readonly KubernetesDocument[]): Record<string, unknown> {
    const kmp = new Map(docs.filter((d) => d.kind === "KeyManagementProvider").map((d) => [d.metadata.name, d.spec]));
    const value = (name: string, contentType: string) => {
        const spec = kmp.get(name) as { type: string; parameters: { contentType: string; value: string } } | undefined;
        if (!spec || spec.type !== "inline" || spec.parameters.contentType !== contentType) throw new Error(`provider ${name} is not an inline ${contentType}`);
        return spec.parameters.value;
    };
    const out: Record<string, unknown> = {};
    const notation = docs.find((d) => d.kind === "Verifier" && d.spec.name === "notation");
    if (notation) {
        const params = notation.spec.parameters as { verificationCertStores: Record<string, Record<string, string[]>>; trustPolicyDoc: { version: string; trustPolicies: any[] } };
        expect(params.trustPolicyDoc.version).toBe("1.0");
        const stores = new Map<string, string[]>();
        for (const byName of Object.values(params.verificationCertStores)) {
            for (const [name, providers] of Object.entries(byName)) {
                const pems = providers.map((p) => value(p, "certificate"));
                if (stores.has(name)) expect(stores.get(name)).toEqual(pems);
                stores.set(name, pems);
            }
        }
        out.notation = {
            trustStores: [...stores].map(([name, certificates]) => ({ name, certificates })),
            trustPolicies: params.trustPolicyDoc.trustPolicies.map((p) => ({
                name: p.name,
                registryScopes: p.registryScopes,
                trustStores: p.trustStores,
                trustedIdentities: p.trustedIdentities,
                level: p.signatureVerification.level,
            })),
        };
    }
    const cosign = docs.find((d) => d.kind === "Verifier" && d.spec.name === "cosign");
    if (cosign) {
        const policies = (cosign.spec.parameters as { trustPolicies: { scopes: string[]; keys: { provider: string }[]; tLogVerify: boolean }[] }).trustPolicies;
        expect(policies).toHaveLength(1);
        expect(policies[0].scopes).toEqual(["*"]);
        out.cosign = { keys: policies[0].keys.map((k) => value(k.provider, "key")) };
    }
    return out;
}

function packParse(raw: Record<string, unknown>): SignatureConfig {
    const parsed = signedImagesGate.parse(raw, { baseDir: __dirname });
    if (!parsed.ok) throw new Error(parsed.errors.join("; "));
    return parsed.config.signature!;
}

function expectEquivalent(raw: Record<string, unknown>): void {
    const pack = packParse(raw);
    const docs = planDocuments(ratifyPlan(pack, { workloadIdentityClientId: "00000000-0000-0000-0000-000000000001", registries: [{ host: "contoso.azurecr.io", auth: { type: "acr" } }] }));
    for (const d of docs) expect(schemaErrors(d)).toEqual([]);
    // Every object name is a DNS subdomain (RFC 1123), as the API server requires, and unique per kind.
    for (const d of docs) expect(d.metadata.name).toMatch(/^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/);
    expect(new Set(docs.map((d) => `${d.kind}/${d.metadata.name}`)).size).toBe(docs.length);
    const back = parseSignatureConfig(readBack(docs), { baseDir: __dirname });
    if (!back.ok) throw new Error(`the generated trust configuration does not parse as the pack's: ${back.errors.join("; ")}`);
    // Trust-store names may be shared by two policies; the read-back store set is what the policies name.
    const used = new Set((pack.notation?.trustPolicies ?? []).flatMap((p) => p.trustStores.map((r) => r.name)));
    const expected = summary(pack);
    expected.stores = expected.stores.filter((s) => used.has(s.name));
    expect(summary(back.config)).toEqual(expected);
}

// ---- hand-written ----

const HAND: Record<string, Record<string, unknown>> = {
    "one global policy, any identity": {
        notation: { trustStores: [{ name: "contoso", certificates: [roots[0].pem] }], trustPolicies: [{ name: "all", registryScopes: ["*"], trustStores: ["contoso"], trustedIdentities: ["*"], level: "strict" }] },
    },
    "scoped policies, identities, signing authority, audit": {
        notation: {
            trustStores: [{ name: "contoso.ca", certificates: [roots[0].pem, roots[1].pem] }, { name: "Fabrikam_SA", certificates: [roots[2].pem] }],
            trustPolicies: [
                { name: "app", registryScopes: ["contoso.azurecr.io/app", "contoso.azurecr.io/team/api"], trustStores: ["ca:contoso.ca", "signingAuthority:Fabrikam_SA"], trustedIdentities: ["x509.subject: C=US, ST=WA, O=Contoso, CN=ci", "x509.subject: C=US, ST=WA, O=Contoso\\, Ltd, CN=release"], level: "strict" },
                { name: "rest", registryScopes: ["*"], trustStores: ["contoso.ca"], trustedIdentities: ["*"], level: "audit" },
            ],
        },
    },
    "cosign keys only": { cosign: { keys: cosignKeys } },
    "both": {
        notation: { trustStores: [{ name: "s", certificates: [roots[3].pem] }], trustPolicies: [{ name: "p", registryScopes: ["docker.io/library/nginx"], trustStores: ["s"], trustedIdentities: ["*"], level: "permissive" }] },
        cosign: { keys: [cosignKeys[0]] },
    },
};

describe("ratifyPlan", () => {
    test.each(Object.entries(HAND))("%s: schema-valid and equivalent to the pack's parse", (_name, raw) => expectEquivalent(raw));

    test("random signed-images configs: schema-valid and equivalent", () => {
        const storeName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,12}$/);
        const dnValue = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ,.=+"\\-]{0,10}[A-Za-z0-9]$/);
        const repo = fc.stringMatching(/^[a-z0-9]{1,6}(\/[a-z0-9]{1,6}){0,2}$/).map((r) => `contoso.azurecr.io/${r}`);
        const config = fc.record({
            stores: fc.uniqueArray(fc.record({ name: storeName, certs: fc.subarray(roots.map((r) => r.pem), { minLength: 1 }) }), { minLength: 1, maxLength: 3, selector: (s) => s.name }),
            policies: fc.array(fc.record({
                scopes: fc.uniqueArray(repo, { minLength: 1, maxLength: 3 }),
                identities: fc.option(fc.uniqueArray(dnValue, { minLength: 1, maxLength: 3 }), { nil: undefined }),
                level: fc.constantFrom("strict", "permissive", "audit"),
                types: fc.array(fc.constantFrom("", "ca:", "signingAuthority:"), { minLength: 1, maxLength: 2 }),
            }), { minLength: 1, maxLength: 3 }),
            global: fc.boolean(),
            cosign: fc.subarray(cosignKeys),
        });
        fc.assert(fc.property(config, (c) => {
            const seen = new Set<string>();
            const policies = c.policies.map((p, i) => {
                const scopes = p.scopes.filter((s) => !seen.has(s));
                scopes.forEach((s) => seen.add(s));
                return {
                    name: `p${i}`,
                    registryScopes: i === 0 && c.global ? ["*"] : scopes,
                    trustStores: [...new Set(p.types.map((t, j) => `${t}${c.stores[j % c.stores.length].name}`))],
                    trustedIdentities: p.identities ? p.identities.map((cn) => `x509.subject: C=US, ST=WA, O=Contoso, CN=${cn.replace(/([\\,;+"])/g, "\\$1")}`) : ["*"],
                    level: p.level,
                };
            }).filter((p) => p.registryScopes.length > 0);
            const raw: Record<string, unknown> = {
                notation: { trustStores: c.stores.map((s) => ({ name: s.name, certificates: s.certs })), trustPolicies: policies },
                ...(c.cosign.length ? { cosign: { keys: c.cosign } } : {}),
            };
            expectEquivalent(raw);
        }), { numRuns: 60 });
    });

    test("a change to the generated trust is seen: another certificate, identity or level is not equivalent", () => {
        const pack = packParse(HAND["scoped policies, identities, signing authority, audit"]);
        const docs = planDocuments(ratifyPlan(pack));
        const notation = docs.find((d) => d.kind === "Verifier" && d.spec.name === "notation")!;
        const tampered = JSON.parse(JSON.stringify(notation));
        tampered.spec.parameters.trustPolicyDoc.trustPolicies[1].signatureVerification.level = "strict";
        const back = parseSignatureConfig(readBack(docs.map((d) => (d === notation ? tampered : d))), { baseDir: __dirname });
        expect(back.ok && summary(back.config)).not.toEqual(summary(pack));
        const kmp = docs.find((d) => d.kind === "KeyManagementProvider")!;
        const swapped = { ...kmp, spec: { type: "inline", parameters: { contentType: "certificate", value: roots[3].pem } } };
        const back2 = parseSignatureConfig(readBack(docs.map((d) => (d === kmp ? swapped : d))), { baseDir: __dirname });
        expect(back2.ok && summary(back2.config).stores).not.toEqual(summary(pack).stores);
    });

    test("the schemas refuse what the API server would prune or reject", () => {
        const verifier = planDocuments(ratifyPlan(packParse(HAND["cosign keys only"]))).find((d) => d.kind === "Verifier")!;
        expect(schemaErrors({ ...verifier, spec: { ...verifier.spec, artifactType: "x" } }).join()).toMatch(/additional/);
        const { artifactTypes: _omit, ...rest } = verifier.spec;
        expect(schemaErrors({ ...verifier, spec: rest }).join()).toMatch(/artifactTypes/);
    });

    test("store: workload identity for the acr registries only; cosign discovery only with cosign keys", () => {
        const plan = ratifyPlan(packParse(HAND["both"]), { workloadIdentityClientId: "cid", registries: [{ host: "contoso.azurecr.io", auth: { type: "acr" } }, { host: "docker.io", auth: { type: "anonymous" } }] });
        expect(plan.store.spec.parameters).toMatchObject({ cosignEnabled: true, authProvider: { name: "azureWorkloadIdentity", clientID: "cid", endpoints: ["contoso.azurecr.io"] } });
        const notationOnly = ratifyPlan(packParse(HAND["one global policy, any identity"]));
        expect(notationOnly.store.spec.parameters).not.toHaveProperty("cosignEnabled");
        expect(notationOnly.store.spec.parameters).not.toHaveProperty("authProvider");
    });

    test("scan evidence: failOn and maxAgeDays map to the vulnerabilityreport verifier; what cannot map is said", () => {
        const plan = ratifyPlan(packParse(HAND["both"]), { scan: { failOn: "medium", maxAgeDays: 7, ignoreUnfixed: true, exceptions: [{ id: "CVE-2024-1", expires: "2099-01-01", expiresAt: new Date("2099-01-02"), reason: "r" }] } });
        const vr = plan.verifiers.find((v) => v.spec.name === "vulnerabilityreport")!;
        expect(vr.spec).toMatchObject({ artifactTypes: "application/sarif+json", parameters: { maximumAge: "10080m", disallowedSeverities: ["CRITICAL", "HIGH", "MEDIUM"] } });
        expect(plan.notEnforced.join("\n")).toMatch(/CVE-2024-1/);
        expect(plan.notEnforced.join("\n")).toMatch(/ignoreUnfixed/);
        expect(disallowedSeverities("critical")).toEqual(["CRITICAL"]);
        expect(plan.policy.spec.parameters).toMatchObject({ policy: ratifyPolicyRego(true) });
        expect(ratifyPolicyRego(true)).toMatch(/scan_ok/);
        expect(ratifyPolicyRego(false)).not.toMatch(/scan_ok/);
    });

    test("the constraint denies by default, on Pods, system namespaces only excluded", () => {
        const plan = ratifyPlan(packParse(HAND["both"]));
        expect(plan.constraint.spec).toEqual({ enforcementAction: "deny", match: { kinds: [{ apiGroups: [""], kinds: ["Pod"] }], excludedNamespaces: [...SYSTEM_NAMESPACES] } });
        expect(JSON.stringify(plan.template.spec)).toMatch(/initContainers.*ephemeralContainers.*ratify-provider/);
    });

    test("trust material certificates are written as PEM that parses to the same certificate", () => {
        const plan = ratifyPlan(packParse(HAND["one global policy, any identity"]));
        const value = (plan.keyManagementProviders[0].spec.parameters as { value: string }).value;
        expect(new X509Certificate(value).fingerprint256).toBe(new X509Certificate(roots[0].pem).fingerprint256);
    });
});
