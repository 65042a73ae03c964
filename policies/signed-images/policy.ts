import { signedImagesGate } from "../../core/gate/config";
import { imagePolicy } from "../lib/image-policy";
import { createSignContext, judgeSignature } from "./judge";

export const signedImages = imagePolicy({
    name: "signed-images",
    displayName: "Images carry a trusted Notation or cosign signature",
    description: "Container images must carry a Notation or cosign signature of their exact digest that verifies against the configured trust stores, trust policies or keys.",
    severity: "high",
    remediationSteps: "Sign the image digest in CI with Notation (certificate in Azure Key Vault) or cosign, push the signature to the image's repository, and configure the matching trust store and trust policy (or cosign key). See docs/signed-images.md.",
    tags: ["signatures"],
    gate: signedImagesGate,
    lookup: {
        createContext: createSignContext,
        judge: judgeSignature,
        concurrency: (c) => c.concurrency,
    },
});
