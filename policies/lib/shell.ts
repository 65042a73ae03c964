/**
 * The one policy shell. Every imagegate policy — image, hardening resource, stack — is a check
 * wrapped here, and the shell owns what they all do alike: metadata turned into SDK fields, config
 * parsed once per distinct config, one wording for invalid config and for crashes, not-applicable
 * (without an exception where the seam allows), and any exception turned into a violation instead
 * of an aborted preview. Policies never touch the SDK; sdk.ts is the only module that does.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import type { ConfigResult, ConfigSchema } from "../../core/config/reader";
import type { EnforcementLevel } from "../../core/config/policy-config";
import { gateSettingsOf, type ImageGateSettings } from "../../core/gate/config";
import { policyFields, type PolicyMeta } from "./metadata";
import { packDir } from "./registries";
import { configuredPolicy, isNotApplicable, notApplicable, reportDiagnostic, unwrapProxy } from "./sdk";

export type { PolicyMeta } from "./metadata";

/** Reports one finding of the policy being run. */
export type Report = (message: string, options?: { readonly advisory?: boolean; readonly urn?: string }) => void;

/** What a check returns: nothing, or why the resource (or stack) does not concern the policy. */
export type CheckOutcome = void | { readonly notApplicable: string };

/** One resource as resource checks see it: raw inputs, unknown sentinels in place, secrets unwrapped. */
export interface ResourceInput {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly props: unknown;
}

/** The config half every policy declares. */
export interface PolicyConfigSpec<C> {
    readonly schema: ConfigSchema;
    readonly parseConfig: (raw: Record<string, unknown>) => ConfigResult<C>;
}

/** A parsed config and the canonical key of the raw config it came from (contexts are kept per key). */
export interface ParsedConfig<C> {
    readonly result: ConfigResult<C>;
    readonly key: string;
}

/**
 * Parses each distinct config once. On the seam's fast path the same raw object comes back for
 * every resource; on the SDK's own path a fresh copy does, so equal JSON is the second test.
 */
export function configCache<C>(parse: (raw: Record<string, unknown>) => ConfigResult<C>): (raw: Record<string, unknown>) => ParsedConfig<C> {
    let lastRaw: unknown;
    let last: ParsedConfig<C> | undefined;
    return (raw) => {
        if (last && raw === lastRaw) return last;
        const key = JSON.stringify(raw ?? {});
        if (!last || key !== last.key) last = { result: parse(raw ?? {}), key };
        lastRaw = raw;
        return last;
    };
}

/** The message for a config that does not parse: nothing the policy judges passes. */
export function invalidConfigMessage(policyName: string, subject: string, errors: readonly string[]): string {
    return `The policy config is invalid, so ${subject} cannot be judged: ${errors.join("; ")}. Fix the ${policyName} entry of the policy config.`;
}

/** The message for an exception inside a check: it must neither let anything through nor abort the preview. */
export function crashMessage(subject: string, e: unknown): string {
    return `The policy failed while judging ${subject}, so it is not allowed through: ${(e as Error)?.message ?? String(e)}`;
}

/** A policy of the pack: the SDK's policy object plus what the seam and Configure validation read. */
interface ShellFields<C> {
    readonly parseConfig: (raw: Record<string, unknown>) => ConfigResult<C>;
}

export type ShellResourcePolicy<C> = ResourceValidationPolicy & ShellFields<C> & {
    /** A not-applicable reason for resource types that can never concern the policy (the seam's fast skip). */
    readonly notApplicableToType?: (type: string) => string | undefined;
};

export type ShellStackPolicy<C> = StackValidationPolicy & ShellFields<C>;

export interface ResourceShellSpec<C> extends PolicyConfigSpec<C> {
    readonly meta: PolicyMeta;
    readonly baseTags: readonly string[];
    /** How messages name what the policy judges when it cannot ("this resource's images"). */
    readonly subject: string;
    readonly notApplicableToType?: (type: string) => string | undefined;
    readonly check: (resource: ResourceInput, config: C, report: Report, configKey: string) => CheckOutcome | Promise<CheckOutcome>;
}

type ResourceArgs = Parameters<NonNullable<Extract<ResourceValidationPolicy["validateResource"], Function>>>[0];
type StackArgs = Parameters<StackValidationPolicy["validateStack"]>[0];

function reporter(meta: PolicyMeta, reportViolation: unknown): Report {
    return (message, options = {}) =>
        reportDiagnostic(reportViolation as (d: unknown) => void, {
            policyName: meta.name,
            description: meta.description,
            message,
            ...(options.advisory ? { advisory: true } : {}),
            ...(options.urn ? { urn: options.urn } : {}),
        });
}

/**
 * Runs `run` and applies its outcome, synchronously when the check is synchronous (most resources
 * meet only synchronous checks, and a promise per call is measurable at thousands of resources).
 */
function settle(args: object, report: Report, subject: string, run: () => CheckOutcome | Promise<CheckOutcome>): void | Promise<void> {
    const done = (outcome: CheckOutcome): void => {
        if (outcome) notApplicable(args, outcome.notApplicable);
    };
    const failed = (e: unknown): void => {
        if (isNotApplicable(e)) throw e;
        report(crashMessage(subject, e));
    };
    let outcome: CheckOutcome | Promise<CheckOutcome>;
    try {
        outcome = run();
    } catch (e) {
        return failed(e);
    }
    if (outcome instanceof Promise) return outcome.then(done, failed);
    return done(outcome);
}

export function resourceShell<C>(spec: ResourceShellSpec<C>): ShellResourcePolicy<C> {
    const parsed = configCache(spec.parseConfig);
    const validateResource = (args: ResourceArgs, reportViolation: unknown): void | Promise<void> => {
        const skip = spec.notApplicableToType?.(args.type);
        if (skip !== undefined) return notApplicable(args, skip);
        const report = reporter(spec.meta, reportViolation);
        return settle(args, report, spec.subject, () => {
            const { result, key } = parsed(args.getConfig<Record<string, unknown>>());
            if (!result.ok) return report(invalidConfigMessage(spec.meta.name, spec.subject, result.errors));
            const resource: ResourceInput = { type: args.type, name: args.name, urn: args.urn, props: unwrapProxy(args.props) };
            return spec.check(resource, result.config, report, key);
        });
    };
    return {
        ...policyFields(spec.meta, spec.baseTags, spec.schema),
        validateResource: validateResource as ResourceValidationPolicy["validateResource"],
        parseConfig: spec.parseConfig,
        ...(spec.notApplicableToType ? { notApplicableToType: spec.notApplicableToType } : {}),
    };
}

/** One resource of the stack, as stack checks see it. */
export interface StackResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    /** Outputs (at preview: inputs, with unknowns for what is computed). */
    readonly props: unknown;
    readonly parentUrn?: string;
    readonly dependencies: readonly string[];
    /** Property name → URNs of the resources its value came from. */
    readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
    readonly providerUrn?: string;
}

interface SdkStackResource {
    type: string;
    name: string;
    urn: string;
    props: unknown;
    parent?: { urn: string };
    dependencies?: { urn: string }[];
    propertyDependencies?: Record<string, { urn: string }[]>;
    provider?: { urn: string };
}

/** The SDK's PolicyResource as a plain view (props unwrapped from the unknown-checking proxy). */
export function toStackResource(r: SdkStackResource): StackResource {
    const propertyDependencies: Record<string, string[]> = {};
    for (const [k, deps] of Object.entries(r.propertyDependencies ?? {})) propertyDependencies[k] = (deps ?? []).map((d) => d.urn);
    return {
        type: r.type,
        name: r.name,
        urn: r.urn,
        props: unwrapProxy(r.props),
        ...(r.parent ? { parentUrn: r.parent.urn } : {}),
        dependencies: (r.dependencies ?? []).map((d) => d.urn),
        propertyDependencies,
        ...(r.provider ? { providerUrn: r.provider.urn } : {}),
    };
}

/**
 * What a stack policy may know of the other policies' config: the same file the pack was configured
 * with, so a relationship (is this registry's scanning enforced? what does admission have to deny?)
 * is judged against the one setting the user wrote, never a copy of it in this policy's entry.
 * Undefined when the pack has not been configured through the seam.
 */
export interface Peers {
    level(policy: string): EnforcementLevel | undefined;
    /** The image gates' effective settings; undefined when unknown or when one of them is invalid (that gate reports it). */
    gates(): ImageGateSettings | undefined;
}

export const peers: Peers = {
    level: (policy) => configuredPolicy(policy)?.enforcementLevel as EnforcementLevel | undefined,
    gates: () => {
        const names = ["trusted-registries", "require-digest", "no-latest-tag", "scanned-images", "signed-images"];
        const configured = names.map((n) => [n, configuredPolicy(n)] as const);
        if (configured.some(([, c]) => c === undefined)) return undefined;
        try {
            return gateSettingsOf(Object.fromEntries(configured.map(([n, c]) => [n, { enforcementLevel: c!.enforcementLevel as EnforcementLevel, properties: c!.properties }])), { baseDir: packDir() });
        } catch {
            return undefined;
        }
    },
};

export interface StackShellSpec<C> extends PolicyConfigSpec<C> {
    readonly meta: PolicyMeta;
    readonly baseTags: readonly string[];
    readonly check: (resources: readonly StackResource[], config: C, report: Report, peers: Peers) => CheckOutcome | Promise<CheckOutcome>;
}

/** Stack views are built once per AnalyzeStack request, whichever stack policy asks first. */
const views = new WeakMap<object, readonly StackResource[]>();

export function stackShell<C>(spec: StackShellSpec<C>): ShellStackPolicy<C> {
    const parsed = configCache(spec.parseConfig);
    const subject = "the stack";
    const validateStack = (args: StackArgs, reportViolation: unknown): void | Promise<void> => {
        const report = reporter(spec.meta, reportViolation);
        return settle(args, report, subject, () => {
            const { result } = parsed(args.getConfig<Record<string, unknown>>());
            if (!result.ok) return report(invalidConfigMessage(spec.meta.name, subject, result.errors));
            let resources = views.get(args.resources);
            if (!resources) {
                resources = args.resources.map((r) => toStackResource(r as unknown as SdkStackResource));
                views.set(args.resources, resources);
            }
            return spec.check(resources, result.config, report, peers);
        });
    };
    return {
        ...policyFields(spec.meta, spec.baseTags, spec.schema),
        validateStack: validateStack as StackValidationPolicy["validateStack"],
        parseConfig: spec.parseConfig,
    };
}
