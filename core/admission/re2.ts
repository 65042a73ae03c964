/**
 * Compiles patterns with a real RE2 engine (@bufbuild/re2, a port of Go's regexp, which Azure
 * Policy's Gatekeeper (OPA re_match) and Kubernetes CEL matches() use), so a generated pattern that
 * RE2 would refuse is caught here, not in the cluster.
 */
import { fail, type Failed } from "../result";
import { RE2JS } from "@bufbuild/re2";

export type Re2Check = { ok: true; matcher: RE2JS } | Failed<"invalid-pattern">;

export function compileRe2(pattern: string): Re2Check {
    try {
        return { ok: true, matcher: RE2JS.compile(pattern) };
    } catch (e) {
        return fail("invalid-pattern", `not a valid RE2 pattern: ${e instanceof Error ? e.message : String(e)}`);
    }
}
