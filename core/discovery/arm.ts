/**
 * ARM templates inside Azure resources (`resources:Deployment*`, deployment stacks, template specs,
 * nested `Microsoft.Resources/deployments`): the template's `resources` (an array, or an object of
 * symbolic names in `languageVersion: "2.0"`, as Bicep compiles) are walked like any resource, and
 * ARM expressions are evaluated where that can be done before deployment: `parameters('x')`
 * (deployment value, else default), `variables('x')`, string literals, `concat`, `format`,
 * `toLower`, `toUpper`. Anything else (`reference()`, `resourceGroup()`, property access, copy
 * indexes, Key Vault references, linked parameter files) is reported as not known before deployment.
 */
import { isObj, type Obj } from "./fields";
import { isUnknown, UNKNOWN_STRING } from "../unknown";
import { fail as failWith, succeed, type Result } from "../result";

/** An ARM expression's value, or why it cannot be known before deployment. */
export type Evaluated = Result<unknown, "not-evaluable">;

const ok = (value: unknown): Evaluated => succeed(value);
const fail = (why: string): Evaluated => failWith("not-evaluable", why);

/** Resolution chains (a default naming a variable naming a parameter …) end here; a cycle cannot loop. */
const MAX_RESOLUTION_DEPTH = 16;
/** Longer expressions are not parsed (ARM's own limit on a template is 4 MB; no image needs this). */
const MAX_EXPRESSION_LENGTH = 4096;

/** `[expr]` is an expression; `[[…` is the escape for a literal string starting with `[`. */
export function isArmExpression(s: string): boolean {
    return s.length >= 2 && s.charCodeAt(0) === 91 /* [ */ && s.charCodeAt(s.length - 1) === 93 /* ] */ && s.charCodeAt(1) !== 91;
}

/** `[[x]` in a template is the literal string `[x]`. */
export function unescapeArmLiteral(s: string): string {
    return s.startsWith("[[") ? s.slice(1) : s;
}

/** A template as the walk meets it: an object with `resources` under `template`/`mainTemplate`, or with a template `$schema`. */
export function isArmTemplate(key: string, value: unknown): value is Obj {
    if (!isObj(value) || !("resources" in value)) return false;
    if (key === "template" || key === "mainTemplate") return true;
    return typeof value.$schema === "string" && /deploymentTemplate\.json/i.test(value.$schema);
}

/** The parameters and variables an expression in one template sees. */
export class ArmScope {
    private constructor(
        private readonly template: Obj,
        /** Deployment parameter values (`{ name: { value } | { reference } }`), when the template is deployed with some. */
        private readonly values: Obj | undefined,
        /** Parameters may come from a linked file (`parametersLink`), so a default is not necessarily what Azure uses. */
        private readonly linkedValues: boolean,
        /** The scope that evaluates parameter values of a nested `inner`-scope deployment. */
        private readonly outer: ArmScope | undefined,
    ) {}

    /**
     * The scope of `template`, met under `key` in `parent` (the object holding `template`,
     * `parameters`, `parametersLink`, `expressionEvaluationOptions`), inside `enclosing` when nested.
     */
    static of(template: Obj, key: string, parent: Obj, enclosing: ArmScope | undefined): ArmScope {
        if (key !== "template") return new ArmScope(template, undefined, false, undefined);
        const options = parent.expressionEvaluationOptions;
        const inner = isObj(options) && typeof options.scope === "string" && options.scope.toLowerCase() === "inner";
        // A nested template in the default `outer` scope sees the enclosing template's parameters and variables.
        if (enclosing && !inner) return enclosing;
        return new ArmScope(template, isObj(parent.parameters) ? parent.parameters : undefined, parent.parametersLink !== undefined, enclosing);
    }

    evaluate(expression: string, depth = 0): Evaluated {
        if (depth > MAX_RESOLUTION_DEPTH) return fail("it refers to itself or nests too deeply");
        if (expression.length > MAX_EXPRESSION_LENGTH) return fail(`it is longer than ${MAX_EXPRESSION_LENGTH} characters`);
        const parser = new Parser(expression.slice(1, -1));
        try {
            const node = parser.expression();
            parser.end();
            return this.run(node, depth);
        } catch (e) {
            return fail((e as Error).message);
        }
    }

    /** A value as the template would see it: expressions evaluated, literals as they are. */
    resolve(value: unknown, depth: number): Evaluated {
        return typeof value === "string" && isArmExpression(value) ? this.evaluate(value, depth + 1) : ok(value);
    }

    private parameter(name: string, depth: number): Evaluated {
        const given = lookup(this.values, name);
        if (given !== undefined) {
            if (isUnknown(given)) return ok(UNKNOWN_STRING);
            if (isObj(given) && "reference" in given) return fail(`parameter '${name}' is a Key Vault reference`);
            if (isObj(given) && "value" in given) return this.outer ? this.outer.resolve(given.value, depth) : ok(given.value);
        }
        if (this.linkedValues) return fail(`parameter '${name}' may be set by the linked parameters file (parametersLink)`);
        const declared = lookup(isObj(this.template.parameters) ? this.template.parameters : undefined, name);
        if (isObj(declared) && "defaultValue" in declared) return this.resolve(declared.defaultValue, depth);
        return fail(`parameter '${name}' has no value in the deployment and no default`);
    }

    private variable(name: string, depth: number): Evaluated {
        const vars = isObj(this.template.variables) ? this.template.variables : undefined;
        const v = lookup(vars, name);
        if (v === undefined) return fail(`variable '${name}' is not defined`);
        return this.resolve(v, depth);
    }

    private run(node: Node, depth: number): Evaluated {
        if (node.kind === "literal") return ok(node.value);
        const args: unknown[] = [];
        for (const a of node.args) {
            const r = this.run(a, depth);
            if (!r.ok) return r;
            args.push(r.value);
        }
        if (args.some(isUnknown)) return ok(UNKNOWN_STRING);
        switch (node.name.toLowerCase()) {
            case "parameters":
            case "variables": {
                if (args.length !== 1 || typeof args[0] !== "string") return fail(`${node.name}() takes one name`);
                return node.name.toLowerCase() === "parameters" ? this.parameter(args[0], depth) : this.variable(args[0], depth);
            }
            case "concat":
                if (args.every((a) => typeof a === "string" || typeof a === "number")) return ok(args.join(""));
                if (args.every(Array.isArray)) return ok((args as unknown[][]).flat());
                return fail("concat() of values that are not all strings or all arrays");
            case "format":
                return format(args);
            case "tolower":
            case "toupper":
                if (args.length !== 1 || typeof args[0] !== "string") return fail(`${node.name}() takes one string`);
                return ok(node.name.toLowerCase() === "tolower" ? args[0].toLowerCase() : args[0].toUpperCase());
            default:
                return fail(`${node.name}() is evaluated by Azure at deployment`);
        }
    }
}

/** ARM parameter and variable names are case-insensitive. */
function lookup(obj: Obj | undefined, name: string): unknown {
    if (!obj) return undefined;
    if (Object.prototype.hasOwnProperty.call(obj, name)) return obj[name];
    const lower = name.toLowerCase();
    for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
    return undefined;
}

function format(args: unknown[]): Evaluated {
    const [fmt, ...rest] = args;
    if (typeof fmt !== "string") return fail("format() needs a format string");
    let bad: string | undefined;
    const out = fmt.replace(/\{\{|\}\}|\{(\d+)(?::[^}]*)?\}/g, (m, i: string | undefined) => {
        if (m === "{{") return "{";
        if (m === "}}") return "}";
        if (m.includes(":")) bad = "format() with a format specifier";
        const v = rest[Number(i)];
        if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") bad ??= `format() argument ${i} is not a string`;
        return String(v);
    });
    return bad ? fail(bad) : ok(out);
}

type Node = { kind: "literal"; value: string | number } | { kind: "call"; name: string; args: Node[] };

/** The part of ARM's expression grammar the evaluator needs: literals and function calls, nothing after them. */
class Parser {
    private i = 0;
    constructor(private readonly s: string) {}

    expression(): Node {
        this.space();
        const c = this.s[this.i];
        if (c === "'") return { kind: "literal", value: this.string() };
        if (c !== undefined && /[-0-9]/.test(c)) return { kind: "literal", value: this.number() };
        const name = this.identifier();
        this.space();
        this.expect("(");
        const args: Node[] = [];
        this.space();
        if (this.s[this.i] !== ")") {
            for (;;) {
                args.push(this.expression());
                this.space();
                if (this.s[this.i] === ",") {
                    this.i++;
                    continue;
                }
                break;
            }
        }
        this.expect(")");
        this.space();
        if (this.s[this.i] === "." || this.s[this.i] === "[") throw new Error("it reads a property or an index of a result, which Azure evaluates at deployment");
        return { kind: "call", name, args };
    }

    end(): void {
        this.space();
        if (this.i !== this.s.length) throw new Error(`unexpected "${this.s.slice(this.i, this.i + 20)}"`);
    }

    private string(): string {
        let out = "";
        this.i++;
        for (;;) {
            const j = this.s.indexOf("'", this.i);
            if (j === -1) throw new Error("unterminated string");
            out += this.s.slice(this.i, j);
            this.i = j + 1;
            if (this.s[this.i] !== "'") return out;
            out += "'";
            this.i++;
        }
    }

    private number(): number {
        const m = /^-?\d+/.exec(this.s.slice(this.i));
        if (!m) throw new Error("malformed number");
        this.i += m[0].length;
        return Number(m[0]);
    }

    private identifier(): string {
        const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(this.s.slice(this.i));
        if (!m) throw new Error(`unexpected "${this.s.slice(this.i, this.i + 20)}"`);
        this.i += m[0].length;
        return m[0];
    }

    private expect(c: string): void {
        if (this.s[this.i] !== c) throw new Error(`expected "${c}"`);
        this.i++;
    }

    private space(): void {
        while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
    }
}
