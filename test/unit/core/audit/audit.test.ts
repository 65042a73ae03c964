/** The audit core without I/O: reading stack exports, the fix plan, and since when a scan verdict fails. */
import { fixPlan, loopComponents, parseStackExport, scanSince, type DeployedStack, type GateFailure } from "../../../../core/audit";
import { parseEvidenceConfig } from "../../../../core/evidence/config";
import { judgeImage } from "../../../../core/evidence/judge";
import { parseReference, type ImageReference } from "../../../../core/reference";
import { UNKNOWN_STRING } from "../../../../core/unknown";
import { readManifests } from "../../../../cli/check/manifests";

const D = `sha256:${"a".repeat(64)}`;
const SECRET = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:AAAA" };

function ref(s: string): ImageReference {
    const p = parseReference(s);
    if (!p.ok) throw new Error(p.failure.message);
    return p.ref;
}

function exportOf(resources: unknown[], version = 3) {
    return { version, deployment: { manifest: { time: "2026-11-20T10:00:00Z", magic: "", version: "v3.200.0" }, resources } };
}

describe("parseStackExport", () => {
    const urn = (t: string, n: string, stack = "prod") => `urn:pulumi:${stack}::shop::${t}::${n}`;

    it("keeps outputs, replaces every secret envelope with the unknown sentinel, and reads stack and project from URNs", () => {
        const r = parseStackExport(exportOf([
            { urn: urn("pulumi:pulumi:Stack", "shop-prod"), custom: false, type: "pulumi:pulumi:Stack" },
            { urn: urn("kubernetes:apps/v1:Deployment", "web"), custom: true, type: "kubernetes:apps/v1:Deployment", outputs: { spec: { template: { spec: { containers: [{ image: SECRET }, { image: "a" }] } } } } },
            { urn: urn("kubernetes:core/v1:Pod", "old"), custom: true, type: "kubernetes:core/v1:Pod", delete: true, outputs: { spec: SECRET } },
        ]), "s.json");
        if (!r.ok) throw new Error(r.failure.message);
        expect(r.stack).toMatchObject({ stack: "prod", project: "shop", source: "s.json" });
        const [, web, old] = r.stack.resources;
        expect((web.outputs as any).spec.template.spec.containers).toEqual([{ image: UNKNOWN_STRING }, { image: "a" }]);
        expect(old).toMatchObject({ pendingDelete: true, outputs: { spec: UNKNOWN_STRING } });
        expect(JSON.stringify(r.stack)).not.toContain("v1:AAAA");
    });

    it("bounds depth and resource count", () => {
        let deep: unknown = "x";
        for (let i = 0; i < 100; i++) deep = { a: deep };
        const r = parseStackExport(exportOf([{ urn: urn("t:m:K", "n"), type: "t:m:K", outputs: { deep } }]), "d.json", { maxResources: 10, maxDepth: 8 });
        expect(r.ok && JSON.stringify(r.stack.resources[0].outputs)).toContain(UNKNOWN_STRING);
        const many = Array.from({ length: 11 }, (_, i) => ({ urn: urn("t:m:K", `n${i}`), type: "t:m:K" }));
        expect(parseStackExport(exportOf(many), "m.json", { maxResources: 10, maxDepth: 8 })).toEqual({ ok: false, failure: { code: "too-large", message: "m.json: 11 resources, over the limit of 10 per stack" } });
    });

    it.each([
        ["not an object", [], /top level is not a JSON object/],
        ["a checkpoint of an unknown version", exportOf([], 4), /version 4/],
        ["no deployment", { version: 3 }, /no deployment object/],
        ["resources that are not a list", { version: 3, deployment: { resources: {} } }, /not a list/],
        ["an empty stack", exportOf([]), /no resources/],
        ["two stacks in one file", exportOf([{ urn: urn("t:m:K", "a"), type: "t:m:K" }, { urn: urn("t:m:K", "b", "dev"), type: "t:m:K" }]), /more than one stack/],
        ["outputs that are not an object", exportOf([{ urn: urn("t:m:K", "a"), type: "t:m:K", outputs: "x" }]), /outputs is not an object/],
    ])("refuses %s", (_what, doc, why) => {
        const r = parseStackExport(doc, "bad.json");
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.failure.message).toMatch(why);
    });
});

describe("the fix plan", () => {
    const stack = (resources: DeployedStack["resources"]): DeployedStack => ({ stack: "prod", project: "shop", source: "s", resources });
    const task = (repository: unknown, extra: Record<string, unknown> = {}) => ({
        urn: "urn:pulumi:prod::shop::imagegate:components:ImageBuildTask::build", type: "imagegate:components:ImageBuildTask", name: "build", custom: false, pendingDelete: false,
        outputs: { repository, taskName: "build", registryName: "appacr", ...extra },
    });
    const hook = (scope: string) => ({ urn: "urn:pulumi:prod::shop::imagegate:components:RedeployWebhook::hook", type: "imagegate:components:RedeployWebhook", name: "hook", custom: false, pendingDelete: false, outputs: { scope } });
    const vulnerable: GateFailure[] = [{ gate: "scanned-images", level: "mandatory", kind: "vulnerable", reason: "r", fix: "f" }];

    it("names the task that builds the repository (host and path exact) and the webhook whose scope covers it", () => {
        const loop = loopComponents([stack([task("appacr.azurecr.io/team/web"), task("appacr.azurecr.io/team/web-admin"), hook("team/web:*"), hook("team/web-admin:*")])]);
        const plan = fixPlan(ref(`appacr.azurecr.io/team/web@${D}`), vulnerable, ["shop/prod"], loop);
        expect(plan.rebuild).toMatchObject({ repository: "appacr.azurecr.io/team/web", runCommand: "az acr task run --registry appacr --name build" });
        expect(plan.webhooks.map((w) => w.scope)).toEqual(["team/web:*"]);
        expect(fixPlan(ref(`other.azurecr.io/team/web@${D}`), vulnerable, ["shop/prod"], loop).rebuild).toBeUndefined();
    });

    it("writes no command from names that are not ARM names, nor from unknown outputs", () => {
        const loop = loopComponents([stack([task("appacr.azurecr.io/team/web", { taskName: "x; curl evil" }), task(UNKNOWN_STRING)])]);
        expect(loop.tasks).toHaveLength(1);
        expect(loop.tasks[0].runCommand).toBeUndefined();
        expect(fixPlan(ref(`appacr.azurecr.io/team/web@${D}`), vulnerable, ["shop/prod"], loop).text).toContain("run the ACR task of ImageBuildTask build");
    });

    it("does not ask for a rebuild when no scan verdict needs one", () => {
        const plan = fixPlan(ref(`evil.io/x@${D}`), [{ gate: "trusted-registries", level: "mandatory", reason: "r", fix: "use a trusted registry" }], ["shop/prod"], { tasks: [], webhooks: [] });
        expect(plan.rebuild).toBeUndefined();
        expect(plan.text).toBe("use a trusted registry; then redeploy shop/prod");
    });
});

describe("since when a scan verdict fails", () => {
    const cfg = (raw: Record<string, unknown> = {}) => { const c = parseEvidenceConfig(raw); if (!c.ok) throw new Error(c.errors.join()); return c.config; };
    const IMAGE = ref(`appacr.azurecr.io/team/web@${D}`);
    const NOW = new Date("2026-11-22T12:00:00Z");
    const report = (scannedAt: string, published?: string) => ({
        tool: "trivy" as const, format: "trivy-json" as const, source: "t.json", digests: [D], scannedAt: new Date(scannedAt),
        findings: [{ id: "CVE-2024-9143", severity: "critical" as const, fixAvailable: true, package: "libssl3", installedVersion: "1", ...(published ? { published: new Date(published) } : {}) }],
    });

    it("a vulnerability: its publication; without one, the newest scan", () => {
        const v = judgeImage({ ref: IMAGE, digest: D, reports: [report("2026-11-21T00:00:00Z", "2024-10-16T17:15:00Z")] }, cfg(), NOW);
        expect(scanSince(v, 7)).toEqual({ since: new Date("2024-10-16T17:15:00Z"), what: "CVE-2024-9143 was published" });
        const u = judgeImage({ ref: IMAGE, digest: D, reports: [report("2026-11-21T00:00:00Z")] }, cfg(), NOW);
        expect(scanSince(u, 7)).toEqual({ since: new Date("2026-11-21T00:00:00Z"), what: "the newest scan reports it" });
    });
    it("a stale scan: the day it aged past maxAgeDays", () => {
        const v = judgeImage({ ref: IMAGE, digest: D, reports: [report("2026-11-01T00:00:00Z")] }, cfg(), NOW);
        expect(scanSince(v, 7)).toEqual({ since: new Date("2026-11-08T00:00:00Z"), what: "the scan of 2026-11-01 aged past maxAgeDays 7" });
    });
    it("an expired exception: the day it stopped applying", () => {
        const v = judgeImage({ ref: IMAGE, digest: D, reports: [report("2026-11-21T00:00:00Z", "2024-10-16T17:15:00Z")] }, cfg({ exceptions: [{ id: "CVE-2024-9143", expires: "2026-11-15", reason: "r" }] }), NOW);
        expect(scanSince(v, 7)).toEqual({ since: new Date("2026-11-16T00:00:00Z"), what: "the exception for CVE-2024-9143 expired on 2026-11-15" });
    });
});

describe("check - (a live cluster's pods)", () => {
    it("reads kubectl's JSON List from standard input, with the other paths", () => {
        const pods = { apiVersion: "v1", kind: "List", items: [{ apiVersion: "v1", kind: "Pod", metadata: { name: "web-1", namespace: "shop" }, spec: { containers: [{ name: "web", image: "nginx:latest" }] } }] };
        const set = readManifests(["-"], { stdin: () => JSON.stringify(pods) });
        expect(set.errors).toEqual([]);
        expect(set.resources).toEqual([expect.objectContaining({ type: "kubernetes:core/v1:Pod", name: "shop/web-1", source: expect.objectContaining({ file: "<stdin>", item: 0 }) })]);
    });
});
