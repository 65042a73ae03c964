/**
 * A typed client for a launched policy pack: the Analyzer RPCs with plain-object inputs and
 * outputs. One harness = one pack process; `close()` kills it.
 */
import { launchPack, type LaunchedPack, type LaunchOptions } from "./launch";
import { reconcilePolicyConfig, type PolicyConfigFile, type ReconciledConfig } from "./policy-config";
import { analyzerGrpc, analyzerPb, emptyPb, grpc, structPb } from "./proto";
import { fromStruct, toStruct } from "./properties";
import type {
    AnalyzeResource,
    AnalyzeResult,
    AnalyzerInfo,
    Diagnostic,
    EnforcementLevel,
    NotApplicable,
    PolicyInfo,
    RemediateResult,
    ResourceOptions,
    Severity,
    StackConfigureRequest,
    AnalyzeStackResource,
} from "./types";

type Pb = typeof analyzerPb;
const LEVELS: Record<number, EnforcementLevel> = { 0: "advisory", 1: "mandatory", 2: "disabled", 3: "remediate" };
const LEVEL_NUMBERS: Record<EnforcementLevel, number> = { advisory: 0, mandatory: 1, disabled: 2, remediate: 3 };
const SEVERITIES: Record<number, Severity> = { 0: "", 1: "low", 2: "medium", 3: "high", 4: "critical" };
const POLICY_TYPES: Record<number, PolicyInfo["policyType"]> = { 0: "unknown", 1: "resource", 2: "stack" };

export interface HarnessOptions extends LaunchOptions {
    /** Deadline of each RPC; default 120 s. */
    rpcTimeoutMs?: number;
}

export class AnalyzerHarness {
    private constructor(
        private readonly pack: LaunchedPack,
        private readonly client: InstanceType<typeof analyzerGrpc.AnalyzerClient>,
        private readonly rpcTimeoutMs: number,
        readonly packDir: string,
    ) {}

    static async launch(opts: HarnessOptions): Promise<AnalyzerHarness> {
        const pack = await launchPack(opts);
        const client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${pack.port}`, grpc.credentials.createInsecure(), {
            "grpc.max_receive_message_length": 400 * 1024 * 1024,
            "grpc.max_send_message_length": 400 * 1024 * 1024,
        });
        return new AnalyzerHarness(pack, client, opts.rpcTimeoutMs ?? 120_000, opts.packDir);
    }

    get pid(): number {
        return this.pack.child.pid!;
    }
    get port(): number {
        return this.pack.port;
    }
    get startMs(): number {
        return this.pack.startMs;
    }
    stderr(): string {
        return this.pack.stderr();
    }
    /** stdout lines the pack wrote after its port (each one breaks the protocol). */
    protocolErrors(): string[] {
        return this.pack.protocolErrors();
    }

    /** One unary RPC; `raw` sends `request` as already-encoded bytes to `raw.path`. */
    private call<Req, Res>(method: string, request: Req, raw?: { path: string; decode: (b: Buffer) => unknown }): Promise<Res> {
        const bad = this.protocolErrors();
        if (bad.length) {
            return Promise.reject(new Error(`policy pack wrote to stdout after its port (protocol error): ${JSON.stringify(bad[0].slice(0, 200))}`));
        }
        return new Promise<Res>((resolve, reject) => {
            const deadline = new Date(Date.now() + this.rpcTimeoutMs);
            const done = (err: Error | null, res?: Res) => {
                if (err) {
                    const details = (err as { details?: string }).details ?? err.message;
                    const e = new Error(`${method}: ${details}`) as Error & { code?: number };
                    e.code = (err as { code?: number }).code;
                    reject(e);
                } else resolve(res as Res);
            };
            if (raw) {
                this.client.makeUnaryRequest(raw.path, (b: Buffer) => b, raw.decode as (b: Buffer) => Res, request as Buffer, new grpc.Metadata(), { deadline }, done);
            } else {
                const fn = (this.client as unknown as Record<string, Function>)[method];
                fn.call(this.client, request, new grpc.Metadata(), { deadline }, done);
            }
        });
    }

    async getAnalyzerInfo(): Promise<AnalyzerInfo> {
        const info = await this.call<unknown, InstanceType<Pb["AnalyzerInfo"]>>("getAnalyzerInfo", new emptyPb.Empty());
        const initialConfig: AnalyzerInfo["initialConfig"] = {};
        for (const [name, pc] of info.getInitialconfigMap().entries()) {
            const props = fromStruct(pc.getProperties());
            delete props.enforcementLevel;
            initialConfig[name] = { enforcementLevel: LEVELS[pc.getEnforcementlevel()], properties: props };
        }
        return {
            name: info.getName(),
            displayName: info.getDisplayname(),
            version: info.getVersion(),
            description: info.getDescription(),
            supportsConfig: info.getSupportsconfig(),
            tags: info.getTagsList(),
            repository: info.getRepository(),
            initialConfig,
            policies: info.getPoliciesList().map((p) => {
                const schema = p.getConfigschema();
                return {
                    name: p.getName(),
                    displayName: p.getDisplayname(),
                    description: p.getDescription(),
                    message: p.getMessage(),
                    enforcementLevel: LEVELS[p.getEnforcementlevel()] ?? "advisory",
                    policyType: POLICY_TYPES[p.getPolicyType()] ?? "unknown",
                    severity: SEVERITIES[p.getSeverity()] ?? "",
                    configSchema: schema ? { properties: fromStruct(schema.getProperties()), required: schema.getRequiredList() } : undefined,
                    tags: p.getTagsList(),
                    remediationSteps: p.getRemediationSteps(),
                    url: p.getUrl(),
                };
            }),
        };
    }

    async getPluginInfo(): Promise<{ version: string }> {
        const res = await this.call<unknown, { getVersion(): string }>("getPluginInfo", new emptyPb.Empty());
        return { version: res.getVersion() };
    }

    async configureStack(req: StackConfigureRequest): Promise<void> {
        const r = new analyzerPb.AnalyzerStackConfigureRequest();
        r.setStack(req.stack).setProject(req.project).setOrganization(req.organization).setDryRun(req.dryRun);
        for (const [k, v] of Object.entries(req.config ?? {})) r.getConfigMap().set(k, v);
        for (const [k, v] of Object.entries(req.tags ?? {})) r.getTagsMap().set(k, v);
        r.setConfigSecretKeysList(req.configSecretKeys ?? []);
        await this.call("configureStack", r);
    }

    /** Sends a reconciled config (one entry per policy) as is. */
    async configure(config: ReconciledConfig): Promise<void> {
        const r = new analyzerPb.ConfigureAnalyzerRequest();
        for (const [name, c] of Object.entries(config)) {
            const pc = new analyzerPb.PolicyConfig();
            pc.setEnforcementlevel(LEVEL_NUMBERS[c.enforcementLevel] as never);
            pc.setProperties(toStruct(c.properties, `policy config of ${name}`));
            r.getPolicyconfigMap().set(name, pc);
        }
        await this.call("configure", r);
    }

    /** Reconciles a config file against the pack (as the CLI does), sends it, and returns it. */
    async configureFromFile(file: PolicyConfigFile = {}, info?: AnalyzerInfo): Promise<ReconciledConfig> {
        const config = reconcilePolicyConfig(info ?? (await this.getAnalyzerInfo()), file);
        await this.configure(config);
        return config;
    }

    async analyze(resource: AnalyzeResource): Promise<AnalyzeResult> {
        return toAnalyzeResult(await this.call("analyze", analyzeRequest(resource)));
    }

    /**
     * AnalyzeStack, encoded one resource at a time: the request is the concatenation of each
     * AnalyzerResource's own encoding as field 1 (a repeated message in protobuf's wire format), so
     * only the bytes are held, never a message tree of every resource at once.
     */
    async analyzeStack(resources: AnalyzeStackResource[]): Promise<AnalyzeResult> {
        const parts: Uint8Array[] = [];
        for (const res of resources) {
            const bytes = stackResource(res).serializeBinary();
            parts.push(lengthDelimited(1, bytes.length), bytes);
        }
        const request = Buffer.concat(parts);
        const def = analyzerGrpc.AnalyzerService.analyzeStack;
        return toAnalyzeResult(await this.call("analyzeStack", request, { path: def.path, decode: def.responseDeserialize }));
    }

    async remediate(resource: AnalyzeResource): Promise<RemediateResult> {
        const res = await this.call<unknown, InstanceType<Pb["RemediateResponse"]>>("remediate", analyzeRequest(resource));
        return {
            remediations: res.getRemediationsList().map((m) => ({
                policyName: m.getPolicyname(),
                policyPackName: m.getPolicypackname(),
                policyPackVersion: m.getPolicypackversion(),
                description: m.getDescription(),
                properties: m.getProperties() ? fromStruct(m.getProperties()) : undefined,
                diagnostic: m.getDiagnostic(),
            })),
            notApplicable: notApplicable(res.getNotApplicableList()),
        };
    }

    /** Kills the pack and closes the channel; resolves once the process has exited. */
    async close(): Promise<void> {
        this.client.close();
        if (this.pack.child.exitCode === null && this.pack.child.signalCode === null) {
            this.pack.child.kill("SIGTERM");
            const t = setTimeout(() => this.pack.child.kill("SIGKILL"), 3000);
            await this.pack.exited;
            clearTimeout(t);
        }
    }
}

function options(o: ResourceOptions = {}): InstanceType<Pb["AnalyzerResourceOptions"]> {
    const opts = new analyzerPb.AnalyzerResourceOptions();
    opts.setProtect(o.protect ?? false);
    opts.setIgnorechangesList(o.ignoreChanges ?? []);
    opts.setAliasesList(o.aliases ?? []);
    opts.setAdditionalsecretoutputsList(o.additionalSecretOutputs ?? []);
    if (o.deleteBeforeReplace !== undefined) opts.setDeletebeforereplace(o.deleteBeforeReplace).setDeletebeforereplacedefined(true);
    if (o.parent) opts.setParent(o.parent);
    // Always present: without options the SDK answers "A more recent version of the Pulumi CLI is required".
    opts.setCustomtimeouts(new analyzerPb.AnalyzerResourceOptions.CustomTimeouts());
    return opts;
}

function provider(p: AnalyzeResource["provider"]): InstanceType<Pb["AnalyzerProviderResource"]> | undefined {
    if (!p) return undefined;
    const r = new analyzerPb.AnalyzerProviderResource();
    r.setType(p.type).setName(p.name).setUrn(p.urn).setProperties(toStruct(p.properties, `provider ${p.urn}`));
    return r;
}

function analyzeRequest(res: AnalyzeResource): InstanceType<Pb["AnalyzeRequest"]> {
    const r = new analyzerPb.AnalyzeRequest();
    r.setType(res.type).setName(res.name).setUrn(res.urn);
    r.setProperties(toStruct(res.properties, `properties of ${res.urn}`));
    r.setOptions(options(res.options));
    const p = provider(res.provider);
    if (p) r.setProvider(p);
    return r;
}

function stackResource(res: AnalyzeStackResource): InstanceType<Pb["AnalyzerResource"]> {
    const r = new analyzerPb.AnalyzerResource();
    r.setType(res.type).setName(res.name).setUrn(res.urn);
    r.setProperties(toStruct(res.properties, `properties of ${res.urn}`));
    r.setOptions(options({ ...res.options, parent: res.parent ?? res.options?.parent }));
    const p = provider(res.provider);
    if (p) r.setProvider(p);
    if (res.parent) r.setParent(res.parent);
    r.setDependenciesList(res.dependencies ?? []);
    for (const [k, urns] of Object.entries(res.propertyDependencies ?? {})) {
        const deps = new analyzerPb.AnalyzerPropertyDependencies();
        deps.setUrnsList(urns);
        r.getPropertydependenciesMap().set(k, deps);
    }
    return r;
}

/** The tag and length of a length-delimited field (protobuf wire type 2), as varints. */
function lengthDelimited(field: number, length: number): Uint8Array {
    const out: number[] = [(field << 3) | 2];
    for (let n = length; ; n = Math.floor(n / 128)) {
        if (n < 128) {
            out.push(n);
            break;
        }
        out.push((n % 128) | 128);
    }
    return Uint8Array.from(out);
}

function notApplicable(list: { getPolicyName(): string; getReason(): string }[]): NotApplicable[] {
    return list.map((n) => ({ policyName: n.getPolicyName(), reason: n.getReason() }));
}

function toAnalyzeResult(res: unknown): AnalyzeResult {
    const r = res as InstanceType<Pb["AnalyzeResponse"]>;
    return {
        diagnostics: r.getDiagnosticsList().map(
            (d): Diagnostic => ({
                policyName: d.getPolicyname(),
                policyPackName: d.getPolicypackname(),
                policyPackVersion: d.getPolicypackversion(),
                description: d.getDescription(),
                message: d.getMessage(),
                enforcementLevel: LEVELS[d.getEnforcementlevel()] ?? "advisory",
                urn: d.getUrn(),
                severity: SEVERITIES[d.getSeverity()] ?? "",
            }),
        ),
        notApplicable: notApplicable(r.getNotApplicableList()),
    };
}

export { structPb };
