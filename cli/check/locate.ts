/**
 * Points a finding at the value it is about. Findings name the property path discovery walked
 * (`Deployment "web" spec.template.spec.containers[0].image`); that path is followed through the
 * finding's YAML document, `<<` merge keys included, to the node's line and column. `check` locates
 * each object's findings in the document it was read from, as the answer arrives; a finding located
 * later (a stack policy's) has its document parsed again, only then.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import { parsePath, type Step } from "../../core/paths";
import type { Finding, SourceLocation } from "../judge";
import { KUBECTL_YAML } from "./yaml-options";

/** Merges are followed this deep (a merge of a merge …); beyond it the object's own line stands. */
const MAX_MERGE_DEPTH = 16;

function keyOf(n: unknown): unknown {
    return isScalar(n) ? n.value : n;
}

/** A `<<` key: with merge keys on, the `yaml` package composes it to a Symbol (its source stays `<<`). */
function isMergeKey(n: unknown): boolean {
    return isScalar(n) && (n.source === "<<" || n.value === "<<" || (typeof n.value === "symbol" && n.value.description === "<<"));
}

function child(doc: Document, node: unknown, step: Step, depth = 0): Node | undefined {
    if (depth > MAX_MERGE_DEPTH) return undefined;
    if (isAlias(node)) return child(doc, node.resolve(doc), step, depth + 1);
    if (isSeq(node)) return typeof step === "number" ? (node.items[step] as Node | undefined) : undefined;
    if (!isMap(node) || typeof step !== "string") return undefined;
    const own = node.items.find((p) => !isMergeKey(p.key) && String(keyOf(p.key)) === step);
    if (own) return own.value as Node;
    // `<<: *base` or `<<: [*a, *b]`: the first merged map that has the key, as YAML 1.1 merges.
    for (const p of node.items) {
        if (!isMergeKey(p.key)) continue;
        const sources = isSeq(p.value) ? p.value.items : [p.value];
        for (const s of sources) {
            const hit = child(doc, isAlias(s) ? s.resolve(doc) : s, step, depth + 1);
            if (hit) return hit;
        }
    }
    return undefined;
}

/** The property paths a message names, in order (tokens that parse as a discovery path). */
function pathsIn(message: string): Step[][] {
    const out: Step[][] = [];
    for (const token of message.split(/\s+/)) {
        if (!/[.[]/.test(token)) continue;
        const steps = parsePath(token.replace(/[:,;]$/, ""));
        if (steps && steps.length > 1) out.push(steps);
    }
    return out;
}

export class Locator {
    private readonly docs = new Map<string, Document | undefined>();
    private readonly lines = new Map<string, LineCounter>();

    constructor(private readonly texts: ReadonlyMap<string, string>) {}

    /** Line starts of a whole file, counted once: positions are reported in the file, not the document. */
    private lineCounter(file: string, text: string): LineCounter {
        let lc = this.lines.get(file);
        if (!lc) {
            lc = new LineCounter();
            lc.addNewLine(0);
            for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lc.addNewLine(i + 1);
            this.lines.set(file, lc);
        }
        return lc;
    }

    private document(src: SourceLocation, text: string): Document | undefined {
        const key = `${src.file}\0${src.range![0]}`;
        if (!this.docs.has(key)) {
            const doc = parseDocument(text.slice(src.range![0], src.range![1]), KUBECTL_YAML);
            this.docs.set(key, doc.errors.length ? undefined : doc);
        }
        return this.docs.get(key);
    }

    /** The source of `f` with line and column of the value its message names, when that can be found. */
    locate(f: Finding): SourceLocation | undefined {
        const src = f.source;
        const text = src && this.texts.get(src.file);
        if (!src || text === undefined || !src.range || src.column !== undefined) return src;
        const doc = this.document(src, text);
        // The document was parsed from its own slice: its positions count from the document's start.
        return doc ? this.find(f.message, src, doc, src.range[0], text) : src;
    }

    /**
     * As `locate`, in the document the object was read from (parsed from the whole file, so nothing
     * is parsed again): what `check` does as each answer arrives, while the document is at hand.
     */
    locateIn(f: Finding, doc: Document): SourceLocation | undefined {
        const src = f.source;
        const text = src && this.texts.get(src.file);
        if (!src || text === undefined || src.column !== undefined) return src;
        return this.find(f.message, src, doc, 0, text);
    }

    private find(message: string, src: SourceLocation, doc: Document, base: number, text: string): SourceLocation {
        let root: unknown = doc.contents;
        if (src.item !== undefined) root = child(doc, child(doc, root, "items"), src.item);
        for (const steps of pathsIn(message)) {
            let node: unknown = root;
            for (const s of steps) node = node === undefined ? undefined : child(doc, node, s);
            const start = (node as Node | undefined)?.range?.[0];
            if (start === undefined) continue;
            const pos = this.lineCounter(src.file, text).linePos(base + start);
            return { ...src, line: pos.line, column: pos.col };
        }
        return src;
    }
}

/** Findings with line and column of the offending value. */
export function locateFindings(findings: Finding[], texts: ReadonlyMap<string, string>): Finding[] {
    const locator = new Locator(texts);
    return findings.map((f) => (f.source ? { ...f, source: locator.locate(f) } : f));
}
