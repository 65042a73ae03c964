/**
 * Rejects invalid policy config when the pack is configured, naming the policy and the field.
 *
 * @pulumi/policy stores whatever the Configure RPC sends; the Pulumi CLI has checked it against each
 * policy's JSON schema, but not its meaning (a trust entry that is not a registry, a date that is
 * not a date). The SDK offers no hook, so the Analyzer service's `configure` handler is wrapped
 * where the SDK registers it with gRPC. Policies re-read their config at every check as well, so a
 * config that slips past this still fails closed.
 */
import * as path from "path";
import type { ConfigResult } from "./config";

export interface ConfigCheckedPolicy {
    readonly name: string;
    readonly parseConfig?: (raw: Record<string, unknown>) => ConfigResult<unknown>;
}

interface PolicyConfigProto {
    getProperties(): { toJavaScript(): Record<string, unknown> } | undefined;
}
interface ConfigureCall {
    request: { getPolicyconfigMap(): { entries(): Iterable<[string, PolicyConfigProto]> } };
}
type Callback = (err: unknown, value?: unknown) => void;
type Handler = (call: ConfigureCall, callback: Callback) => void;

/** Validation errors of a Configure request's config, one line per policy. */
export function configErrors(policies: readonly ConfigCheckedPolicy[], config: Iterable<[string, Record<string, unknown>]>): string[] {
    const byName = new Map(policies.map((p) => [p.name, p]));
    const errors: string[] = [];
    for (const [name, props] of config) {
        const policy = byName.get(name);
        if (!policy?.parseConfig) continue;
        const result = policy.parseConfig(props);
        if (!result.ok) errors.push(`${name}: ${result.errors.join("; ")}`);
    }
    return errors;
}

export function installConfigureValidation(policies: readonly ConfigCheckedPolicy[]): void {
    // The same @grpc/grpc-js instance @pulumi/policy registers its service with.
    const policyDir = path.dirname(require.resolve("@pulumi/policy"));
    const grpc = require(require.resolve("@grpc/grpc-js", { paths: [policyDir] }));
    const addService = grpc.Server.prototype.addService;
    grpc.Server.prototype.addService = function (service: unknown, impl: Record<string, Handler>) {
        const configure = impl?.configure;
        if (typeof configure === "function") {
            impl = {
                ...impl,
                configure: (call: ConfigureCall, callback: Callback) => {
                    let errors: string[];
                    try {
                        const entries: [string, Record<string, unknown>][] = [];
                        for (const [name, pc] of call.request.getPolicyconfigMap().entries()) {
                            const props = { ...(pc.getProperties()?.toJavaScript() ?? {}) };
                            delete props.enforcementLevel;
                            entries.push([name, props]);
                        }
                        errors = configErrors(policies, entries);
                    } catch (e) {
                        errors = [`config could not be read: ${(e as Error).message}`];
                    }
                    if (errors.length) {
                        callback({ code: grpc.status.INVALID_ARGUMENT, details: `invalid policy config: ${errors.join(" | ")}` });
                        return;
                    }
                    configure(call, callback);
                },
            };
        }
        return addService.call(this, service, impl);
    };
}
