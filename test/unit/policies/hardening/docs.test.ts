/**
 * Every hardening policy's folder: the README documents every check, and the index page and
 * coverage table name every policy. (Their example suites run with every other policy's in
 * test/unit/policies/examples.test.ts.)
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
