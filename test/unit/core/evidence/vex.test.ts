import { promises as fs } from "fs";
import * as path from "path";
import { parseReference, ImageReference } from "../../../../core/reference";
import { parseEvidenceConfig } from "../../../../core/evidence/config";
import { judgeImage } from "../../../../core/evidence/judge";
import { collectEvidence } from "../../../../core/evidence/collect";
import { parseVex, parseVexDocument, statementsFor, vexClears, VexDocument } from "../../../../core/evidence/vex";
import { loadVex } from "../../../../core/evidence/vex-load";
import { parseVexAttachment } from "../../../../core/evidence/vex-attestation";
import { imagePurl, parsePurl } from "../../../../core/evidence/purl";
import { Vulnerability, ScanReport } from "../../../../core/evidence/types";
import { FIXTURES } from "../../../support/paths";

const NOW = new Date("2026-11-22T12:00:00Z");
const APP = "sha256:a172cedcae47474b615c54d510a5d84a8dea3032e958587430b413538be3f333";
const OTHER = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
const HEX = APP.slice(7);

function ref(s: string): ImageReference {
    const p = parseReference(s);
    if (!p.ok) throw new Error(p.failure.message);
    return p.ref;
}
const IMAGE = ref(`contoso.azurecr.io/team/app:1.4.2@${APP}`);

const SSL: Vulnerability = { id: "CVE-2024-5535", severity: "critical", fixAvailable: true, package: "libssl3", installedVersion: "3.0.14-1~deb12u1", fixedVersion: "3.0.15-1~deb12u1" };
const ZLIB: Vulnerability = { id: "CVE-2023-45853", aliases: ["GHSA-zlib-0000-0000"], severity: "critical", fixAvailable: false, package: "zlib1g", installedVersion: "1:1.2.13.dfsg-1" };

function doc(statements: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { "@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://openvex.dev/docs/public/vex-test", author: "Contoso Security", timestamp: "2026-11-20T10:00:00Z", version: 1, statements, ...extra };
}
function stmt(products: unknown[], status = "not_affected", extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { vulnerability: { name: "CVE-2024-5535" }, products, status, ...(status === "not_affected" ? { justification: "vulnerable_code_not_in_execute_path" } : {}), ...extra };
}
const exactPurl = `pkg:oci/app@sha256%3A${HEX}?repository_url=contoso.azurecr.io/team/app`;

function parsed(d: unknown, source = "vex.json"): VexDocument {
    const r = parseVexDocument(d, { source, now: NOW, maxAgeDays: 180 });
    if (!r.ok) throw new Error(r.failure.message);
    return r.document;
}
function clears(d: VexDocument | VexDocument[], f: Vulnerability, image = IMAGE, digest = APP) {
    const docs = Array.isArray(d) ? d : [d];
    return vexClears(statementsFor(docs, image, digest), f, image, digest);
}

describe("purls", () => {
    test("the image purl is Trivy's pkg:oci form and parses back", () => {
        const p = imagePurl(IMAGE, APP);
        expect(p).toBe(`pkg:oci/app@sha256%3A${HEX}?repository_url=contoso.azurecr.io/team/app&tag=1.4.2`);
        const back = parsePurl(p)!;
        expect(back).toMatchObject({ type: "oci", name: "app", version: APP });
        expect(back.qualifiers.get("repository_url")).toBe("contoso.azurecr.io/team/app");
    });
    test("malformed purls are not purls", () => {
        for (const s of ["pkg:", "pkg:oci", "oci/app", "pkg:oci/app?x", "pkg:oci/%zz"]) expect(parsePurl(s)).toBeUndefined();
    });
});

describe("OpenVEX documents", () => {
    test("Trivy's own OCI test document is valid; its bare pkg:oci/debian product names no image by registry", async () => {
        const file = path.join(FIXTURES, "vex", "trivy-openvex-oci.json");
        const r = parseVex(await fs.readFile(file), { source: file, now: new Date("2023-02-01T00:00:00Z"), maxAgeDays: 180 });
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(r.document.statements[0].justification).toBe("vulnerable_code_not_in_execute_path");
        const debian = ref(`debian@${APP}`);
        expect(statementsFor([r.document], debian, APP)).toEqual([]);
    });

    test.each([
        ["not an object", [], /not an OpenVEX document/],
        ["wrong context", doc([stmt([{ "@id": exactPurl }])], { "@context": "https://example.com/ns" }), /@context/],
        ["no author", doc([stmt([{ "@id": exactPurl }])], { author: "" }), /author is required/],
        ["no timestamp", doc([stmt([{ "@id": exactPurl }])], { timestamp: undefined }), /timestamp is missing/],
        ["no statements", doc([]), /no statements/],
        ["unknown status", doc([stmt([{ "@id": exactPurl }], "ignored")]), /status must be one of/],
        ["not_affected without justification", doc([{ vulnerability: { name: "CVE-1" }, products: [{ "@id": exactPurl }], status: "not_affected" }]), /without a justification or impact_statement/],
        ["unknown justification", doc([stmt([{ "@id": exactPurl }], "not_affected", { justification: "trust_me" })]), /justification "trust_me"/],
        ["no products", doc([stmt([])]), /names no products/],
        ["no vulnerability", doc([{ products: [{ "@id": exactPurl }], status: "fixed" }]), /vulnerability is required/],
        ["product identifying nothing", doc([stmt([{}])]), /identifies nothing/],
        ["future document", doc([stmt([{ "@id": exactPurl }])], { timestamp: "2027-01-01T00:00:00Z" }), /in the future/],
        ["expired document", doc([stmt([{ "@id": exactPurl }])], { timestamp: "2026-01-01T00:00:00Z" }), /has expired: last updated 2026-01-01, \d+ days ago, more than vexMaxAgeDays 180/],
    ])("refuses a document with %s, saying why", (_what, d, why) => {
        const r = parseVexDocument(d, { source: "bad.vex.json", now: NOW, maxAgeDays: 180 });
        expect(r.ok).toBe(false);
        if (!r.ok) {
            expect(r.failure.code).toBe(/has expired|in the future/.test(r.failure.message) ? "expired" : "invalid-document");
            expect(r.failure.message).toMatch(/^bad\.vex\.json: VEX document refused: /);
            expect(r.failure.message).toMatch(why);
        }
    });

    test("last_updated keeps an old document current", () => {
        const r = parseVexDocument(doc([stmt([{ "@id": exactPurl }])], { timestamp: "2025-01-01T00:00:00Z", last_updated: "2026-11-01T00:00:00Z" }), { source: "v", now: NOW, maxAgeDays: 180 });
        expect(r.ok).toBe(true);
    });

    test("counts are bounded", () => {
        const many = Array.from({ length: 11 }, () => stmt([{ "@id": exactPurl }]));
        const r = parseVexDocument(doc(many), { source: "v", now: NOW, maxAgeDays: 180, limits: { maxStatements: 10, maxProducts: 10, maxAliases: 10 } });
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.failure.message).toMatch(/11 statements, over the limit of 10/);
    });

    test("invalid JSON is refused", () => {
        const r = parseVex("{", { source: "broken.json", now: NOW, maxAgeDays: 180 });
        expect(r).toEqual({ ok: false, failure: { code: "unreadable", message: expect.stringMatching(/^broken\.json: is not valid JSON .* \(VEX document refused\)$/) } });
    });
});

describe("matching statements to an image digest", () => {
    test("the exact digest purl clears the finding; other findings stay", () => {
        const d = parsed(doc([stmt([{ "@id": exactPurl }])]));
        expect(clears(d, SSL)?.justification).toBe("vulnerable_code_not_in_execute_path");
        expect(clears(d, ZLIB)).toBeUndefined();
    });
    test("a statement for the repository (no digest) covers every digest of it", () => {
        const d = parsed(doc([stmt([{ "@id": "pkg:oci/app?repository_url=contoso.azurecr.io%2Fteam%2Fapp" }])]));
        expect(clears(d, SSL, ref(`contoso.azurecr.io/team/app@${OTHER}`), OTHER)).toBeDefined();
    });
    test("statements for other products are ignored: another digest, another repository, another registry, a bare name", () => {
        const others = [
            `pkg:oci/app@sha256%3A${OTHER.slice(7)}?repository_url=contoso.azurecr.io/team/app`,
            "pkg:oci/app?repository_url=contoso.azurecr.io/team/other/app",
            "pkg:oci/app?repository_url=evil.azurecr.io/team/app",
            "pkg:oci/app",
            "pkg:deb/debian/app",
            "pkg:oci/app?repository_url=contoso.azurecr.io/team/app&arch=amd64",
        ];
        for (const id of others) expect(clears(parsed(doc([stmt([{ "@id": id }])])), SSL)).toBeUndefined();
    });
    test("a platform qualifier beside the digest narrows nothing; the sha-256 hash names the digest too", () => {
        expect(clears(parsed(doc([stmt([{ "@id": `${exactPurl}&arch=amd64` }])])), SSL)).toBeDefined();
        expect(clears(parsed(doc([stmt([{ hashes: { "sha-256": HEX } }])])), SSL)).toBeDefined();
    });
    test("repository_url is compared normalized (Docker Hub's library/ and index.docker.io)", () => {
        const nginx = ref(`nginx@${APP}`);
        const d = parsed(doc([stmt([{ "@id": "pkg:oci/nginx?repository_url=index.docker.io/library/nginx" }])]));
        expect(clears(d, SSL, nginx)).toBeDefined();
    });
    test("subcomponents limit the statement to findings in those packages", () => {
        const d = parsed(doc([
            stmt([{ "@id": exactPurl, subcomponents: [{ "@id": "pkg:deb/debian/libssl3@3.0.14-1~deb12u1?arch=amd64" }] }]),
            stmt([{ "@id": exactPurl, subcomponents: [{ "@id": "pkg:deb/debian/libssl3@9.9" }] }], "fixed", { vulnerability: { name: "CVE-2023-45853" } }),
        ]));
        expect(clears(d, SSL)).toBeDefined();
        expect(clears(d, { ...SSL, package: "openssl" })).toBeUndefined();
        expect(clears(d, ZLIB)).toBeUndefined();
    });
    test("aliases match either way", () => {
        const d = parsed(doc([stmt([{ "@id": exactPurl }], "fixed", { vulnerability: { name: "GHSA-zlib-0000-0000" } })]));
        expect(clears(d, ZLIB)?.status).toBe("fixed");
    });
    test("the latest statement wins: affected after not_affected keeps the finding, and the other way round", () => {
        const older = stmt([{ "@id": exactPurl }], "not_affected", { timestamp: "2026-11-01T00:00:00Z" });
        const newer = stmt([{ "@id": exactPurl }], "affected", { timestamp: "2026-11-10T00:00:00Z", action_statement: "upgrade" });
        expect(clears(parsed(doc([older, newer])), SSL)).toBeUndefined();
        expect(clears(parsed(doc([newer, older])), SSL)).toBeUndefined();
        const investigation = stmt([{ "@id": exactPurl }], "under_investigation", { timestamp: "2026-11-01T00:00:00Z" });
        const fixed = stmt([{ "@id": exactPurl }], "fixed", { timestamp: "2026-11-15T00:00:00Z" });
        expect(clears(parsed(doc([fixed, investigation])), SSL)?.status).toBe("fixed");
    });
});

describe("VEX in the verdict", () => {
    const cfg = (() => { const c = parseEvidenceConfig({ failOn: "high" }); if (!c.ok) throw new Error(); return c.config; })();
    const report: ScanReport = { tool: "trivy", format: "trivy-json", source: "trivy.json", digests: [APP], scannedAt: new Date("2026-11-21T00:00:00Z"), findings: [SSL, ZLIB] };

    test("a not_affected statement removes its finding, with the justification in the message", () => {
        const d = parsed(doc([stmt([{ "@id": exactPurl }])]), "vex/app.json");
        const before = judgeImage(collectEvidence(IMAGE, APP, { attestations: [report] }), cfg, NOW);
        expect(before.blocking.map((f) => f.id)).toEqual(["CVE-2023-45853", "CVE-2024-5535"]);
        const after = judgeImage(collectEvidence(IMAGE, APP, { attestations: [report], vex: { documents: [d], refused: [] } }), cfg, NOW);
        expect(after.blocking.map((f) => f.id)).toEqual(["CVE-2023-45853"]);
        expect(after.vexed.map((v) => v.finding.id)).toEqual(["CVE-2024-5535"]);
        expect(after.message).toContain("1 cleared by VEX: CVE-2024-5535 not_affected (vulnerable_code_not_in_execute_path), vex/app.json");
    });
    test("clearing every blocking finding passes the image", () => {
        const d = parsed(doc([stmt([{ "@id": exactPurl }]), stmt([{ "@id": exactPurl }], "fixed", { vulnerability: { name: "CVE-2023-45853" } })]));
        const v = judgeImage(collectEvidence(IMAGE, APP, { attestations: [report], vex: { documents: [d], refused: [] } }), cfg, NOW);
        expect(v.pass).toBe(true);
    });
    test("VEX does not make an unscanned image scanned", () => {
        const d = parsed(doc([stmt([{ "@id": exactPurl }])]));
        const v = judgeImage(collectEvidence(IMAGE, APP, { vex: { documents: [d], refused: [] } }), cfg, NOW);
        expect(v.kind).toBe("unscanned");
    });
    test("attached documents that were refused are named in the verdict", () => {
        const v = judgeImage(collectEvidence(IMAGE, APP, { attestations: [report], attachedVex: { documents: [], refused: ["att: VEX document refused: has expired"] } }), cfg, NOW);
        expect(v.message).toContain("VEX refused: att: VEX document refused: has expired");
    });
});

describe("VEX attachments and files", () => {
    const body = doc([stmt([{ "@id": exactPurl }])]);
    test("a bare document, and an in-toto statement whose subject is the digest", () => {
        const bare = parseVexAttachment("application/vnd.openvex+json", Buffer.from(JSON.stringify(body)), APP, { source: "ref", now: NOW, maxAgeDays: 180 });
        expect(bare.kind === "vex" && bare.result.ok).toBe(true);
        const statement = { _type: "https://in-toto.io/Statement/v1", subject: [{ name: "contoso.azurecr.io/team/app", digest: { sha256: HEX } }], predicateType: "https://openvex.dev/ns/v0.2.0", predicate: body };
        const env = { payloadType: "application/vnd.in-toto+json", payload: Buffer.from(JSON.stringify(statement)).toString("base64"), signatures: [] };
        const wrapped = parseVexAttachment("application/vnd.dsse.envelope.v1+json", Buffer.from(JSON.stringify(env)), APP, { source: "ref", now: NOW, maxAgeDays: 180 });
        expect(wrapped.kind === "vex" && wrapped.result.ok).toBe(true);
        const elsewhere = parseVexAttachment("application/vnd.in-toto+json", Buffer.from(JSON.stringify({ ...statement, subject: [{ digest: { sha256: OTHER.slice(7) } }] })), APP, { source: "ref", now: NOW, maxAgeDays: 180 });
        expect(elsewhere.kind === "vex" && !elsewhere.result.ok && elsewhere.result.failure).toEqual({ code: "wrong-subject", message: expect.stringMatching(/subject does not name/) });
        const scan = parseVexAttachment("application/sarif+json", Buffer.from(JSON.stringify({ version: "2.1.0", runs: [] })), APP, { source: "ref", now: NOW, maxAgeDays: 180 });
        expect(scan.kind).toBe("none");
    });
    test("loadVex reads directories and refuses malformed and expired files with the reason", async () => {
        const dir = await fs.mkdtemp(path.join(require("os").tmpdir(), "vex-"));
        await fs.writeFile(path.join(dir, "good.json"), JSON.stringify(body));
        await fs.writeFile(path.join(dir, "old.json"), JSON.stringify({ ...body, timestamp: "2025-01-01T00:00:00Z" }));
        await fs.writeFile(path.join(dir, "broken.json"), "{");
        const loaded = await loadVex([dir, "missing"], dir, { now: NOW, maxAgeDays: 180 });
        expect(loaded.documents).toHaveLength(1);
        expect(loaded.refused.map((r) => r.message).join("\n")).toMatch(/old\.json: VEX document refused: has expired/);
        expect(loaded.refused.map((r) => r.message).join("\n")).toMatch(/broken\.json: is not valid JSON/);
        expect(loaded.refused.map((r) => r.message).join("\n")).toMatch(/vex path "missing" does not exist/);
    });
});
