import { checkTrustedRegistry } from "../../core/rules";
import { TrustEntry, parseTrustEntries } from "../../core/trust";
import { ImagePolicyBaseConfig, imagePolicy } from "../lib/image-policy";

export interface TrustedRegistriesConfig extends ImagePolicyBaseConfig {
    readonly registries: readonly TrustEntry[];
}

export const trustedRegistries = imagePolicy<TrustedRegistriesConfig>({
    name: "trusted-registries",
    displayName: "Images come from trusted registries",
    description: "Container images must come from a trusted registry or repository.",
    severity: "critical",
    remediationSteps: "Push the image to one of the trusted registries (for example import it into your ACR with `az acr import`) and reference it there, or add its registry to the policy's `registries` if it should be trusted.",
    properties: {
        registries: {
            type: "array",
            items: { type: "string", minLength: 1 },
            default: [],
            description: "Trusted registries (\"contoso.azurecr.io\", a host matched exactly, port included) or repository prefixes (\"mcr.microsoft.com/oss/\": only repositories below it; \"docker.io/library/nginx\": that repository and below). Matched against normalized references on path-segment boundaries.",
        },
    },
    readConfig: (reader, base) => {
        const parsed = parseTrustEntries(reader.stringArray("registries"));
        reader.addItemErrors("registries", parsed.errors);
        return { ...base, registries: parsed.entries };
    },
    rule: (config) => (ref) => checkTrustedRegistry(ref, config.registries),
});
