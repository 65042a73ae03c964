/**
 * require-digest at enforcement level `remediate`: tag references whose registry is configured are
 * rewritten to `<reference>@<digest>` as the REAL registry resolves them now; the others stay and
 * the validate step still reports them. Exercised through the compiled pack's gRPC `Remediate` and
 * `Analyze`, and in-process for the cases that need no pack.
 */
import * as fs from "fs";
import * as path from "path";
import { unknownCheckingProxy } from "@pulumi/policy";
import { AnalyzerHarness, UNKNOWN } from "../../../../cli/harness";
import { UNKNOWN_STRING } from "../../../../core/unknown";
import { resetPolicyContexts } from "../../../../policies/lib/lookups";
import { requireDigest } from "../../../../policies/require-digest/policy";
import { PushedImage, startRegistry, TestRegistry } from "../../../support/registry";
import { PACK_DIR, REPO_ROOT } from "../../../support/paths";

const PACK = PACK_DIR;
const containers = (...images: unknown[]) => images.map((image, i) => ({ name: `c${i}`, image }));

let reg: TestRegistry;
let web: PushedImage;
let latest: PushedImage;
beforeAll(async () => {
    reg = await startRegistry();
    web = await reg.pushImage("team/web", "1.4.2");
    latest = await reg.pushImage("team/tool", "latest");
}, 60_000);
afterAll(async () => {
    await reg?.stop();
});

describe("remediateResource in-process", () => {
    beforeEach(() => resetPolicyContexts());
    type Args = Parameters<NonNullable<typeof requireDigest.remediateResource>>[0];
    const args = (type: string, props: Record<string, unknown>, config: Record<string, unknown>): Args =>
        // As the SDK's Remediate builds them: props behind its unknown-checking proxy.
        ({ type, props: unknownCheckingProxy(props), urn: "urn:x", name: "r", opts: {}, getConfig: () => config, notApplicable: () => undefined } as unknown as Args);

    test("rewrites every resolvable tag, keeps the rest, and never touches the input object", async () => {
        const props = { spec: { template: { spec: { initContainers: containers(`${reg.host}/team/tool`), containers: containers(`${reg.host}/team/web:1.4.2`, `${reg.host}/team/web:missing`, "contoso.azurecr.io/web:1.0", UNKNOWN_STRING) } } } };
        const before = JSON.stringify(props);
        const out = await requireDigest.remediateResource!(args("kubernetes:apps/v1:Deployment", props, { registries: [reg.host] })) as typeof props;
        expect(JSON.stringify(props)).toBe(before);
        expect(out.spec.template.spec.initContainers[0].image).toBe(`${reg.host}/team/tool@${latest.manifest.digest}`);
        expect(out.spec.template.spec.containers.map((c) => c.image)).toEqual([
            `${reg.host}/team/web:1.4.2@${web.manifest.digest}`, `${reg.host}/team/web:missing`, "contoso.azurecr.io/web:1.0", UNKNOWN_STRING,
        ]);
    });

    test("App Service keeps its DOCKER| prefix; images inside a compose file are not rewritten", async () => {
        const site = { siteConfig: { linuxFxVersion: `DOCKER|${reg.host}/team/web:1.4.2` } };
        const out = await requireDigest.remediateResource!(args("azure-native:web:WebApp", site, { registries: [reg.host] })) as typeof site;
        expect(out.siteConfig.linuxFxVersion).toBe(`DOCKER|${reg.host}/team/web:1.4.2@${web.manifest.digest}`);
        const compose = Buffer.from(`services:\n  web:\n    image: ${reg.host}/team/web:1.4.2\n`).toString("base64");
        const composed = { siteConfig: { linuxFxVersion: `COMPOSE|${compose}` } };
        expect(await requireDigest.remediateResource!(args("azure-native:web:WebApp", composed, { registries: [reg.host] }))).toBeUndefined();
    });

    test("new site kinds: literal images in ARM templates, CR `image` fields, site-config fx versions and odd keys are rewritten in place; assembled or evaluated ones never", async () => {
        const cfg = { registries: [reg.host] };
        const pinned = `${reg.host}/team/web:1.4.2@${web.manifest.digest}`;
        const arm = { properties: { mode: "Incremental", parameters: { img: { value: `${reg.host}/team/web:1.4.2` } }, template: {
            $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", contentVersion: "1.0.0.0", parameters: { img: { type: "string" } },
            resources: [{ type: "Microsoft.ContainerInstance/containerGroups", name: "g", properties: { containers: [
                { name: "literal", properties: { image: `${reg.host}/team/web:1.4.2` } },
                { name: "param", properties: { image: "[parameters('img')]" } },
            ] } }],
        } } };
        const armOut = await requireDigest.remediateResource!(args("azure-native:resources:Deployment", arm, cfg)) as typeof arm;
        expect(armOut.properties.template.resources[0].properties.containers.map((c) => c.properties.image)).toEqual([pinned, "[parameters('img')]"]);
        const cr = { spec: { image: `${reg.host}/team/web:1.4.2`, baseImage: `${reg.host}/team/web:1.4.2`, config: { "group.id": { image: `${reg.host}/team/web:1.4.2` } } } };
        const crOut = await requireDigest.remediateResource!(args("kubernetes:example.com/v1:Thing", cr, cfg)) as typeof cr;
        expect(crOut.spec).toEqual({ image: pinned, baseImage: `${reg.host}/team/web:1.4.2`, config: { "group.id": { image: pinned } } });
        const siteConfig = { name: "app", linuxFxVersion: `DOCKER|${reg.host}/team/web:1.4.2` };
        expect(await requireDigest.remediateResource!(args("azure-native:web:WebAppConfiguration", siteConfig, cfg))).toEqual({ name: "app", linuxFxVersion: `DOCKER|${pinned}` });
        const chart = { chart: "web", values: { image: `${reg.host}/team/web:1.4.2`, sidecar: { image: { repository: `${reg.host}/team/web`, tag: "1.4.2" } } } };
        expect(await requireDigest.remediateResource!(args("kubernetes:helm.sh/v3:Release", chart, cfg))).toBeUndefined();
        const split = { siteConfig: { applicationStack: { dockerImageName: "team/web:1.4.2", dockerRegistryUrl: `http://${reg.host}` } } };
        expect(await requireDigest.remediateResource!(args("azure:appservice/linuxWebApp:LinuxWebApp", split, cfg))).toBeUndefined();
    });

    test("no registries, exempt images, pinned images or an invalid config: nothing changes", async () => {
        const props = { spec: { containers: containers(`${reg.host}/team/web:1.4.2`) } };
        expect(await requireDigest.remediateResource!(args("kubernetes:core/v1:Pod", props, {}))).toBeUndefined();
        expect(await requireDigest.remediateResource!(args("kubernetes:core/v1:Pod", props, { registries: [reg.host], exemptImages: [`${reg.host}/team/web`] }))).toBeUndefined();
        expect(await requireDigest.remediateResource!(args("kubernetes:core/v1:Pod", props, { registries: "nope" }))).toBeUndefined();
        const pinned = { spec: { containers: containers(`${reg.host}/team/web@${web.manifest.digest}`) } };
        expect(await requireDigest.remediateResource!(args("kubernetes:core/v1:Pod", pinned, { registries: [reg.host] }))).toBeUndefined();
    });

    test("the registries key is validated like the other policies'", () => {
        const r = requireDigest.parseConfig({ registries: ["https://contoso.azurecr.io/"] });
        expect(!r.ok && r.errors.join()).toContain("registries[0]");
    });
});

describe("Remediate over gRPC (compiled pack)", () => {
    let h: AnalyzerHarness;
    beforeAll(async () => {
        if (!fs.existsSync(path.join(REPO_ROOT, "dist", "policies", "index.js"))) {
            throw new Error("dist/policies/index.js is missing: run `npm run build` before these tests");
        }
        h = await AnalyzerHarness.launch({ packDir: PACK, startTimeoutMs: 30_000 });
    }, 60_000);
    afterAll(async () => {
        await h?.close();
    });
    const deployment = (...images: unknown[]) => ({
        type: "kubernetes:apps/v1:Deployment",
        name: "web",
        urn: "urn:pulumi:dev::p::kubernetes:apps/v1:Deployment::web",
        properties: { spec: { replicas: 2, template: { spec: { containers: containers(...images) } } } },
    });

    it("pins resolvable tags; the validate step still reports what could not be pinned", async () => {
        await h.configureFromFile({ "require-digest": { enforcementLevel: "remediate", registries: [reg.host] } });
        const res = await h.remediate(deployment(`${reg.host}/team/web:1.4.2`, `${reg.host}/team/web:gone`, UNKNOWN));
        expect(res.remediations).toHaveLength(1);
        expect(res.remediations[0]).toMatchObject({ policyName: "require-digest", policyPackName: "imagegate" });
        const props = res.remediations[0].properties as { spec: { replicas: number; template: { spec: { containers: { image: string }[] } } } };
        expect(props.spec.replicas).toBe(2);
        expect(props.spec.template.spec.containers[0].image).toBe(`${reg.host}/team/web:1.4.2@${web.manifest.digest}`);
        expect(props.spec.template.spec.containers[1].image).toBe(`${reg.host}/team/web:gone`);

        const after = await h.analyze({ ...deployment(), properties: props as unknown as Record<string, unknown> });
        const digest = after.diagnostics.filter((d) => d.policyName === "require-digest");
        // remediate is reported as mandatory for what is left; the unknown image stays an advisory note.
        expect(digest.map((d) => d.enforcementLevel).sort()).toEqual(["advisory", "mandatory"]);
        expect(digest.find((d) => d.enforcementLevel === "mandatory")?.message).toContain(`image "${reg.host}/team/web:gone" fails because it is not pinned by digest`);
    });

    it("without the remediate level, Remediate changes nothing", async () => {
        await h.configureFromFile({ "require-digest": { enforcementLevel: "mandatory", registries: [reg.host] } });
        const res = await h.remediate(deployment(`${reg.host}/team/web:1.4.2`));
        expect(res.remediations).toEqual([]);
    });

    it("Configure refuses an invalid registries entry, naming it", async () => {
        await expect(h.configureFromFile({ "require-digest": { registries: ["https://contoso.azurecr.io/"] } })).rejects.toThrow(/configure: .*require-digest: registries\[0\]/);
    });

    it("keeps stdout for the port", () => {
        expect(h.protocolErrors()).toEqual([]);
    });
});
