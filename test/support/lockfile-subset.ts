/**
 * A package-lock.json for a package installed outside this repository, cut from the repository's
 * own lockfile: the entries its dependencies reach, at the paths npm placed them. With it,
 * `npm ci --offline` installs exactly what the repository installed, from the npm cache alone.
 */
import * as fs from "fs";

interface LockEntry {
    version?: string;
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    [k: string]: unknown;
}

/** Where npm resolves `dep` required from the package at `from` (node_modules lookup upwards). */
function resolve(packages: Record<string, LockEntry>, from: string, dep: string): string | undefined {
    let base = from;
    for (;;) {
        const candidate = `${base ? `${base}/` : ""}node_modules/${dep}`;
        if (packages[candidate]) return candidate;
        if (!base) return undefined;
        const i = base.lastIndexOf("/node_modules/");
        base = i < 0 ? "" : base.slice(0, i);
    }
}

export function lockfileSubset(rootLockFile: string, manifest: { name: string; version: string; dependencies: Record<string, string> }): object {
    const lock = JSON.parse(fs.readFileSync(rootLockFile, "utf8")) as { packages: Record<string, LockEntry> };
    const picked: Record<string, LockEntry> = {};
    const queue: [string, string][] = Object.keys(manifest.dependencies).map((d) => ["", d]);
    while (queue.length) {
        const [from, dep] = queue.shift()!;
        const at = resolve(lock.packages, from, dep);
        if (!at) {
            if (from === "") throw new Error(`${dep} is not in ${rootLockFile}`);
            continue; // an optional or peer dependency npm did not install here
        }
        if (picked[at]) continue;
        const { dev: _d, devOptional: _o, ...entry } = lock.packages[at];
        picked[at] = entry;
        for (const deps of [entry.dependencies, entry.optionalDependencies, entry.peerDependencies]) {
            for (const d of Object.keys(deps ?? {})) queue.push([at, d]);
        }
    }
    return {
        name: manifest.name,
        version: manifest.version,
        lockfileVersion: 3,
        requires: true,
        packages: { "": { name: manifest.name, version: manifest.version, dependencies: manifest.dependencies }, ...picked },
    };
}
