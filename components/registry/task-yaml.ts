/**
 * Checks an ACR multi-step task file (acr-task.yaml) before it is base64-encoded into an
 * EncodedTask step: it must parse, have steps, and push the task's repository under a tag that is
 * unique per run (`{{.Run.ID}}` or its alias `$ID`).
 *
 * ACR renders Go templates before it parses the YAML, so `{{ … }}` is swapped for an inert
 * placeholder here first; otherwise a template in a flow sequence would read as a YAML mapping.
 */
import { parseDocument } from "yaml";

const TEMPLATE = /\{\{.*?\}\}/g;
const RUN_ID = /\{\{\s*\.Run\.ID\s*\}\}|\$ID\b/;
const REGISTRY_ALIAS = /^(?:\$Registry|\{\{\s*\.Run\.Registry\s*\}\})$/;

export interface TaskYamlCheck {
    /** Every image the task pushes, templates restored. */
    pushes: string[];
}

export function checkTaskYaml(text: string, repository: string): TaskYamlCheck {
    if (typeof text !== "string" || text.trim() === "") throw new Error("ImageBuildTask: build.taskYaml is empty");
    const templates: string[] = [];
    const inert = text.replace(TEMPLATE, (m) => `__imagegate_tpl_${templates.push(m) - 1}__`);
    const restore = (s: string) => s.replace(/__imagegate_tpl_(\d+)__/g, (_, i: string) => templates[Number(i)]);

    const doc = parseDocument(inert);
    if (doc.errors.length > 0) {
        throw new Error(`ImageBuildTask: build.taskYaml is not valid YAML: ${doc.errors[0].message.split("\n")[0]}`);
    }
    const root = doc.toJS() as unknown;
    if (root === null || typeof root !== "object" || Array.isArray(root)) throw new Error("ImageBuildTask: build.taskYaml must be a mapping with a steps list");
    const steps = (root as Record<string, unknown>).steps;
    if (!Array.isArray(steps) || steps.length === 0) throw new Error("ImageBuildTask: build.taskYaml has no steps");

    const pushes: string[] = [];
    steps.forEach((step, i) => {
        if (step === null || typeof step !== "object" || Array.isArray(step)) throw new Error(`ImageBuildTask: build.taskYaml steps[${i}] is not a mapping`);
        const push = (step as Record<string, unknown>).push;
        if (push === undefined) return;
        const list = typeof push === "string" ? [push] : push;
        if (!Array.isArray(list) || list.some((p) => typeof p !== "string")) {
            throw new Error(`ImageBuildTask: build.taskYaml steps[${i}].push must be an image or a list of images`);
        }
        pushes.push(...(list as string[]).map(restore));
    });
    const unique = pushes.filter((p) => pushedRepository(p) === repository && RUN_ID.test(tagOf(p)));
    if (unique.length === 0) {
        throw new Error(
            `ImageBuildTask: build.taskYaml must push $Registry/${repository}:{{.Run.ID}} (a tag unique to each run, so every rebuild gets its own tag and digest); ` +
            `it pushes ${pushes.length ? pushes.map((p) => JSON.stringify(p)).join(", ") : "nothing"}`);
    }
    return { pushes };
}

/** Repository path of a pushed image: the part between the registry (alias or host) and the tag. */
function pushedRepository(image: string): string {
    const noTag = image.slice(0, tagStart(image));
    const slash = noTag.indexOf("/");
    if (slash === -1) return noTag;
    const first = noTag.slice(0, slash);
    return REGISTRY_ALIAS.test(first) || /[.:]/.test(first) || first === "localhost" ? noTag.slice(slash + 1) : noTag;
}

function tagStart(image: string): number {
    const colon = image.lastIndexOf(":");
    return colon > image.lastIndexOf("/") ? colon : image.length;
}

function tagOf(image: string): string {
    return image.slice(tagStart(image) + 1);
}
