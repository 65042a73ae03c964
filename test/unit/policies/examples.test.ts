/**
 * Every policy's example suites (gatekeeper-library style, test/support/policy-examples.ts): each
 * allowed case makes no violation (or the policy does not apply to it); each disallowed case makes
 * exactly the number of violations it states, one of them with the stated text. New policies are picked up from the catalog; a policy without suites fails.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { catalog } from "../../../policies/catalog";
import { loadSuite, runCase } from "../../support/policy-examples";

const policies = catalog as unknown as (ResourceValidationPolicy | StackValidationPolicy)[];

describe.each(policies.map((p) => [p.name, p] as const))("%s examples", (_name, policy) => {
    const suite = loadSuite(policy);

    it.each(suite.allowed.map((c) => [c.name, c] as const))("allowed: %s", async (_n, c) => {
        const r = await runCase(policy, c);
        expect(r.diagnostics.map((d) => d.message)).toEqual([]);
    });

    it.each(suite.disallowed.map((c) => [c.name, c] as const))("disallowed: %s", async (_n, c) => {
        const r = await runCase(policy, c);
        const messages = r.diagnostics.map((d) => d.message);
        expect({ violations: messages.length, messages }).toEqual({ violations: c.violations, messages: expect.arrayContaining([expect.stringContaining(c.expect!)]) });
    });
});
