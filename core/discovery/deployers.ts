/**
 * Resources that deploy objects the pack never sees: a `helm.sh/v3` Release renders its chart inside
 * the Kubernetes provider, Flux and Argo CD render theirs in the cluster. Their values are judged
 * with the same rule as any resource; what they render is reported unknown, with the way to get it
 * judged. (Pulumi's own `helm.sh/v4` Chart, `yaml/v2` and `kustomize/v2` components register every
 * rendered object as a resource of its own, so those objects reach the pack and are judged there.)
 */
import { isObj } from "./fields";
import type { TypeToken } from "./type-token";
import type { ImageSite } from "./types";
import { isUnknown, UNKNOWN_STRING } from "../unknown";

interface Deployer {
    /** Where the chart or source is named, for the message and the site's path. */
    readonly path: string;
    /** Where the values are (walked with the image rule), if the kind takes any. */
    readonly values?: readonly string[];
    readonly reason: (props: unknown) => string;
    readonly fix: string;
}

const CHECK_RENDERED = "render the manifests in the repository's CI and judge them with `imagegate check`, and keep image admission on the cluster (stack-aks-image-admission)";

const DEPLOYERS: ReadonlyMap<string, Deployer> = new Map(Object.entries({
    "helm.sh:Release": {
        path: "chart",
        values: ["values"],
        reason: (p) => `the images chart ${chartName(p)} renders are never sent to policy packs: a helm.sh/v3 Release renders and installs its templates inside the Kubernetes provider`,
        fix: "deploy the chart with kubernetes:helm.sh/v4:Chart (`new k8s.helm.v4.Chart(…)`), which renders it in the program so every object it creates is judged, or judge `helm template` output with `imagegate check`",
    },
    "helm.toolkit.fluxcd.io:HelmRelease": {
        // The chart is named in spec.chart or spec.chartRef.
        path: "spec",
        values: ["spec", "values"],
        reason: () => "the objects this Flux HelmRelease renders are rendered in the cluster and never sent to policy packs",
        fix: CHECK_RENDERED,
    },
    "kustomize.toolkit.fluxcd.io:Kustomization": {
        path: "spec.sourceRef",
        reason: () => "the objects this Flux Kustomization applies come from its source in the cluster and are never sent to policy packs",
        fix: CHECK_RENDERED,
    },
    "argoproj.io:Application": {
        path: "spec",
        reason: () => "the objects this Argo CD Application syncs come from its source repository and are never sent to policy packs",
        fix: CHECK_RENDERED,
    },
    "argoproj.io:ApplicationSet": {
        path: "spec",
        reason: () => "the objects this Argo CD ApplicationSet's applications sync come from their source repositories and are never sent to policy packs",
        fix: CHECK_RENDERED,
    },
} satisfies Record<string, Deployer>));

const DEPLOYER_GROUPS: ReadonlySet<string> = new Set([...DEPLOYERS.keys()].map((k) => k.slice(0, k.lastIndexOf(":"))));

export function deployerOf(token: TypeToken): Deployer | undefined {
    return DEPLOYER_GROUPS.has(token.module) ? DEPLOYERS.get(`${token.module}:${token.kind}`) : undefined;
}

/** The unknown site for what a deployer renders. */
export function renderedSite(d: Deployer, props: unknown): ImageSite {
    return { path: d.path, value: UNKNOWN_STRING, unknownReason: d.reason(props), fix: d.fix };
}

function chartName(props: unknown): string {
    const chart = isObj(props) ? props.chart : undefined;
    return typeof chart === "string" && !isUnknown(chart) ? `"${chart}"` : "(its chart)";
}
