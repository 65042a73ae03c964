/** A self-signed ECDSA P-256 CA certificate for loopback test servers (TLS, token signing). */
import { createPrivateKey, KeyObject, randomBytes, webcrypto } from "crypto";
// @peculiar/x509 (through tsyringe) needs the Reflect metadata polyfill loaded first.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

export interface SelfSigned {
    readonly certPem: string;
    readonly certDer: Buffer;
    readonly key: KeyObject;
    readonly keyPem: string;
}

export async function selfSignedCert(subject: string, options: { ipSan?: string } = {}): Promise<SelfSigned> {
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
    const keys = await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"]) as webcrypto.CryptoKeyPair;
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
        // A positive serial: a leading high bit would make the DER integer negative.
        serialNumber: randomBytes(8).toString("hex").replace(/^[89a-f]/, "1"),
        name: subject,
        notBefore: new Date(now - 3600_000),
        notAfter: new Date(now + 24 * 3600_000),
        keys,
        signingAlgorithm: alg,
        extensions: [
            new x509.BasicConstraintsExtension(true, undefined, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature, true),
            ...(options.ipSan ? [new x509.SubjectAlternativeNameExtension([{ type: "ip", value: options.ipSan }])] : []),
        ],
    });
    const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
    const key = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
    return { certPem: cert.toString("pem"), certDer: Buffer.from(cert.rawData), key, keyPem: key.export({ format: "pem", type: "pkcs8" }).toString() };
}
