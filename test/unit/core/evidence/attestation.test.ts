import { promises as fs } from "fs";
import * as path from "path";
import { isScanArtifactType, parseAttestation } from "../../../../core/evidence/attestation";
import { FIXTURES } from "../../../support/paths";

const FIX = path.join(FIXTURES, "reports");
const APP = "sha256:a172cedcae47474b615c54d510a5d84a8dea3032e958587430b413538be3f333";
const API = "sha256:331e585dba0d4b6229de0b141eb99c3105cd7b6d308c9b9754b81c6e96a099bf";
const WEB = "sha256:e9348ee2bef0f7753a4df5c315c7cca988c54b5ca7a6d274f6187ec1269957b6";
const OTHER = "sha256:79feef071ae1e2b88e4fa4420f741cc70d693b7c3ff283e3f251efac2695667a";

const read = (f: string) => fs.readFile(path.join(FIX, f));
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64");

/** A cosign vulnerability attestation as `cosign attest --type vuln` builds it. */
function statement(subjectHex: string, result: unknown, finished = "2026-11-21T07:00:00Z", predicateType = "https://cosign.sigstore.dev/attestation/vuln/v1") {
    return {
        _type: "https://in-toto.io/Statement/v0.1",
        predicateType,
        subject: [{ name: "contoso.azurecr.io/team/app", digest: { sha256: subjectHex } }],
        predicate: {
            invocation: { parameters: null, uri: "https://github.com/contoso/app/actions/runs/1", event_id: "1", "builder.id": "github" },
            scanner: { uri: "pkg:github/aquasecurity/trivy@0.57.1", version: "0.57.1", db: { uri: "", version: "" }, result },
            metadata: { scanStartedOn: "2026-11-21T06:59:00Z", scanFinishedOn: finished },
        },
    };
}

function envelope(stmt: unknown) {
    return { payloadType: "application/vnd.in-toto+json", payload: b64(stmt), signatures: [{ keyid: "", sig: "MEUCIQ==" }] };
}

function ok(r: ReturnType<typeof parseAttestation>) {
    if (!r.ok) throw new Error(r.failure.message);
    return r.report;
}
function err(r: ReturnType<typeof parseAttestation>) {
    if (r.ok) throw new Error("expected failure");
    return r.failure;
}

describe("SARIF referrers", () => {
    test("Grype SARIF takes the subject digest and the referrer's creation time", async () => {
        const r = ok(parseAttestation("application/sarif+json", await read("grype-api.sarif"), API, { created: "2026-11-21T10:00:00Z" }));
        expect(r).toMatchObject({ tool: "grype", format: "sarif", digests: [API] });
        expect(r.scannedAt.toISOString()).toBe("2026-11-21T10:00:00.000Z");
        expect(r.findings.map((f) => [f.id, f.severity, f.fixAvailable, f.package, f.installedVersion])).toEqual([
            ["CVE-2024-45337", "critical", true, "golang.org/x/crypto", "v0.28.0"],
            ["CVE-2005-2541", "low", false, "tar", "1.34+dfsg-1.2+deb12u1"],
        ]);
    });

    test("Ratify's Trivy SARIF artifact type; the report's own digests must include the subject", async () => {
        const bytes = await read("trivy-web.sarif");
        const r = ok(parseAttestation("application/vnd.aquasecurity.trivy.report.sarif.v1", bytes, WEB, { created: "2026-11-21T10:00:00Z" }));
        expect(r.findings).toHaveLength(2);
        const e = err(parseAttestation("vnd.aquasecurity.trivy.report.sarif.v1", bytes, OTHER, { created: "2026-11-21T10:00:00Z" }));
        expect(e.code).toBe("digest-mismatch");
        expect(e.message).toMatch(/not the image it is attached to/);
    });

    test("a SARIF referrer without a creation time has no scan time", async () => {
        expect(err(parseAttestation("application/sarif+json", await read("grype-api.sarif"), API)).code).toBe("no-scan-time");
    });
});

describe("cosign vulnerability attestations", () => {
    test("DSSE envelope with an in-toto statement whose subject is the image", async () => {
        const trivy = JSON.parse((await read("trivy-app.json")).toString());
        const r = ok(parseAttestation("application/vnd.dsse.envelope.v1+json", JSON.stringify(envelope(statement(APP.slice(7), trivy))), APP));
        expect(r).toMatchObject({ tool: "trivy", format: "cosign-vuln" });
        expect(r.findings).toHaveLength(5);
        // The Trivy report's own CreatedAt dates it.
        expect(r.scannedAt.toISOString()).toBe("2026-11-20T08:15:42.123Z");
    });

    test("a Grype result without its own timestamp is dated by scanFinishedOn; a Sigstore bundle carries the envelope", async () => {
        const grype = JSON.parse((await read("grype-api.json")).toString());
        grype.descriptor.timestamp = "";
        const bundle = { mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json", verificationMaterial: {}, dsseEnvelope: envelope(statement(API.slice(7), grype)) };
        const r = ok(parseAttestation("application/vnd.dev.sigstore.bundle.v0.3+json", JSON.stringify(bundle), API));
        expect(r.tool).toBe("grype");
        expect(r.scannedAt.toISOString()).toBe("2026-11-21T07:00:00.000Z");
    });

    test("a statement about another digest is refused", async () => {
        const trivy = JSON.parse((await read("trivy-app.json")).toString());
        const e = err(parseAttestation("application/vnd.in-toto+json", JSON.stringify(statement(OTHER.slice(7), trivy)), APP));
        expect(e.code).toBe("digest-mismatch");
        expect(e.message).toMatch(/statement subject sha256:79feef.* is not the image sha256:a172/);
    });

    test("the scanner result inside must be about the same image too", async () => {
        const trivy = JSON.parse((await read("trivy-app.json")).toString());
        trivy.Metadata.RepoDigests = [`contoso.azurecr.io/team/app@${OTHER}`];
        const e = err(parseAttestation("application/vnd.in-toto+json", JSON.stringify(statement(APP.slice(7), trivy)), APP));
        expect(e.code).toBe("digest-mismatch");
    });

    test("other predicates (SLSA provenance) are not scan evidence", () => {
        const e = err(parseAttestation("application/vnd.in-toto+json", JSON.stringify(statement(APP.slice(7), {}, undefined, "https://slsa.dev/provenance/v1")), APP));
        expect(e.code).toBe("unsupported-predicate");
    });

    test("trivy-plugin-referrer's bare predicate pushed as application/json", async () => {
        const trivy = JSON.parse((await read("trivy-app.json")).toString());
        const predicate = statement(APP.slice(7), trivy).predicate;
        const r = ok(parseAttestation("application/json", JSON.stringify(predicate), APP));
        expect(r.format).toBe("cosign-vuln");
        expect(r.digests).toEqual([`contoso.azurecr.io/team/app@${APP}`]);
    });

    test.each([
        ["a DSSE payload that is not base64", { payloadType: "application/vnd.in-toto+json", payload: "***", signatures: [] }, "invalid-structure"],
        ["a DSSE payload type that is not in-toto", { payloadType: "text/plain", payload: b64({}), signatures: [] }, "invalid-structure"],
        ["a payload that is not JSON", { payloadType: "application/vnd.in-toto+json", payload: Buffer.from("{oops").toString("base64"), signatures: [] }, "not-json"],
    ])("refuses %s", (_n, env, code) => {
        expect(err(parseAttestation("application/vnd.dsse.envelope.v1+json", JSON.stringify(env), APP)).code).toBe(code);
    });

    test("an invalid scanFinishedOn is refused", async () => {
        const trivy = JSON.parse((await read("trivy-app.json")).toString());
        const e = err(parseAttestation("application/vnd.in-toto+json", JSON.stringify(statement(APP.slice(7), trivy, "yesterday")), APP));
        expect(e.code).toBe("invalid-time");
    });
});

describe("types", () => {
    test("SBOMs and signatures are not scan reports", () => {
        expect(isScanArtifactType("application/vnd.cyclonedx+json")).toBe(false);
        expect(isScanArtifactType("application/vnd.cncf.notary.signature")).toBe(false);
        expect(isScanArtifactType("Application/SARIF+JSON")).toBe(true);
        const e = err(parseAttestation("application/spdx+json", "{}", APP));
        expect(e.code).toBe("unsupported-type");
    });

    test("a Trivy JSON referrer", async () => {
        const r = ok(parseAttestation("application/vnd.aquasecurity.trivy.report+json", await read("trivy-app.json"), APP));
        expect(r.format).toBe("trivy-json");
    });

    test("an invalid image digest or creation time is refused, never thrown", async () => {
        expect(err(parseAttestation("application/sarif+json", "{}", "sha256:xyz")).code).toBe("invalid-digest");
        expect(err(parseAttestation("application/sarif+json", await read("grype-api.sarif"), API, { created: "last week" })).code).toBe("invalid-time");
    });
});
