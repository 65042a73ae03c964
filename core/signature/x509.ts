/**
 * X.509 certificate chains of Notary Project signatures, checked against the signature
 * specification's certificate requirements: ordered leaf → intermediates → root, each signed by the
 * next, the root self-signed; CA certificates with critical basicConstraints cA=true (pathLen honoured)
 * and critical keyUsage keyCertSign; the signing certificate with critical keyUsage digitalSignature
 * only, no CA flag, no EKU other than codeSigning; RSA ≥ 2048 / EC ≥ 256 bits; no SHA-1/MD5
 * signatures. node:crypto verifies signatures; @peculiar/asn1-x509 decodes the extensions node does
 * not expose (criticality, keyUsage bits, pathLen).
 */
import { fail, type Failed } from "../result";
import { KeyObject, X509Certificate } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import {
    BasicConstraints, Certificate, ExtendedKeyUsage, id_ce_basicConstraints, id_ce_cRLDistributionPoints, id_ce_extKeyUsage,
    id_ad_ocsp, id_ce_keyUsage, id_pe_authorityInfoAccess, AuthorityInfoAccessSyntax, KeyUsage, KeyUsageFlags,
} from "@peculiar/asn1-x509";

/** A certificate decoded once: node's object for crypto, the ASN.1 structure for extensions. */
export interface ParsedCertificate {
    readonly node: X509Certificate;
    readonly asn: Certificate;
    readonly notBefore: Date;
    readonly notAfter: Date;
    /** DER of the subject Name, for DN matching. */
    readonly subjectDer: ArrayBuffer;
}

export type ChainProblem = { code: "invalid-chain" | "expired-certificate"; message: string };

const OID = {
    serverAuth: "1.3.6.1.5.5.7.3.1", clientAuth: "1.3.6.1.5.5.7.3.2", codeSigning: "1.3.6.1.5.5.7.3.3",
    emailProtection: "1.3.6.1.5.5.7.3.4", timeStamping: "1.3.6.1.5.5.7.3.8", OCSPSigning: "1.3.6.1.5.5.7.3.9",
    anyExtendedKeyUsage: "2.5.29.37.0",
};
const EKU_NAMES: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(OID).map(([k, v]) => [v, k]));
/** Signature algorithms a certificate may be signed with (SHA-2 RSA, RSASSA-PSS, ECDSA with SHA-2). */
const ALLOWED_CERT_SIGNATURE_ALGS: Readonly<Record<string, string>> = {
    "1.2.840.113549.1.1.11": "sha256WithRSAEncryption", "1.2.840.113549.1.1.12": "sha384WithRSAEncryption",
    "1.2.840.113549.1.1.13": "sha512WithRSAEncryption", "1.2.840.113549.1.1.10": "RSASSA-PSS",
    "1.2.840.10045.4.3.2": "ecdsa-with-SHA256", "1.2.840.10045.4.3.3": "ecdsa-with-SHA384", "1.2.840.10045.4.3.4": "ecdsa-with-SHA512",
};
/** Names of signature algorithms a certificate may carry but must not use, for messages (never a bare OID). */
const REFUSED_CERT_SIGNATURE_ALGS: Readonly<Record<string, string>> = {
    "1.2.840.113549.1.1.4": "MD5 with RSA", "1.2.840.113549.1.1.2": "MD2 with RSA", "1.2.840.113549.1.1.5": "SHA-1 with RSA",
    "1.3.14.3.2.29": "SHA-1 with RSA", "1.2.840.10045.4.1": "SHA-1 with ECDSA", "1.2.840.10040.4.3": "SHA-1 with DSA",
    "2.16.840.1.101.3.4.3.2": "SHA-256 with DSA", "1.2.840.113549.1.1.14": "SHA-224 with RSA", "1.2.840.10045.4.3.1": "SHA-224 with ECDSA",
    "1.3.101.112": "Ed25519", "1.3.101.113": "Ed448",
};

/** An algorithm OID by name: `SHA-1 with ECDSA (1.2.840.10045.4.1)`, or the OID alone when it has no known name. */
export function algorithmName(oid: string): string {
    const name = ALLOWED_CERT_SIGNATURE_ALGS[oid] ?? REFUSED_CERT_SIGNATURE_ALGS[oid];
    return name ? `${name} (${oid})` : `unknown algorithm ${oid}`;
}

const FORBIDDEN_LEAF_USAGES = KeyUsageFlags.keyEncipherment | KeyUsageFlags.dataEncipherment | KeyUsageFlags.keyAgreement
    | KeyUsageFlags.keyCertSign | KeyUsageFlags.encipherOnly | KeyUsageFlags.decipherOnly | KeyUsageFlags.cRLSign;

export function parseCertificate(der: Uint8Array): { ok: true; cert: ParsedCertificate } | Failed<"invalid-certificate"> {
    try {
        const node = new X509Certificate(der);
        const asn = AsnConvert.parse(der, Certificate);
        const validity = asn.tbsCertificate.validity;
        return {
            ok: true,
            cert: {
                node, asn, notBefore: validity.notBefore.getTime(), notAfter: validity.notAfter.getTime(),
                subjectDer: AsnConvert.serialize(asn.tbsCertificate.subject),
            },
        };
    } catch (e) {
        return fail("invalid-certificate", `is not a valid DER X.509 certificate (${(e as Error).message})`);
    }
}

function extension(cert: ParsedCertificate, oid: string): { critical: boolean; value: ArrayBuffer } | undefined {
    const ext = cert.asn.tbsCertificate.extensions?.find((e) => e.extnID === oid);
    return ext ? { critical: ext.critical, value: ext.extnValue.buffer } : undefined;
}

/** The subject for messages (`CN=…, O=…`), from node's multi-line form. */
export function subjectText(cert: ParsedCertificate): string {
    return cert.node.subject.split("\n").join(", ");
}

function name(cert: ParsedCertificate, index: number): string {
    return `certificate ${index} (${subjectText(cert)})`;
}

/** Key strength rules shared by every certificate of the chain. */
export function keyProblem(key: KeyObject): string | undefined {
    const d = key.asymmetricKeyDetails ?? {};
    if (key.asymmetricKeyType === "rsa" || key.asymmetricKeyType === "rsa-pss") {
        return (d.modulusLength ?? 0) >= 2048 ? undefined : `has a ${d.modulusLength}-bit RSA key (at least 2048)`;
    }
    if (key.asymmetricKeyType === "ec") {
        return ["prime256v1", "secp384r1", "secp521r1"].includes(d.namedCurve ?? "") ? undefined : `has an EC key on ${d.namedCurve} (P-256, P-384 or P-521)`;
    }
    return `has a ${key.asymmetricKeyType} key, which Notary Project signatures do not use`;
}

function leafProblem(cert: ParsedCertificate): string | undefined {
    const bc = extension(cert, id_ce_basicConstraints);
    if (bc && AsnConvert.parse(bc.value, BasicConstraints).cA) return "is a CA certificate, not a signing certificate (basicConstraints cA=true)";
    const ku = extension(cert, id_ce_keyUsage);
    if (!ku || !ku.critical) return "must have a critical keyUsage extension";
    const usage = AsnConvert.parse(ku.value, KeyUsage).toNumber();
    if (!(usage & KeyUsageFlags.digitalSignature)) return "keyUsage lacks digitalSignature";
    if (usage & FORBIDDEN_LEAF_USAGES) return `keyUsage must allow only digitalSignature and nonRepudiation, has ${AsnConvert.parse(ku.value, KeyUsage).toJSON().join(", ")}`;
    const eku = extension(cert, id_ce_extKeyUsage);
    if (eku) {
        const usages = [...AsnConvert.parse(eku.value, ExtendedKeyUsage)];
        const bad = usages.filter((u) => u !== OID.codeSigning && EKU_NAMES[u] !== undefined);
        if (bad.length > 0) return `extendedKeyUsage must not contain ${bad.map((u) => EKU_NAMES[u]).join(", ")} (code signing only)`;
    }
    return undefined;
}

function caProblem(cert: ParsedCertificate, casBelow: number): string | undefined {
    // Present with cA=true; criticality is not required, as notation-core-go (validateCABasicConstraints
    // reads Go's BasicConstraintsValid, which does not depend on the critical flag).
    const bc = extension(cert, id_ce_basicConstraints);
    if (!bc) return "must have a basicConstraints extension with cA=true";
    const constraints = AsnConvert.parse(bc.value, BasicConstraints);
    if (!constraints.cA) return "is not a CA certificate (basicConstraints cA=false) but issued another certificate";
    if (constraints.pathLenConstraint !== undefined && constraints.pathLenConstraint !== null && casBelow > constraints.pathLenConstraint) {
        return `has pathLenConstraint ${constraints.pathLenConstraint} but ${casBelow} CA certificate(s) below it`;
    }
    const ku = extension(cert, id_ce_keyUsage);
    if (!ku || !ku.critical) return "must have a critical keyUsage extension";
    if (!(AsnConvert.parse(ku.value, KeyUsage).toNumber() & KeyUsageFlags.keyCertSign)) return "keyUsage lacks keyCertSign";
    return undefined;
}

/** Issuer name equals subject name. (node's checkIssued also demands keyCertSign, which a lone self-signed signing certificate lacks.) */
function selfIssued(cert: ParsedCertificate): boolean {
    return Buffer.from(AsnConvert.serialize(cert.asn.tbsCertificate.issuer)).equals(Buffer.from(cert.subjectDer));
}

/** Self-issued and signed by its own key: a root. */
function selfSigned(cert: ParsedCertificate): boolean {
    try {
        return selfIssued(cert) && cert.node.verify(cert.node.publicKey);
    } catch {
        return false;
    }
}

/**
 * Structure and requirements of a signing chain (no trust decision, no time): the spec's
 * "Certificate Requirements". Returns a problem or undefined.
 */
export function checkChainStructure(chain: readonly ParsedCertificate[]): ChainProblem | undefined {
    const bad = (message: string): ChainProblem => ({ code: "invalid-chain", message });
    if (chain.length === 0) return bad("the signature carries no certificate chain (x5c)");
    for (const [i, cert] of chain.entries()) {
        const alg = cert.asn.signatureAlgorithm.algorithm;
        if (ALLOWED_CERT_SIGNATURE_ALGS[alg] === undefined) return bad(`${name(cert, i)} is signed with ${algorithmName(alg)}, which is not allowed (SHA-1 and MD5 are refused; SHA-2 RSA, RSASSA-PSS or ECDSA only)`);
        const weak = keyProblem(cert.node.publicKey);
        if (weak) return bad(`${name(cert, i)} ${weak}`);
        // A self-signed certificate only as the root (notation-core-go validateCertChain: "must not
        // contain self-signed leaf/intermediate certificate"); [leaf, root, root] is refused.
        if (i + 1 < chain.length && selfSigned(cert)) {
            return bad(`${name(cert, i)} is self-signed but is not the last certificate; a self-signed certificate may only be the root (${i === 0 ? "leaf" : "intermediate"} position ${i})`);
        }
        try {
            if (chain.length === 1) {
                // A lone signing certificate: signed by its own key (notation-core-go checks only the signature here).
                if (!cert.node.verify(cert.node.publicKey)) return bad(`the only certificate, ${name(cert, i)}, is not signed by its own key; the signature must carry the complete chain`);
            } else if (i + 1 < chain.length) {
                const issuer = chain[i + 1];
                if (!cert.node.checkIssued(issuer.node)) return bad(`${name(cert, i)} was not issued by the next certificate in the chain (${subjectText(issuer)}); x5c must be ordered leaf → root without unrelated certificates`);
                if (!cert.node.verify(issuer.node.publicKey)) return bad(`${name(cert, i)} has a signature that does not verify with its issuer's key`);
            } else if (!selfIssued(cert) || !cert.node.verify(cert.node.publicKey)) {
                return bad(`the chain ends with ${name(cert, i)}, which is not a self-signed root; the signature must carry the complete chain`);
            }
        } catch (e) {
            return bad(`${name(cert, i)} cannot be verified (${(e as Error).message})`);
        }
    }
    const leaf = leafProblem(chain[0]);
    if (leaf) return bad(`the signing certificate (${subjectText(chain[0])}) ${leaf}`);
    // A lone self-signed certificate is judged as a leaf only (spec "Other requirements").
    for (let i = 1; i < chain.length; i++) {
        const p = caProblem(chain[i], i - 1);
        if (p) return bad(`${name(chain[i], i)} ${p}`);
    }
    return undefined;
}

/** Every certificate valid at `at` (inclusive bounds; no nesting of validity periods is required). */
export function checkValidityAt(chain: readonly ParsedCertificate[], at: Date, when: string): ChainProblem | undefined {
    for (const [i, cert] of chain.entries()) {
        if (at < cert.notBefore) return { code: "expired-certificate", message: `${name(cert, i)} is not yet valid ${when} (${at.toISOString()}); valid from ${cert.notBefore.toISOString()}` };
        if (at > cert.notAfter) return { code: "expired-certificate", message: `${name(cert, i)} had expired ${when} (${at.toISOString()}); valid until ${cert.notAfter.toISOString()}` };
    }
    return undefined;
}

/** Whether any certificate of the chain is one of the trusted ones (byte-equal DER, as notation-core-go's VerifyAuthenticity). */
export function chainsToTrusted(chain: readonly ParsedCertificate[], trusted: readonly X509Certificate[]): boolean {
    return chain.some((c) => trusted.some((t) => t.raw.equals(c.node.raw)));
}

/**
 * Why a chain that trusts none of `trusted` may look as if it should: a certificate of the chain with
 * the same subject as a trusted one but another key (an impostor root, or a rotated CA). Undefined otherwise.
 */
export function impostorOf(chain: readonly ParsedCertificate[], trusted: readonly X509Certificate[]): string | undefined {
    for (const c of chain) {
        const same = trusted.find((t) => t.subject === c.node.subject);
        if (same && !same.publicKey.equals(c.node.publicKey)) {
            return `${subjectText(c)} in the chain has the name of a trusted certificate (${same.subject.split("\n").join(", ")}, fingerprint ${same.fingerprint256}) but a different key (fingerprint ${c.node.fingerprint256}): it is not that certificate`;
        }
    }
    return undefined;
}

/** Certificates that name CRL distribution points or an OCSP responder, whose revocation status this verifier cannot determine. */
export function revocationEndpoints(chain: readonly ParsedCertificate[]): string[] {
    return chain.filter((c) => {
        if (extension(c, id_ce_cRLDistributionPoints) !== undefined) return true;
        const aia = extension(c, id_pe_authorityInfoAccess);
        return aia !== undefined && [...AsnConvert.parse(aia.value, AuthorityInfoAccessSyntax)].some((d) => d.accessMethod === id_ad_ocsp);
    }).map(subjectText);
}
