/**
 * DefenderForContainers: turns on the Microsoft Defender for Containers plan (Standard tier) for a
 * whole subscription, with agentless registry vulnerability assessment and agentless Kubernetes
 * discovery. Subscription-wide and billed per subscription, so it must be acknowledged explicitly.
 */
import * as pulumi from "@pulumi/pulumi";
import * as security from "@pulumi/azure-native/security";
import { DEFENDER_COVERAGE_KIND, type DefenderCoverage } from "../../core/defender-coverage";
import { GUID_RE } from "../shared/arm-id";
import { checked } from "../shared/inputs";

export const DEFENDER_FOR_CONTAINERS_TYPE = "imagegate:components:DefenderForContainers";

/** Extensions of the `Containers` plan, in the order they are sent. */
export const CONTAINERS_PLAN_EXTENSIONS = [
    "ContainerRegistriesVulnerabilityAssessments",
    "AgentlessDiscoveryForKubernetes",
    "ContainerSensor",
    "AgentlessVmScanning",
] as const;
export type ContainersPlanExtension = (typeof CONTAINERS_PLAN_EXTENSIONS)[number];

export interface DefenderForContainersArgs {
    /** The subscription (GUID) the plan is enabled on. */
    subscriptionId: pulumi.Input<string>;
    /**
     * Must be `true`: the plan applies to every registry and cluster in the subscription and is
     * billed for all of them. Stated here so enabling it is a deliberate decision.
     */
    acknowledgeSubscriptionWide: true;
    /** Defender sensor DaemonSet on AKS clusters (runtime threat detection). Default false. */
    containerSensor?: boolean;
    /** Agentless scanning of cluster node VMs. Default false. */
    agentlessVmScanning?: boolean;
    /** Force this configuration on descendant scopes (`enforce: "True"`). Default: not set. */
    enforce?: boolean;
}

export class DefenderForContainers extends pulumi.ComponentResource {
    public readonly pricingId: pulumi.Output<string>;
    public readonly scopeId: pulumi.Output<string>;
    /**
     * What the deployed plan covers, for other stacks: export it from the stack that owns the
     * subscription's pricing (`export const defenderForContainers = defender.coverage`), and
     * stack-registry-scanning in any stack that holds a StackReference to it counts the
     * subscription's registries as scanned. Built from the Pricing's outputs, not from the args.
     */
    public readonly coverage: pulumi.Output<DefenderCoverage>;

    constructor(name: string, args: DefenderForContainersArgs, opts?: pulumi.ComponentResourceOptions) {
        super(DEFENDER_FOR_CONTAINERS_TYPE, name, {}, opts);
        if ((args as { acknowledgeSubscriptionWide?: unknown } | undefined)?.acknowledgeSubscriptionWide !== true) {
            throw new Error("DefenderForContainers: enables Defender for Containers (Standard, billed) for the whole subscription; set acknowledgeSubscriptionWide: true to confirm");
        }
        if (args.subscriptionId === undefined || args.subscriptionId === "") {
            throw new Error("DefenderForContainers: subscriptionId is required");
        }
        const subscriptionId = checked(args.subscriptionId, (id) => {
            if (typeof id !== "string" || !GUID_RE.test(id)) {
                throw new Error(`DefenderForContainers: subscriptionId must be a subscription GUID, got ${JSON.stringify(id)}`);
            }
        });
        this.scopeId = pulumi.interpolate`/subscriptions/${subscriptionId}`;

        const enabled: Record<ContainersPlanExtension, boolean> = {
            ContainerRegistriesVulnerabilityAssessments: true,
            AgentlessDiscoveryForKubernetes: true,
            ContainerSensor: args.containerSensor ?? false,
            AgentlessVmScanning: args.agentlessVmScanning ?? false,
        };
        const pricing = new security.Pricing(`${name}-containers`, {
            pricingName: "Containers",
            scopeId: this.scopeId,
            pricingTier: security.PricingTier.Standard,
            // Every extension listed with an explicit state, so nothing is left to a service default.
            extensions: CONTAINERS_PLAN_EXTENSIONS.map((ext) => ({
                name: ext,
                isEnabled: enabled[ext] ? security.IsEnabled.True : security.IsEnabled.False,
            })),
            ...(args.enforce !== undefined ? { enforce: args.enforce ? security.Enforce.True : security.Enforce.False } : {}),
        }, { parent: this });
        this.pricingId = pricing.id;
        this.coverage = pulumi.all([pricing.pricingTier, pricing.extensions, this.scopeId]).apply(([tier, extensions, scopeId]) => ({
            kind: DEFENDER_COVERAGE_KIND,
            plan: "Containers",
            pricingTier: tier,
            registryVulnerabilityAssessment: (extensions ?? []).some((e) => e.name === "ContainerRegistriesVulnerabilityAssessments" && e.isEnabled === security.IsEnabled.True),
            scopeId,
        }));
        this.registerOutputs({ pricingId: this.pricingId, scopeId: this.scopeId, coverage: this.coverage });
    }
}
