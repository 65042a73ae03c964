/**
 * TrustedImage: `registry/repository:tag` in, a reference pinned by digest out — resolved when the
 * program runs (preview and up) and judged with the pack's own image rules at the levels the shared
 * policy config gives them. What the pack would stop (a mandatory finding) is refused with the
 * reason; what it would only advise on is logged as a warning. Re-running `pulumi up` after a
 * rebuild resolves the new digest, so workloads using `reference` roll to the patched image.
 */
import * as pulumi from "@pulumi/pulumi";
import { resolveTrustedImage, type TrustedImageRequest } from "../../core/gate/trusted-image";
import type { RegistryClientOptions } from "../../core/registry/types";
import type { PolicySettings } from "./policy-config";

export const TRUSTED_IMAGE_TYPE = "imagegate:components:TrustedImage";

export interface TrustedImageArgs {
    /** Registry host (ACR login server), e.g. `contoso.azurecr.io`. */
    registry: pulumi.Input<string>;
    /** May come from another stack's outputs (a StackReference): resolved once it is known. */
    repository: pulumi.Input<string>;
    /** The tag to resolve at each run. */
    tag?: pulumi.Input<string>;
    /** Pin to this digest instead (still judged). */
    digest?: string;
    /** The policy config shared with the pack (`loadPolicySettings`). */
    policy: PolicySettings;
    /** Registries that may be contacted; default: those the policy config's gates list. */
    registries?: readonly unknown[];
    /** "enforce" (default) fails the deployment when the pack would stop the image; "audit" warns and continues. */
    mode?: "enforce" | "audit";
    /** Registry client tuning (timeouts, cache directory). */
    clientOptions?: RegistryClientOptions;
}

export class TrustedImage extends pulumi.ComponentResource {
    /** The pinned reference to deploy: `registry/repository:tag@sha256:…`. */
    public readonly reference: pulumi.Output<string>;
    public readonly digest: pulumi.Output<string>;

    constructor(name: string, args: TrustedImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super(TRUSTED_IMAGE_TYPE, name, {}, opts);
        const mode = args.mode ?? "enforce";
        if (mode !== "enforce" && mode !== "audit") throw new Error(`TrustedImage "${name}": mode must be "enforce" or "audit"`);
        if (!args.tag && !args.digest) throw new Error(`TrustedImage "${name}": give a tag to resolve or a digest to pin`);

        const result = pulumi.all([args.registry, args.repository, args.tag]).apply(async ([registry, repository, tag]) => {
            const req: TrustedImageRequest = {
                registry,
                repository,
                ...(tag ? { tag } : {}),
                ...(args.digest ? { digest: args.digest } : {}),
                gates: args.policy.gates,
                ...(args.registries ? { registries: args.registries } : {}),
                ...(args.clientOptions ? { clientOptions: args.clientOptions } : {}),
            };
            const r = await resolveTrustedImage(req);
            for (const note of r.notes) await pulumi.log.info(note, this);
            for (const advice of r.advisories) await pulumi.log.warn(`TrustedImage "${name}": ${r.reference}: ${advice}`, this);
            if (r.problems.length) {
                const text = `TrustedImage "${name}": ${r.reference} is not trusted for deployment: ${r.problems.join("; ")}`;
                if (mode === "enforce") throw new Error(text);
                await pulumi.log.warn(`${text} (mode audit: deploying anyway)`, this);
            }
            return r;
        });
        this.reference = result.apply((r) => r.reference);
        this.digest = result.apply((r) => r.digest);
        this.registerOutputs({ reference: this.reference, digest: this.digest });
    }
}
