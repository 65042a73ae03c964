/**
 * RedeployWebhook: a registry webhook on `push` for one repository that calls a deployment trigger
 * (a CI pipeline, or Pulumi Deployments) so the application stack runs `pulumi up`, resolves the
 * new digest and redeploys it through the policy pack's gates.
 */
import * as pulumi from "@pulumi/pulumi";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import { ALPHANUMERIC_NAME, alphanumericName, checked, requireHttpsUrl } from "../shared/inputs";
import { requireRepository } from "../shared/repository";

import { REDEPLOY_WEBHOOK_TYPE } from "../../core/audit/component-types";

export { REDEPLOY_WEBHOOK_TYPE };

export interface RedeployWebhookArgs {
    registry: { name: pulumi.Input<string>; resourceGroupName: pulumi.Input<string>; location?: pulumi.Input<string> };
    /** Repository whose pushes trigger the redeploy, e.g. `team/app` (an ImageBuildTask's repository). */
    repository: string;
    /** Tag filter: `*` (default, every tag) or one tag. */
    tag?: string;
    /** HTTPS endpoint to call. Stored as a secret: trigger URLs often carry a token. */
    serviceUri: pulumi.Input<string>;
    /** e.g. { Authorization: pulumi.secret(`token ${pat}`) }; stored as secrets. */
    customHeaders?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Alphanumeric, 5–50 chars; derived from the component name when omitted. */
    webhookName?: string;
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class RedeployWebhook extends pulumi.ComponentResource {
    public readonly webhookId: pulumi.Output<string>;
    /** The webhook scope, `<repository>:<tag>`. */
    public readonly scope: string;

    constructor(name: string, args: RedeployWebhookArgs, opts?: pulumi.ComponentResourceOptions) {
        super(REDEPLOY_WEBHOOK_TYPE, name, {}, opts);
        if (!args || !args.registry || !args.registry.name || !args.registry.resourceGroupName) {
            throw new Error("RedeployWebhook: registry { name, resourceGroupName } is required");
        }
        const repository = requireRepository(args.repository, "RedeployWebhook: repository");
        const tag = args.tag ?? "*";
        if (tag !== "*" && !/^[\w][\w.-]{0,127}$/.test(tag)) throw new Error(`RedeployWebhook: tag must be "*" or a single tag, got ${JSON.stringify(tag)}`);
        if (args.serviceUri === undefined || args.serviceUri === "") throw new Error("RedeployWebhook: serviceUri (the https endpoint to call) is required");
        if (args.webhookName !== undefined && !ALPHANUMERIC_NAME.test(args.webhookName)) {
            throw new Error(`RedeployWebhook: webhookName "${args.webhookName}" must be 5–50 letters and digits`);
        }
        this.scope = `${repository}:${tag}`;

        const hook = new containerregistry.Webhook(name, {
            resourceGroupName: args.registry.resourceGroupName,
            registryName: args.registry.name,
            location: args.registry.location,
            webhookName: args.webhookName ?? alphanumericName(name, "redeploy"),
            actions: [containerregistry.WebhookAction.Push],
            scope: this.scope,
            status: containerregistry.WebhookStatus.Enabled,
            serviceUri: pulumi.secret(checked(args.serviceUri, (u) => requireHttpsUrl(u, "RedeployWebhook: serviceUri"))),
            ...(args.customHeaders ? { customHeaders: pulumi.secret(args.customHeaders) } : {}),
            tags: args.tags,
        }, { parent: this });
        this.webhookId = hook.id;
        this.registerOutputs({ webhookId: this.webhookId, scope: this.scope });
    }
}
