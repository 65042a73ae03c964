/**
 * Every policy folder's examples (gatekeeper-library style): each allowed example passes, each
 * disallowed one is reported with the expected text. New policies are picked up automatically.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { catalog } from "../../../policies/catalog";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { runResourcePolicy } from "../../support/run-policy";
import { PACK_DIR } from "../../support/paths";

interface Example { name: string; type: string; props: Record<string, unknown>; config?: Record<string, unknown>; expect?: string }

const policiesDir = PACK_DIR;
const withExamples = catalog.filter((p) => fs.existsSync(path.join(policiesDir, p.name, "examples")) && "validateResource" in p);

function load(policy: string, file: string): Example[] {
    const f = path.join(policiesDir, policy, "examples", file);
    return fs.existsSync(f) ? (parse(fs.readFileSync(f, "utf8")) as Example[]) : [];
}

describe.each(withExamples.map((p) => [p.name, p] as const))("%s examples", (name, policy) => {
    const allowed = load(name, "allowed.yaml");
    const disallowed = load(name, "disallowed.yaml");
    it("has allowed and disallowed examples", () => {
        expect(allowed.length).toBeGreaterThan(0);
        expect(disallowed.length).toBeGreaterThan(0);
    });
    it.each(allowed.map((e) => [e.name, e] as const))("allowed: %s", async (_n, e) => {
        const r = await runResourcePolicy(policy as ResourceValidationPolicy, e.type, e.props, e.config ?? {});
        expect(r.diagnostics).toEqual([]);
    });
    it.each(disallowed.map((e) => [e.name, e] as const))("disallowed: %s", async (_n, e) => {
        const r = await runResourcePolicy(policy as ResourceValidationPolicy, e.type, e.props, e.config ?? {});
        expect(r.diagnostics.length).toBeGreaterThan(0);
        if (e.expect) expect(r.diagnostics.map((d) => d.message).join("\n")).toContain(e.expect);
    });
});
