import { expectValue } from "../lib/checks";
import { ResourcePolicyBaseConfig, resourcePolicy } from "../lib/resource-policy";
import { MANAGED_CLUSTER } from "../lib/azure-kinds";

export const aksDefenderProfile = resourcePolicy<ResourcePolicyBaseConfig>({
    name: "aks-defender-profile",
    displayName: "AKS runs the Defender sensor",
    description: "AKS clusters must run the Microsoft Defender for Containers sensor, reporting to a Log Analytics workspace (runtime threat detection, and the running-image inventory Defender scans).",
    severity: "medium",
    remediationSteps: "Set `securityProfile: { defender: { securityMonitoring: { enabled: true }, logAnalyticsWorkspaceResourceId: <workspace id> } }` and enable the Defender for Containers plan (defender-containers-plan).",
    appliesTo: [MANAGED_CLUSTER],
    checks: [{
        id: "defender-sensor",
        title: "securityProfile.defender.securityMonitoring.enabled is true with a logAnalyticsWorkspaceResourceId",
        evaluate: (ctx) => {
            const enabled = expectValue(ctx, "securityProfile.defender.securityMonitoring.enabled", {
                accept: [true],
                what: "the Defender sensor",
                fix: "set securityProfile.defender.securityMonitoring.enabled: true",
            });
            if (enabled.length) return enabled;
            const ws = ctx.read("securityProfile.defender.logAnalyticsWorkspaceResourceId");
            if (ws.state === "unknown") return [{ kind: "unknown", path: ws.path, what: "the Defender workspace" }];
            if (ws.state === "value" && typeof ws.value === "string" && ws.value.trim() !== "") return [];
            return [{ kind: "violation", path: ws.path, problem: "the Defender sensor has no Log Analytics workspace to report to", fix: "set securityProfile.defender.logAnalyticsWorkspaceResourceId to a workspace resource ID" }];
        },
    }],
});
