import { trustedRegistriesGate } from "../../core/gate/config";
import { checkTrustedRegistry } from "../../core/rules";
import { imagePolicy } from "../lib/image-policy";

export const trustedRegistries = imagePolicy({
    name: "trusted-registries",
    displayName: "Images come from trusted registries",
    description: "Container images must come from a trusted registry or repository.",
    severity: "critical",
    remediationSteps: "Push the image to one of the trusted registries (for example import it into your ACR with `az acr import`) and reference it there, or add its registry to the policy's `registries` if it should be trusted.",
    gate: trustedRegistriesGate,
    rule: (config) => (ref) => checkTrustedRegistry(ref, config.registries),
});
