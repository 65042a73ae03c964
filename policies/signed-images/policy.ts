import { parseSignatureConfig } from "../../core/signature";
import { ConfigReader } from "../../core/config/reader";
import { ImagePolicyBaseConfig, imagePolicy } from "../lib/image-policy";
import { networkProperties, packDir, readNetworkConfig } from "../lib/registries";
import { createSignContext, judgeSignature, SignContext, SignedImagesConfig } from "./judge";

const SIGNATURE_KEYS = ["notation", "cosign", "maxSignatures", "maxBlobBytes", "maxManifestBytes"] as const;

function readConfig(reader: ConfigReader, base: ImagePolicyBaseConfig): SignedImagesConfig {
    const raw: Record<string, unknown> = {};
    for (const k of SIGNATURE_KEYS) {
        const v = reader.raw_(k);
        if (v !== undefined) raw[k] = v;
    }
    // Certificate and key paths are relative to the policy pack directory, like report paths.
    // Without trust material the config is still accepted (the pack is configured with every
    // policy's defaults, enabled or not); each image then fails saying what to configure.
    const configured = raw.notation !== undefined || raw.cosign !== undefined;
    const parsed = configured ? parseSignatureConfig(raw, { baseDir: packDir() }) : undefined;
    if (parsed && !parsed.ok) reader.errors.push(...parsed.errors);
    const network = readNetworkConfig(reader);
    return { ...base, ...network, ...(parsed?.ok ? { signature: parsed.config } : {}) };
}

export const signedImages = imagePolicy<SignedImagesConfig, SignContext>({
    name: "signed-images",
    displayName: "Images carry a trusted Notation or cosign signature",
    description: "Container images must carry a Notation or cosign signature of their exact digest that verifies against the configured trust stores, trust policies or keys.",
    severity: "high",
    // Off until configured: the gate needs evidence sources / trust material to mean anything, and
    // the pack is configured with every policy's defaults (an "all" level still turns it on).
    enforcementLevel: "disabled",
    remediationSteps: "Sign the image digest in CI with Notation (certificate in Azure Key Vault) or cosign, push the signature to the image's repository, and configure the matching trust store and trust policy (or cosign key). See docs/signed-images.md.",
    tags: ["signatures"],
    properties: {
        notation: {
            type: "object",
            description: "Notary Project trust stores and trust policies: { \"trustStores\": [{ \"name\", \"certificates\": [PEM text or file path] }], \"trustPolicies\": [{ \"name\", \"registryScopes\": [\"contoso.azurecr.io/app\" | \"*\"], \"trustStores\": [\"name\"], \"trustedIdentities\": [\"x509.subject: CN=…, O=…\"] | [\"*\"], \"level\": \"strict\" | \"permissive\" | \"audit\" }] }.",
        },
        cosign: {
            type: "object",
            description: "cosign key-based verification: { \"keys\": [PEM public key text or file path] } (ECDSA P-256 or RSA).",
        },
        maxSignatures: { type: "integer", minimum: 1, maximum: 1000, default: 16, description: "Signatures examined per image and format; more are reported, not fetched." },
        maxBlobBytes: { type: "integer", minimum: 1024, default: 262144, description: "Largest signature envelope or payload fetched." },
        maxManifestBytes: { type: "integer", minimum: 1024, default: 4194304, description: "Largest signature manifest or referrers index fetched." },
        ...networkProperties,
    },
    readConfig,
    lookup: {
        createContext: createSignContext,
        judge: judgeSignature,
        concurrency: (c) => c.concurrency,
    },
});
