/**
 * What judging a cluster's admission needs and yields: the stack as a graph, a property reader
 * (injected, so the pack's one reader — case-insensitive keys, unknowns, keys set twice — is used),
 * the trust rule to compare with, and per candidate (an assignment, a constraint) the problems that
 * keep it from counting and the values not known yet.
 */
import { containsUnknown } from "../unknown";
import type { StackNode } from "../stack-graph";
import type { ManagementGroupMembers } from "./arm-scope";
import type { RegexLimits, TrustRule } from "./regex-judgement";

/** A property read: the shape of the pack's reader (policies/lib), which the core is handed. */
export type PropRead =
    | { readonly state: "value"; readonly value: unknown }
    | { readonly state: "absent" }
    | { readonly state: "unknown" }
    | { readonly state: "ambiguous"; readonly keys: readonly string[] };

/** Reads a dotted path, each segment matched case-insensitively (ARM property and parameter names are). */
export type PropReader = (root: unknown, path: string) => PropRead;

export interface AdmissionContext {
    readonly read: PropReader;
    readonly trust: TrustRule;
    readonly regexLimits: RegexLimits;
    /** Which subscriptions each management group contains, as the operator declared it. */
    readonly managementGroups: ManagementGroupMembers;
    /** Gatekeeper constraint kinds named when they do not count (their template is not the generated one). */
    readonly constraintKinds: readonly string[];
}

export interface StackView {
    readonly nodes: readonly StackNode[];
    readonly byUrn: ReadonlyMap<string, StackNode>;
}

export function stackView(nodes: readonly StackNode[]): StackView {
    return { nodes, byUrn: new Map(nodes.map((n) => [n.urn, n])) };
}

/** One thing that might enforce admission in a cluster, and why it does not (yet) count. */
export interface CandidateVerdict {
    /** `PolicyAssignment "allowed-images"`, `Gatekeeper K8sTrustedImages "trusted-images"`. */
    readonly label: string;
    readonly urn: string;
    /** Narrowings and loosenings, each a clause naming what it is. */
    readonly problems: readonly string[];
    /** Values not known at preview that decide whether it counts. */
    readonly unknowns: readonly string[];
}

export function counts(v: CandidateVerdict): boolean {
    return v.problems.length === 0 && v.unknowns.length === 0;
}

/** Collects a candidate's problems and unknowns. */
export class Verdict {
    readonly problems: string[] = [];
    readonly unknowns: string[] = [];
    constructor(readonly label: string, readonly urn: string) {}

    problem(what: string): void {
        if (!this.problems.includes(what)) this.problems.push(what);
    }

    unknown(what: string): void {
        if (!this.unknowns.includes(what)) this.unknowns.push(what);
    }

    /** A read that is not a plain known value: records why and returns undefined. */
    value(r: PropRead, what: string): { present: boolean; value?: unknown } | undefined {
        if (r.state === "unknown" || (r.state === "value" && containsUnknown(r.value))) {
            this.unknown(`${what} is not known yet`);
            return undefined;
        }
        if (r.state === "ambiguous") {
            this.problem(`${what} is set twice in different casing (${r.keys.join(", ")}), and ARM reads either`);
            return undefined;
        }
        return r.state === "value" ? { present: true, value: r.value } : { present: false };
    }

    done(): CandidateVerdict {
        return { label: this.label, urn: this.urn, problems: this.problems, unknowns: this.unknowns };
    }
}

/** A value for messages, JSON-quoted and cut short. */
export function quote(v: unknown): string {
    let s: string;
    try {
        s = JSON.stringify(v) ?? String(v);
    } catch {
        s = String(v);
    }
    return s.length > 160 ? `${s.slice(0, 157)}...` : s;
}

/** JSON with object keys sorted, so two documents compare by content. */
export function canonical(v: unknown): string {
    return JSON.stringify(v, (_k, x: unknown) => (x !== null && typeof x === "object" && !Array.isArray(x)
        ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : x));
}

/** The first path at which two JSON documents differ ("then.details.kinds[2]"), or undefined when equal. */
export function firstDifference(a: unknown, b: unknown, path = ""): string | undefined {
    if (canonical(a) === canonical(b)) return undefined;
    const isObj = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === "object" && !Array.isArray(x);
    if (Array.isArray(a) && Array.isArray(b)) {
        for (let i = 0; i < Math.max(a.length, b.length); i++) {
            const d = firstDifference(a[i], b[i], `${path}[${i}]`);
            if (d !== undefined) return d;
        }
    } else if (isObj(a) && isObj(b)) {
        for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
            const d = firstDifference(a[k], b[k], path ? `${path}.${k}` : k);
            if (d !== undefined) return d;
        }
    }
    return path || "(the whole value)";
}
