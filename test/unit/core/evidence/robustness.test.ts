/** Never crash: every parser returns a result (report or named error) for any input. */
import { readFileSync } from "fs";
import * as path from "path";
import fc from "fast-check";
import { parseAttestation } from "../../../../core/evidence/attestation";
import { parseReport } from "../../../../core/evidence/parse";
import { SEVERITY_ORDER } from "../../../../core/evidence/severity";
import { rowsToEvidence, DefenderError } from "../../../../core/evidence/defender";
import { FIXTURES } from "../../../support/paths";

const FIX = path.join(FIXTURES, "reports");
const DIGEST = "sha256:a172cedcae47474b615c54d510a5d84a8dea3032e958587430b413538be3f333";
const fixtures = ["trivy-app.json", "grype-api.json", "trivy-web.sarif", "grype-api.sarif"].map((f) => JSON.parse(readFileSync(path.join(FIX, f), "utf8")));

/** Replaces the value at one path of a JSON document (chosen by `pick`) with `value`. */
function mutate(doc: unknown, pick: number, value: unknown): unknown {
    const copy = JSON.parse(JSON.stringify(doc));
    const slots: [any, string | number][] = [];
    const walk = (v: any) => {
        if (Array.isArray(v)) v.forEach((x, i) => { slots.push([v, i]); walk(x); });
        else if (v && typeof v === "object") Object.keys(v).forEach((k) => { slots.push([v, k]); walk(v[k]); });
    };
    walk(copy);
    const [parent, key] = slots[pick % slots.length];
    parent[key] = value;
    return copy;
}

function wellFormed(r: ReturnType<typeof parseReport>): boolean {
    if (!r.ok) return typeof r.failure.message === "string" && r.failure.message.startsWith(r.failure.source);
    return r.report.findings.every((f) => SEVERITY_ORDER.includes(f.severity) && typeof f.id === "string" && f.id.length > 0)
        && !Number.isNaN(r.report.scannedAt.getTime()) && r.report.digests.length > 0;
}

test("arbitrary JSON values and bytes never throw", () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => wellFormed(parseReport(JSON.stringify(v) ?? "null", { source: "x.json" }))), { numRuns: 300 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => wellFormed(parseReport(b, { source: "x.json" }))), { numRuns: 200 });
});

test("fixtures with one value replaced anywhere never throw and never yield a malformed report", () => {
    fc.assert(fc.property(fc.nat(), fc.nat(3), fc.oneof(fc.jsonValue(), fc.constantFrom(null, "", [], {}, "sha256:", "CRITICAL", 0)), (pick, which, value) => {
        const doc = mutate(fixtures[which], pick, value);
        const bytes = JSON.stringify(doc);
        return wellFormed(parseReport(bytes, { source: "m.json" }))
            && wellFormed(parseAttestation("application/sarif+json", bytes, DIGEST, { created: "2026-11-21T00:00:00Z" }));
    }), { numRuns: 400 });
});

test("attestation envelopes of arbitrary content never throw", () => {
    const types = ["application/vnd.dsse.envelope.v1+json", "application/vnd.in-toto+json", "application/json", "application/vnd.dev.sigstore.bundle.v0.3+json"];
    fc.assert(fc.property(fc.constantFrom(...types), fc.jsonValue(), (t, v) => {
        const r = parseAttestation(t, JSON.stringify({ payloadType: "application/vnd.in-toto+json", payload: Buffer.from(JSON.stringify(v) ?? "").toString("base64"), dsseEnvelope: v, _type: v, scanner: { result: v } }), DIGEST);
        return r.ok ? r.report.digests.length > 0 : r.failure.message.length > 0;
    }), { numRuns: 300 });
});

test("Defender rows of arbitrary strings yield evidence or a DefenderError, nothing else", () => {
    const row = fc.record({
        id: fc.string(), assessmentKey: fc.string(), digest: fc.constant(DIGEST), registryHost: fc.string(), repository: fc.string(),
        cveId: fc.string(), severity: fc.string(), statusCode: fc.constantFrom("Unhealthy", "Healthy", "NotApplicable", "Other"),
        statusCause: fc.string(), fixStatus: fc.string(), packageName: fc.string(), version: fc.string(), fixedVersion: fc.string(),
        timeGenerated: fc.oneof(fc.string(), fc.constant("2026-11-21T00:00:00Z")),
    });
    fc.assert(fc.property(fc.array(row, { maxLength: 5 }), (rows) => {
        try {
            const { reports } = rowsToEvidence(rows, [DIGEST]);
            const r = reports.get(DIGEST);
            return r === undefined || r.findings.every((f) => SEVERITY_ORDER.includes(f.severity));
        } catch (e) {
            return e instanceof DefenderError;
        }
    }), { numRuns: 300 });
});
