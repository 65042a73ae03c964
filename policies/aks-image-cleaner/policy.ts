import { ConfigReader } from "../../core/config/reader";
import { read, show } from "../lib/properties";
import { CheckResult, expectValue, unreadable, violation } from "../lib/checks";
import { ResourcePolicyBaseConfig, resourcePolicy } from "../lib/resource-policy";
import { MANAGED_CLUSTER } from "../lib/azure-kinds";

export interface AksImageCleanerConfig extends ResourcePolicyBaseConfig {
    readonly maxIntervalHours: number;
}

export const aksImageCleaner = resourcePolicy<AksImageCleanerConfig>({
    name: "aks-image-cleaner",
    displayName: "AKS removes stale images from nodes",
    description: "AKS clusters must run the image cleaner (Eraser), which removes unused images, and the vulnerabilities in them, from nodes.",
    severity: "medium",
    remediationSteps: "Set `securityProfile: { imageCleaner: { enabled: true, intervalHours: 24 } }`.",
    appliesTo: [MANAGED_CLUSTER],
    properties: {
        maxIntervalHours: {
            type: "integer",
            minimum: 24,
            maximum: 2160,
            default: 168,
            description: "The longest accepted cleaning interval, in hours (AKS accepts 24-2160). An unset interval is AKS's default.",
        },
    },
    readConfig: (reader: ConfigReader, base) => ({ ...base, maxIntervalHours: reader.integer("maxIntervalHours", 24, 2160) }),
    checks: [{
        id: "image-cleaner",
        title: "securityProfile.imageCleaner.enabled is true, intervalHours at most maxIntervalHours",
        evaluate: (ctx): CheckResult[] => {
            const enabled = expectValue(ctx, "securityProfile.imageCleaner.enabled", {
                accept: [true],
                azureDefault: false,
                what: "the image cleaner",
                fix: "set securityProfile.imageCleaner: { enabled: true, intervalHours: 24 }",
            });
            if (enabled.length) return enabled;
            const interval = read(ctx.props, "securityProfile.imageCleaner.intervalHours");
            const bad = unreadable(interval, "the image cleaner interval");
            if (bad) return bad;
            if (interval.state === "value" && (typeof interval.value !== "number" || interval.value > ctx.config.maxIntervalHours)) {
                return [violation(interval.path, `the cleaning interval is ${show(interval.value)} hours, longer than the accepted ${ctx.config.maxIntervalHours}`, `set securityProfile.imageCleaner.intervalHours to at most ${ctx.config.maxIntervalHours}`)];
            }
            return [];
        },
    }],
});
