/**
 * TrustedImage and the pack agree on every policy config (issue 19): for random configs and the same
 * image and evidence, the gates TrustedImage refuses for are exactly the image policies the pack
 * reports at mandatory for the reference TrustedImage hands the workload, and the gates it only
 * warns about are exactly those the pack reports at advisory. The pack is the compiled one, launched
 * as the Pulumi CLI launches it and configured per run from the same file (reconciled as the CLI does).
 */
import * as fc from "fast-check";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AnalyzerHarness, type PolicyConfigFile } from "../../../cli/harness";
import { imageGateSettings } from "../../../core/gate/config";
import { resolveTrustedImage } from "../../../core/gate/trusted-image";
import { ecKey, publicPem } from "../../support/signing";
import { PACK_DIR } from "../../support/paths";

const GATES = ["trusted-registries", "require-digest", "no-latest-tag", "scanned-images", "signed-images"] as const;
const LEVELS = ["advisory", "mandatory", "remediate", "disabled"] as const;
const HOST = "contoso.azurecr.io";
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const CLEAN = digest("a");
const VULNERABLE = digest("b");
const STALE = digest("c");
const UNSCANNED = digest("d");

/** Images as a program asks TrustedImage for them: registry, repository, and a tag and/or digest. */
const IMAGES = [
    { registry: HOST, repository: "team/app", tag: "1.0", digest: CLEAN },
    { registry: HOST, repository: "team/app", digest: VULNERABLE },
    { registry: HOST, repository: "team/app", tag: "latest", digest: STALE },
    { registry: HOST, repository: "team/app", tag: "2.0", digest: UNSCANNED },
    // A tag alone: no registry may be contacted in these runs, so it stays unpinned.
    { registry: HOST, repository: "team/app", tag: "3.0" },
    { registry: "fabrikam.azurecr.io", repository: "tools/cli", digest: CLEAN },
];

function trivy(repoDigest: string, severity: string | undefined, createdAt: Date): string {
    return JSON.stringify({
        SchemaVersion: 2,
        CreatedAt: createdAt.toISOString(),
        ArtifactName: repoDigest,
        ArtifactType: "container_image",
        Metadata: { RepoDigests: [repoDigest] },
        Results: [{ Target: "image (debian 12)", Class: "os-pkgs", Type: "debian", Vulnerabilities: severity ? [{ VulnerabilityID: "CVE-2026-1234", PkgName: "libfoo", InstalledVersion: "1.0", FixedVersion: "1.1", Severity: severity }] : [] }],
    });
}

let dir: string;
let h: AnalyzerHarness;
const cosignKey = publicPem(ecKey());

beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "agreement-"));
    const now = new Date();
    for (const repo of [`${HOST}/team/app`, "fabrikam.azurecr.io/tools/cli"]) {
        const slug = repo.replace(/[^a-z]/g, "");
        fs.writeFileSync(path.join(dir, `${slug}-clean.json`), trivy(`${repo}@${CLEAN}`, "LOW", now));
        fs.writeFileSync(path.join(dir, `${slug}-vuln.json`), trivy(`${repo}@${VULNERABLE}`, "HIGH", now));
        fs.writeFileSync(path.join(dir, `${slug}-stale.json`), trivy(`${repo}@${STALE}`, undefined, new Date(now.getTime() - 10 * 86_400_000)));
    }
    h = await AnalyzerHarness.launch({ packDir: PACK_DIR });
}, 90_000);
afterAll(async () => {
    await h?.close();
    fs.rmSync(dir, { recursive: true, force: true });
});

const level = fc.constantFrom(...LEVELS);
const entry = <T extends Record<string, unknown>>(props: fc.Arbitrary<T>) =>
    fc.oneof(
        fc.constant(undefined),
        level,
        fc.record({ enforcementLevel: fc.option(level, { nil: undefined }), props }).map(({ enforcementLevel, props: p }) => ({ ...(enforcementLevel ? { enforcementLevel } : {}), ...p })),
    );
const exempt = fc.option(fc.constantFrom([`${HOST}/team/`], [`${HOST}/team/app@${VULNERABLE}`]), { nil: undefined }).map((e) => (e ? { exemptImages: e } : {}));

const configArb: fc.Arbitrary<PolicyConfigFile> = fc
    .record({
        all: fc.option(level, { nil: undefined }),
        "trusted-registries": entry(fc.tuple(fc.constantFrom([HOST], [`${HOST}/team/`], ["fabrikam.azurecr.io"], [HOST, "fabrikam.azurecr.io"]), exempt).map(([registries, e]) => ({ registries, ...e }))),
        "require-digest": entry(exempt),
        "no-latest-tag": entry(exempt),
        "scanned-images": entry(
            fc.record({ reports: fc.constantFrom([] as string[], ["DIR"]), failOn: fc.constantFrom("critical", "high", "medium", "low"), maxAgeDays: fc.constantFrom(1, 30), ignoreUnfixed: fc.boolean() }).chain((p) => exempt.map((e) => ({ ...p, ...e }))),
        ),
        "signed-images": entry(fc.oneof(fc.constant({}), fc.constant({ cosign: { keys: ["KEY"] } }))),
    })
    .map((c) => {
        const out: PolicyConfigFile = {};
        for (const [k, v] of Object.entries(c)) if (v !== undefined) out[k] = v;
        // Placeholders the arbitrary cannot know: the report directory and a public key.
        return JSON.parse(JSON.stringify(out).replace(/"DIR"/g, JSON.stringify(dir)).replace(/"KEY"/g, JSON.stringify(cosignKey)));
    });

/** gate name → "blocks" | "advises", from TrustedImage's result lines (`<gate>: …`). */
function trustedImageVerdicts(problems: readonly string[], advisories: readonly string[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const a of advisories) out[a.slice(0, a.indexOf(":"))] = "advises";
    for (const p of problems) out[p.slice(0, p.indexOf(":"))] = "blocks";
    return out;
}

describe("TrustedImage refuses exactly what the pack stops, and warns about exactly what it advises", () => {
    it("for random policy configs and images", async () => {
        let compared = 0;
        const seen = new Set<string>();
        await fc.assert(
            fc.asyncProperty(configArb, async (file) => {
                await h.configureFromFile(file);
                const gates = imageGateSettings(file, { baseDir: PACK_DIR });
                for (const image of IMAGES) {
                    const r = await resolveTrustedImage({ ...image, gates });
                    const mine = trustedImageVerdicts(r.problems, r.advisories);
                    const res = await h.analyze({
                        type: "kubernetes:apps/v1:Deployment",
                        name: "app",
                        urn: "urn:pulumi:dev::p::kubernetes:apps/v1:Deployment::app",
                        properties: { spec: { template: { spec: { containers: [{ name: "app", image: r.reference }] } } } },
                    });
                    const pack: Record<string, string> = {};
                    for (const d of res.diagnostics) {
                        if (!(GATES as readonly string[]).includes(d.policyName) || !d.message.includes('Deployment "app" spec.template.spec.containers[0].image')) continue;
                        pack[d.policyName] = d.enforcementLevel === "advisory" ? (pack[d.policyName] ?? "advises") : "blocks";
                    }
                    // An image trusted-registries refuses is refused without contacting anything:
                    // TrustedImage does not look up its evidence or signatures (docs/components/trusted-image.md).
                    if (mine["trusted-registries"] === "blocks") for (const g of ["scanned-images", "signed-images"]) delete pack[g];
                    expect({ config: file, reference: r.reference, verdicts: mine }).toEqual({ config: file, reference: r.reference, verdicts: pack });
                    compared++;
                    for (const [g, v] of Object.entries(mine)) seen.add(`${g}:${v}`);
                }
            }),
            { numRuns: 40, seed: 19 },
        );
        expect(compared).toBe(40 * IMAGES.length);
        // The runs reached both outcomes of every gate, so the agreement is not vacuous.
        for (const g of GATES) for (const v of ["blocks", "advises"]) expect([...seen]).toContain(`${g}:${v}`);
    }, 300_000);
});
