/**
 * A Pulumi project and its stack config as the engine hands them to the language host:
 * Pulumi.yaml (name, main) and `config:` of Pulumi.<stack>.yaml, keys namespaced, values strings.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

export interface ProgramProject {
    dir: string;
    project: string;
    stack: string;
    /** The entry module to require. */
    main: string;
    /** `<namespace>:<key>` → value as the engine passes it (objects JSON-encoded). */
    config: Record<string, string>;
}

export class ProgramError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ProgramError";
    }
}

function readYaml(file: string): unknown {
    try {
        return parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new ProgramError(`${file}: ${(e as Error).message.split("\n")[0]}`);
    }
}

/** The engine's string form of a config value. */
export function configValue(key: string, v: unknown, file: string): string {
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    if (v !== null && typeof v === "object" && !Array.isArray(v) && "secure" in v) {
        throw new ProgramError(`${file}: config ${key} is an encrypted secret; offline preview cannot decrypt it (set a plain test value in a separate stack file)`);
    }
    if (v === null) throw new ProgramError(`${file}: config ${key} has no value`);
    return JSON.stringify(v);
}

export function loadProject(dir: string, stack: string): ProgramProject {
    const abs = path.resolve(dir);
    const projectFile = path.join(abs, "Pulumi.yaml");
    if (!fs.existsSync(projectFile)) throw new ProgramError(`${dir}: no Pulumi.yaml (not a Pulumi program directory)`);
    const proj = readYaml(projectFile) as Record<string, unknown> | null;
    if (!proj || typeof proj.name !== "string") throw new ProgramError(`${projectFile}: "name" is missing`);
    const runtime = typeof proj.runtime === "string" ? proj.runtime : (proj.runtime as { name?: string } | undefined)?.name;
    if (runtime !== "nodejs") throw new ProgramError(`${projectFile}: runtime ${JSON.stringify(runtime)} is not nodejs; only TypeScript/JavaScript programs can be previewed`);

    let main = typeof proj.main === "string" ? path.resolve(abs, proj.main) : abs;
    if (fs.existsSync(main) && fs.statSync(main).isDirectory()) {
        const pkgFile = path.join(main, "package.json");
        const pkgMain = fs.existsSync(pkgFile) ? (JSON.parse(fs.readFileSync(pkgFile, "utf8")).main as string | undefined) : undefined;
        const candidates = [pkgMain, "index.ts", "index.js"].filter((c): c is string => !!c).map((c) => path.join(main, c));
        const found = candidates.find((c) => fs.existsSync(c));
        if (!found) throw new ProgramError(`${dir}: no program entry point (tried ${candidates.map((c) => path.relative(abs, c)).join(", ")})`);
        main = found;
    }
    if (!fs.existsSync(main)) throw new ProgramError(`${dir}: program entry point ${main} not found`);

    const config: Record<string, string> = {};
    const stackFile = path.join(abs, `Pulumi.${stack}.yaml`);
    if (fs.existsSync(stackFile)) {
        const st = readYaml(stackFile) as Record<string, unknown> | null;
        const map = (st?.config ?? {}) as Record<string, unknown>;
        if (typeof map !== "object" || Array.isArray(map)) throw new ProgramError(`${stackFile}: "config" is not a map`);
        for (const [k, v] of Object.entries(map)) {
            // Keys without a namespace belong to the project, as in the Pulumi CLI.
            const key = k.includes(":") ? k : `${proj.name}:${k}`;
            config[key] = configValue(key, v, stackFile);
        }
    } else if (stack !== "dev" || fs.readdirSync(abs).some((f) => /^Pulumi\..+\.yaml$/.test(f))) {
        throw new ProgramError(`${dir}: stack config Pulumi.${stack}.yaml not found`);
    }
    return { dir: abs, project: proj.name, stack, main, config };
}
