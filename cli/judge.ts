/**
 * Sends resources through a launched pack as the engine does during preview: Remediate first
 * (when some policy is set to remediate) and Analyze on the remediated inputs, per resource; then
 * AnalyzeStack with every resource. Returns one finding per diagnostic, tied to its resource.
 */
import type { AnalyzerHarness } from "./harness/client";
import type { AnalyzeResult, EnforcementLevel, AnalyzeStackResource } from "./harness/types";
import type { ReconciledConfig } from "./harness/policy-config";

export interface JudgedResource extends AnalyzeStackResource {
    /** false for component resources (and the stack): they only take part in AnalyzeStack. */
    custom?: boolean;
    /** Where the resource came from (a manifest file), when not a program. */
    source?: SourceLocation;
}

export interface SourceLocation {
    file: string;
    /** 0-based index of the YAML document in the file. */
    document: number;
    /** 1-based line of the object, when known. */
    line?: number;
    /** Index inside a `List` document's items. */
    item?: number;
    /** 1-based column, when the location is a value inside the object (the offending `image:`). */
    column?: number;
    /** The document's character range in the file's text (internal: lets a finding be located later). */
    range?: [number, number];
}

export interface Finding {
    policy: string;
    level: EnforcementLevel;
    urn: string;
    type: string;
    name: string;
    /** The policy's description (the first line the CLI prints). */
    description: string;
    /** What is wrong (the SDK's message without the repeated description). */
    message: string;
    severity: string;
    source?: SourceLocation;
}

export interface JudgeOptions {
    /** URN that stack-policy findings are attached to (the stack resource). */
    stackUrn?: string;
    /** After each resource's answer: `total` is known once every resource has arrived (undefined before). */
    onProgress?: (done: number, total: number | undefined) => void;
    /** Each resource's findings as its answer arrives (the CLI locates them while the document is at hand). */
    onJudged?: (res: JudgedResource, findings: Finding[]) => Finding[];
}

/** The violation text of an SDK diagnostic (it prefixes the policy description). */
function violationText(description: string, message: string): string {
    if (description && message.startsWith(description)) {
        const rest = message.slice(description.length).replace(/^\n/, "");
        return rest || message;
    }
    return message;
}

function findings(result: AnalyzeResult, byUrn: Map<string, JudgedResource>, fallback?: JudgedResource, stackUrn = ""): Finding[] {
    return result.diagnostics.map((d) => {
        // The SDK leaves urn empty for resource policies; the engine knows which resource it asked about.
        const res = (d.urn && byUrn.get(d.urn)) || fallback;
        return {
            policy: d.policyName,
            level: d.enforcementLevel,
            urn: d.urn || res?.urn || stackUrn,
            type: res?.type ?? "pulumi:pulumi:Stack",
            name: res?.name ?? stackUrn.split("::").pop() ?? "",
            description: d.description,
            message: violationText(d.description, d.message),
            severity: d.severity,
            source: res?.source,
        };
    });
}

/**
 * Requests in flight to the pack: the CLI and the pack work at the same time, each on its own core,
 * and no more resources are read ahead than this window (so reading a stream holds little).
 */
export const JUDGE_CONCURRENCY = 16;

/** The resources judged and their findings, in the order the resources came. */
export interface Judgement {
    resources: JudgedResource[];
    findings: Finding[];
}

/**
 * Judges resources as they come from `source` (an array, or a stream read while earlier resources
 * are being judged): at most JUDGE_CONCURRENCY requests in flight, findings in resource order.
 */
export async function judge(
    harness: AnalyzerHarness,
    config: ReconciledConfig,
    source: Iterable<JudgedResource>,
    opts: JudgeOptions = {},
): Promise<Judgement> {
    const resources: JudgedResource[] = [];
    const byUrn = new Map<string, JudgedResource>();
    const remediating = Object.values(config).some((c) => c.enforcementLevel === "remediate");
    // Findings by position among custom resources, so the report's order does not depend on which answer came first.
    const perResource: Finding[][] = [];
    let done = 0;
    let total: number | undefined;
    const one = async (res: JudgedResource): Promise<Finding[]> => {
        const out: Finding[] = [];
        if (remediating) {
            const rem = await harness.remediate(res);
            for (const m of rem.remediations) {
                if (m.properties) res.properties = m.properties;
                out.push({
                    policy: m.policyName,
                    level: "remediate",
                    urn: res.urn,
                    type: res.type,
                    name: res.name,
                    description: m.description,
                    message: m.diagnostic || "inputs changed by remediation",
                    severity: "",
                    source: res.source,
                });
            }
        }
        out.push(...findings(await harness.analyze(res), byUrn, res));
        return opts.onJudged ? opts.onJudged(res, out) : out;
    };
    const it = source[Symbol.iterator]();
    let custom = 0;
    /** The next custom resource from the source (components are only recorded), or undefined at its end. */
    const pull = (): { res: JudgedResource; index: number } | undefined => {
        for (;;) {
            const n = it.next();
            if (n.done) {
                total = custom;
                return undefined;
            }
            const res = n.value;
            resources.push(res);
            byUrn.set(res.urn, res);
            if (res.custom !== false) return { res, index: custom++ };
        }
    };
    const worker = async () => {
        for (let next = pull(); next; ) {
            perResource[next.index] = await one(next.res);
            // Pulled before reporting: the last report then knows the total.
            next = pull();
            opts.onProgress?.(++done, total);
        }
    };
    await Promise.all(Array.from({ length: JUDGE_CONCURRENCY }, worker));
    const out = perResource.flat();
    // During preview the engine sends inputs as outputs for resources not yet created.
    out.push(...findings(await harness.analyzeStack(resources), byUrn, undefined, opts.stackUrn));
    return { resources, findings: out };
}
