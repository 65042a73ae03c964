/**
 * The way back to a passing image, from what the audited stacks deploy: the ImageBuildTask that
 * rebuilds the repository (found in any audited state by its type token and `repository` output),
 * the stacks that deploy the image, and the RedeployWebhook whose push event redeploys them.
 */
import { isUnknown } from "../unknown";
import { parseReference, type ImageReference } from "../reference";
import { IMAGE_BUILD_TASK_TYPE, REDEPLOY_WEBHOOK_TYPE } from "./component-types";
import type { DeployedStack } from "./stack-export";
import type { GateFailure } from "./gates";

export interface BuildTaskRef {
    readonly stack: string;
    readonly urn: string;
    readonly name: string;
    /** `<loginServer>/<repository>`, normalized. */
    readonly repository: string;
    readonly taskName?: string;
    readonly registryName?: string;
    /** `az acr task run --registry <registry> --name <task>`, when both are known. */
    readonly runCommand?: string;
}

export interface WebhookRef {
    readonly stack: string;
    readonly urn: string;
    readonly name: string;
    /** `<repository>:<tag>` */
    readonly scope: string;
}

export interface FixPlan {
    /** The ACR task run that rebuilds the image on its patched base (vulnerable or stale images). */
    readonly rebuild?: BuildTaskRef;
    /** The stacks (or clusters) to redeploy once a new digest is pushed. */
    readonly redeploy: readonly string[];
    readonly webhooks: readonly WebhookRef[];
    /** One sentence for people. */
    readonly text: string;
}

const NAME = /^[A-Za-z0-9-]{1,128}$/;

function str(v: unknown): string | undefined {
    return typeof v === "string" && v !== "" && !isUnknown(v) ? v : undefined;
}

/** ImageBuildTask and RedeployWebhook components in the audited states. */
export function loopComponents(stacks: readonly DeployedStack[]): { tasks: BuildTaskRef[]; webhooks: WebhookRef[] } {
    const tasks: BuildTaskRef[] = [];
    const webhooks: WebhookRef[] = [];
    for (const s of stacks) {
        for (const r of s.resources) {
            if (r.type === IMAGE_BUILD_TASK_TYPE) {
                const repo = parseReference(str(r.outputs.repository) ?? "");
                if (!repo.ok) continue;
                const taskName = str(r.outputs.taskName);
                const registryName = str(r.outputs.registryName);
                // Names are written into a command line: only ARM-valid names are.
                const runCommand = taskName && registryName && NAME.test(taskName) && NAME.test(registryName)
                    ? `az acr task run --registry ${registryName} --name ${taskName}` : undefined;
                tasks.push({
                    stack: s.stack, urn: r.urn, name: r.name, repository: repo.ref.name,
                    ...(taskName ? { taskName } : {}), ...(registryName ? { registryName } : {}), ...(runCommand ? { runCommand } : {}),
                });
            } else if (r.type === REDEPLOY_WEBHOOK_TYPE) {
                const scope = str(r.outputs.scope);
                if (scope) webhooks.push({ stack: s.stack, urn: r.urn, name: r.name, scope });
            }
        }
    }
    return { tasks, webhooks };
}

/** Whether a webhook scope (`repo:tag`, `repo:*`, `repo`) covers the image's repository. */
function scopeCovers(scope: string, ref: ImageReference): boolean {
    const colon = scope.lastIndexOf(":");
    const repo = colon > scope.lastIndexOf("/") ? scope.slice(0, colon) : scope;
    const tag = colon > scope.lastIndexOf("/") ? scope.slice(colon + 1) : "*";
    return repo === ref.path && (tag === "*" || tag === ref.tag || ref.tag === undefined);
}

/** The plan for one failing image deployed by `groups` (stack or cluster names). */
export function fixPlan(ref: ImageReference, failures: readonly GateFailure[], groups: readonly string[], loop: { tasks: readonly BuildTaskRef[]; webhooks: readonly WebhookRef[] }): FixPlan {
    const needsRebuild = failures.some((f) => f.gate === "scanned-images" && (f.kind === "vulnerable" || f.kind === "stale"));
    const rebuild = needsRebuild ? loop.tasks.find((t) => t.repository === ref.name) : undefined;
    const webhooks = loop.webhooks.filter((w) => scopeCovers(w.scope, ref));
    const parts: string[] = [];
    if (needsRebuild) {
        if (rebuild?.runCommand) parts.push(`rebuild: \`${rebuild.runCommand}\` (ImageBuildTask ${rebuild.name} in stack ${rebuild.stack})`);
        else if (rebuild) parts.push(`rebuild: run the ACR task of ImageBuildTask ${rebuild.name} in stack ${rebuild.stack}`);
        else parts.push(`rebuild ${ref.name} on a patched base image and push it (no ImageBuildTask in the audited stacks builds this repository)`);
        parts.push(webhooks.length
            ? `redeploy: the push triggers RedeployWebhook ${webhooks.map((w) => `${w.name} (stack ${w.stack})`).join(", ")}, which redeploys ${groups.join(", ")}`
            : `redeploy: run \`pulumi up\` on ${groups.join(", ")} to pin the new digest`);
    } else {
        const own = [...new Set(failures.map((f) => f.fix))];
        parts.push(...own, `then redeploy ${groups.join(", ")}`);
    }
    return { ...(rebuild ? { rebuild } : {}), redeploy: groups, webhooks, text: parts.join("; ") };
}
