/**
 * `pulumi stack export` documents built from a program run under Pulumi's own mocks: every resource
 * the program registers, with the state the monitor holds for it (custom resources: inputs merged
 * with the provider's outputs; components: their registered outputs; secrets in the engine's
 * envelope), in the UntypedDeployment/DeploymentV3 shape the CLI writes
 * (github.com/pulumi/pulumi sdk/go/common/apitype/core.go).
 */
import { writeFileSync } from "fs";
import { runUnderMocks, type MockOptions } from "./mocks";

export interface StackExport {
    version: 3;
    deployment: {
        manifest: { time: string; magic: string; version: string };
        secrets_providers: { type: string; state: Record<string, unknown> };
        resources: Record<string, unknown>[];
    };
}

/** The ciphertext form `pulumi stack export` writes for a secret (without --show-secrets). */
function ciphertexts(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(ciphertexts);
    if (v !== null && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (o["4dabf18193072939515e22adb298388d"] === "1b47061264138c4ac30d75fd1eb44270") {
            return { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:c2VjcmV0LWJ5LXRoZS1zZXJ2aWNl" };
        }
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, ciphertexts(x)]));
    }
    return v;
}

export async function stackExportOf(fn: () => void | Promise<void>, opts: MockOptions & { project: string; stack: string }): Promise<StackExport> {
    const rs = await runUnderMocks(fn, opts);
    const stackUrn = `urn:pulumi:${opts.stack}::${opts.project}::pulumi:pulumi:Stack::${opts.project}-${opts.stack}`;
    const resources: Record<string, unknown>[] = [{ urn: stackUrn, custom: false, type: "pulumi:pulumi:Stack", outputs: {} }];
    for (const r of rs) {
        if (!r.urn) throw new Error(`stackExportOf: ${r.type} ${r.name} has no unambiguous URN`);
        resources.push({
            urn: r.urn, custom: r.custom, ...(r.id ? { id: r.id } : {}), type: r.type,
            outputs: ciphertexts(r.outputs ?? {}), parent: stackUrn,
        });
    }
    return {
        version: 3,
        deployment: {
            manifest: { time: "2026-11-20T10:00:00.000Z", magic: "0000000000000000000000000000000000000000000000000000000000000000", version: "v3.200.0" },
            secrets_providers: { type: "service", state: { url: "https://api.pulumi.com", owner: "contoso", project: opts.project, stack: opts.stack } },
            resources,
        },
    };
}

export function writeStackExport(file: string, doc: StackExport): string {
    writeFileSync(file, JSON.stringify(doc, null, 2));
    return file;
}
