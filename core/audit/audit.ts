/**
 * The audit: every image the audited deployments run, re-judged by today's gates and evidence.
 * Images come from the stacks' state (the same discovery the pack runs, over each resource's
 * outputs) and from Defender's running-image inventory; each distinct reference is judged once
 * (core/audit/gates.ts), and the report groups failures by stack or cluster and image, with since
 * when each fails and the fix (which ImageBuildTask rebuilds it, which stacks to redeploy).
 *
 * Nothing passes silently: an image slot the audit cannot read (a secret, an unknown, an
 * undecodable value, a malformed reference, an unreadable Defender row) is reported as unjudged,
 * at the level of the strictest enabled gate.
 */
import { discoverImages } from "../discovery";
import { blocks, type ImageGateSettings } from "../gate/config";
import type { ScanContext } from "../gate/scan";
import { formatReference, parseReference, type ImageReference } from "../reference";
import type { RegistryClient } from "../registry";
import { Limiter } from "../limiter";
import { isUnknown } from "../unknown";
import { fixPlan, loopComponents, type FixPlan } from "./fix";
import { judgeDeployedImage, type GateFailure } from "./gates";
import type { RunningCluster } from "./running-images";
import type { DeployedStack } from "./stack-export";

export interface ImageUse {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /** Property path in the resource's outputs (or "defender" for the running-image inventory). */
    readonly path: string;
    readonly container?: string;
}

export interface AuditedImage {
    /** The reference as deployed, normalized. */
    readonly reference: string;
    readonly digest?: string;
    readonly uses: readonly ImageUse[];
    readonly failures: readonly GateFailure[];
    readonly notes: readonly string[];
    readonly fix?: FixPlan;
}

export interface Unjudged {
    readonly use: ImageUse;
    readonly reason: string;
    readonly level: "mandatory" | "advisory";
}

export interface AuditGroup {
    readonly kind: "stack" | "cluster";
    /** `project/stack`, or the cluster's name. */
    readonly name: string;
    /** The state file, or the cluster's ARM ID. */
    readonly source: string;
    /** Images with at least one failure, and — for completeness — the count of passing ones. */
    readonly failing: readonly AuditedImage[];
    readonly passing: number;
    readonly unjudged: readonly Unjudged[];
}

export interface AuditReport {
    readonly at: Date;
    readonly groups: readonly AuditGroup[];
}

export interface AuditInput {
    readonly stacks: readonly DeployedStack[];
    readonly clusters?: readonly RunningCluster[];
    readonly gates: ImageGateSettings;
    readonly registry: RegistryClient;
    readonly scan: ScanContext;
    readonly now: Date;
    /** Images judged at once (scanned-images' concurrency by default). */
    readonly concurrency?: number;
}

/** The level an unreadable image slot is reported at: that of the strictest gate that would judge it. */
function unjudgedLevel(gates: ImageGateSettings): "mandatory" | "advisory" | undefined {
    const levels = [gates.trustedRegistries, gates.requireDigest, gates.noLatestTag, gates.scannedImages, gates.signedImages].map((g) => g.level);
    if (levels.some(blocks)) return "mandatory";
    return levels.some((l) => l === "advisory") ? "advisory" : undefined;
}

interface Collected {
    readonly kind: AuditGroup["kind"];
    readonly name: string;
    readonly source: string;
    readonly images: Map<string, { ref: ImageReference; uses: ImageUse[] }>;
    readonly unjudged: Unjudged[];
}

function collectStack(s: DeployedStack, level: Unjudged["level"] | undefined): Collected {
    const c: Collected = { kind: "stack", name: `${s.project}/${s.stack}`, source: s.source, images: new Map(), unjudged: [] };
    for (const r of s.resources) {
        const images = discoverImages(r.type, r.outputs);
        if (!images) continue;
        for (const site of images.sites) {
            const use: ImageUse = { urn: r.urn, type: r.type, name: r.name, path: site.path, ...(site.container ? { container: site.container } : {}) };
            const unjudged = (reason: string) => { if (level) c.unjudged.push({ use, reason, level }); };
            if (site.problem !== undefined) { unjudged(site.problem); continue; }
            if (isUnknown(site.value)) {
                unjudged(site.unknownReason ?? "the value is a secret or was not known when the state was written, so the image that runs cannot be read from the state; audit the cluster itself (`kubectl get pods -A -o json | imagegate check -`)");
                continue;
            }
            const parsed = parseReference(site.value);
            if (!parsed.ok) { unjudged(`${JSON.stringify(String(site.value).slice(0, 200))} is not a valid image reference: ${parsed.failure.message}`); continue; }
            const key = formatReference(parsed.ref);
            const entry = c.images.get(key) ?? { ref: parsed.ref, uses: [] };
            entry.uses.push(use);
            c.images.set(key, entry);
        }
    }
    return c;
}

function collectCluster(cl: RunningCluster, level: Unjudged["level"] | undefined): Collected {
    const c: Collected = { kind: "cluster", name: cl.name, source: cl.clusterId, images: new Map(), unjudged: [] };
    const use: ImageUse = { urn: cl.clusterId, type: "azure-native:containerservice:ManagedCluster", name: cl.name, path: "defender" };
    for (const img of cl.images) {
        const parsed = parseReference(img.reference);
        if (!parsed.ok) continue; // rowsToClusters only keeps parseable references
        c.images.set(formatReference(parsed.ref), { ref: parsed.ref, uses: [use] });
    }
    if (level) for (const reason of cl.unreadable) c.unjudged.push({ use, reason, level });
    return c;
}

export async function runAudit(input: AuditInput): Promise<AuditReport> {
    const level = unjudgedLevel(input.gates);
    const collected = [...input.stacks.map((s) => collectStack(s, level)), ...(input.clusters ?? []).map((c) => collectCluster(c, level))];
    const loop = loopComponents(input.stacks);
    const limiter = new Limiter(input.concurrency ?? input.gates.scannedImages.config?.concurrency ?? 16);
    // Each distinct reference is judged once, whichever stacks and clusters run it.
    const verdicts = new Map<string, ReturnType<typeof judgeDeployedImage>>();
    for (const c of collected) {
        for (const [key, { ref }] of c.images) {
            if (!verdicts.has(key)) verdicts.set(key, limiter.run(() => judgeDeployedImage(ref, { gates: input.gates, registry: input.registry, scan: input.scan, now: input.now })));
        }
    }
    const groupsOf = new Map<string, string[]>();
    for (const c of collected) for (const key of c.images.keys()) groupsOf.set(key, [...(groupsOf.get(key) ?? []), c.name]);

    const groups: AuditGroup[] = [];
    for (const c of collected) {
        const failing: AuditedImage[] = [];
        let passing = 0;
        for (const [key, { ref, uses }] of c.images) {
            const v = await verdicts.get(key)!;
            if (v.failures.length === 0) { passing++; continue; }
            failing.push({
                reference: key, ...(v.digest ? { digest: v.digest } : {}), uses, failures: v.failures, notes: v.notes,
                fix: fixPlan(ref, v.failures, [...new Set(groupsOf.get(key) ?? [c.name])], loop),
            });
        }
        failing.sort((a, b) => (a.reference < b.reference ? -1 : a.reference > b.reference ? 1 : 0));
        groups.push({ kind: c.kind, name: c.name, source: c.source, failing, passing, unjudged: c.unjudged });
    }
    return { at: input.now, groups };
}
