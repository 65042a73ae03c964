/**
 * Test PKI and signature builders: X.509 certificates built with @peculiar/asn1-x509 and signed with
 * node:crypto; Notary Project JWS envelopes and signature manifests; cosign simple-signing payloads
 * and `.sig` manifests — each per its specification, so the verifier is tested against what real
 * tools write, not against itself.
 */
import { createHash, generateKeyPairSync, KeyObject, randomBytes, sign, constants, X509Certificate } from "node:crypto";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import { encode as cborEncode, Tagged } from "cbor";
import {
    AlgorithmIdentifier, AttributeTypeAndValue, AttributeValue, BasicConstraints, Certificate, CRLDistributionPoints,
    DistributionPoint, DistributionPointName, ExtendedKeyUsage, Extension, Extensions, GeneralName, id_ce_basicConstraints,
    id_ce_cRLDistributionPoints, id_ce_extKeyUsage, id_ce_keyUsage, KeyUsage, KeyUsageFlags, Name, RelativeDistinguishedName,
    SubjectPublicKeyInfo, TBSCertificate, Validity, Version,
} from "@peculiar/asn1-x509";

export type Dn = readonly (readonly [string, string])[];
const ATTR_OIDS: Record<string, string> = { C: "2.5.4.6", ST: "2.5.4.8", L: "2.5.4.7", O: "2.5.4.10", OU: "2.5.4.11", CN: "2.5.4.3" };

export const OIDS = {
    codeSigning: "1.3.6.1.5.5.7.3.3", serverAuth: "1.3.6.1.5.5.7.3.1", timeStamping: "1.3.6.1.5.5.7.3.8",
    sha256WithRSA: "1.2.840.113549.1.1.11", sha1WithRSA: "1.2.840.113549.1.1.5", ecdsaSha256: "1.2.840.10045.4.3.2", ecdsaSha384: "1.2.840.10045.4.3.3",
};

export interface KeyPair { readonly publicKey: KeyObject; readonly privateKey: KeyObject }

export function ecKey(curve: "P-256" | "P-384" = "P-256"): KeyPair {
    return generateKeyPairSync("ec", { namedCurve: curve });
}
export function rsaKey(bits = 2048): KeyPair {
    return generateKeyPairSync("rsa", { modulusLength: bits });
}

export interface IssuedCert {
    readonly der: Buffer;
    readonly pem: string;
    readonly asn: Certificate;
    readonly key: KeyPair;
}

export interface CertSpec {
    readonly subject: Dn;
    readonly key: KeyPair;
    /** Absent: self-signed. */
    readonly issuer?: IssuedCert;
    readonly notBefore?: Date;
    readonly notAfter?: Date;
    /** undefined: no basicConstraints extension. */
    readonly basicConstraints?: { cA: boolean; pathLen?: number; critical?: boolean };
    /** undefined: no keyUsage extension. */
    readonly keyUsage?: { flags: number; critical?: boolean };
    readonly eku?: readonly string[];
    readonly crlUrl?: string;
    /** Hash of the issuer's signature; "sha1" builds a certificate the spec forbids. */
    readonly hash?: "sha256" | "sha384" | "sha1";
}

function name(dn: Dn): Name {
    return new Name(dn.map(([k, v]) => new RelativeDistinguishedName([new AttributeTypeAndValue({
        type: ATTR_OIDS[k] ?? k,
        value: new AttributeValue(k === "C" ? { printableString: v } : { utf8String: v }),
    })])));
}

function ext(oid: string, critical: boolean, value: unknown): Extension {
    return new Extension({ extnID: oid, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

function sigAlg(key: KeyObject, hash: string): AlgorithmIdentifier {
    if (key.asymmetricKeyType === "ec") return new AlgorithmIdentifier({ algorithm: hash === "sha384" ? OIDS.ecdsaSha384 : hash === "sha1" ? "1.2.840.10045.4.1" : OIDS.ecdsaSha256 });
    const alg = hash === "sha1" ? OIDS.sha1WithRSA : hash === "sha384" ? "1.2.840.113549.1.1.12" : OIDS.sha256WithRSA;
    return new AlgorithmIdentifier({ algorithm: alg, parameters: new Uint8Array([5, 0]).buffer });
}

export function issue(spec: CertSpec): IssuedCert {
    const signer = spec.issuer?.key ?? spec.key;
    const hash = spec.hash ?? "sha256";
    const alg = sigAlg(signer.privateKey, hash);
    const extensions: Extension[] = [];
    if (spec.basicConstraints) {
        extensions.push(ext(id_ce_basicConstraints, spec.basicConstraints.critical ?? true,
            new BasicConstraints({ cA: spec.basicConstraints.cA, ...(spec.basicConstraints.pathLen !== undefined ? { pathLenConstraint: spec.basicConstraints.pathLen } : {}) })));
    }
    if (spec.keyUsage) extensions.push(ext(id_ce_keyUsage, spec.keyUsage.critical ?? true, new KeyUsage(spec.keyUsage.flags)));
    if (spec.eku) extensions.push(ext(id_ce_extKeyUsage, false, new ExtendedKeyUsage([...spec.eku])));
    if (spec.crlUrl) {
        extensions.push(ext(id_ce_cRLDistributionPoints, false, new CRLDistributionPoints([new DistributionPoint({
            distributionPoint: new DistributionPointName({ fullName: [new GeneralName({ uniformResourceIdentifier: spec.crlUrl })] }),
        })])));
    }
    const serial = randomBytes(12);
    serial[0] = 0x40 | (serial[0] & 0x3f); // positive, minimal DER INTEGER
    const tbs = new TBSCertificate({
        version: Version.v3,
        serialNumber: new Uint8Array(serial).buffer,
        signature: alg,
        issuer: spec.issuer ? spec.issuer.asn.tbsCertificate.subject : name(spec.subject),
        subject: name(spec.subject),
        validity: new Validity({ notBefore: spec.notBefore ?? new Date(Date.now() - 60 * 86_400_000), notAfter: spec.notAfter ?? new Date(Date.now() + 365 * 86_400_000) }),
        subjectPublicKeyInfo: AsnConvert.parse(spec.key.publicKey.export({ format: "der", type: "spki" }), SubjectPublicKeyInfo),
        ...(extensions.length ? { extensions: new Extensions(extensions) } : {}),
    });
    const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
    const signature = sign(hash, tbsDer, signer.privateKey);
    const asn = new Certificate({ tbsCertificate: tbs, signatureAlgorithm: alg, signatureValue: new Uint8Array(signature).buffer });
    const der = Buffer.from(AsnConvert.serialize(asn));
    return { der, asn, key: spec.key, pem: new X509Certificate(der).toString() };
}

export const CA_USAGE = { flags: KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign };
export const SIGNING_USAGE = { flags: KeyUsageFlags.digitalSignature };

export function rootCa(subject: Dn, key: KeyPair = ecKey(), extra: Partial<CertSpec> = {}): IssuedCert {
    return issue({ subject, key, basicConstraints: { cA: true }, keyUsage: CA_USAGE, ...extra });
}
export function intermediateCa(subject: Dn, issuer: IssuedCert, key: KeyPair = ecKey(), extra: Partial<CertSpec> = {}): IssuedCert {
    return issue({ subject, key, issuer, basicConstraints: { cA: true, pathLen: 0 }, keyUsage: CA_USAGE, ...extra });
}
export function signingCert(subject: Dn, issuer: IssuedCert, key: KeyPair = ecKey(), extra: Partial<CertSpec> = {}): IssuedCert {
    return issue({ subject, key, issuer, basicConstraints: { cA: false, critical: false }, keyUsage: SIGNING_USAGE, eku: [OIDS.codeSigning], ...extra });
}

export const LEAF_DN: Dn = [["C", "US"], ["ST", "WA"], ["L", "Seattle"], ["O", "Contoso"], ["OU", "Build"], ["CN", "contoso-ci"]];

/** A root, an intermediate and a code-signing leaf; plus an expired leaf and a leaf of another root. */
export function testPki() {
    const root = rootCa([["C", "US"], ["ST", "WA"], ["O", "Contoso"], ["CN", "Contoso Root CA"]]);
    const intermediate = intermediateCa([["C", "US"], ["ST", "WA"], ["O", "Contoso"], ["CN", "Contoso Signing CA"]], root);
    const leaf = signingCert(LEAF_DN, intermediate);
    const expiredLeaf = signingCert(LEAF_DN, intermediate, ecKey(), { notBefore: new Date(Date.now() - 30 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    const otherRoot = rootCa([["C", "US"], ["ST", "WA"], ["O", "Fabrikam"], ["CN", "Fabrikam Root"]]);
    const otherLeaf = signingCert([["C", "US"], ["ST", "WA"], ["O", "Contoso"], ["CN", "contoso-ci"]], otherRoot);
    return { root, intermediate, leaf, expiredLeaf, otherRoot, otherLeaf };
}

// ---- digests and descriptors ----

export function sha256(bytes: Uint8Array | string): string {
    return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

export interface Blob { readonly mediaType: string; readonly digest: string; readonly size: number; readonly bytes: Buffer }

export function blob(mediaType: string, content: Uint8Array | string): Blob {
    const bytes = Buffer.from(content);
    return { mediaType, digest: sha256(bytes), size: bytes.length, bytes };
}

export function descriptor(b: Blob, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { mediaType: b.mediaType, digest: b.digest, size: b.size, ...extra };
}

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const EMPTY_CONFIG = blob("application/vnd.oci.empty.v1+json", "{}");

/** A small OCI image: config + one layer + manifest (all bytes, so the harness can push them). */
export function testImage(seed = "app") {
    const config = blob("application/vnd.oci.image.config.v1+json", JSON.stringify({ architecture: "amd64", os: "linux", config: { Labels: { seed } }, rootfs: { type: "layers", diff_ids: [] } }));
    const layer = blob("application/vnd.oci.image.layer.v1.tar", `layer ${seed}`);
    const manifest = blob(OCI_MANIFEST, JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: descriptor(config), layers: [descriptor(layer)] }));
    return { config, layer, manifest };
}

// ---- Notary Project JWS ----

export interface JwsOptions {
    readonly target: { mediaType: string; digest: string; size: number };
    readonly chain: readonly IssuedCert[];
    /** Signing key; default the first certificate's. */
    readonly key?: KeyObject;
    readonly alg?: string;
    readonly signingTime?: Date;
    readonly expiry?: Date;
    readonly scheme?: string;
    /** Extra protected headers (marked critical when `critical` is set). */
    readonly extraHeaders?: Record<string, unknown>;
    readonly critical?: readonly string[];
    readonly cty?: string;
    /** Rewrite the protected header after defaults (e.g. drop crit). */
    readonly mutateHeader?: (h: Record<string, unknown>) => void;
    readonly unprotected?: Record<string, unknown>;
    /** RSASSA-PSS salt length; default the hash length (what Notation's signers use). */
    readonly pssSaltLength?: number;
}

function rfc3339(d: Date): string {
    return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function algFor(key: KeyObject): string {
    const d = key.asymmetricKeyDetails ?? {};
    if (key.asymmetricKeyType === "ec") return { prime256v1: "ES256", secp384r1: "ES384", secp521r1: "ES512" }[d.namedCurve as string] ?? "ES256";
    return { 2048: "PS256", 3072: "PS384", 4096: "PS512" }[d.modulusLength as number] ?? "PS256";
}

/** A flattened-JSON JWS per specs/signature-envelope-jws.md. */
export function notationJws(o: JwsOptions): Buffer {
    const key = o.key ?? o.chain[0].key.privateKey;
    const alg = o.alg ?? algFor(o.chain[0].key.publicKey);
    const header: Record<string, unknown> = {
        alg,
        cty: o.cty ?? "application/vnd.cncf.notary.payload.v1+json",
        "io.cncf.notary.signingScheme": o.scheme ?? "notary.x509",
        "io.cncf.notary.signingTime": rfc3339(o.signingTime ?? new Date(Date.now() - 60_000)),
        crit: ["io.cncf.notary.signingScheme", ...(o.expiry ? ["io.cncf.notary.expiry"] : []), ...(o.critical ?? [])],
        ...(o.expiry ? { "io.cncf.notary.expiry": rfc3339(o.expiry) } : {}),
        ...(o.extraHeaders ?? {}),
    };
    o.mutateHeader?.(header);
    const protectedB64 = Buffer.from(JSON.stringify(header)).toString("base64url");
    const payloadB64 = Buffer.from(JSON.stringify({ targetArtifact: o.target })).toString("base64url");
    const input = Buffer.from(`${protectedB64}.${payloadB64}`, "ascii");
    const hash = { 256: "sha256", 384: "sha384", 512: "sha512" }[Number(alg.slice(2))] ?? "sha256";
    const signature = alg.startsWith("ES")
        ? sign(hash, input, { key, dsaEncoding: "ieee-p1363" })
        : sign(hash, input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: o.pssSaltLength ?? Number(alg.slice(2)) / 8 });
    return Buffer.from(JSON.stringify({
        payload: payloadB64,
        protected: protectedB64,
        header: { x5c: o.chain.map((c) => c.der.toString("base64")), "io.cncf.notary.signingAgent": "imagegate-tests/1.0", ...(o.unprotected ?? {}) },
        signature: signature.toString("base64url"),
    }));
}

const COSE_ALG_IDS: Record<string, number> = { ES256: -7, ES384: -35, ES512: -36, PS256: -37, PS384: -38, PS512: -39 };

function signFor(alg: string, key: KeyObject, data: Buffer): Buffer {
    const hash = { 256: "sha256", 384: "sha384", 512: "sha512" }[Number(alg.slice(2))] ?? "sha256";
    return alg.startsWith("ES")
        ? sign(hash, data, { key, dsaEncoding: "ieee-p1363" })
        : sign(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 });
}

/** A COSE_Sign1_Tagged envelope per specs/signature-envelope-cose.md (times as CBOR tag-1 epoch dates). */
export function notationCose(o: JwsOptions & { mutateCoseHeader?: (h: Map<unknown, unknown>) => void; tag?: number }): Buffer {
    const key = o.key ?? o.chain[0].key.privateKey;
    const alg = o.alg ?? algFor(o.chain[0].key.publicKey);
    const header = new Map<unknown, unknown>([
        [1, COSE_ALG_IDS[alg] ?? -7],
        [2, ["io.cncf.notary.signingScheme", ...(o.expiry ? ["io.cncf.notary.expiry"] : []), ...(o.critical ?? [])]],
        [3, o.cty ?? "application/vnd.cncf.notary.payload.v1+json"],
        ["io.cncf.notary.signingScheme", o.scheme ?? "notary.x509"],
        ["io.cncf.notary.signingTime", new Date(Math.floor((o.signingTime ?? new Date(Date.now() - 60_000)).getTime() / 1000) * 1000)],
        ...(o.expiry ? [["io.cncf.notary.expiry", o.expiry] as [string, Date]] : []),
        ...Object.entries(o.extraHeaders ?? {}),
    ]);
    o.mutateCoseHeader?.(header);
    const protectedBytes = cborEncode(header);
    const payload = Buffer.from(JSON.stringify({ targetArtifact: o.target }));
    const signature = signFor(alg, key, cborEncode(["Signature1", protectedBytes, Buffer.alloc(0), payload]));
    const unprotected = new Map<unknown, unknown>([[33, o.chain.map((c) => c.der)], ["io.cncf.notary.signingAgent", "imagegate-tests/1.0"]]);
    return cborEncode(new Tagged(o.tag ?? 18, [protectedBytes, unprotected, payload, signature]));
}

export const NOTARY_SIGNATURE = "application/vnd.cncf.notary.signature";

/** The signature manifest notation pushes: OCI image manifest, artifactType notary, one envelope layer, subject = image. */
export function notationManifest(subject: Blob | Record<string, unknown>, envelope: Blob, chain: readonly IssuedCert[] = []): Blob {
    const subj = "bytes" in subject ? descriptor(subject as Blob) : subject;
    return blob(OCI_MANIFEST, JSON.stringify({
        schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: NOTARY_SIGNATURE,
        config: descriptor(EMPTY_CONFIG), layers: [descriptor(envelope)], subject: subj,
        annotations: {
            "io.cncf.notary.x509chain.thumbprint#S256": JSON.stringify(chain.map((c) => createHash("sha256").update(c.der).digest("hex"))),
            "org.opencontainers.image.created": new Date().toISOString(),
        },
    }));
}

// ---- cosign ----

export const SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json";

export function cosignPayload(digest: string, reference = "contoso.azurecr.io/app", type = "cosign container image signature"): Buffer {
    return Buffer.from(JSON.stringify({ critical: { identity: { "docker-reference": reference }, image: { "docker-manifest-digest": digest }, type }, optional: null }));
}

/** cosign's signature: SHA-256 over the payload; ECDSA ASN.1 DER or RSA PKCS#1 v1.5; base64. */
export function cosignSign(payload: Uint8Array, key: KeyObject): string {
    return sign("sha256", payload, key).toString("base64");
}

export function cosignLayer(payload: Buffer, signatureB64: string): { blob: Blob; descriptor: Record<string, unknown> } {
    const b = blob(SIMPLE_SIGNING, payload);
    return { blob: b, descriptor: descriptor(b, { annotations: { "dev.cosignproject.cosign/signature": signatureB64 } }) };
}

/** The `sha256-<hex>.sig` manifest (or, with `subject`, the OCI 1.1 referrer form). */
export function cosignManifest(layers: readonly Record<string, unknown>[], subject?: Blob): Blob {
    return blob(OCI_MANIFEST, JSON.stringify({
        schemaVersion: 2, mediaType: OCI_MANIFEST,
        ...(subject ? { artifactType: "application/vnd.dev.cosign.artifact.sig.v1+json", subject: descriptor(subject) } : {}),
        config: descriptor(subject ? EMPTY_CONFIG : blob("application/vnd.oci.image.config.v1+json", "{}")), layers,
    }));
}

export function publicPem(key: KeyPair): string {
    return key.publicKey.export({ format: "pem", type: "spki" }).toString();
}
