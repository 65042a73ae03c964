/**
 * Property paths as discovery writes them (`spec.template.spec.containers[0].image`), read and
 * written on plain objects; used to rewrite an image in place (remediation, pinning).
 */

type Step = string | number;

/** `a.b[0].c` → ["a", "b", 0, "c"]; undefined for a path discovery does not produce. */
export function parsePath(path: string): Step[] | undefined {
    const steps: Step[] = [];
    const re = /([^.[\]()\s]+)|\[(\d+)\]/g;
    let consumed = 0;
    for (let m = re.exec(path); m !== null; m = re.exec(path)) {
        const between = path.slice(consumed, m.index);
        if (between !== "" && between !== ".") return undefined;
        steps.push(m[1] !== undefined ? m[1] : Number(m[2]));
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
        if (i < steps.length - 1 && !(step in obj)) throw new Error(`property path "${path}" does not exist`);
        return { ...obj, [step]: i === steps.length - 1 ? value : write(obj[step], i + 1) };
    };
    return write(root, 0) as T;
}
