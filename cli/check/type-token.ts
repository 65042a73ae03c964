/** The Pulumi type token the pack sees for a Kubernetes object (`apps/v1` Deployment → `kubernetes:apps/v1:Deployment`). */
export function kubernetesTypeToken(apiVersion: unknown, kind: unknown): string {
    if (typeof apiVersion !== "string" || !apiVersion.trim()) throw new Error("apiVersion is missing or not a string");
    if (typeof kind !== "string" || !kind.trim()) throw new Error("kind is missing or not a string");
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(kind)) throw new Error(`kind ${JSON.stringify(kind)} is not a Kubernetes kind`);
    const parts = apiVersion.split("/");
    // The core group has no name in apiVersion ("v1"); Pulumi calls it "core".
    const [group, version] = parts.length === 1 ? ["core", parts[0]] : parts;
    if (parts.length > 2 || !group || !/^[a-z0-9.-]+$/.test(group) || !/^v[0-9]+[a-z0-9]*$/.test(version ?? "")) {
        throw new Error(`apiVersion ${JSON.stringify(apiVersion)} is not <group>/<version> or <version>`);
    }
    return `kubernetes:${group}/${version}:${kind}`;
}
