import { read } from "../lib/properties";
import { unreadable, violation } from "../lib/checks";
import { ResourcePolicyBaseConfig, resourcePolicy } from "../lib/resource-policy";
import { WEBHOOK } from "../lib/azure-kinds";

/**
 * A webhook's service URI often carries a token in its query string, and is usually a Pulumi secret:
 * messages name only its scheme, never the URI.
 */
export const acrWebhookHttps = resourcePolicy<ResourcePolicyBaseConfig>({
    name: "acr-webhook-https",
    displayName: "ACR webhooks call HTTPS endpoints",
    description: "Container registry webhooks must call HTTPS endpoints: their payloads name images and digests, and their URIs and headers often carry credentials.",
    severity: "medium",
    remediationSteps: "Point the webhook's `serviceUri` at an `https://` endpoint.",
    appliesTo: [WEBHOOK],
    checks: [{
        id: "https-service-uri",
        title: "serviceUri is an https:// URL",
        evaluate: (ctx) => {
            const r = read(ctx.props, "serviceUri");
            const bad = unreadable(r, "the webhook's service URI");
            if (bad) return bad;
            if (r.state === "absent") return [violation(r.path, "no service URI is set", "set serviceUri to an https:// endpoint")];
            if (r.state !== "value") return [];
            let scheme: string;
            try {
                scheme = new URL(String(r.value)).protocol.replace(/:$/, "");
            } catch {
                return [violation(r.path, "the service URI is not a valid absolute URL (its value is not shown: it may carry a credential)", "set serviceUri to an https:// endpoint")];
            }
            if (scheme.toLowerCase() === "https") return [];
            return [violation(r.path, `the service URI uses ${scheme}:// (the value is not shown: it may carry a credential), so payloads and any token in the URI or headers travel in clear text`, "set serviceUri to an https:// endpoint")];
        },
    }],
});
