/**
 * A kubeconfig a pipeline can use. AKS clusters with Entra ID (and local accounts off) hand out a
 * user kubeconfig whose exec plugin runs `kubelogin get-token --login devicecode`: a prompt for a
 * person, which hangs a CI run. This is `kubelogin convert-kubeconfig -l <mode>` as a pure transform,
 * so every Kubernetes provider the programs declare logs in as the runner does (Azure CLI session,
 * workload identity federation, service principal or managed identity) and never asks for a code.
 */
import { parse, stringify } from "yaml";

/** kubelogin's non-interactive login modes (`kubelogin get-token --login`). */
export const NON_INTERACTIVE_LOGINS = ["azurecli", "workloadidentity", "spn", "msi"] as const;
export type KubeloginLogin = (typeof NON_INTERACTIVE_LOGINS)[number];

export interface KubeloginOptions {
    login: KubeloginLogin;
    /**
     * spn: the service principal's application (client) ID (its secret comes from the runner's
     * AAD_SERVICE_PRINCIPAL_CLIENT_SECRET). msi: a user-assigned identity's client ID; omit for the
     * system-assigned one. Ignored by azurecli and workloadidentity, which read the runner's session
     * or AZURE_CLIENT_ID / AZURE_FEDERATED_TOKEN_FILE.
     */
    clientId?: string;
}

// Flags whose value describes the old login; everything else (--server-id, --tenant-id,
// --environment, --legacy, ...) is kept as AKS wrote it.
const DROPPED = new Set(["--login", "-l", "--client-id", "--client-secret", "--username", "--password"]);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isKubelogin(command: unknown): boolean {
    return typeof command === "string" && /(^|[\\/])kubelogin(\.exe)?$/.test(command);
}

/** The get-token arguments with the login replaced; flags given as `--flag=value` or `--flag value`. */
export function kubeloginArgs(args: readonly string[], opts: KubeloginOptions): string[] {
    const out: string[] = [];
    for (let i = 0; i < args.length; i++) {
        const a = args[i];
        const [flag, inline] = a.startsWith("-") && a.includes("=") ? [a.slice(0, a.indexOf("=")), true] : [a, false];
        if (DROPPED.has(flag)) {
            if (!inline) i++; // skip the value too
            continue;
        }
        out.push(a);
    }
    out.push("--login", opts.login);
    if ((opts.login === "spn" || opts.login === "msi") && opts.clientId) out.push("--client-id", opts.clientId);
    return out;
}

function problemsOf(opts: KubeloginOptions): string[] {
    const problems: string[] = [];
    if (!(NON_INTERACTIVE_LOGINS as readonly string[]).includes(opts.login)) {
        problems.push(`login must be one of ${NON_INTERACTIVE_LOGINS.join(", ")} (got ${JSON.stringify(opts.login)})`);
    }
    if (opts.login === "spn" && !opts.clientId) problems.push("login spn needs the service principal's clientId");
    if (opts.clientId !== undefined && !GUID.test(opts.clientId)) problems.push(`clientId must be a GUID (got ${JSON.stringify(opts.clientId)})`);
    return problems;
}

/**
 * Rewrites every kubelogin exec user of `kubeconfig` (YAML or JSON text) to `opts.login` and sets
 * `interactiveMode: Never`. Refuses, naming the user, anything that would still prompt or that it
 * cannot judge: a legacy `auth-provider`, an exec plugin other than kubelogin, no users at all.
 */
export function nonInteractiveKubeconfig(kubeconfig: string, opts: KubeloginOptions): string {
    const problems = problemsOf(opts);
    if (problems.length) throw new Error(`kubeconfig: ${problems.join("; ")}`);
    let doc: unknown;
    try {
        doc = parse(kubeconfig);
    } catch (e) {
        throw new Error(`kubeconfig: not YAML: ${(e as Error).message}`);
    }
    if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw new Error("kubeconfig: not a kubeconfig document (expected a mapping)");
    const users = (doc as { users?: unknown }).users;
    if (!Array.isArray(users) || users.length === 0) throw new Error("kubeconfig: no users to log in with");
    for (const [i, entry] of users.entries()) {
        const name = typeof entry?.name === "string" ? entry.name : `users[${i}]`;
        const user = entry?.user;
        if (user === null || typeof user !== "object") throw new Error(`kubeconfig: user ${name} has no credentials`);
        if (user["auth-provider"] !== undefined) throw new Error(`kubeconfig: user ${name} uses the retired auth-provider plugin; fetch the cluster's current user credentials`);
        const exec = user.exec;
        if (exec === undefined) continue; // a token or client certificate never prompts
        if (!isKubelogin(exec?.command)) throw new Error(`kubeconfig: user ${name} runs ${JSON.stringify(exec?.command)}, not kubelogin; cannot tell whether it prompts`);
        const args: unknown = exec.args ?? [];
        if (!Array.isArray(args) || !args.every((a) => typeof a === "string") || args[0] !== "get-token") {
            throw new Error(`kubeconfig: user ${name}: kubelogin is not run as get-token`);
        }
        exec.args = kubeloginArgs(args, opts);
        exec.interactiveMode = "Never";
    }
    return stringify(doc);
}
