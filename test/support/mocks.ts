/**
 * Runs Pulumi program code (usually one component) under Pulumi's own mocks
 * (`pulumi.runtime.setMocks`) and returns every resource it registered, components included.
 *
 * Each call installs a fresh mock monitor, runs `fn`, then waits for every outstanding resource
 * registration with `pulumi.runtime.disconnect()` (which drains the RPC queue) before returning, so
 * calls are independent of each other and can run one after another in the same jest file.
 */
import * as pulumi from "@pulumi/pulumi";

export interface RegisteredResource {
    type: string;
    name: string;
    /** Inputs as the provider would receive them, secrets unwrapped (see `secretPaths`). */
    inputs: Record<string, any>;
    /** Dotted paths (`a.b[0].c`) of inputs that were Pulumi secrets. */
    secretPaths: string[];
    /** false for component resources. */
    custom: boolean;
    /** The mock URN (`urn:pulumi:stack::project::parent$type::name`), when it is unambiguous. */
    urn?: string;
    /** Type token of the direct parent, from the URN; undefined for top-level resources. */
    parentType?: string;
    /**
     * What the mock monitor holds for it after the run, serialized as the engine would store it
     * (secrets in their envelope): a custom resource's state, a component's registered outputs.
     */
    outputs?: Record<string, unknown>;
    /** Its ID (custom resources). */
    id?: string;
}

export interface MockOptions {
    project?: string;
    stack?: string;
    /** Run as a preview (unknown outputs stay unknown). Default false. */
    preview?: boolean;
    /** Extra outputs (and id) a custom resource returns, merged over its inputs. */
    newResource?: (args: pulumi.runtime.MockResourceArgs) => { id?: string; state?: Record<string, unknown> } | undefined;
    /** Result of an invoke (function call); the default returns the call's inputs. */
    call?: (args: pulumi.runtime.MockCallArgs) => Record<string, unknown>;
    /** How long to wait for registrations to finish, default 20 s. */
    timeoutMs?: number;
}

// Wire signature of a secret value in deserialized properties (pulumi/sdk runtime/rpc.ts).
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

function unwrapSecrets(value: unknown, path: string, secrets: string[]): unknown {
    if (Array.isArray(value)) return value.map((v, i) => unwrapSecrets(v, `${path}[${i}]`, secrets));
    if (value !== null && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (obj[SIG_KEY] === SECRET_SIG) {
            secrets.push(path);
            return unwrapSecrets(obj.value, path, []);
        }
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(obj)) out[k] = unwrapSecrets(v, path ? `${path}.${k}` : k, secrets);
        return out;
    }
    return value;
}

interface MockMonitorLike {
    getRegisteredResources?: () => Map<string, { urn: string; id?: string | null; state?: unknown }>;
}

/** The monitor keeps registerResource state as JSON and registerResourceOutputs as a protobuf Struct. */
function plainState(state: unknown): Record<string, unknown> | undefined {
    if (state && typeof (state as { toJavaScript?: unknown }).toJavaScript === "function") return (state as { toJavaScript(): Record<string, unknown> }).toJavaScript();
    return state && typeof state === "object" ? state as Record<string, unknown> : undefined;
}

export async function runUnderMocks(fn: () => void | Promise<void>, opts: MockOptions = {}): Promise<RegisteredResource[]> {
    const recorded: RegisteredResource[] = [];
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                const secretPaths: string[] = [];
                const inputs = unwrapSecrets(args.inputs ?? {}, "", secretPaths) as Record<string, any>;
                recorded.push({ type: args.type, name: args.name, inputs, secretPaths, custom: args.custom !== false });
                const extra = opts.newResource?.(args);
                return { id: extra?.id ?? `${args.name}-id`, state: { ...args.inputs, ...(extra?.state ?? {}) } };
            },
            call(args) {
                return opts.call ? opts.call(args) : args.inputs;
            },
        },
        opts.project ?? "project",
        opts.stack ?? "stack",
        opts.preview ?? false,
    );
    const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitorLike;
    // A failed registration (e.g. an apply that throws) surfaces only as an unhandled rejection and
    // leaves the RPC queue undrained. Outside jest the first one becomes this call's error; jest
    // keeps unhandled rejections to itself (and fails the test with them), so there the timeout
    // ends the wait instead of a hang.
    let onRejection!: (reason: unknown) => void;
    const failed = new Promise<never>((_, reject) => {
        onRejection = (reason) => reject(reason instanceof Error ? reason : new Error(String(reason)));
    });
    process.on("unhandledRejection", onRejection);
    let timer: NodeJS.Timeout | undefined;
    const timeoutMs = opts.timeoutMs ?? 20000;
    const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`runUnderMocks: registrations did not finish within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
        await Promise.race([(async () => {
            await fn();
            await pulumi.runtime.disconnect();
        })(), failed, timedOut]);
    } finally {
        clearTimeout(timer);
        process.off("unhandledRejection", onRejection);
    }
    const registered = monitor.getRegisteredResources?.() ?? new Map();
    const urns = [...registered.keys()];
    for (const r of recorded) {
        const matches = urns.filter((urn) => {
            const parts = urn.split("::");
            return parts[3] === r.name && parts[2].split("$").pop() === r.type;
        });
        if (matches.length !== 1) continue;
        r.urn = matches[0];
        const held = registered.get(matches[0]);
        const outputs = plainState(held?.state);
        if (outputs) r.outputs = outputs;
        if (held?.id) r.id = held.id;
        const chain = matches[0].split("::")[2].split("$");
        if (chain.length > 1) r.parentType = chain[chain.length - 2];
    }
    return recorded;
}

/** The resources of one type; throws with the types present when there are none. */
export function ofType(resources: readonly RegisteredResource[], type: string): RegisteredResource[] {
    const found = resources.filter((r) => r.type === type);
    if (found.length === 0) throw new Error(`no ${type} registered; registered: ${resources.map((r) => r.type).join(", ")}`);
    return found;
}

/** A line Pulumi's log writes to the console when no engine is connected (as under mocks). */
const RUNTIME_LINE = /^(info|warning|error|debug): \[runtime\] /;

/**
 * Keeps what Pulumi's log writes under mocks (`warning: [runtime] …`), for the test to assert,
 * instead of letting it reach jest's console; any other console output still goes through. Stays
 * on to the end of the file: an apply may log after the run that started it has returned.
 */
export function capturePulumiLog(): string[] {
    const lines: string[] = [];
    for (const method of ["log", "info", "warn", "error", "debug"] as const) {
        const original = console[method].bind(console);
        jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
            const text = args.map(String).join(" ");
            if (RUNTIME_LINE.test(text)) lines.push(text);
            else original(...args);
        });
    }
    return lines;
}
