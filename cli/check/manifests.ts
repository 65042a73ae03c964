/**
 * Kubernetes YAML (kubectl or `helm template` output) → the resources the pack judges. Each object
 * keeps its file, document index and line; problems in one document are reported and the other
 * documents are still read.
 */
import * as fs from "fs";
import * as path from "path";
import { isMap, isSeq, LineCounter, parseAllDocuments, type Node } from "yaml";
import type { JudgedResource } from "../judge";
import type { InputError } from "../report/model";
import { kubernetesTypeToken } from "./type-token";

export interface ManifestSet {
    resources: JudgedResource[];
    errors: InputError[];
}

const YAML_FILE = /\.ya?ml$/i;

/** The YAML files named by the arguments: files as given, directories searched recursively. */
export function manifestFiles(args: string[]): string[] {
    const out: string[] = [];
    const walk = (dir: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const p = path.join(dir, e.name);
            if (e.isDirectory()) walk(p);
            else if (YAML_FILE.test(e.name)) out.push(p);
        }
    };
    for (const a of args) {
        let st: fs.Stats;
        try {
            st = fs.statSync(a);
        } catch {
            throw new Error(`${a}: no such file or directory`);
        }
        if (st.isDirectory()) walk(a);
        else out.push(a);
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

/** Parses one file's text; `file` is the name used in findings and errors. */
export function parseManifests(file: string, text: string): ManifestSet {
    const resources: JudgedResource[] = [];
    const errors: InputError[] = [];
    const lc = new LineCounter();
    const docs = parseAllDocuments(text, { lineCounter: lc });
    const list = Array.isArray(docs) ? docs : [docs];
    list.forEach((doc, document) => {
        if (doc.errors.length) {
            for (const e of doc.errors) {
                errors.push({ file, document, line: e.linePos?.[0]?.line, message: `malformed YAML: ${e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}` });
            }
            return;
        }
        let value: unknown;
        try {
            value = doc.toJS({ maxAliasCount: 100 });
        } catch (e) {
            errors.push({ file, document, line: lineOf(doc.contents as Node, lc), message: `malformed YAML: ${(e as Error).message}` });
            return;
        }
        if (value === null || value === undefined) return; // empty document (comments only, or `---` twice)
        const docLine = lineOf(doc.contents as Node, lc);
        if (!isObject(value)) {
            errors.push({ file, document, line: docLine, message: `expected a Kubernetes object, found ${Array.isArray(value) ? "a sequence" : typeof value}` });
            return;
        }
        const isList = typeof value.kind === "string" && value.kind.endsWith("List") && Array.isArray(value.items);
        if (!isList) {
            addObject(value, { file, document, line: docLine }, resources, errors);
            return;
        }
        const itemsNode = isMap(doc.contents) ? doc.contents.get("items", true) : undefined;
        (value.items as unknown[]).forEach((item, i) => {
            const itemNode = isSeq(itemsNode) ? (itemsNode.items[i] as Node) : undefined;
            const loc = { file, document, item: i, line: lineOf(itemNode, lc) ?? docLine };
            if (!isObject(item)) errors.push({ ...loc, message: `List item ${i} is not an object` });
            else addObject(item, loc, resources, errors);
        });
    });
    return { resources, errors };
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

/** `-` reads standard input once (`kubectl get pods -A -o json | imagegate check -`). */
export function readManifests(args: string[], cwd = process.cwd(), stdin: () => string = () => fs.readFileSync(0, "utf8")): ManifestSet {
    const all: ManifestSet = { resources: [], errors: [] };
    if (args.includes("-")) {
        let text: string | undefined;
        try {
            text = stdin();
        } catch (e) {
            all.errors.push({ file: "<stdin>", message: `cannot read: ${(e as Error).message}` });
        }
        if (text !== undefined) {
            const set = parseManifests("<stdin>", text);
            all.resources.push(...set.resources);
            all.errors.push(...set.errors);
        }
    }
    for (const f of manifestFiles(args.filter((a) => a !== "-"))) {
        const shown = path.relative(cwd, path.resolve(f)) || f;
        let text: string;
        try {
            text = fs.readFileSync(f, "utf8");
        } catch (e) {
            all.errors.push({ file: shown, message: `cannot read: ${(e as Error).message}` });
            continue;
        }
        const set = parseManifests(shown, text);
        all.resources.push(...set.resources);
        all.errors.push(...set.errors);
    }
    return all;
}
