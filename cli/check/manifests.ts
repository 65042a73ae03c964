/**
 * Kubernetes YAML (kubectl or `helm template` output) → the resources the pack judges. YAML is read
 * as kubectl reads it (yaml-options.ts). Each object keeps its file, document index, line and the
 * document's byte range (so a finding can later be pointed at the exact `image:` value); a problem in
 * one document is one error for that document and the other documents are still read.
 */
import * as fs from "fs";
import * as path from "path";
import { minimatch } from "minimatch";
import { Composer, isMap, isSeq, LineCounter, Parser, type Document, type Node } from "yaml";
import type { JudgedResource } from "../judge";
import type { InputError } from "../report/model";
import { kubernetesTypeToken } from "./type-token";
import { KUBECTL_YAML, TO_JS } from "./yaml-options";

export interface ManifestSet {
    resources: JudgedResource[];
    errors: InputError[];
    /** The text of every file read, by the name used in findings (locations are resolved in it later). */
    texts: Map<string, string>;
}

/** The name standard input is reported under (`check -`). */
export const STDIN = "<stdin>";

const YAML_FILE = /\.ya?ml$/i;

export interface WalkOptions {
    /** Globs (minimatch, matched against the path as given and its base name) of files and directories to leave out. */
    ignore?: readonly string[];
}

/**
 * The YAML files named by the arguments: files as given, directories searched recursively. Hidden
 * directories (`.git`, `.github`) and `node_modules` are not manifests a cluster receives; they are
 * skipped inside a directory walk, as are paths matching an `ignore` glob.
 */
export function manifestFiles(args: string[], opts: WalkOptions = {}): string[] {
    const out: string[] = [];
    const ignored = (p: string) => (opts.ignore ?? []).some((g) => minimatch(p.split(path.sep).join("/"), g, { dot: true }) || minimatch(path.basename(p), g, { dot: true }));
    const walk = (dir: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const p = path.join(dir, e.name);
            if (ignored(p)) continue;
            if (e.isDirectory()) {
                if (!e.name.startsWith(".") && e.name !== "node_modules") walk(p);
            } else if (YAML_FILE.test(e.name)) out.push(p);
        }
    };
    for (const a of args) {
        if (a === "-") {
            out.push(a);
            continue;
        }
        let st: fs.Stats;
        try {
            st = fs.statSync(a);
        } catch {
            throw new Error(`${a}: no such file or directory`);
        }
        if (st.isDirectory()) walk(a);
        else if (!ignored(a)) out.push(a);
    }
    return out;
}

function lineOf(node: Node | null | undefined, lc: LineCounter): number | undefined {
    const start = node?.range?.[0];
    return start === undefined ? undefined : lc.linePos(start).line;
}

function isObject(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** `{{ … }}` outside a comment: Go template syntax, i.e. a chart's template rather than its output. */
function looksLikeTemplate(text: string): boolean {
    return /^[^#\n]*\{\{/m.test(text);
}

const HELM_HINT = "a Helm template, not rendered YAML: render it first (`helm template RELEASE CHART | imagegate check -`), or leave it out with --ignore";

/** The 1-based line of an error (the `yaml` package's position, counted by the stream's LineCounter). */
function errorLine(doc: Document.Parsed, lc: LineCounter): number | undefined {
    const pos = doc.errors[0]?.pos?.[0];
    return pos === undefined ? undefined : lc.linePos(pos).line;
}

function firstError(doc: Document.Parsed): string {
    const e = doc.errors[0];
    const more = doc.errors.length > 1 ? ` (and ${doc.errors.length - 1} more errors in this document)` : "";
    return `malformed YAML: ${e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}${more}`;
}

/** One thing read from a manifest: an object to judge (with its parsed document, while it lives) or an input error. */
export type ManifestItem = { resource: JudgedResource; document: Document.Parsed } | { error: InputError };

/** The documents of a text one at a time, as the `yaml` package composes them (parseAllDocuments, streamed). */
function* documents(text: string, lc: LineCounter): Generator<Document.Parsed> {
    const composer = new Composer(KUBECTL_YAML);
    yield* composer.compose(new Parser(lc.addNewLine).parse(text)) as Generator<Document.Parsed>;
}

/**
 * Reads one file's text document by document; `file` is the name used in findings and errors.
 * Nothing is held beyond the document being read, so a consumer can judge each object as it arrives.
 */
export function* streamFile(file: string, text: string): Generator<ManifestItem> {
    const lc = new LineCounter();
    let docs: Iterable<Document.Parsed> = documents(text, lc);
    if (looksLikeTemplate(text)) {
        // A chart template breaks YAML in many places; one error for the file says what it is and what to do.
        const all = [...docs];
        const bad = all.find((d) => d.errors.length);
        if (bad) {
            yield { error: { file, line: errorLine(bad, lc), message: HELM_HINT } };
            return;
        }
        docs = all;
    }
    let document = -1;
    for (const doc of docs) {
        document++;
        if (doc.errors.length) {
            yield { error: { file, document, line: errorLine(doc, lc), message: firstError(doc) } };
            continue;
        }
        let value: unknown;
        try {
            value = doc.toJS(TO_JS);
        } catch (e) {
            yield { error: { file, document, line: lineOf(doc.contents as Node, lc), message: `malformed YAML: ${(e as Error).message}` } };
            continue;
        }
        if (value === null || value === undefined) continue; // empty document (comments only, or `---` twice)
        const docLine = lineOf(doc.contents as Node, lc);
        const range: [number, number] = [doc.range[0], doc.range[2]];
        if (!isObject(value)) {
            yield { error: { file, document, line: docLine, message: `expected a Kubernetes object, found ${Array.isArray(value) ? "a sequence" : typeof value}` } };
            continue;
        }
        const isList = typeof value.kind === "string" && value.kind.endsWith("List") && Array.isArray(value.items);
        if (!isList) {
            yield toItem(value, { file, document, line: docLine, range }, doc);
            continue;
        }
        const itemsNode = isMap(doc.contents) ? doc.contents.get("items", true) : undefined;
        const items = value.items as unknown[];
        for (let i = 0; i < items.length; i++) {
            const item = items[i];
            const itemNode = isSeq(itemsNode) ? (itemsNode.items[i] as Node) : undefined;
            const loc = { file, document, item: i, line: lineOf(itemNode, lc) ?? docLine, range };
            yield isObject(item) ? toItem(item, loc, doc) : { error: { file, document, line: loc.line, message: `List item ${i} is not an object` } };
        }
    }
}

/** Parses one file's text; `file` is the name used in findings and errors. */
export function parseManifests(file: string, text: string): ManifestSet {
    const set: ManifestSet = { resources: [], errors: [], texts: new Map([[file, text]]) };
    for (const it of streamFile(file, text)) {
        if ("error" in it) set.errors.push(it.error);
        else set.resources.push(it.resource);
    }
    return set;
}

function toItem(obj: Record<string, unknown>, loc: NonNullable<JudgedResource["source"]>, document: Document.Parsed): ManifestItem {
    let type: string;
    try {
        type = kubernetesTypeToken(obj.apiVersion, obj.kind);
    } catch (e) {
        return { error: { file: loc.file, document: loc.document, line: loc.line, message: `not a Kubernetes object: ${(e as Error).message}` } };
    }
    const meta = isObject(obj.metadata) ? obj.metadata : {};
    const name = typeof meta.name === "string" ? meta.name : typeof meta.generateName === "string" ? `${meta.generateName}*` : `${obj.kind}-${loc.document}`;
    const ns = typeof meta.namespace === "string" ? `${meta.namespace}/` : "";
    const where = `${loc.file}#${loc.document}${loc.item !== undefined ? `.${loc.item}` : ""}`;
    const resource: JudgedResource = {
        type,
        name: `${ns}${name}`,
        // A URN per object, unique across files: the name carries file and document.
        urn: `urn:pulumi:check::manifests::${type}::${where}:${ns}${name}`,
        properties: obj,
        source: loc,
    };
    return { resource, document };
}

export interface ReadOptions extends WalkOptions {
    cwd?: string;
    /** Standard input's text, read by the caller (`check -`). */
    stdin?: () => string;
    /** Called after each file with the running count of objects read. */
    progress?: (files: number, totalFiles: number, objects: number) => void;
}

/**
 * The objects and errors of `files` (from manifestFiles), file by file and document by document, in
 * order; each file's text is added to `texts` (by the name used in findings) before its first item.
 */
export function* streamManifests(files: string[], texts: Map<string, string>, opts: ReadOptions = {}): Generator<ManifestItem> {
    const cwd = opts.cwd ?? process.cwd();
    let objects = 0;
    for (let i = 0; i < files.length; i++) {
        const f = files[i];
        const shown = f === "-" ? STDIN : path.relative(cwd, path.resolve(f)) || f;
        let text: string;
        try {
            text = f === "-" ? (opts.stdin ?? (() => fs.readFileSync(0, "utf8")))() : fs.readFileSync(f, "utf8");
        } catch (e) {
            yield { error: { file: shown, message: `cannot read: ${(e as Error).message}` } };
            continue;
        }
        texts.set(shown, text);
        for (const it of streamFile(shown, text)) {
            if ("resource" in it) opts.progress?.(i, files.length, ++objects);
            yield it;
        }
        opts.progress?.(i + 1, files.length, objects);
    }
}

export function readManifests(args: string[], opts: ReadOptions = {}): ManifestSet {
    const all: ManifestSet = { resources: [], errors: [], texts: new Map() };
    for (const it of streamManifests(manifestFiles(args, opts), all.texts, opts)) {
        if ("error" in it) all.errors.push(it.error);
        else all.resources.push(it.resource);
    }
    return all;
}
