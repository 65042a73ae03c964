/**
 * OpenVEX documents attached to an image digest (OCI referrers): a bare document
 * (`oras attach --artifact-type application/vnd.openvex+json`, or generic JSON whose @context is
 * OpenVEX), or an in-toto statement whose predicate is one (`cosign attest --type openvex`,
 * `vexctl attest`), bare or in a DSSE envelope. An attestation's subject must name the digest.
 */
import { DSSE_ENVELOPE_TYPE, IN_TOTO_STATEMENT_TYPE } from "./attestation";
import { decodeJson, isRecord } from "./json";
import { fail } from "../result";
import { looksLikeOpenVex, parseVexDocument, VEX_CONTEXT_PREFIX, VexParseOptions, VexResult } from "./vex";

export const VEX_ARTIFACT_TYPES: readonly string[] = ["application/vnd.openvex+json", "application/vnd.openvex.vex+json", "application/vnd.openvex"];

export function isVexArtifactType(type: string): boolean {
    return VEX_ARTIFACT_TYPES.includes(type.trim().toLowerCase());
}

export type VexAttachment = { kind: "none" } | { kind: "vex"; result: VexResult };

function statementVex(stmt: unknown, digest: string, options: VexParseOptions): VexAttachment {
    if (!isRecord(stmt) || typeof stmt.predicateType !== "string" || !stmt.predicateType.startsWith(VEX_CONTEXT_PREFIX)) return { kind: "none" };
    const [alg, hex] = digest.split(":");
    const subjects = Array.isArray(stmt.subject) ? stmt.subject : [];
    const names = subjects.some((s) => isRecord(s) && isRecord(s.digest) && s.digest[alg] === hex);
    if (!names) return { kind: "vex", result: fail("wrong-subject", `${options.source}: VEX attestation refused: its subject does not name ${digest}`) };
    return { kind: "vex", result: parseVexDocument(stmt.predicate, options) };
}

/** Whether one referrer layer is an OpenVEX document about `digest`; never throws. */
export function parseVexAttachment(type: string, bytes: Uint8Array, digest: string, options: VexParseOptions): VexAttachment {
    const t = type.trim().toLowerCase();
    const doc = decodeJson(bytes, options.source);
    if (!doc.ok) return isVexArtifactType(t) ? { kind: "vex", result: fail("unreadable", `${doc.failure.message} (VEX document refused)`) } : { kind: "none" };
    const v = doc.value;
    if (isVexArtifactType(t) || looksLikeOpenVex(v)) return { kind: "vex", result: parseVexDocument(v, options) };
    if (isRecord(v) && v.payloadType === IN_TOTO_STATEMENT_TYPE && typeof v.payload === "string") {
        const inner = decodeJson(Buffer.from(v.payload.replace(/-/g, "+").replace(/_/g, "/"), "base64"), options.source);
        return inner.ok ? statementVex(inner.value, digest, options) : { kind: "none" };
    }
    if (t === IN_TOTO_STATEMENT_TYPE || t === DSSE_ENVELOPE_TYPE || (isRecord(v) && typeof v._type === "string")) return statementVex(v, digest, options);
    return { kind: "none" };
}
