/**
 * The harness against real pack processes over gRPC: the fixture packs under test/fixtures/packs
 * and the imagegate pack compiled in dist/ (`npm test` builds it first).
 */
import * as fs from "fs";
import * as path from "path";
import { AnalyzerHarness, UNKNOWN, secret, launchPack } from "../../../cli/harness";
import { FIXTURES, PACK_DIR, REPO_ROOT } from "../../support/paths";

const PACKS = path.join(FIXTURES, "packs");
const REAL_PACK = PACK_DIR;

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

describe("harness with the sample fixture pack", () => {
    let h: AnalyzerHarness;
    beforeAll(async () => {
        h = await AnalyzerHarness.launch({ packDir: path.join(PACKS, "sample"), startTimeoutMs: 30_000 });
    });
    afterAll(async () => {
        await h?.close();
    });

    it("reports the pack's metadata: policies, levels, schemas, initial config", async () => {
        const info = await h.getAnalyzerInfo();
        expect(info).toMatchObject({ name: "sample", version: "0.0.1", supportsConfig: true });
        expect(info.policies.map((p) => [p.name, p.enforcementLevel, p.policyType])).toEqual([
            ["allowed-registries", "mandatory", "resource"],
            ["echo-config", "advisory", "resource"],
            ["secret-reader", "advisory", "resource"],
            ["add-label", "remediate", "resource"],
            ["stack-count", "advisory", "stack"],
        ]);
        expect(info.policies[0].configSchema?.properties.registries).toMatchObject({ type: "array", default: ["contoso.azurecr.io"] });
        expect(info.initialConfig["echo-config"].properties).toEqual({ label: "from-initial" });
        expect((await h.getPluginInfo()).version).toMatch(/^\d+\.\d+\.\d+/);
    });

    it("delivers the reconciled config to the policies (initialConfig over schema defaults, file over both)", async () => {
        const echo = { type: "test:index:Echo", name: "e", urn: "urn:pulumi:dev::p::test:index:Echo::e", properties: {} };
        await h.configureFromFile({});
        let res = await h.analyze(echo);
        expect(res.diagnostics.find((d) => d.policyName === "echo-config")?.message).toContain('{"label":"from-initial"}');
        await h.configureFromFile({ "echo-config": { label: "from-file", count: 2 } });
        res = await h.analyze(echo);
        expect(res.diagnostics.find((d) => d.policyName === "echo-config")?.message).toContain('{"count":2,"label":"from-file"}');
        await h.configureFromFile({ "echo-config": "disabled" });
        res = await h.analyze(echo);
        expect(res.diagnostics.map((d) => d.policyName)).not.toContain("echo-config");
    });

    it("rejects invalid config before sending it, naming the policy and field", async () => {
        await expect(h.configureFromFile({ "echo-config": { count: "three" } })).rejects.toThrow(
            "validating policy config: sample 0.0.1  echo-config: count: Invalid type. Expected: integer, given: string",
        );
    });

    it("passes the unknown sentinel: a policy reading it gets an advisory 'can't run during preview'", async () => {
        await h.configureFromFile({});
        const res = await h.analyze({ type: "test:index:Thing", name: "t", urn: "urn:pulumi:dev::p::test:index:Thing::t", properties: { image: UNKNOWN } });
        const d = res.diagnostics.find((x) => x.policyName === "allowed-registries");
        expect(d).toMatchObject({ enforcementLevel: "advisory" });
        expect(d?.message).toContain("can't run policy 'allowed-registries' from policy pack 'sample@v0.0.1' during preview");
    });

    it("judges known values with the configured level, and unwraps secrets for policies", async () => {
        await h.configureFromFile({ "allowed-registries": { registries: ["fabrikam.azurecr.io"] } });
        const res = await h.analyze({
            type: "test:index:Thing",
            name: "t",
            urn: "urn:pulumi:dev::p::test:index:Thing::t",
            properties: { image: "contoso.azurecr.io/app:1", password: secret("hunter2") },
        });
        expect(res.diagnostics.find((d) => d.policyName === "allowed-registries")).toMatchObject({
            enforcementLevel: "mandatory",
            message: expect.stringContaining("image contoso.azurecr.io/app:1 is not from fabrikam.azurecr.io"),
        });
        expect(res.diagnostics.find((d) => d.policyName === "secret-reader")?.message).toContain("password=hunter2");
        expect(res.notApplicable).toContainEqual({ policyName: "add-label", reason: "Policy does not implement validateResource" });
    });

    it("runs remediations and returns the changed properties", async () => {
        await h.configureFromFile({});
        const res = await h.remediate({ type: "test:index:Thing", name: "t", urn: "urn:x", properties: { image: "x" } });
        expect(res.remediations).toEqual([
            expect.objectContaining({ policyName: "add-label", policyPackName: "sample", properties: { image: "x", label: "remediated" } }),
        ]);
        const none = await h.remediate({ type: "test:index:Thing", name: "t", urn: "urn:x", properties: { label: "set" } });
        expect(none.remediations).toEqual([]);
    });

    it("sends the whole stack to AnalyzeStack with parents resolved", async () => {
        await h.configureFromFile({});
        const stack = "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev";
        const res = await h.analyzeStack([
            { type: "pulumi:pulumi:Stack", name: "p-dev", urn: stack, properties: {} },
            { type: "test:index:A", name: "a", urn: "urn:pulumi:dev::p::test:index:A::a", parent: stack, properties: {} },
            { type: "test:index:B", name: "b", urn: "urn:pulumi:dev::p::test:index:B::b", parent: stack, dependencies: ["urn:pulumi:dev::p::test:index:A::a"], properties: { x: UNKNOWN } },
        ]);
        expect(res.diagnostics).toEqual([expect.objectContaining({ policyName: "stack-count", message: expect.stringContaining("3 resources; parents: -,p-dev,p-dev") })]);
    });

    it("refuses properties that cannot travel in a Struct, naming the path", async () => {
        await expect(h.analyze({ type: "t:i:T", name: "t", urn: "urn:t", properties: { spec: { replicas: NaN } } })).rejects.toThrow("spec.replicas: NaN cannot be sent");
    });
});

describe("harness with the imagegate pack (dist/)", () => {
    let h: AnalyzerHarness;
    beforeAll(async () => {
        if (!fs.existsSync(path.join(REPO_ROOT, "dist", "policies", "index.js"))) {
            throw new Error("dist/policies/index.js is missing: run `npm run build` before these tests");
        }
        h = await AnalyzerHarness.launch({ packDir: REAL_PACK, startTimeoutMs: 30_000 });
    });
    afterAll(async () => {
        await h?.close();
    });

    const deployment = (image: string) => ({
        type: "kubernetes:apps/v1:Deployment",
        name: "web",
        urn: "urn:pulumi:dev::p::kubernetes:apps/v1:Deployment::web",
        properties: { spec: { template: { spec: { containers: [{ name: "app", image }] } } } },
    });

    it("describes the imagegate pack and its image policies", async () => {
        const info = await h.getAnalyzerInfo();
        expect(info.name).toBe("imagegate");
        expect(info.policies.map((p) => p.name)).toEqual(expect.arrayContaining(["trusted-registries", "require-digest", "no-latest-tag"]));
    });

    it("finds mandatory violations in an untrusted, unpinned image and none in a trusted pinned one", async () => {
        await h.configureFromFile({ "trusted-registries": { registries: ["contoso.azurecr.io"] } });
        const bad = await h.analyze(deployment("nginx:latest"));
        expect(bad.diagnostics.filter((d) => d.enforcementLevel === "mandatory").map((d) => d.policyName).sort()).toEqual([
            "no-latest-tag",
            "require-digest",
            "trusted-registries",
        ]);
        const good = await h.analyze(deployment(`contoso.azurecr.io/web@sha256:${"a".repeat(64)}`));
        expect(good.diagnostics).toEqual([]);
    });

    it("reports an unknown image as advisory and still judges the known images of the resource", async () => {
        await h.configureFromFile({ "trusted-registries": { registries: ["contoso.azurecr.io"] } });
        const res = await h.analyze({
            ...deployment("x"),
            properties: { spec: { template: { spec: { containers: [{ name: "a", image: UNKNOWN }, { name: "b", image: "nginx:latest" }] } } } },
        });
        const levels = new Set(res.diagnostics.map((d) => d.enforcementLevel));
        expect(levels).toEqual(new Set(["advisory", "mandatory"]));
        expect(res.diagnostics.filter((d) => d.enforcementLevel === "mandatory").every((d) => d.message.includes("nginx:latest"))).toBe(true);
    });

    it("lets a valid config through Configure and rejects one the pack finds meaningless", async () => {
        await expect(h.configureFromFile({ "trusted-registries": { registries: ["contoso.azurecr.io", "mcr.microsoft.com/oss/"] } })).resolves.toBeDefined();
        // Schema-valid (a non-empty string) but not a registry: the pack's own Configure check refuses it.
        await expect(h.configureFromFile({ "trusted-registries": { registries: ["https://contoso.azurecr.io/?x"] } })).rejects.toThrow(/configure: .*trusted-registries/);
    });

    it("rejects a config of the wrong type before the pack sees it", async () => {
        await expect(h.configureFromFile({ "trusted-registries": { registries: "contoso.azurecr.io" } })).rejects.toThrow(
            "validating policy config: imagegate 0.1.0  trusted-registries: registries: Invalid type. Expected: array, given: string",
        );
    });

    it("keeps stdout for the port: nothing else was written", () => {
        expect(h.protocolErrors()).toEqual([]);
    });
});

describe("stdout hygiene and process lifetime", () => {
    it("treats a line before the port as a protocol error and kills the pack", async () => {
        await expect(launchPack({ packDir: path.join(PACKS, "chatty-start"), startTimeoutMs: 30_000 })).rejects.toThrow(
            'wrote "loading policies..." to stdout before its port; stdout must carry only the port',
        );
    });

    it("fails RPCs once the pack has written to stdout after its port", async () => {
        const h = await AnalyzerHarness.launch({ packDir: path.join(PACKS, "noisy"), startTimeoutMs: 30_000 });
        try {
            const deadline = Date.now() + 10_000;
            while (!h.protocolErrors().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
            expect(h.protocolErrors()).toEqual(["late stdout line"]);
            await expect(h.getAnalyzerInfo()).rejects.toThrow('policy pack wrote to stdout after its port (protocol error): "late stdout line"');
        } finally {
            await h.close();
        }
    });

    it("reports a pack directory without PulumiPolicy.yaml", async () => {
        await expect(AnalyzerHarness.launch({ packDir: path.join(PACKS, "does-not-exist") })).rejects.toThrow("PulumiPolicy.yaml not found");
    });

    it("kills the pack process on close", async () => {
        const h = await AnalyzerHarness.launch({ packDir: path.join(PACKS, "noop"), startTimeoutMs: 30_000 });
        const pid = h.pid;
        expect(alive(pid)).toBe(true);
        await h.close();
        expect(alive(pid)).toBe(false);
    });
});
