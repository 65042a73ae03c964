/**
 * The one place imagegate relies on @pulumi/policy and @pulumi/pulumi internals. None of these is a
 * public contract, so each is named here and checked by test/unit/policies/sdk-seam.test.ts, which
 * fails loudly when an SDK upgrade changes one:
 *
 * 1. The unknown-checking proxy answers `__getSpecialProxyTarget` with the raw object it wraps
 *    (proxy.js `getSpecialProxyTarget`): policies read raw properties and judge unknowns per image.
 * 2. `reportViolation` also takes a diagnostic object (server.js `makeReportViolationFun`), which is
 *    how one diagnostic carries its own enforcement level and URN.
 * 3. "Not applicable" is signalled by throwing the SDK's `NotApplicableError` (matched by name).
 * 4. The Analyzer service is registered with `grpc.Server.prototype.addService` of the @grpc/grpc-js
 *    copy @pulumi/policy loads, and `server.serve` is called through its module exports — so the
 *    pack can validate Configure requests (the SDK has no hook) and answer Analyze/AnalyzeStack on
 *    a faster path that keeps the SDK's semantics (below).
 *
 * The fast path. @pulumi/policy deserializes a resource's properties once per policy and signals "not
 * applicable" by exception, so a pack's cost grows with its number of policies whatever they do.
 * The seam's Analyze handler runs the same loop as server.js `makeAnalyzeRpcFun` — same enforcement
 * levels, same diagnostics, same not-applicable entries, in the same order — but deserializes once
 * per request, asks each policy whether the resource type can concern it before calling it, and lets
 * the pack's own policies answer "not applicable" without a throw. AnalyzeStack builds the resource
 * views once for all stack policies. `IMAGEGATE_SDK_FAST_PATH=0` falls back to the SDK's handlers
 * (`=1` says on stderr which path serves); test/integration/policies/analyzer-seam.test.ts asserts
 * that both answer every request identically.
 */
import * as path from "path";
import type { PolicyResource, ReportViolation } from "@pulumi/policy";

// ---------------------------------------------------------------------------------------------
// Loading the internals (lazily: components and the CLI import policy modules without serving)
// ---------------------------------------------------------------------------------------------

interface Internals {
    readonly version: string;
    readonly proxy: { unknownCheckingProxy(v: unknown): unknown; UnknownValueError: new (...a: never[]) => Error; getSpecialProxyTarget: string };
    readonly deserialize: { deserializeProperties(struct: unknown, proxySecrets: boolean): Record<string, unknown> };
    readonly protoutil: {
        makeAnalyzeResponse(ds: unknown[], notApplicable: unknown[] | undefined): unknown;
        asGrpcError(e: unknown, message?: string): unknown;
        convertEnforcementLevel(level: number): string;
    };
    readonly policy: { isResourcePolicy(p: unknown): boolean; isStackPolicy(p: unknown): boolean; getPulumiType(x: unknown): string | undefined };
    readonly server: { serve: (...args: unknown[]) => void };
    readonly analyzerPb: { PolicyNotApplicable: new () => { setPolicyName(n: string): void; setReason(r: string): void } };
    readonly grpc: { Server: { prototype: { addService: (service: unknown, impl: Record<string, unknown>) => void } }; status: Record<string, number> };
}

let loaded: Internals | undefined;

/** The SDK internals the seam uses, resolved from the @pulumi/policy copy the pack runs with. */
export function sdkInternals(): Internals {
    if (loaded) return loaded;
    const policyDir = path.dirname(require.resolve("@pulumi/policy"));
    const from = (m: string) => require(require.resolve(m, { paths: [policyDir] }));
    loaded = {
        version: require(path.join(policyDir, "package.json")).version,
        proxy: require(path.join(policyDir, "proxy")),
        deserialize: require(path.join(policyDir, "deserialize")),
        protoutil: require(path.join(policyDir, "protoutil")),
        policy: require(path.join(policyDir, "policy")),
        server: require(path.join(policyDir, "server")),
        analyzerPb: from("@pulumi/pulumi/proto/analyzer_pb"),
        grpc: from("@grpc/grpc-js"),
    };
    return loaded;
}

// ---------------------------------------------------------------------------------------------
// 1. Raw properties
// ---------------------------------------------------------------------------------------------

const PROXY_TARGET = "__getSpecialProxyTarget";

/**
 * The raw object behind the SDK's unknown-checking proxy (nested values read from it are plain), or
 * the value itself when it is not proxied. Raw reads keep the engine's unknown sentinels in place,
 * so the core can judge each image alone instead of the SDK aborting the whole policy.
 */
export function unwrapProxy<T>(value: T): T {
    if (value !== null && typeof value === "object") {
        try {
            const target = (value as unknown as Record<string, unknown>)[PROXY_TARGET];
            if (target !== undefined && target !== null && typeof target === "object") return target as T;
        } catch {
            // Not a proxy that knows the key.
        }
    }
    return value;
}

// ---------------------------------------------------------------------------------------------
// 2. Reporting
// ---------------------------------------------------------------------------------------------

/** One diagnostic as the pack reports it. */
export interface Diagnostic {
    readonly policyName: string;
    readonly description: string;
    /** The text after the description (the SDK shows `description\nmessage`). */
    readonly message: string;
    /** Report at advisory whatever the policy's level (unknowns at preview). */
    readonly advisory?: boolean;
    /** The resource a stack finding is about. */
    readonly urn?: string;
}

/** Reports through the SDK's object form of reportViolation. */
export function reportDiagnostic(reportViolation: ReportViolation | ((d: unknown) => void), d: Diagnostic): void {
    (reportViolation as unknown as (x: Record<string, unknown>) => void)({
        name: d.policyName,
        description: d.description,
        message: `${d.description}\n${d.message}`,
        ...(d.urn ? { urn: d.urn } : {}),
        ...(d.advisory ? { enforcementLevel: "advisory" } : {}),
    });
}

// ---------------------------------------------------------------------------------------------
// 3. Not applicable
// ---------------------------------------------------------------------------------------------

/** Marks the args the seam builds: their `notApplicable` records instead of throwing. */
const SEAM_ARGS = Symbol("imagegate.seamArgs");

interface NotApplicableArgs {
    notApplicable(reason?: string): never;
    [SEAM_ARGS]?: { reason?: string; called: boolean };
}

/**
 * Signals "not applicable". On the seam's fast path this records the reason and returns; on the
 * SDK's own path it throws the SDK's error — without capturing a stack trace, which the SDK never
 * reads and which was the largest share of the pack's own cost (bench/profile.ts). Callers return
 * right after calling it.
 */
export function notApplicable(args: object, reason: string): void {
    const a = args as NotApplicableArgs;
    const slot = a[SEAM_ARGS];
    if (slot) {
        slot.called = true;
        slot.reason = reason;
        return;
    }
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
        a.notApplicable(reason);
    } finally {
        Error.stackTraceLimit = limit;
    }
}

/** The SDK's NotApplicableError (a class of its own, not exported). */
export function isNotApplicable(e: unknown): boolean {
    return e instanceof Error && e.constructor.name === "NotApplicableError";
}

// ---------------------------------------------------------------------------------------------
// 4. Serving: Configure validation and the fast path
// ---------------------------------------------------------------------------------------------

/** What the seam needs of each policy of the pack (the SDK's policy object, plus an optional hint). */
export interface SeamPolicy {
    readonly name: string;
    readonly description?: string;
    readonly enforcementLevel?: string;
    readonly severity?: string;
    readonly validateResource?: unknown;
    readonly validateStack?: unknown;
    /**
     * A not-applicable reason when a resource of this type can never concern the policy, else
     * undefined. Lets the fast path skip the call; the policy itself says the same when called.
     */
    readonly notApplicableToType?: (type: string) => string | undefined;
    /** Validates a Configure request's properties; errors name the field. */
    readonly parseConfig?: (raw: Record<string, unknown>) => { ok: true } | { ok: false; errors: readonly string[] };
}

/** Stack tags before ConfigureStack (the SDK starts with an empty frozen map too). */
const EMPTY_TAGS: ReadonlyMap<string, string> = Object.freeze(new Map<string, string>());

interface PackInfo {
    readonly name: string;
    readonly version: string;
    readonly enforcementLevel: string;
}

type Callback = (err: unknown, value?: unknown) => void;
type Handler = (call: { request: unknown }, callback: Callback) => void;
type Config = Record<string, Record<string, unknown> & { enforcementLevel?: string }>;

export interface SeamOptions {
    /** false serves Analyze/AnalyzeStack with the SDK's own handlers (Configure is validated either way). */
    readonly fastPath?: boolean;
}

let installed = false;

/** The config the pack was last configured with (every policy, levels applied), once Configure succeeded. */
let configured: Config | undefined;

/**
 * Another policy's configured level and properties, for policies that judge a relationship with
 * it (a stack policy asking what trusted-registries trusts): one config, read by one owner, instead
 * of the same setting repeated in two entries. Undefined before Configure, or for a policy the
 * config does not name.
 */
export function configuredPolicy(name: string): { enforcementLevel: string; properties: Record<string, unknown> } | undefined {
    const c = configured?.[name];
    if (!c) return undefined;
    const { enforcementLevel, ...properties } = c;
    return { enforcementLevel: enforcementLevel ?? "advisory", properties };
}

/**
 * Records the config the pack is configured with. The seam calls it once the SDK accepted a
 * Configure request; a harness that runs policies without the server calls it the same way.
 */
export function recordConfigured(config: Record<string, { enforcementLevel: string; properties: Record<string, unknown> }>): void {
    configured = Object.fromEntries(Object.entries(config).map(([n, c]) => [n, { ...c.properties, enforcementLevel: c.enforcementLevel }]));
}

/**
 * Validation errors of a Configure request's config, one line per policy. Policies re-read their
 * config at every check as well, so a config that slips past this still fails closed.
 */
export function configErrors(policies: readonly SeamPolicy[], config: Iterable<[string, Record<string, unknown>]>): string[] {
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

/** Hooks the SDK's server before `new PolicyPack(...)` serves `policies`. */
export function installAnalyzerSeam(policies: readonly SeamPolicy[], options: SeamOptions = {}): void {
    if (installed) return;
    installed = true;
    const setting = process.env.IMAGEGATE_SDK_FAST_PATH;
    let sdk: Internals;
    try {
        sdk = sdkInternals();
    } catch (e) {
        // The SDK's policies still run (and re-read their config at every check); only the
        // Configure validation and the fast path are lost. stderr only: stdout carries the port.
        process.stderr.write(`imagegate: @pulumi/policy internals not found (${(e as Error).message}); serving with the SDK's own handlers\n`);
        return;
    }
    const fastPath = options.fastPath ?? setting !== "0";
    let pack: PackInfo | undefined;
    let config: Config = {};
    let tags: ReadonlyMap<string, string> = EMPTY_TAGS;

    const serve = sdk.server.serve;
    sdk.server.serve = function (name: unknown, version: unknown, enforcementLevel: unknown, ...rest: unknown[]) {
        pack = { name: String(name), version: String(version), enforcementLevel: String(enforcementLevel) };
        return serve.call(this, name, version, enforcementLevel, ...rest);
    };

    const addService = sdk.grpc.Server.prototype.addService;
    sdk.grpc.Server.prototype.addService = function (service: unknown, impl: Record<string, unknown>) {
        const configure = impl?.configure as Handler | undefined;
        if (typeof configure === "function") {
            impl = {
                ...impl,
                configure: (call: { request: unknown }, callback: Callback) => {
                    let entries: [string, Record<string, unknown>, string][];
                    let errors: string[];
                    try {
                        entries = configureEntries(call.request, sdk);
                        errors = configErrors(policies, entries.map(([n, props]) => [n, props]));
                    } catch (e) {
                        entries = [];
                        errors = [`config could not be read: ${(e as Error).message}`];
                    }
                    if (errors.length) {
                        callback({ code: sdk.grpc.status.INVALID_ARGUMENT, details: `invalid policy config: ${errors.join(" | ")}` });
                        return;
                    }
                    configure(call, (err, value) => {
                        // The same config the SDK stored (its module state is not reachable).
                        if (!err) configured = config = Object.fromEntries(entries.map(([n, props, level]) => [n, { ...props, enforcementLevel: level }]));
                        callback(err, value);
                    });
                },
            };
            const configureStack = impl.configureStack as Handler | undefined;
            if (typeof configureStack === "function") {
                impl.configureStack = (call: { request: unknown }, callback: Callback) =>
                    configureStack(call, (err, value) => {
                        if (!err) tags = stackTagsOf(call.request);
                        callback(err, value);
                    });
            }
            if (fastPath && pack) {
                const state = { pack, config: () => config, tags: () => tags };
                impl.analyze = analyzeHandler(state, policies, sdk);
                impl.analyzeStack = analyzeStackHandler(state, policies, sdk);
            }
            // IMAGEGATE_SDK_FAST_PATH=1 asks which path serves (tests, and a user debugging an SDK upgrade).
            if (setting === "1") {
                process.stderr.write(fastPath && pack ? `imagegate: Analyze fast path serving (@pulumi/policy ${sdk.version})\n` : `imagegate: Analyze fast path unavailable: server.serve was not called through its exports (@pulumi/policy ${sdk.version})\n`);
            }
        }
        return addService.call(this, service, impl);
    };
}

function stackTagsOf(request: unknown): ReadonlyMap<string, string> {
    const map = new Map<string, string>();
    (request as { getTagsMap(): { forEach(f: (v: string, k: string) => void): void } }).getTagsMap().forEach((v, k) => map.set(k, v));
    return Object.freeze(map);
}

function configureEntries(request: unknown, sdk: Internals): [string, Record<string, unknown>, string][] {
    const req = request as { getPolicyconfigMap(): { entries(): Iterable<[string, { getProperties(): { toJavaScript(): Record<string, unknown> } | undefined; getEnforcementlevel(): number }]> } };
    const out: [string, Record<string, unknown>, string][] = [];
    for (const [name, pc] of req.getPolicyconfigMap().entries()) {
        const props = { ...(pc.getProperties()?.toJavaScript() ?? {}) };
        delete props.enforcementLevel;
        out.push([name, props, sdk.protoutil.convertEnforcementLevel(pc.getEnforcementlevel())]);
    }
    return out;
}

// --- the fast path: server.js's loops, deserializing once ---------------------------------------

interface AnalyzerResourceProto {
    getType(): string;
    getProperties(): unknown;
    getUrn(): string;
    getName(): string;
    getOptions(): OptionsProto | undefined;
    getProvider(): { getType(): string; getProperties(): unknown; getUrn(): string; getName(): string } | undefined;
}
interface OptionsProto {
    getProtect(): boolean;
    getIgnorechangesList(): string[];
    getAliasesList(): string[];
    getCustomtimeouts(): { getCreate(): number; getUpdate(): number; getDelete(): number } | undefined;
    getAdditionalsecretoutputsList(): string[];
    getDeletebeforereplacedefined(): boolean;
    getDeletebeforereplace(): boolean;
    getParent(): string;
}

interface SdkDiagnostic {
    policyName: string;
    policyPackName: string;
    policyPackVersion: string;
    message: string;
    urn?: string;
    description?: string;
    enforcementLevel: string;
    severity?: string;
}

function levelOf(p: SeamPolicy, config: Config, pack: PackInfo): string {
    return config[p.name]?.enforcementLevel || p.enforcementLevel || pack.enforcementLevel;
}

function getConfigOf(config: Config, name: string): () => Record<string, unknown> {
    return () => {
        const c = config[name];
        if (!c) return {};
        const { enforcementLevel: _level, ...props } = c;
        return props;
    };
}

/** server.js makeReportViolationFun. */
function reporter(p: SeamPolicy, pack: PackInfo, level: string, ds: SdkDiagnostic[]) {
    return (message: unknown, urn?: string) => {
        if (typeof message === "object" && message !== null) {
            const info = message as Record<string, string | undefined>;
            ds.push({
                policyName: info.name || p.name,
                policyPackName: pack.name,
                policyPackVersion: pack.version,
                message: info.message || info.description || (p.description as string),
                urn: info.urn,
                description: info.description || p.description,
                enforcementLevel: info.enforcementLevel || level,
                severity: info.severity || p.severity,
            });
        } else {
            ds.push({
                policyName: p.name,
                policyPackName: pack.name,
                policyPackVersion: pack.version,
                message: message ? `${p.description}\n${message}` : (p.description as string),
                urn,
                description: p.description,
                enforcementLevel: level,
                severity: p.severity,
            });
        }
    };
}

function resourceOptions(r: AnalyzerResourceProto): Record<string, unknown> {
    const opts = r.getOptions();
    if (!opts) throw new Error("A more recent version of the Pulumi CLI is required. To upgrade, see https://www.pulumi.com/docs/get-started/install/");
    const t = opts.getCustomtimeouts();
    const result: Record<string, unknown> = {
        protect: opts.getProtect(),
        ignoreChanges: opts.getIgnorechangesList(),
        aliases: opts.getAliasesList(),
        customTimeouts: { createSeconds: t?.getCreate() ?? 0, updateSeconds: t?.getUpdate() ?? 0, deleteSeconds: t?.getDelete() ?? 0 },
        additionalSecretOutputs: opts.getAdditionalsecretoutputsList(),
    };
    if (opts.getDeletebeforereplacedefined()) result.deleteBeforeReplace = opts.getDeletebeforereplace();
    if (opts.getParent()) result.parent = opts.getParent();
    return result;
}

function providerOf(r: AnalyzerResourceProto, sdk: Internals): Record<string, unknown> | undefined {
    const prov = r.getProvider();
    if (!prov) return undefined;
    return { type: prov.getType(), props: sdk.proxy.unknownCheckingProxy(sdk.deserialize.deserializeProperties(prov.getProperties(), false)), urn: prov.getUrn(), name: prov.getName() };
}

/** The SDK's isType/asType need a resource class; the pack's policies match type tokens instead. */
function isTypeOf(type: string, resourceClass: unknown, sdk: Internals): boolean {
    const t = sdk.policy.getPulumiType(resourceClass);
    if (t) return type === t;
    const isInstance = (resourceClass as { isInstance?: (o: unknown) => boolean })?.isInstance;
    return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

function pushNotApplicable(sdk: Internals, list: unknown[] | undefined, policyName: string, reason: string | undefined): unknown[] {
    const out = list ?? [];
    const na = new sdk.analyzerPb.PolicyNotApplicable();
    na.setPolicyName(policyName);
    if (reason) na.setReason(reason);
    out.push(na);
    return out;
}

/** What the SDK's type fast check (`__pulumiType` on the validation function) or the policy's hint says. */
function typeNotApplicable(p: SeamPolicy, type: string, sdk: Internals): string | undefined {
    if (!Array.isArray(p.validateResource)) {
        const pulumiType = sdk.policy.getPulumiType(p.validateResource);
        if (pulumiType && type !== pulumiType) return `Policy only applies to resources of type '${pulumiType}'`;
    }
    return p.notApplicableToType?.(type);
}

function caught(e: unknown, p: SeamPolicy, pack: PackInfo, ds: SdkDiagnostic[], sdk: Internals, verb: string): string | undefined | false {
    const policyFrom = `policy '${p.name}' from policy pack '${pack.name}@v${pack.version}'`;
    if (e instanceof sdk.proxy.UnknownValueError) {
        const { validateResource: _v, validateStack: _s, name, notApplicableToType: _n, parseConfig: _c, ...diag } = p as SeamPolicy & Record<string, unknown>;
        ds.push({ ...(diag as object), policyName: name, policyPackName: pack.name, policyPackVersion: pack.version, message: `can't run ${policyFrom} during preview: ${(e as Error).message}`, enforcementLevel: "advisory" } as SdkDiagnostic);
        return false;
    }
    if (isNotApplicable(e)) return (e as { reason?: string }).reason;
    throw sdk.protoutil.asGrpcError(e, `Error ${verb} with ${policyFrom}`);
}

interface ServingState {
    readonly pack: PackInfo;
    config(): Config;
    tags(): ReadonlyMap<string, string>;
}

function analyzeHandler(state: ServingState, policies: readonly SeamPolicy[], sdk: Internals): Handler {
    return (call, callback) => {
        analyze(call.request as AnalyzerResourceProto, state, policies, sdk).then((r) => callback(undefined, r), (e) => callback(e, undefined));
    };
}

async function analyze(req: AnalyzerResourceProto, state: ServingState, policies: readonly SeamPolicy[], sdk: Internals): Promise<unknown> {
    const { pack } = state;
    const config = state.config();
    const type = req.getType();
    const ds: SdkDiagnostic[] = [];
    let na: unknown[] | undefined;
    let shared: Record<string, unknown> | undefined;
    for (const p of policies) {
        let level = levelOf(p, config, pack);
        if (level === "disabled" || !sdk.policy.isResourcePolicy(p)) continue;
        if (!p.validateResource) {
            na = pushNotApplicable(sdk, na, p.name, "Policy does not implement validateResource");
            continue;
        }
        if (level === "remediate") level = "mandatory";
        const skip = typeNotApplicable(p, type, sdk);
        if (skip !== undefined) {
            na = pushNotApplicable(sdk, na, p.name, skip);
            continue;
        }
        const report = reporter(p, pack, level, ds);
        const validations = (Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource]) as ((a: unknown, r: unknown) => unknown)[];
        for (const validation of validations) {
            if (!shared) {
                const props = sdk.proxy.unknownCheckingProxy(sdk.deserialize.deserializeProperties(req.getProperties(), false));
                const provider = providerOf(req, sdk);
                shared = {
                    type,
                    props,
                    urn: req.getUrn(),
                    name: req.getName(),
                    opts: resourceOptions(req),
                    stackTags: state.tags(),
                    isType: (c: unknown) => isTypeOf(type, c, sdk),
                    asType: (c: unknown) => (isTypeOf(type, c, sdk) ? props : undefined),
                    ...(provider ? { provider } : {}),
                };
            }
            const slot = { called: false, reason: undefined as string | undefined };
            const args = {
                ...shared,
                getConfig: getConfigOf(config, p.name),
                notApplicable: (reason?: string): never => {
                    throw new NotApplicable(reason);
                },
                [SEAM_ARGS]: slot,
            };
            try {
                await validation(args, report);
                if (slot.called) na = pushNotApplicable(sdk, na, p.name, slot.reason);
            } catch (e) {
                const reason = caught(e, p, pack, ds, sdk, "validating resource");
                if (reason !== false) na = pushNotApplicable(sdk, na, p.name, reason);
            }
        }
    }
    return sdk.protoutil.makeAnalyzeResponse(ds, na);
}

/** Thrown by a policy that calls `args.notApplicable` directly on the fast path (same name as the SDK's). */
class NotApplicable extends Error {
    readonly reason?: string;
    constructor(reason?: string) {
        super(reason ?? "Policy does not apply");
        this.reason = reason;
    }
}
Object.defineProperty(NotApplicable, "name", { value: "NotApplicableError" });


interface StackRequestProto {
    getResourcesList(): (AnalyzerResourceProto & { getParent(): string; getDependenciesList(): string[]; getPropertydependenciesMap(): { entries(): Iterable<[string, { getUrnsList(): string[] }]> } | undefined })[];
}

function analyzeStackHandler(state: ServingState, policies: readonly SeamPolicy[], sdk: Internals): Handler {
    return (call, callback) => {
        analyzeStack(call.request as StackRequestProto, state, policies, sdk).then((r) => callback(undefined, r), (e) => callback(e, undefined));
    };
}

/** server.js makeAnalyzeStackRpcFun, with the resource views built once for every stack policy. */
async function analyzeStack(req: StackRequestProto, state: ServingState, policies: readonly SeamPolicy[], sdk: Internals): Promise<unknown> {
    const { pack } = state;
    const config = state.config();
    const protos = req.getResourcesList();
    const ds: SdkDiagnostic[] = [];
    let na: unknown[] | undefined;
    let resources: PolicyResource[] | undefined;
    for (const p of policies) {
        let level = levelOf(p, config, pack);
        if (level === "disabled" || !sdk.policy.isStackPolicy(p)) continue;
        if (level === "remediate") level = "mandatory";
        const pulumiType = sdk.policy.getPulumiType(p.validateStack);
        if (pulumiType && !protos.some((r) => r.getType() === pulumiType)) {
            na = pushNotApplicable(sdk, na, p.name, `Policy only applies to resources of type '${pulumiType}'`);
            continue;
        }
        const report = reporter(p, pack, level, ds);
        const slot = { called: false, reason: undefined as string | undefined };
        try {
            resources ??= stackResources(protos, sdk);
            const args = {
                resources,
                getConfig: getConfigOf(config, p.name),
                stackTags: state.tags(),
                notApplicable: (reason?: string): never => {
                    throw new NotApplicable(reason);
                },
                [SEAM_ARGS]: slot,
            };
            await (p.validateStack as (a: unknown, r: unknown) => unknown)(args, report);
            if (slot.called) na = pushNotApplicable(sdk, na, p.name, slot.reason);
        } catch (e) {
            const reason = caught(e, p, pack, ds, sdk, "validating resource");
            if (reason !== false) na = pushNotApplicable(sdk, na, p.name, reason);
        }
    }
    return sdk.protoutil.makeAnalyzeResponse(ds, na);
}

function stackResources(protos: StackRequestProto["getResourcesList"] extends () => (infer R)[] ? R[] : never, sdk: Internals): PolicyResource[] {
    const intermediates = protos.map((r) => {
        const type = r.getType();
        const props = sdk.proxy.unknownCheckingProxy(sdk.deserialize.deserializeProperties(r.getProperties(), false));
        const provider = providerOf(r, sdk);
        const resource: Record<string, unknown> = {
            type,
            props,
            urn: r.getUrn(),
            name: r.getName(),
            opts: resourceOptions(r),
            dependencies: [],
            propertyDependencies: {},
            isType: (c: unknown) => isTypeOf(type, c, sdk),
            asType: (c: unknown) => (isTypeOf(type, c, sdk) ? props : undefined),
            ...(provider ? { provider } : {}),
        };
        const propertyDependencies: Record<string, string[]> = {};
        for (const [k, v] of r.getPropertydependenciesMap()?.entries() ?? []) propertyDependencies[k] = v.getUrnsList();
        return { resource, parent: r.getParent(), dependencies: r.getDependenciesList(), propertyDependencies };
    });
    const byUrn = new Map(intermediates.map((i) => [i.resource.urn as string, i.resource]));
    for (const i of intermediates) {
        if (i.parent) {
            const parent = byUrn.get(i.parent);
            if (parent) i.resource.parent = parent;
        }
        i.resource.dependencies = i.dependencies.map((d) => byUrn.get(d)).filter((d) => d);
        const pd: Record<string, unknown[]> = {};
        for (const [k, v] of Object.entries(i.propertyDependencies)) pd[k] = v.map((d) => byUrn.get(d)).filter((d) => d);
        i.resource.propertyDependencies = pd;
    }
    return intermediates.map((i) => i.resource as unknown as PolicyResource);
}
