/**
 * TrustedImage: `registry/repository:tag` in, a reference pinned by digest out — resolved when the
 * program runs (preview and up), judged by the pack's own evidence and signature code, refused with
 * the reason when it does not pass. Re-running `pulumi up` after a rebuild resolves the new digest,
 * so workloads using `reference` roll to the patched image.
 */
import * as pulumi from "@pulumi/pulumi";
import { resolveTrustedImage, type TrustedImageRequest } from "../../core/gate/trusted-image";
import type { RegistryClientOptions } from "../../core/registry/types";

export const TRUSTED_IMAGE_TYPE = "imagegate:components:TrustedImage";

export interface TrustedImageArgs {
    /** Registry host (ACR login server), e.g. `contoso.azurecr.io`. */
    registry: pulumi.Input<string>;
    repository: string;
    /** The tag to resolve at each run. */
    tag?: string;
    /** Pin to this digest instead (still judged, and checked against the registry when it may be contacted). */
    digest?: string;
    /** trusted-registries' `registries` from the policy config. */
    trustedRegistries: readonly string[];
    /** The scanned-images entry of the policy config (reports, defender, attestations, registries, failOn, …). */
    evidence?: Readonly<Record<string, unknown>>;
    /** The signed-images entry of the policy config (notation, cosign, registries). */
    signatures?: Readonly<Record<string, unknown>>;
    /** Registries that may be contacted; default: those of `evidence` and `signatures`. */
    registries?: readonly unknown[];
    /** Where relative paths in evidence/signatures resolve: the policy pack directory for a shared config. */
    baseDir: string;
    /** "enforce" (default) fails the deployment when the image does not pass; "audit" warns and continues. */
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

        const result = pulumi.output(args.registry).apply(async (registry) => {
            const req: TrustedImageRequest = {
                registry,
                repository: args.repository,
                ...(args.tag ? { tag: args.tag } : {}),
                ...(args.digest ? { digest: args.digest } : {}),
                trustedRegistries: args.trustedRegistries,
                ...(args.evidence ? { evidence: args.evidence } : {}),
                ...(args.signatures ? { signatures: args.signatures } : {}),
                ...(args.registries ? { registries: args.registries } : {}),
                baseDir: args.baseDir,
                ...(args.clientOptions ? { clientOptions: args.clientOptions } : {}),
            };
            const r = await resolveTrustedImage(req);
            for (const note of r.notes) await pulumi.log.info(note, this);
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
