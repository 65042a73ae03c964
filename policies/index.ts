/**
 * The imagegate policy pack, as the Pulumi CLI loads it (`pulumi preview --policy-pack policies`).
 * Only the port may be written to stdout.
 */
import { PolicyPack } from "@pulumi/policy";
import { catalog } from "./catalog";
import { installAnalyzerSeam } from "./lib/sdk";

installAnalyzerSeam(catalog);

new PolicyPack("imagegate", {
    description: "Keeps untrusted, mutable, unscanned and unsigned container images, and weak ACR/AKS/Defender settings, out of Azure deployments.",
    displayName: "imagegate",
    enforcementLevel: "mandatory",
    policies: catalog,
});
