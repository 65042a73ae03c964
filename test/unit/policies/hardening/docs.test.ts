/**
 * Every hardening policy's folder: examples (resource and stack) behave as documented, the README
 * documents every check, and the index page and coverage table name every policy. Runs the
 * examples here too, so they are checked even where the pack-wide examples test does not reach
 * (stack policies).
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { hardeningPolicies, hardeningResourcePolicies, hardeningStackPolicies } from "../../../../policies/hardening";
import { runResourcePolicy } from "../../../support/run-policy";
import { StackEntry, runStackPolicy } from "../../../support/hardening";
import { REPO_ROOT } from "../../../support/paths";
import { recordConfigured } from "../../../../policies/lib/sdk";
import { reconcilePolicyConfig, type EnforcementLevel } from "../../../../core/config/policy-config";
import { catalog } from "../../../../policies/catalog";

const ROOT = REPO_ROOT;
const dir = (name: string) => path.join(ROOT, "policies", name);

interface ResourceExample { name: string; type: string; props: Record<string, unknown>; config?: Record<string, unknown>; expect?: string }
interface StackExample { name: string; resources: StackEntry[]; config?: Record<string, unknown>; expect?: string     /** Other policies as the pack is configured: a level, or an entry (`trusted-registries: { registries: [...] }`). */
    pack?: Record<string, string | Record<string, unknown>>;
}

function load<T>(policy: string, file: string): T[] {
    const f = path.join(dir(policy), "examples", file);
    if (!fs.existsSync(f)) throw new Error(`${policy}: examples/${file} is missing`);
    return parse(fs.readFileSync(f, "utf8")) as T[];
}

describe.each(hardeningResourcePolicies.map((p) => [p.name, p] as const))("%s examples", (name, policy) => {
    const allowed = load<ResourceExample>(name, "allowed.yaml");
    const disallowed = load<ResourceExample>(name, "disallowed.yaml");
    it("has allowed and disallowed examples; each disallowed one names what it expects", () => {
        expect(allowed.length).toBeGreaterThan(0);
        expect(disallowed.length).toBeGreaterThan(0);
        for (const e of disallowed) expect(e.expect).toBeTruthy();
    });
    it.each(allowed.map((e) => [e.name, e] as const))("allowed: %s", async (_n, e) => {
        expect((await runResourcePolicy(policy as ResourceValidationPolicy, e.type, e.props, e.config ?? {})).diagnostics).toEqual([]);
    });
    it.each(disallowed.map((e) => [e.name, e] as const))("disallowed: %s", async (_n, e) => {
        const r = await runResourcePolicy(policy as ResourceValidationPolicy, e.type, e.props, e.config ?? {});
        expect(r.diagnostics.length).toBeGreaterThan(0);
        expect(r.diagnostics.every((d) => d.enforcementLevel === undefined)).toBe(true);
        expect(r.diagnostics.map((d) => d.message).join("\n")).toContain(e.expect!);
    });
});

/** Runs `f` with the pack configured from the example's entries (reconciled as the CLI does), as the seam records it. */
async function withPack<T>(entries: Record<string, string | Record<string, unknown>> | undefined, f: () => Promise<T>): Promise<T> {
    if (!entries) return f();
    recordConfigured(reconcilePolicyConfig({ name: "imagegate", version: "", policies: catalog.map((p) => ({ name: p.name, enforcementLevel: (p.enforcementLevel ?? "mandatory") as EnforcementLevel, configSchema: p.configSchema as never })) }, entries));
    try {
        return await f();
    } finally {
        recordConfigured({});
    }
}

describe.each(hardeningStackPolicies.map((p) => [p.name, p] as const))("%s examples", (name, policy) => {
    const allowed = load<StackExample>(name, "allowed.yaml");
    const disallowed = load<StackExample>(name, "disallowed.yaml");
    it("has allowed and disallowed examples", () => {
        expect(allowed.length).toBeGreaterThan(0);
        expect(disallowed.length).toBeGreaterThan(0);
    });
    it.each(allowed.map((e) => [e.name, e] as const))("allowed: %s", async (_n, e) => {
        const r = await withPack(e.pack, () => runStackPolicy(policy as StackValidationPolicy, e.resources, e.config ?? {}));
        expect(r.notApplicable).toBeUndefined();
        expect(r.diagnostics).toEqual([]);
    });
    it.each(disallowed.map((e) => [e.name, e] as const))("disallowed: %s", async (_n, e) => {
        const r = await withPack(e.pack, () => runStackPolicy(policy as StackValidationPolicy, e.resources, e.config ?? {}));
        expect(r.diagnostics.length).toBeGreaterThan(0);
        expect(r.diagnostics.map((d) => d.message).join("\n")).toContain(e.expect!);
    });
});

describe("documentation", () => {
    it("names are unique kebab-case, with the acr-/aks-/defender-/stack- prefixes", () => {
        const names = hardeningPolicies.map((p) => p.name);
        expect(new Set(names).size).toBe(names.length);
        for (const n of names) expect(n).toMatch(/^(acr|aks|defender|stack)-[a-z0-9]+(-[a-z0-9]+)*$/);
    });

    it.each(hardeningPolicies.map((p) => [p.name, p] as const))("%s README documents the policy, its checks and config", (name, policy) => {
        const readme = fs.readFileSync(path.join(dir(name), "README.md"), "utf8");
        expect(readme.startsWith(`# ${name}\n`)).toBe(true);
        for (const heading of ["## Config", "## Example violation", "## How to fix"]) expect(readme).toContain(heading);
        expect(readme).toContain("**Why.**");
        const checks = "hardeningChecks" in policy ? (policy as { hardeningChecks: { id: string }[] }).hardeningChecks : [];
        for (const c of checks) expect(readme).toContain(`\`${c.id}\``);
        for (const key of Object.keys(policy.configSchema?.properties ?? {})) expect(readme).toContain(`\`${key}\``);
    });

    it("the index page cites, for every policy, its Microsoft Learn source and the date it was checked", () => {
        const index = fs.readFileSync(path.join(ROOT, "docs", "policies", "hardening.md"), "utf8");
        const sources = index.split("## Sources and where imagegate differs")[1];
        expect(sources).toBeDefined();
        const rows = new Map(sources.split("\n").filter((l) => l.startsWith("| `")).map((l) => [/^\| `([a-z0-9-]+)`/.exec(l)![1], l]));
        expect([...rows.keys()].sort()).toEqual(hardeningPolicies.map((p) => p.name).sort());
        for (const [name, row] of rows) {
            const cells = row.split(" | ");
            expect(`${name}: ${/\(https:\/\/learn\.microsoft\.com\/azure\/[^)\s]+\)/.test(cells[1]) ? "cites Learn" : cells[1]}`).toBe(`${name}: cites Learn`);
            expect(`${name}: ${/^20\d\d-\d\d-\d\d( \(notes\))?$/.test(cells[4]) ? "dated" : cells[4]}`).toBe(`${name}: dated`);
        }
    });

    it("the index page and the coverage table name every policy", () => {
        const index = fs.readFileSync(path.join(ROOT, "docs", "policies", "hardening.md"), "utf8");
        const coverage = fs.readFileSync(path.join(ROOT, "docs", "coverage.md"), "utf8");
        for (const p of hardeningPolicies) {
            expect(index).toContain(`[\`${p.name}\`](../../policies/${p.name}/README.md)`);
            expect(coverage).toContain(`\`${p.name}\``);
        }
        // Every "`policy` (`check`, …)" reference in the coverage table names a real policy and its own checks.
        const byName = new Map(hardeningPolicies.map((p) => [p.name, p]));
        const refs = [...coverage.matchAll(/`((?:acr|aks|defender|stack)-[a-z0-9-]+)` \(([^)]*)\)/g)];
        expect(refs.length).toBeGreaterThan(40);
        for (const [, name, inner] of refs) {
            const p = byName.get(name);
            expect(p).toBeDefined();
            const ids = ((p as { hardeningChecks?: { id: string }[] }).hardeningChecks ?? []).map((c) => c.id);
            for (const [, id] of inner.matchAll(/`([a-z0-9-]+)`/g)) expect(`${name}: ${ids.includes(id) ? id : `unknown check ${id}`}`).toBe(`${name}: ${id}`);
        }
    });
});
