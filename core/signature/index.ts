/** Notation and cosign signature verification for the `signed-images` policy. */
export * from "./types";
export { parseSignatureConfig, DEFAULT_LIMITS, LEVELS } from "./config";
export type { SignatureConfig, NotationConfig, CosignConfig, CosignKey, TrustPolicy, TrustStore, SignatureLimits, VerificationLevel, SignatureConfigParse } from "./config";
export type { MaterialReader } from "./pem";
export { verifyImageSignatures, SourceError, contentMatches } from "./verify";
export type { SignatureSource, ImageToVerify, VerifyOptions, SourceErrorCode } from "./verify";
export { selectTrustPolicy, NOTARY_SIGNATURE_TYPE } from "./notation";
export { cosignSignatureTag, COSIGN_REFERRER_TYPE, SIMPLE_SIGNING_TYPE } from "./cosign";
