import { ConfigReader } from "../../core/config/reader";
import { read, sameText, show } from "../lib/properties";
import { CheckContext, CheckResult, expectValue, unreadable, violation } from "../lib/checks";
import { ResourcePolicyBaseConfig, resourcePolicy } from "../lib/resource-policy";
import { REGISTRY } from "../lib/azure-kinds";

export interface AcrUntaggedRetentionConfig extends ResourcePolicyBaseConfig {
    /** Workloads pull this registry's images by digest (require-digest enforced). */
    readonly digestPinned: boolean;
}

/**
 * ACR's retention policy deletes every manifest that has had no tag for N days. ACR's own docs warn
 * not to enable it where systems pull by manifest digest: a deployment pinned to a digest whose tag
 * has moved on loses its image, and the next pod reschedule or rollback cannot pull. require-digest
 * makes every deployment pull by digest, so with pinning (the default) the rule is the reverse of
 * Checkov's CKV_AZURE_167 and PSRule's Azure.ACR.Retention: retention must be off, and clean-up
 * goes through a lifecycle that spares the digests in use.
 */
function retention(ctx: CheckContext<unknown>, config: AcrUntaggedRetentionConfig): CheckResult[] {
    if (!config.digestPinned) {
        return expectValue(ctx, "policies.retentionPolicy.status", {
            accept: ["enabled"],
            azureDefault: "disabled",
            what: "the retention policy for untagged manifests",
            why: "(superseded images stay pullable by digest forever)",
            fix: "set policies.retentionPolicy to { status: \"enabled\", days: 7 } (0-365 days), since this registry's images are not pulled by digest",
        });
    }
    const r = read(ctx.props, "policies.retentionPolicy.status");
    const bad = unreadable(r, "the retention policy for untagged manifests");
    if (bad) return bad;
    if (r.state !== "value" || !sameText(r.value, "enabled")) return [];
    const days = read(ctx.props, "policies.retentionPolicy.days");
    const after = days.state === "value" ? ` after ${show(days.value)} days` : "";
    return [violation(r.path, `the retention policy deletes every untagged manifest${after}, and deployments pull by digest (require-digest): an image whose tag has moved on is deleted under the workloads pinned to it, so rescheduled pods and rollbacks cannot pull (ACR's docs warn against retention for systems that pull by digest)`, "set policies.retentionPolicy.status to \"disabled\"; keep a unique tag per build, lock the digests that are deployed (az acr repository update --delete-enabled false) and clean up with a scheduled acr purge task, which leaves locked manifests alone; without --untagged it removes only tags, so every digest stays pullable")];
}

export const acrUntaggedRetention = resourcePolicy<AcrUntaggedRetentionConfig>({
    name: "acr-untagged-retention",
    displayName: "ACR does not delete the untagged manifests that deployments pin",
    description: "Container registries whose images are deployed by digest must not delete untagged manifests automatically (ACR's retention policy), or a pinned image can disappear under running workloads; clean up with a lifecycle that spares the digests in use.",
    severity: "medium",
    remediationSteps: "Set `policies.retentionPolicy.status: \"disabled\"` (the default). Keep a unique tag per build, lock deployed digests with `az acr repository update --delete-enabled false`, and clean up with a scheduled `acr purge` ACR Task (locked manifests are skipped; without `--untagged` it deletes tags only). If images are not pulled by digest, set `digestPinned: false` and retention is required instead.",
    appliesTo: [REGISTRY],
    properties: {
        digestPinned: {
            type: "boolean",
            default: true,
            description: "Whether workloads pull this registry's images by digest, as require-digest (mandatory by default) demands. true: a retention policy for untagged manifests is refused, as ACR's docs advise for digest pulls. false: it is required (Checkov CKV_AZURE_167, PSRule Azure.ACR.Retention).",
        },
    },
    readConfig: (reader: ConfigReader, base) => ({ ...base, digestPinned: reader.boolean("digestPinned") }),
    checks: [{
        id: "untagged-retention",
        title: "policies.retentionPolicy.status is not enabled while images are pulled by digest (digestPinned, the default); enabled when they are not",
        evaluate: (ctx) => retention(ctx, ctx.config),
    }],
});
