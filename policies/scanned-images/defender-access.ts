/**
 * How the scan gate reaches Azure Resource Graph. In production: DefaultAzureCredential and the
 * public Resource Graph endpoint — nothing in the user's policy config can change where requests go
 * or which credential is sent, so a config file cannot redirect an Azure token elsewhere.
 *
 * Tests (and only tests) replace the credential and endpoint in-process with
 * `setDefenderAccessForTests`, pointing the real @azure/arm-resourcegraph client at a loopback
 * server (test/support/resource-graph-server.ts). There is deliberately no environment variable for
 * it: an env var would let anything that launches the pack send tokens to another endpoint.
 */
import type { DefenderOptions } from "../../core/evidence";

export type DefenderAccess = Pick<DefenderOptions, "credential" | "clientOptions" | "timeoutMs">;

let override: DefenderAccess | undefined;

/** Test hook: credential, client options (endpoint, TLS CA, retries) and deadline used by every Defender query. */
export function setDefenderAccessForTests(access: DefenderAccess | undefined): void {
    override = access;
}

/** The access every query uses now (read at query time, so a hook set later still applies). */
export function defenderAccess(): DefenderAccess {
    return override ?? {};
}
