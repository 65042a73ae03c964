/**
 * Realistic image references to test an admission regex with, derived from the trust entries:
 * the names they trust in each spelling and with each pin, and the look-alikes an allow-list is
 * usually broken by (near-miss hosts, a host inside a path, path-boundary tricks, other registries,
 * tags where digests are required). The exact comparison (regex-inclusion.ts) decides; these give
 * the counterexample a user recognises, rather than the shortest string that happens to differ.
 */
import { DOCKER_HUB } from "../reference";
import { TrustEntry } from "../trust";

const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;
const PINS = [`@${DIGEST}`, `:1.0@${DIGEST}`, ":1.0", ":latest", ""];

/** Registries nobody trusts by accident, and Hub spellings: tried against every regex. */
const OTHERS = [
    "docker.io/library/nginx", "nginx", "library/nginx", "index.docker.io/library/nginx", "evil/app", "docker.io/evil/app",
    "ghcr.io/evil/app", "quay.io/evil/app", "evil.example.com/app", "mcr.microsoft.com/evil/app", "localhost:5000/app",
    "127.0.0.1:5000/app", "evilcr.azurecr.io/app",
];

function hostNearMisses(domain: string): string[] {
    const [host, port] = domain.split(":");
    const out = [
        `${domain}.evil.example.com/app`, `evil.example.com/${domain}/app`, `${host}evil.example.com/app`, `evil${host}/app`,
        `${host.replace(".", "x")}${port ? `:${port}` : ""}/app`, `${host.replace(/\./g, "-")}${port ? `:${port}` : ""}/app`,
        `${domain.toUpperCase()}/app`,
    ];
    out.push(port ? `${host}/app` : `${host}:5000/app`);
    return out;
}

/** Names an entry trusts, and names just outside it. */
function entryNames(e: TrustEntry): { trusted: string[]; outside: string[] } {
    const base = e.domain === DOCKER_HUB ? ["docker.io", "index.docker.io"] : [e.domain];
    const trusted: string[] = [];
    const outside: string[] = hostNearMisses(e.domain);
    for (const d of base) {
        if (e.path === undefined) {
            trusted.push(`${d}/app`, `${d}/team/app`);
            continue;
        }
        if (e.path === "") continue;
        const segments = e.path.split("/");
        trusted.push(`${d}/${e.path}/app`);
        if (!e.under) trusted.push(`${d}/${e.path}`);
        else outside.push(`${d}/${e.path}`);
        outside.push(`${d}/${e.path}evil/app`, `${d}/${e.path}-evil`, `${d}/${e.path}.evil/app`);
        if (segments.length > 1) outside.push(`${d}/${segments.slice(0, -1).join("/")}/evil`);
        else outside.push(`${d}/evil/app`);
    }
    if (e.domain === DOCKER_HUB && e.path !== undefined && e.path !== "") {
        // Short Hub spellings the runtime expands (`nginx` is `docker.io/library/nginx`).
        const short = e.path.startsWith("library/") ? e.path.slice("library/".length) : e.path;
        trusted.push(e.under ? `${short}/app` : short);
    }
    return { trusted, outside };
}

/**
 * Probe references for trust entries, most telling first: names outside the trust (other
 * registries, look-alikes) with every pin, then trusted names with weaker pins and odd bytes.
 */
export function probeReferences(entries: readonly TrustEntry[]): string[] {
    const outside = new Set<string>(OTHERS);
    const trusted = new Set<string>();
    for (const e of entries) {
        const n = entryNames(e);
        n.outside.forEach((x) => outside.add(x));
        n.trusted.forEach((x) => trusted.add(x));
    }
    const out: string[] = [];
    for (const name of outside) for (const pin of PINS) out.push(`${name}${pin}`);
    for (const name of trusted) {
        for (const pin of PINS) out.push(`${name}${pin}`);
        out.push(`${name}@${DIGEST.toUpperCase().replace("SHA256", "sha256")}`, `${name}@sha256:abc`, ` ${name}@${DIGEST}`, `${name}@${DIGEST}\n`);
    }
    return [...new Set(out)];
}
