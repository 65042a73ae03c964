/**
 * signed-images in the compiled pack (dist/) over Analyzer gRPC: Configure refuses invalid trust
 * configuration naming the field; Analyze verifies a cosign signature pushed to a real registry and
 * blocks an unsigned image at the configured level.
 */
import * as fs from "fs";
import * as path from "path";
import { AnalyzerHarness } from "../../../../cli/harness";
import { cosignSignatureTag } from "../../../../core/signature";
import { OCI_MANIFEST, PushedImage, startRegistry, TestRegistry } from "../../../support/registry";
import { cosignLayer, cosignManifest, cosignPayload, cosignSign, ecKey, publicPem } from "../../../support/signing";
import { PACK_DIR, REPO_ROOT } from "../../../support/paths";

const PACK = PACK_DIR;
const key = ecKey();

const pod = (image: string) => ({
    type: "kubernetes:core/v1:Pod",
    name: "p",
    urn: "urn:pulumi:dev::p::kubernetes:core/v1:Pod::p",
    properties: { spec: { containers: [{ name: "app", image }] } },
});

let h: AnalyzerHarness;
let reg: TestRegistry;
let signed: PushedImage;
let unsigned: PushedImage;

beforeAll(async () => {
    if (!fs.existsSync(path.join(REPO_ROOT, "dist", "policies", "index.js"))) {
        throw new Error("dist/policies/index.js is missing: run `npm run build` before these tests");
    }
    reg = await startRegistry();
    signed = await reg.pushImage("team/app", "1.0");
    unsigned = await reg.pushImage("team/app", "2.0");
    const payload = cosignPayload(signed.manifest.digest, `${reg.host}/team/app`);
    const layer = cosignLayer(payload, cosignSign(payload, key.privateKey));
    await reg.pushBlob("team/app", layer.blob.bytes);
    await reg.pushBlob("team/app", Buffer.from("{}"));
    await reg.pushManifest("team/app", cosignSignatureTag(signed.manifest.digest), cosignManifest([layer.descriptor]).bytes, OCI_MANIFEST);
    h = await AnalyzerHarness.launch({ packDir: PACK, startTimeoutMs: 30_000 });
}, 60_000);
afterAll(async () => {
    await h?.close();
    await reg?.stop();
});

describe("signed-images over gRPC", () => {
    it("Configure refuses invalid trust config naming the field (schema first, then meaning)", async () => {
        await expect(h.configureFromFile({ "signed-images": { maxSignatures: "many" } })).rejects.toThrow(/signed-images: maxSignatures/);
        await expect(h.configureFromFile({ "signed-images": { cosign: { keys: ["not a key and not a file"] } } })).rejects.toThrow(/configure: .*signed-images: cosign\.keys\[0\]/);
        await expect(h.configureFromFile({ "signed-images": { notation: { trustStores: [], trustPolicies: [] } } })).rejects.toThrow(/signed-images: notation\.trustStores/);
    });

    it("Analyze: a cosign-signed digest passes, an unsigned one is a mandatory violation", async () => {
        await h.configureFromFile({ "signed-images": { enforcementLevel: "mandatory", registries: [reg.host], cosign: { keys: [publicPem(key)] } } });
        const ok = await h.analyze(pod(`${reg.host}/team/app@${signed.manifest.digest}`));
        expect(ok.diagnostics.filter((d) => d.policyName === "signed-images")).toEqual([]);
        const tagged = await h.analyze(pod(`${reg.host}/team/app:1.0`));
        expect(tagged.diagnostics.filter((d) => d.policyName === "signed-images")).toEqual([]);
        const bad = await h.analyze(pod(`${reg.host}/team/app@${unsigned.manifest.digest}`));
        const d = bad.diagnostics.filter((x) => x.policyName === "signed-images");
        expect(d).toHaveLength(1);
        expect(d[0].enforcementLevel).toBe("mandatory");
        expect(d[0].message).toContain(`${reg.host}/team/app@${unsigned.manifest.digest} is not signed`);
    });

    it("keeps stdout for the port", () => {
        expect(h.protocolErrors()).toEqual([]);
    });
});
