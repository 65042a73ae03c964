/**
 * Property paths as discovery writes them (`spec.template.spec.containers[0].image`), read and
 * written on plain objects; used to rewrite an image in place (remediation, pinning). A key that is
 * not a plain name (`group.id`, `0`, a key with spaces) is written quoted, `config["group.id"]`, so
 * a path names exactly one place and a rewrite can never land somewhere else.
 */

export type Step = string | number;

/** `[A-Za-z_$][A-Za-z0-9_$-]*`, tested by hand: it runs for every step of every image's path. */
function isPlainKey(key: string): boolean {
    if (key.length === 0) return false;
    for (let i = 0; i < key.length; i++) {
        const c = key.charCodeAt(i);
        const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;
        if (letter || (i > 0 && ((c >= 48 && c <= 57) || c === 45))) continue;
        return false;
    }
    return true;
}

/** One step appended to a path: `.key`, `["odd key"]` or `[3]`. */
export function appendPath(base: string, step: Step): string {
    if (typeof step === "number") return `${base}[${step}]`;
    if (isPlainKey(step)) return base === "" ? step : `${base}.${step}`;
    return `${base}[${JSON.stringify(step)}]`;
}

/** The path of `steps` (the first `count` of them). */
export function formatPath(steps: readonly Step[], count = steps.length): string {
    let out = "";
    for (let i = 0; i < count; i++) out = appendPath(out, steps[i]);
    return out;
}

/** `a.b[0].c["d.e"]` → ["a", "b", 0, "c", "d.e"]; undefined for a path discovery does not produce. */
export function parsePath(path: string): Step[] | undefined {
    const steps: Step[] = [];
    const re = /([^.[\]()\s"]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
    let consumed = 0;
    for (let m = re.exec(path); m !== null; m = re.exec(path)) {
        const between = path.slice(consumed, m.index);
        if (between !== "" && between !== ".") return undefined;
        if (between === "." && m[1] === undefined) return undefined;
        if (m[1] !== undefined) steps.push(m[1]);
        else if (m[2] !== undefined) steps.push(Number(m[2]));
        else steps.push(JSON.parse(m[3]) as string);
        consumed = m.index + m[0].length;
    }
    return consumed === path.length && steps.length ? steps : undefined;
}

/** Returns a copy of `root` with the value at `path` replaced; the original is not modified. */
export function setAtPath<T>(root: T, path: string, value: unknown): T {
    const steps = parsePath(path);
    if (!steps) throw new Error(`cannot write to property path "${path}"`);
    const write = (node: unknown, i: number): unknown => {
        const step = steps[i];
        if (typeof step === "number") {
            if (!Array.isArray(node) || step >= node.length) throw new Error(`property path "${path}" does not exist`);
            const copy = node.slice();
            copy[step] = i === steps.length - 1 ? value : write(node[step], i + 1);
            return copy;
        }
        if (node === null || typeof node !== "object" || Array.isArray(node)) throw new Error(`property path "${path}" does not exist`);
        const obj = node as Record<string, unknown>;
        if (!(step in obj)) throw new Error(`property path "${path}" does not exist`);
        return { ...obj, [step]: i === steps.length - 1 ? value : write(obj[step], i + 1) };
    };
    return write(root, 0) as T;
}
