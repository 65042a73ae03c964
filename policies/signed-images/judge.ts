/**
 * The signed-images policy's side of the signature gate: its config type and per-config context.
 * The verdict itself is core/gate/signature.ts, shared with the TrustedImage component.
 */
import { judgeSignature as judgeSignatureCore, type SignContext } from "../../core/gate/signature";
import type { ImageReference } from "../../core/reference";
import type { SignedImagesConfig } from "../../core/gate/config";
import type { ImageJudgement } from "../lib/image-policy";
import { registryClientFor } from "../lib/registries";

export type { SignContext } from "../../core/gate/signature";

export type { SignedImagesConfig } from "../../core/gate/config";

export function createSignContext(config: SignedImagesConfig): SignContext {
    return { registry: registryClientFor(config), now: () => new Date() };
}

export async function judgeSignature(ref: ImageReference, ctx: SignContext, config: SignedImagesConfig): Promise<ImageJudgement> {
    const j = await judgeSignatureCore(ref, ctx, config.signature);
    return { ...(j.failure ? { failure: j.failure } : {}), ...(j.advisories ? { advisories: j.advisories } : {}) };
}
