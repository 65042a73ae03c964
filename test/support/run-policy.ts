/**
 * Runs a resource policy's validateResource with args built as @pulumi/policy's server builds them:
 * props behind the SDK's own unknown-checking proxy, getConfig returning the policy's config, and
 * notApplicable throwing. Records every diagnostic, in the object form the SDK accepts.
 */
import { unknownCheckingProxy } from "@pulumi/policy";
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";

export interface Recorded {
    message: string;
    enforcementLevel?: string;
}

export async function runResourcePolicy(policy: ResourceValidationPolicy, type: string, props: Record<string, unknown>, config: Record<string, unknown> = {}, name = "res"): Promise<{ diagnostics: Recorded[]; notApplicable?: string }> {
    const diagnostics: Recorded[] = [];
    const report = (m: unknown) => {
        if (typeof m === "string") diagnostics.push({ message: m });
        else diagnostics.push(m as Recorded);
    };
    class NotApplicableError extends Error {}
    const args = {
        type,
        props: unknownCheckingProxy(props),
        urn: `urn:pulumi:dev::p::${type}::${name}`,
        name,
        opts: {},
        stackTags: new Map(),
        getConfig: () => config,
        notApplicable: (reason?: string) => {
            throw new NotApplicableError(reason);
        },
        isType: () => false,
        asType: () => undefined,
    } as unknown as ResourceValidationArgs;
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
    try {
        for (const v of validations) await v(args, report as never);
    } catch (e) {
        if (e instanceof NotApplicableError) return { diagnostics, notApplicable: e.message };
        throw e;
    }
    return { diagnostics };
}
