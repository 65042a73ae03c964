/**
 * Certificates and public keys given in config, either inline (PEM text) or as a file path relative
 * to a base directory. Reading the file is the only I/O; it is injectable for tests.
 */
import { fail, type Failed } from "../result";
import { createPublicKey, KeyObject, X509Certificate } from "node:crypto";
import { isAbsolute, resolve } from "node:path";
import { readRegularFileSync } from "../regular-file";

/** Trust material is a few KiB; anything bigger is not a certificate file. */
export const MAX_PEM_FILE_BYTES = 1024 * 1024;

export interface MaterialReader {
    readonly baseDir: string;
    /** Reads a file; default: a regular file of at most MAX_PEM_FILE_BYTES (core/regular-file). */
    readonly readFile?: (path: string) => Uint8Array;
}

function defaultRead(path: string): Uint8Array {
    return readRegularFileSync(path, MAX_PEM_FILE_BYTES);
}

export type Loaded<T> = { ok: true; value: T } | Failed<"invalid-pem" | "unreadable-file">;

/** Inline PEM, or the contents of the named file; `where` labels the text for messages. */
function material(entry: unknown, marker: string, reader: MaterialReader): Loaded<{ bytes: Uint8Array; where: string }> {
    if (typeof entry !== "string" || entry.trim().length === 0) {
        return fail("invalid-pem", `must be PEM text or a file path, got ${JSON.stringify(entry)}`);
    }
    if (entry.includes("-----BEGIN")) {
        if (!entry.includes(marker)) return fail("invalid-pem", `is PEM text but holds no ${marker.replace(/-/g, "").trim()} block`);
        return { ok: true, value: { bytes: Buffer.from(entry, "utf8"), where: "inline PEM" } };
    }
    if (entry.includes("\0")) return fail("unreadable-file", "is not a valid file path");
    const path = isAbsolute(entry) ? entry : resolve(reader.baseDir, entry);
    try {
        return { ok: true, value: { bytes: (reader.readFile ?? defaultRead)(path), where: path } };
    } catch (e) {
        return fail("unreadable-file", `file ${path} ${(e as Error).message}`);
    }
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

function pemBlocks(text: string, label: string): Buffer[] {
    const out: Buffer[] = [];
    for (const m of text.matchAll(PEM_BLOCK)) {
        if (m[1] === label) out.push(Buffer.from(m[2].replace(/\s+/g, ""), "base64"));
    }
    return out;
}

/** One or more X.509 certificates (PEM, possibly several in one file, or a single DER certificate). */
export function loadCertificates(entry: unknown, reader: MaterialReader): Loaded<X509Certificate[]> {
    const m = material(entry, "-----BEGIN CERTIFICATE-----", reader);
    if (!m.ok) return m;
    const { bytes, where } = m.value;
    const text = Buffer.from(bytes).toString("latin1");
    const ders = text.includes("-----BEGIN") ? pemBlocks(text, "CERTIFICATE") : [Buffer.from(bytes)];
    if (ders.length === 0) return fail("invalid-pem", `${where} holds no CERTIFICATE block`);
    const certs: X509Certificate[] = [];
    for (const [i, der] of ders.entries()) {
        try {
            certs.push(new X509Certificate(der));
        } catch (e) {
            return fail("invalid-pem", `${where}: certificate ${i + 1} is not a valid X.509 certificate (${(e as Error).message})`);
        }
    }
    return { ok: true, value: certs };
}

/** A public key (PEM SubjectPublicKeyInfo, as `cosign generate-key-pair` writes `cosign.pub`). */
export function loadPublicKey(entry: unknown, reader: MaterialReader): Loaded<{ key: KeyObject; where: string }> {
    const m = material(entry, "-----BEGIN PUBLIC KEY-----", reader);
    if (!m.ok) return m;
    const { bytes, where } = m.value;
    const blocks = pemBlocks(Buffer.from(bytes).toString("latin1"), "PUBLIC KEY");
    if (blocks.length !== 1) return fail("invalid-pem", `${where} must hold exactly one PUBLIC KEY block, found ${blocks.length}`);
    try {
        return { ok: true, value: { key: createPublicKey({ key: blocks[0], format: "der", type: "spki" }), where } };
    } catch (e) {
        return fail("invalid-pem", `${where} is not a valid public key (${(e as Error).message})`);
    }
}
