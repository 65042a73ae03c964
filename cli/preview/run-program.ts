/**
 * Runs a Pulumi TypeScript/JavaScript program in this process under Pulumi's own mocks and records
 * every resource registration as the engine would see it: the serialized inputs (unknown
 * sentinels, secret envelopes), parent, dependencies, and an engine-style URN.
 */
import * as fs from "fs";
import * as path from "path";
import { RESOURCE_REF_SIG, SIG_KEY, type PropertyValue } from "../harness/properties";
import type { AnalyzeStackResource } from "../harness/types";
import { mockCall, mockResource } from "./mock-outputs";
import { ProgramError, type ProgramProject } from "./program-config";

export interface ProgramResource extends AnalyzeStackResource {
    custom: boolean;
}

export interface ProgramRun {
    resources: ProgramResource[];
    stackUrn: string;
}

type Req = {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getDependenciesList(): string[];
    getPropertydependenciesMap(): { entries(): Iterable<[string, { getUrnsList(): string[] }]> };
    getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
    getProtect?(): boolean;
    /** An explicit provider: `<urn>::<id>` (empty for the default provider). */
    getProvider?(): string;
};
type Callback = (err: unknown, res?: { getUrn(): string }) => void;

const STACK_TYPE = "pulumi:pulumi:Stack";

/** The engine's URN: the parent's qualified type chain (the root stack excluded), then the type. */
export function engineUrn(stack: string, project: string, type: string, name: string, parentUrn?: string): string {
    let qualified = type;
    if (parentUrn) {
        const parentQualified = parentUrn.split("::")[2];
        if (parentQualified && parentQualified !== STACK_TYPE) qualified = `${parentQualified}$${type}`;
    }
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/** Resource references become the ID (custom) or URN (component) the engine would send. */
function engineView(v: unknown, urns: Map<string, string>): PropertyValue {
    if (Array.isArray(v)) return v.map((x) => engineView(x, urns));
    if (v !== null && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (o[SIG_KEY] === RESOURCE_REF_SIG) {
            if (typeof o.id === "string" && o.id) return o.id;
            return urns.get(String(o.urn)) ?? String(o.urn);
        }
        const out: Record<string, PropertyValue> = {};
        for (const [k, x] of Object.entries(o)) out[k] = engineView(x, urns);
        return out;
    }
    return v as PropertyValue;
}

/**
 * The explicit provider a resource was registered with, as the engine sends it to Analyze and
 * AnalyzeStack (stack policies tie Kubernetes resources to a cluster through it). Providers are
 * registered before the resources that use them, so the provider is already recorded.
 */
function providerOf(req: Req, byMockUrn: ReadonlyMap<string, string>, byUrn: ReadonlyMap<string, ProgramResource>): Pick<ProgramResource, "provider"> {
    const ref = req.getProvider?.() ?? "";
    const mockUrn = ref.includes("::") ? ref.slice(0, ref.lastIndexOf("::")) : "";
    const p = mockUrn ? byUrn.get(byMockUrn.get(mockUrn) ?? mockUrn) : undefined;
    return p ? { provider: { type: p.type, name: p.name, urn: p.urn, properties: p.properties } } : {};
}

function registerTsNode(dir: string): void {
    const tsconfig = path.join(dir, "tsconfig.json");
    // Same choice as Pulumi's nodejs host, but transpile-only: type errors are the compiler's job.
    require("ts-node").register({
        transpileOnly: true,
        project: fs.existsSync(tsconfig) ? tsconfig : undefined,
        skipProject: !fs.existsSync(tsconfig),
        compilerOptions: { module: "commonjs", target: "es2020", esModuleInterop: true },
    });
}

/**
 * Runs the program once. Call at most once per process: Pulumi's runtime state is global.
 * Anything the program prints goes to stderr, so stdout stays the report's.
 */
export async function runProgram(project: ProgramProject, opts: { timeoutMs?: number } = {}): Promise<ProgramRun> {
    const pulumi: typeof import("@pulumi/pulumi") = require(require.resolve("@pulumi/pulumi", { paths: [project.dir] }));
    pulumi.runtime.setAllConfig(project.config, []);
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => mockResource(args.type, args.name, (args.inputs ?? {}) as Record<string, unknown>),
            call: (args) => mockCall(args.token, (args.inputs ?? {}) as Record<string, unknown>),
        },
        project.project,
        project.stack,
        true,
    );

    const byMockUrn = new Map<string, string>(); // mock URN → engine URN
    const pending: { req: Req; mockUrn?: string }[] = [];
    const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: Req, cb: Callback): void };
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: Req, cb: Callback) => {
        const entry: { req: Req; mockUrn?: string } = { req };
        pending.push(entry);
        original(req, (err, res) => {
            if (!err && res) entry.mockUrn = res.getUrn();
            cb(err, res);
        });
    };

    let failure: unknown;
    const onRejection = (reason: unknown) => {
        failure ??= reason;
    };
    process.on("unhandledRejection", onRejection);
    const log = console.log;
    const info = console.info;
    console.log = console.info = (...a: unknown[]) => console.error(...a);
    let timer: NodeJS.Timeout | undefined;
    try {
        if (/\.tsx?$/.test(project.main)) registerTsNode(project.dir);
        const timeoutMs = opts.timeoutMs ?? 120_000;
        await Promise.race([
            (async () => {
                await pulumi.runtime.runInPulumiStack(async () => {
                    const mod = require(project.main);
                    // A program may export an async main function, as Pulumi allows.
                    const fn = mod?.default ?? mod;
                    return typeof fn === "function" ? await fn() : mod;
                });
                await pulumi.runtime.disconnect();
                // An Output that rejects while its dependant's inputs are serialized is reported as an
                // unhandled rejection after the microtasks of the drained RPC queue: one macrotask
                // turn lets it reach the listener below before the run is judged.
                await new Promise((r) => setImmediate(r));
            })(),
            new Promise<never>((_, reject) => {
                timer = setTimeout(() => reject(new Error(`resource registrations did not finish within ${timeoutMs} ms`)), timeoutMs);
            }),
        ]);
    } catch (e) {
        failure ??= e;
    } finally {
        clearTimeout(timer);
        console.log = log;
        console.info = info;
        process.off("unhandledRejection", onRejection);
    }
    if (failure) {
        // The error and where it came from; the loader frames below it say nothing to the user.
        const msg = failure instanceof Error ? (failure.stack ?? failure.message).split("\n").slice(0, 4).join("\n") : String(failure);
        throw new ProgramError(`program ${path.relative(process.cwd(), project.dir) || "."} (${path.basename(project.main)}) failed: ${msg}`);
    }

    const resources: ProgramResource[] = [];
    let stackUrn = "";
    const byUrn = new Map<string, ProgramResource>();
    for (const { req, mockUrn } of pending) {
        const mockParent = req.getParent();
        const parent = mockParent ? byMockUrn.get(mockParent) ?? mockParent : undefined;
        const urn = engineUrn(project.stack, project.project, req.getType(), req.getName(), parent);
        if (mockUrn) byMockUrn.set(mockUrn, urn);
        if (req.getType() === STACK_TYPE) stackUrn = urn;
        const propertyDependencies: Record<string, string[]> = {};
        for (const [k, v] of req.getPropertydependenciesMap().entries()) {
            propertyDependencies[k] = v.getUrnsList().map((u) => byMockUrn.get(u) ?? u);
        }
        resources.push({
            type: req.getType(),
            name: req.getName(),
            urn,
            custom: req.getCustom(),
            parent,
            dependencies: req.getDependenciesList().map((u) => byMockUrn.get(u) ?? u),
            propertyDependencies,
            options: { parent, protect: req.getProtect?.() ?? false },
            properties: engineView(req.getObject()?.toJavaScript() ?? {}, byMockUrn) as Record<string, unknown>,
            ...providerOf(req, byMockUrn, byUrn),
        });
        byUrn.set(urn, resources[resources.length - 1]);
    }
    return { resources, stackUrn };
}
