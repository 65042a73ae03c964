/**
 * Runs a Gatekeeper K8sNativeValidation ConstraintTemplate with a real CEL engine (@bufbuild/cel),
 * the way Gatekeeper does: `variables.anyObject` (the reviewed object) and `variables.params` (the
 * constraint's parameters), then the template's variables in order, then its validations.
 */
import { CelValue, celEnv, isCelError, isCelList, isCelMap, parse, plan } from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";
import { RE2JS } from "@bufbuild/re2";
import { Constraint, ConstraintTemplate } from "../../core/admission/gatekeeper-cel";

/** JSON → CEL input: objects become maps (CEL has no plain-object type). */
export function toCel(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(toCel);
    if (value !== null && typeof value === "object") return new Map(Object.entries(value).map(([k, v]) => [k, toCel(v)]));
    return value;
}

/** CEL value → JSON, for assertions. */
export function fromCel(value: unknown): unknown {
    if (isCelList(value)) return [...value].map(fromCel);
    if (isCelMap(value)) return Object.fromEntries([...value.entries()].map(([k, v]) => [String(k), fromCel(v)]));
    return value;
}

export interface Review {
    /** False when a validation evaluated to false. */
    readonly allowed: boolean;
    readonly messages: string[];
    /** Every computed variable, as JSON. */
    readonly variables: Record<string, unknown>;
}

type Program = (ctx: { variables: unknown }) => unknown;

/** Compiles a template once (regexes are compiled once per pattern, as Gatekeeper caches them). */
export function celReviewer(template: ConstraintTemplate): (object: unknown, constraint: Constraint) => Review {
    const cache = new Map<string, RE2JS>();
    const env = celEnv({
        funcs: strings,
        re2: {
            compile(pattern: string) {
                let re = cache.get(pattern);
                if (!re) {
                    re = RE2JS.compile(pattern);
                    cache.set(pattern, re);
                }
                return re;
            },
        },
    });
    const code = template.spec.targets[0].code.find((c) => c.engine === "K8sNativeValidation");
    if (!code) throw new Error("template has no K8sNativeValidation code");
    const compile = (expr: string): Program => plan(env, parse(expr)) as unknown as Program;
    const variables = code.source.variables.map((v) => ({ name: v.name, run: compile(v.expression) }));
    const validations = code.source.validations.map((v) => ({ run: compile(v.expression), message: compile(v.messageExpression) }));

    return (object, constraint) => {
        const vars = new Map<string, unknown>([
            ["anyObject", toCel(object)],
            ["params", toCel(constraint.spec.parameters)],
        ]);
        const evalOrThrow = (p: Program, what: string): CelValue => {
            const r = p({ variables: vars }) as CelValue;
            if (isCelError(r)) throw new Error(`CEL error in ${what}: ${r.message}`);
            return r;
        };
        for (const v of variables) vars.set(v.name, evalOrThrow(v.run, `variable ${v.name}`));
        const messages: string[] = [];
        for (const [i, v] of validations.entries()) {
            const ok = evalOrThrow(v.run, `validation ${i}`);
            if (ok !== true) messages.push(String(evalOrThrow(v.message, `messageExpression ${i}`)));
        }
        const json: Record<string, unknown> = {};
        for (const [k, v] of vars) if (k !== "anyObject" && k !== "params") json[k] = fromCel(v);
        return { allowed: messages.length === 0, messages, variables: json };
    };
}
