/**
 * Kubernetes YAML (kubectl or `helm template` output) → the resources the pack judges. YAML is read
 * as kubectl reads it (yaml-options.ts). Each object keeps its file, document index, line and the
 * document's byte range (so a finding can later be pointed at the exact `image:` value); a problem in
 * one document is one error for that document and the other documents are still read.
 */
import * as fs from "fs";
import * as path from "path";
import { minimatch } from "minimatch";
import { isMap, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from "yaml";
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

function firstError(doc: Document.Parsed): string {
    const e = doc.errors[0];
    const more = doc.errors.length > 1 ? ` (and ${doc.errors.length - 1} more errors in this document)` : "";
    return `malformed YAML: ${e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}${more}`;
}

/** Parses one file's text; `file` is the name used in findings and errors. */
export function parseManifests(file: string, text: string): ManifestSet {
    const resources: JudgedResource[] = [];
    const errors: InputError[] = [];
    const texts = new Map([[file, text]]);
    const lc = new LineCounter();
    const list = parseAllDocuments(text, { ...KUBECTL_YAML, lineCounter: lc });
    const docs = Array.isArray(list) ? list : [list];
    // A chart template breaks YAML in many places; one error for the file says what it is and what to do.
    if (docs.some((d) => d.errors.length) && looksLikeTemplate(text)) {
        const at = docs.find((d) => d.errors.length)!.errors[0];
        return { resources, errors: [{ file, line: at.linePos?.[0]?.line, message: HELM_HINT }], texts };
    }
    docs.forEach((doc, document) => {
        if (doc.errors.length) {
            errors.push({ file, document, line: doc.errors[0].linePos?.[0]?.line, message: firstError(doc) });
            return;
        }
        let value: unknown;
        try {
            value = doc.toJS(TO_JS);
        } catch (e) {
            errors.push({ file, document, line: lineOf(doc.contents as Node, lc), message: `malformed YAML: ${(e as Error).message}` });
            return;
        }
        if (value === null || value === undefined) return; // empty document (comments only, or `---` twice)
        const docLine = lineOf(doc.contents as Node, lc);
        const range: [number, number] = [doc.range[0], doc.range[2]];
        if (!isObject(value)) {
            errors.push({ file, document, line: docLine, message: `expected a Kubernetes object, found ${Array.isArray(value) ? "a sequence" : typeof value}` });
            return;
        }
        const isList = typeof value.kind === "string" && value.kind.endsWith("List") && Array.isArray(value.items);
        if (!isList) {
            addObject(value, { file, document, line: docLine, range }, resources, errors);
            return;
        }
        const itemsNode = isMap(doc.contents) ? doc.contents.get("items", true) : undefined;
        (value.items as unknown[]).forEach((item, i) => {
            const itemNode = isSeq(itemsNode) ? (itemsNode.items[i] as Node) : undefined;
            const loc = { file, document, item: i, line: lineOf(itemNode, lc) ?? docLine, range };
            if (!isObject(item)) errors.push({ file, document, line: loc.line, message: `List item ${i} is not an object` });
            else addObject(item, loc, resources, errors);
        });
    });
    return { resources, errors, texts };
}

function addObject(obj: Record<string, unknown>, loc: NonNullable<JudgedResource["source"]>, resources: JudgedResource[], errors: InputError[]): void {
    let type: string;
    try {
        type = kubernetesTypeToken(obj.apiVersion, obj.kind);
    } catch (e) {
        errors.push({ file: loc.file, document: loc.document, line: loc.line, message: `not a Kubernetes object: ${(e as Error).message}` });
        return;
    }
    const meta = isObject(obj.metadata) ? obj.metadata : {};
    const name = typeof meta.name === "string" ? meta.name : typeof meta.generateName === "string" ? `${meta.generateName}*` : `${obj.kind}-${loc.document}`;
    const ns = typeof meta.namespace === "string" ? `${meta.namespace}/` : "";
    const where = `${loc.file}#${loc.document}${loc.item !== undefined ? `.${loc.item}` : ""}`;
    resources.push({
        type,
        name: `${ns}${name}`,
        // A URN per object, unique across files: the name carries file and document.
        urn: `urn:pulumi:check::manifests::${type}::${where}:${ns}${name}`,
        properties: obj,
        source: loc,
    });
}

export interface ReadOptions extends WalkOptions {
    cwd?: string;
    /** Standard input's text, read by the caller (`check -`). */
    stdin?: () => string;
    /** Called after each file with the running count of objects read. */
    progress?: (files: number, totalFiles: number, objects: number) => void;
}

export function readManifests(args: string[], opts: ReadOptions = {}): ManifestSet {
    const cwd = opts.cwd ?? process.cwd();
    const all: ManifestSet = { resources: [], errors: [], texts: new Map() };
    const files = manifestFiles(args, opts);
    files.forEach((f, i) => {
        const shown = f === "-" ? STDIN : path.relative(cwd, path.resolve(f)) || f;
        let text: string;
        try {
            text = f === "-" ? (opts.stdin ?? (() => fs.readFileSync(0, "utf8")))() : fs.readFileSync(f, "utf8");
        } catch (e) {
            all.errors.push({ file: shown, message: `cannot read: ${(e as Error).message}` });
            return;
        }
        const set = parseManifests(shown, text);
        for (const r of set.resources) all.resources.push(r);
        for (const e of set.errors) all.errors.push(e);
        all.texts.set(shown, text);
        opts.progress?.(i + 1, files.length, all.resources.length);
    });
    return all;
}
