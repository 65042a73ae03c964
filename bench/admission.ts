/**
 * What judging admission by content costs (stack-aks-image-admission, issue 13): the exact regex
 * comparison for regexes users really assign, against the cost of a whole AnalyzeStack judgement of
 * a stack whose regex is the generated one (a string compare). Each case runs in a fresh child
 * process, so no case warms the JIT or the comparison cache for another, and every figure is a
 * ratio within this one run.
 */
import { execFileSync } from "child_process";
import * as path from "path";
import { allowedImagesRegex } from "../core/admission/image-regex";
import { regexIncluded } from "../core/admission/regex-inclusion";
import { judgeAllowedRegex, DEFAULT_REGEX_LIMITS } from "../core/admission/regex-judgement";
import { parseTrustEntries } from "../core/trust";
import { median } from "./measure";

interface Case {
    readonly name: string;
    readonly trust: readonly string[];
    readonly requireDigest: boolean;
    /** The regex in the assignment; "generated" is the generated one, character for character. */
    readonly regex: string | ((generated: string) => string);
}

const CASES: readonly Case[] = [
    { name: "generated regex, as ImageAdmission assigns it (string equality)", trust: ["contoso.azurecr.io"], requireDigest: true, regex: (g) => g },
    { name: "`.*` (wider: found at once, a probe names the counterexample)", trust: ["contoso.azurecr.io"], requireDigest: true, regex: ".*" },
    { name: "hand-written, one repository (narrower: exact proof)", trust: ["contoso.azurecr.io"], requireDigest: true, regex: "^contoso\\.azurecr\\.io/shop/web@sha256:[a-f0-9]{64}$" },
    { name: "generated, re-wrapped in a group (equal: exact proof)", trust: ["contoso.azurecr.io", "mcr.microsoft.com/oss/", "docker.io/library/"], requireDigest: false, regex: (g) => `(?:${g})` },
    { name: "all of Docker Hub, tags allowed, re-wrapped (equal: exact proof)", trust: ["docker.io"], requireDigest: false, regex: (g) => `(?:${g})` },
    { name: "50 hand-written repositories (narrower: exact proof)", trust: ["contoso.azurecr.io"], requireDigest: true,
        regex: "^(?:" + Array.from({ length: 50 }, (_, i) => `contoso\\.azurecr\\.io/app${i}[a-z]{0,20}(?::[a-z0-9]{1,30})?@sha256:[a-f0-9]{64}`).join("|") + ")$" },
    { name: "adversarial `^(.{0,40}x.{0,40}y)+@sha256:…$` against all of Hub (runs to the state bound)", trust: ["docker.io"], requireDigest: false, regex: "^(.{0,40}x.{0,40}y)+@sha256:[a-f0-9]{64}$" },
];

/** One case in this process: the verdict, explored states and milliseconds. */
export function runCase(index: number): { verdict: string; states: number; ms: number } {
    const c = CASES[index];
    const entries = parseTrustEntries([...c.trust]).entries;
    const generated = allowedImagesRegex(entries, { requireDigest: c.requireDigest }).pattern;
    const regex = typeof c.regex === "string" ? c.regex : c.regex(generated);
    const t = process.hrtime.bigint();
    const verdict = judgeAllowedRegex(regex, { entries, requireDigest: c.requireDigest }, DEFAULT_REGEX_LIMITS);
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    // Explored states, counted apart from the timing (string equality explores none).
    const states = regex === generated ? 0 : regexIncluded(regex, generated, { maxStates: DEFAULT_REGEX_LIMITS.maxStates }).states;
    return { verdict: verdict.kind, states, ms };
}

export function benchAdmission(rounds = 3): string {
    const script = path.join(__dirname, "admission-case.js");
    const rows: string[] = [];
    let base = 0;
    CASES.forEach((c, i) => {
        const runs = Array.from({ length: rounds }, () => JSON.parse(execFileSync(process.execPath, [script, String(i)], { encoding: "utf8" })) as ReturnType<typeof runCase>);
        const ms = median(runs.map((r) => r.ms));
        if (i === 0) base = ms;
        rows.push(`| ${c.name} | ${runs[0].verdict} | ${runs[0].states.toLocaleString("en-US")} | ${ms.toFixed(1)} | ${(ms / Math.max(base, 0.01)).toFixed(0)} |`);
    });
    return [
        "| assignment's regex | verdict | product states | ms (median of " + rounds + ", cold process) | ratio vs generated |",
        "|---|---|---:|---:|---:|",
        ...rows,
    ].join("\n");
}
