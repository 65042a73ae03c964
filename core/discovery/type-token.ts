/** Pulumi type tokens, plain and versioned, for the three providers imagegate judges. */

/** Parsed Pulumi type token: `pkg:module[/version]:Kind`. */
export interface TypeToken {
    readonly pkg: string;
    /**
     * `apps`, `app`, `containerapp`, … For classic `@pulumi/azure` tokens (`azure:containerapp/app:App`)
     * the module is the part before the slash; the rest only repeats the kind.
     */
    readonly module: string;
    readonly version?: string;
    readonly kind: string;
}

export function parseTypeToken(type: string): TypeToken | undefined {
    const parts = type.split(":");
    if (parts.length !== 3) return undefined;
    const [pkg, mod, kind] = parts;
    const slash = mod.lastIndexOf("/");
    // azure-native versions look like v20250101 / v20230101preview; kubernetes tokens carry group/version.
    if (pkg === "azure-native" && slash !== -1 && /^v\d{8}[a-z0-9]*$/.test(mod.slice(slash + 1))) {
        return { pkg, module: mod.slice(0, slash), version: mod.slice(slash + 1), kind };
    }
    if (pkg === "kubernetes" && slash !== -1) {
        return { pkg, module: mod.slice(0, slash), version: mod.slice(slash + 1), kind };
    }
    if (pkg === "azure" && slash !== -1) return { pkg, module: mod.slice(0, mod.indexOf("/")), kind };
    return { pkg, module: mod, kind };
}

/** Whether `type` is azure-native `module:kind` in any API version. */
export function isAzureType(type: string, module: string, kind: string): boolean {
    const t = parseTypeToken(type);
    return t !== undefined && t.pkg === "azure-native" && t.module === module && t.kind === kind;
}
