/**
 * Language inclusion of two RE2 patterns, decided on the programs RE2 itself compiles (the
 * @bufbuild/re2 port of Go's regexp, which Azure Policy's Gatekeeper and CEL `matches()` use): does
 * every string the `wider` candidate accepts also satisfy `narrower`? When not, a shortest string
 * that one accepts and the other refuses is returned.
 *
 * Both patterns are judged with search semantics (a match anywhere in the string), which is what
 * OPA `re_match` and CEL `matches()` do: `docker\.io/` accepts `evil.com/docker.io/x`.
 *
 * Method: the two compiled programs are determinized lazily (subset construction, with the previous
 * character's class carried in each state so `^`, `$`, `\b` are exact) and their product is explored
 * breadth-first over an alphabet partition built from every character range either program tests.
 * Exact, not sampled; bounded by `maxStates`, and reaching the bound is a verdict of its own.
 */
import { RE2JS } from "@bufbuild/re2";

// @bufbuild/re2's instruction opcodes and flags (Inst.js, RE2Flags.js, Utils.js; the numbering of Go's regexp/syntax).
const ALT = 1, ALT_MATCH = 2, CAPTURE = 3, EMPTY_WIDTH = 4, FAIL = 5, MATCH = 6, NOP = 7, RUNE = 8, RUNE1 = 9, RUNE_ANY = 10, RUNE_ANY_NOT_NL = 11;
const FOLD_CASE = 0x01;
const BEGIN_LINE = 0x01, END_LINE = 0x02, BEGIN_TEXT = 0x04, END_TEXT = 0x08, WORD_BOUNDARY = 0x10, NO_WORD_BOUNDARY = 0x20;
const MAX_RUNE = 0x10ffff;
const NEWLINE = 0x0a;

interface Inst {
    readonly op: number;
    readonly out: number;
    readonly arg: number;
    readonly runes: readonly number[];
    matchRune(r: number): boolean;
}
interface Program {
    readonly inst: readonly Inst[];
    readonly start: number;
}

export type InclusionResult =
    | { readonly included: true; readonly states: number }
    | { readonly included: false; readonly witness: string; readonly states: number }
    /** The exploration reached `maxStates` before deciding. */
    | { readonly included: "undecided"; readonly states: number };

export interface InclusionOptions {
    /** Product states explored at most (default 50,000). */
    readonly maxStates?: number;
}

export const DEFAULT_MAX_STATES = 50_000;

/** The class of the character before a position, for `^`, `\b` and friends. */
const enum Ctx { Start = 0, Newline = 1, Word = 2, Other = 3 }

function isWordRune(r: number): boolean {
    return (r >= 0x30 && r <= 0x39) || (r >= 0x41 && r <= 0x5a) || (r >= 0x61 && r <= 0x7a) || r === 0x5f;
}

function ctxOf(r: number): Ctx {
    return r === NEWLINE ? Ctx.Newline : isWordRune(r) ? Ctx.Word : Ctx.Other;
}

/** The zero-width assertions true between a character of class `prev` and the next one (`next` undefined: end of text). */
function emptyFlags(prev: Ctx, next: Ctx | undefined): number {
    let op = 0;
    if (prev === Ctx.Start) op |= BEGIN_TEXT | BEGIN_LINE;
    if (prev === Ctx.Newline) op |= BEGIN_LINE;
    if (next === undefined) op |= END_TEXT | END_LINE;
    if (next === Ctx.Newline) op |= END_LINE;
    op |= (prev === Ctx.Word) !== (next === Ctx.Word) ? WORD_BOUNDARY : NO_WORD_BOUNDARY;
    return op;
}

/** Compiled programs by pattern: the generated regex is compared with every assignment's. */
const programs = new Map<string, Program>();
const PROGRAM_CACHE = 16;

function programOf(pattern: string): Program {
    const hit = programs.get(pattern);
    if (hit) return hit;
    const prog = RE2JS.compile(pattern).re2().prog as unknown as Program;
    if (!Array.isArray(prog?.inst) || typeof prog.start !== "number") throw new Error("@bufbuild/re2 no longer exposes its compiled program");
    programs.set(pattern, prog);
    if (programs.size > PROGRAM_CACHE) programs.delete(programs.keys().next().value as string);
    return prog;
}

let checkedInternals = false;
/** Fails loudly if @bufbuild/re2's program layout is not the one this module reads. */
function checkInternals(): void {
    if (checkedInternals) return;
    const shape = (p: string) => programOf(p).inst.map((i) => [i.op, i.arg, [...i.runes]]);
    const ok = JSON.stringify(shape("a")) === JSON.stringify([[FAIL, 0, []], [RUNE1, 0, [97]], [MATCH, 0, []]])
        && JSON.stringify(shape("(?i)k")) === JSON.stringify([[FAIL, 0, []], [RUNE, FOLD_CASE, [75]], [MATCH, 0, []]])
        && JSON.stringify(shape("^a$").map((s) => s[0])) === JSON.stringify([FAIL, EMPTY_WIDTH, RUNE1, EMPTY_WIDTH, MATCH]);
    if (!ok) throw new Error("@bufbuild/re2's compiled program layout changed; regex inclusion cannot be decided");
    checkedInternals = true;
}

function isRuneOp(op: number): boolean {
    return op >= RUNE && op <= RUNE_ANY_NOT_NL;
}

/** Characters a case-folded literal matches: its orbit, found by asking RE2's own matcher over the literal's plane. */
const orbitCache = new Map<number, number[]>();
function foldOrbit(inst: Inst): number[] {
    const r = inst.runes[0];
    const cached = orbitCache.get(r);
    if (cached) return cached;
    // Simple case folding never crosses a plane boundary (BMP pairs are BMP, Deseret pairs are plane 1).
    const base = r & ~0xffff;
    const out: number[] = [];
    for (let c = base; c <= base + 0xffff && c <= MAX_RUNE; c++) if (inst.matchRune(c)) out.push(c);
    orbitCache.set(r, out);
    return out;
}

/** Inclusive ranges an instruction consumes. */
function rangesOf(inst: Inst): [number, number][] {
    switch (inst.op) {
        case RUNE_ANY: return [[0, MAX_RUNE]];
        case RUNE_ANY_NOT_NL: return [[0, NEWLINE - 1], [NEWLINE + 1, MAX_RUNE]];
        case RUNE1:
        case RUNE: {
            if (inst.runes.length === 1) {
                return (inst.arg & FOLD_CASE) !== 0 ? foldOrbit(inst).map((c) => [c, c]) : [[inst.runes[0], inst.runes[0]]];
            }
            const out: [number, number][] = [];
            for (let i = 0; i + 1 < inst.runes.length; i += 2) out.push([inst.runes[i], inst.runes[i + 1]]);
            return out;
        }
        default: return [];
    }
}

/** Characters the BFS tries first, so counterexamples read like image references. */
const PREFERRED = "abcdefghijklmnopqrstuvwxyz0123456789./:@-_ABCDEFGHIJKLMNOPQRSTUVWXYZ";

interface Alphabet {
    /** One representative character per class; every instruction treats a class's characters alike. */
    readonly reps: readonly number[];
}

function alphabetOf(programs: readonly Program[]): Alphabet {
    // Cut points: starts of classes. Newline and the word characters are always cut (zero-width assertions).
    const cuts = new Set<number>([0, NEWLINE, NEWLINE + 1, 0x30, 0x3a, 0x41, 0x5b, 0x5f, 0x60, 0x61, 0x7b, 0xd800, 0xe000]);
    for (const p of programs) {
        for (const inst of p.inst) {
            if (!isRuneOp(inst.op)) continue;
            for (const [lo, hi] of rangesOf(inst)) {
                cuts.add(lo);
                if (hi < MAX_RUNE) cuts.add(hi + 1);
            }
        }
    }
    const starts = [...cuts].sort((a, b) => a - b);
    const classes: { lo: number; hi: number }[] = [];
    for (let i = 0; i < starts.length; i++) {
        const lo = starts[i];
        const hi = i + 1 < starts.length ? starts[i + 1] - 1 : MAX_RUNE;
        if (lo >= 0xd800 && hi <= 0xdfff) continue; // surrogates are not characters of a UTF-8 string
        classes.push({ lo, hi });
    }
    const rank = (c: { lo: number; hi: number }): [number, number] => {
        for (let i = 0; i < PREFERRED.length; i++) {
            const code = PREFERRED.charCodeAt(i);
            if (code >= c.lo && code <= c.hi) return [i, code];
        }
        const printable = c.lo <= 0x7e && c.hi >= 0x21 ? Math.max(c.lo, 0x21) : undefined;
        return printable !== undefined ? [PREFERRED.length, printable] : [PREFERRED.length + 1, c.lo];
    };
    const ranked = classes.map((c) => rank(c)).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    return { reps: ranked.map(([, rep]) => rep) };
}

function consumes(inst: Inst, r: number): boolean {
    switch (inst.op) {
        case RUNE_ANY: return true;
        case RUNE_ANY_NOT_NL: return r !== NEWLINE;
        case RUNE1: return inst.runes[0] === r;
        case RUNE: return inst.matchRune(r);
        default: return false;
    }
}

/**
 * A lazily determinized program with search semantics: the start is re-entered before every
 * character, and once a match is seen the state is absorbing (every extension is accepted too).
 */
class SearchDfa {
    private readonly ids = new Map<string, number>();
    private readonly sets: number[][] = [];
    private readonly ctxs: Ctx[] = [];
    private readonly next = new Map<number, number>();
    private readonly acceptsAtEnd: (boolean | undefined)[] = [];
    /** Closures by state and the next character's class: the same for every character of that class. */
    private readonly closures = new Map<number, { runes: number[]; match: boolean }>();
    /** The absorbing "already matched" state. */
    readonly matched = 0;

    constructor(private readonly prog: Program, private readonly alphabet: Alphabet) {
        this.sets.push([]);
        this.ctxs.push(Ctx.Other);
        this.acceptsAtEnd.push(true);
        this.ids.set("matched", 0);
    }

    get size(): number {
        return this.sets.length;
    }

    /** A state past the start with no thread left: an anchored pattern can never match from it. */
    isDead(state: number): boolean {
        return state !== this.matched && this.sets[state].length === 0 && this.ctxs[state] !== Ctx.Start && this.anchored;
    }

    /** Whether the program can only match from the start of the text (its first step needs `^`). */
    private get anchored(): boolean {
        const first = this.prog.inst[this.prog.start];
        return first !== undefined && first.op === EMPTY_WIDTH && (first.arg & BEGIN_TEXT) !== 0;
    }

    initial(): number {
        return this.intern([], Ctx.Start);
    }

    private intern(pcs: number[], ctx: Ctx): number {
        const key = `${ctx}:${pcs.join(",")}`;
        let id = this.ids.get(key);
        if (id === undefined) {
            id = this.sets.length;
            this.ids.set(key, id);
            this.sets.push(pcs);
            this.ctxs.push(ctx);
        }
        return id;
    }

    /** Runnable instructions (rune ops and MATCH) reachable from `pcs` (plus the start) by empty moves under `flags`. */
    private closure(pcs: readonly number[], flags: number): { runes: number[]; match: boolean } {
        const seen = new Set<number>();
        const runes: number[] = [];
        let match = false;
        const stack = [this.prog.start, ...pcs];
        while (stack.length) {
            const pc = stack.pop()!;
            if (seen.has(pc)) continue;
            seen.add(pc);
            const inst = this.prog.inst[pc];
            switch (inst.op) {
                case ALT:
                case ALT_MATCH:
                    stack.push(inst.out, inst.arg);
                    break;
                case CAPTURE:
                case NOP:
                    stack.push(inst.out);
                    break;
                case EMPTY_WIDTH:
                    if ((inst.arg & ~flags) === 0) stack.push(inst.out);
                    break;
                case MATCH:
                    match = true;
                    break;
                case FAIL:
                    break;
                default:
                    if (isRuneOp(inst.op)) runes.push(pc);
            }
        }
        return { runes, match };
    }

    acceptsEnd(state: number): boolean {
        let v = this.acceptsAtEnd[state];
        if (v === undefined) {
            v = this.closure(this.sets[state], emptyFlags(this.ctxs[state], undefined)).match;
            this.acceptsAtEnd[state] = v;
        }
        return v;
    }

    step(state: number, cls: number): number {
        if (state === this.matched) return this.matched;
        const key = state * this.alphabet.reps.length + cls;
        const cached = this.next.get(key);
        if (cached !== undefined) return cached;
        const r = this.alphabet.reps[cls];
        const c = ctxOf(r);
        const ckey = state * 4 + c;
        let closed = this.closures.get(ckey);
        if (!closed) {
            closed = this.closure(this.sets[state], emptyFlags(this.ctxs[state], c));
            this.closures.set(ckey, closed);
        }
        const { runes, match } = closed;
        let id: number;
        if (match) id = this.matched;
        else {
            const out = new Set<number>();
            for (const pc of runes) if (consumes(this.prog.inst[pc], r)) out.add(this.prog.inst[pc].out);
            id = this.intern([...out].sort((a, b) => a - b), c);
        }
        this.next.set(key, id);
        return id;
    }
}

/**
 * Whether every string `wider` accepts is also accepted by `narrower` (both with search semantics);
 * when not, the shortest counterexample found breadth-first. With `domain` (an anchored pattern),
 * only the strings it accepts are compared: `wider` may accept more outside it. Throws on a pattern
 * RE2 refuses.
 */
export function regexIncluded(wider: string, narrower: string, options: InclusionOptions & { readonly domain?: string } = {}): InclusionResult {
    checkInternals();
    const maxStates = options.maxStates ?? DEFAULT_MAX_STATES;
    const a = programOf(wider), b = programOf(narrower);
    const d = options.domain === undefined ? undefined : programOf(options.domain);
    const alphabet = alphabetOf(d ? [a, b, d] : [a, b]);
    const da = new SearchDfa(a, alphabet), db = new SearchDfa(b, alphabet);
    const dd = d ? new SearchDfa(d, alphabet) : undefined;
    const n = alphabet.reps.length;
    const start: [number, number, number] = [da.initial(), db.initial(), dd ? dd.initial() : 0];
    const keyOf = (s: readonly [number, number, number]) => `${s[0]},${s[1]},${s[2]}`;
    const parent = new Map<string, { from: string; cls: number } | null>([[keyOf(start), null]]);
    const queue: [number, number, number][] = [start];
    for (let head = 0; head < queue.length; head++) {
        const [sa, sb, sd] = queue[head];
        const key = keyOf(queue[head]);
        if (sb === db.matched) continue; // `narrower` accepts every extension: nothing to find below
        if (dd?.isDead(sd)) continue; // no string through here is in the domain
        if (da.acceptsEnd(sa) && !db.acceptsEnd(sb) && (!dd || dd.acceptsEnd(sd))) return { included: false, witness: witnessOf(parent, key, alphabet), states: parent.size };
        for (let cls = 0; cls < n; cls++) {
            const next: [number, number, number] = [da.step(sa, cls), db.step(sb, cls), dd ? dd.step(sd, cls) : 0];
            const nkey = keyOf(next);
            if (parent.has(nkey)) continue;
            if (parent.size >= maxStates) return { included: "undecided", states: parent.size };
            parent.set(nkey, { from: key, cls });
            queue.push(next);
        }
    }
    return { included: true, states: parent.size };
}

function witnessOf(parent: Map<string, { from: string; cls: number } | null>, key: string, alphabet: Alphabet): string {
    const chars: number[] = [];
    for (let k: string | undefined = key; k !== undefined;) {
        const p = parent.get(k);
        if (!p) break;
        chars.push(alphabet.reps[p.cls]);
        k = p.from;
    }
    return String.fromCodePoint(...chars.reverse());
}
