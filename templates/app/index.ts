/**
 * An application stack on an imagegate platform: a namespace, a Deployment and a Service. The image
 * is resolved to a digest by TrustedImage at every run and judged with the platform's policy config
 * (policy-config.json, also given to the pack at preview), so the Deployment only ever names an
 * image that is trusted, pinned and scanned.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { TrustedImage, loadPolicySettings } from "imagegate/components";

const config = new pulumi.Config();
const registry = config.require("registry");
const repository = config.require("repository");
const tag = config.require("tag");
const digest = config.get("digest");
const namespace = config.get("namespace") ?? "app";
const replicas = config.getNumber("replicas") ?? 2;
const port = config.getNumber("port") ?? 8080;
const imageGate = config.get("imageGate") === "audit" ? "audit" : "enforce";

// The pack resolves relative paths in the policy config (reports, certificates) against its own
// directory; this template keeps them relative to the project, next to policy-config.json.
const policy = loadPolicySettings(path.join(__dirname, config.get("policyConfig") ?? "policy-config.json"), __dirname);

const image = new TrustedImage("app", {
    registry,
    repository,
    tag,
    ...(digest ? { digest } : {}),
    policy,
    mode: imageGate,
});

const labels = { app: pulumi.getProject() };
const ns = new k8s.core.v1.Namespace("app", {
    metadata: { name: namespace, labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
});

new k8s.apps.v1.Deployment("app", {
    metadata: { namespace: ns.metadata.name, labels },
    spec: {
        replicas,
        selector: { matchLabels: labels },
        template: {
            metadata: { labels },
            spec: {
                automountServiceAccountToken: false,
                securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                containers: [{
                    name: "app",
                    image: image.reference,
                    ports: [{ containerPort: port }],
                    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
                }],
            },
        },
    },
});

new k8s.core.v1.Service("app", {
    metadata: { namespace: ns.metadata.name, labels },
    spec: { selector: labels, ports: [{ port: 80, targetPort: port }] },
});

export const deployedImage = image.reference;
