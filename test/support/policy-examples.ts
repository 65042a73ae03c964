/**
 * Policy example suites, gatekeeper-library style: each policy folder's `examples/allowed.yaml` and
 * `examples/disallowed.yaml` list cases, and every disallowed case states how many violations it
 * makes (`violations: N`) and text one of them contains (`expect`). A resource case names `type` and
 * `props`; a stack case lists `resources` as AnalyzeStack sees them. `config` is the policy's own
 * config; `pack` configures other policies as the pack would be (a level, or an entry such as
 * `trusted-registries: { registries: [...] }`), which is what stack policies read through peers.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { runResourcePolicy, type Recorded } from "./run-policy";
import { runStackPolicy, type StackEntry } from "./hardening";
import { PACK_DIR } from "./paths";
import { recordConfigured } from "../../policies/lib/sdk";
import { reconcilePolicyConfig, type EnforcementLevel } from "../../core/config/policy-config";
import { catalog } from "../../policies/catalog";

type PackEntries = Record<string, string | Record<string, unknown>>;

interface CaseBase {
    readonly name: string;
    readonly config?: Record<string, unknown>;
    readonly pack?: PackEntries;
    /** Disallowed cases: the exact number of diagnostics, and text one of them contains. */
    readonly violations?: number;
    readonly expect?: string;
}
export interface ResourceCase extends CaseBase { readonly type: string; readonly props: Record<string, unknown> }
export interface StackCase extends CaseBase { readonly resources: StackEntry[] }
export type ExampleCase = ResourceCase | StackCase;

export interface ExampleSuite {
    readonly policy: string;
    readonly allowed: readonly ExampleCase[];
    readonly disallowed: readonly ExampleCase[];
}

type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;
const isStackPolicy = (p: AnyPolicy): p is StackValidationPolicy => "validateStack" in p;

/** Reads a suite and refuses a malformed one: a case a typo turned into a non-test must fail loudly. */
export function loadSuite(policy: AnyPolicy): ExampleSuite {
    const read = (file: string, disallowed: boolean): ExampleCase[] => {
        const f = path.join(PACK_DIR, policy.name, "examples", file);
        if (!fs.existsSync(f)) throw new Error(`${policy.name}: examples/${file} is missing`);
        const cases = parse(fs.readFileSync(f, "utf8")) as unknown;
        if (!Array.isArray(cases) || cases.length === 0) throw new Error(`${policy.name}: examples/${file} must be a non-empty list`);
        return cases.map((c: Record<string, unknown>, i) => {
            const where = `${policy.name}: examples/${file}[${i}]`;
            if (typeof c?.name !== "string") throw new Error(`${where}: no name`);
            const shape = isStackPolicy(policy) ? Array.isArray(c.resources) : typeof c.type === "string" && typeof c.props === "object";
            if (!shape) throw new Error(`${where} (${c.name}): ${isStackPolicy(policy) ? "a stack case needs resources" : "a resource case needs type and props"}`);
            if (disallowed && (!Number.isInteger(c.violations) || (c.violations as number) < 1)) throw new Error(`${where} (${c.name}): violations must be a whole number ≥ 1`);
            if (disallowed && typeof c.expect !== "string") throw new Error(`${where} (${c.name}): expect (text a violation contains) is required`);
            if (!disallowed && (c.violations !== undefined || c.expect !== undefined)) throw new Error(`${where} (${c.name}): an allowed case makes no violations`);
            return c as unknown as ExampleCase;
        });
    };
    return { policy: policy.name, allowed: read("allowed.yaml", false), disallowed: read("disallowed.yaml", true) };
}

/** Runs `f` with the pack configured from `entries` (reconciled as the CLI does), as the seam records it. */
export async function withPack<T>(entries: PackEntries | undefined, f: () => Promise<T>): Promise<T> {
    if (!entries) return f();
    recordConfigured(reconcilePolicyConfig({ name: "imagegate", version: "", policies: catalog.map((p) => ({ name: p.name, enforcementLevel: (p.enforcementLevel ?? "mandatory") as EnforcementLevel, configSchema: p.configSchema as never })) }, entries));
    try {
        return await f();
    } finally {
        recordConfigured({});
    }
}

export interface CaseResult {
    readonly diagnostics: readonly Recorded[];
    readonly notApplicable?: string;
}

export function runCase(policy: AnyPolicy, c: ExampleCase): Promise<CaseResult> {
    return withPack(c.pack, () =>
        isStackPolicy(policy)
            ? runStackPolicy(policy, (c as StackCase).resources, c.config ?? {})
            : runResourcePolicy(policy, (c as ResourceCase).type, (c as ResourceCase).props, c.config ?? {}));
}
