/**
 * Validation of component inputs that may be plain values or Outputs: plain values are checked at
 * construction (the error surfaces on `new`), Outputs when they resolve (the error fails the
 * deployment step with the same message). Never both silently.
 */
import * as pulumi from "@pulumi/pulumi";

/** Applies `check` now when `value` is a plain value, otherwise when the Output resolves. */
export function checked<T>(value: pulumi.Input<T>, check: (v: T) => void): pulumi.Output<T> {
    if (!pulumi.Output.isInstance(value) && !isPromise(value)) {
        check(value as T);
        return pulumi.output(value) as pulumi.Output<T>;
    }
    return pulumi.output(value).apply((v) => {
        check(v as T);
        return v;
    }) as pulumi.Output<T>;
}

function isPromise(v: unknown): boolean {
    return typeof (v as { then?: unknown } | null)?.then === "function";
}

/** Throws unless `uri` is an absolute https:// URL with a host and no embedded user:password. */
export function requireHttpsUrl(uri: string, what: string): void {
    let url: URL;
    try {
        url = new URL(uri);
    } catch {
        throw new Error(`${what} must be an absolute https:// URL, got a value that is not a URL`);
    }
    // Never echo the URL: webhook and trigger URLs often carry tokens.
    if (url.protocol !== "https:") throw new Error(`${what} must use https://, got ${url.protocol}//`);
    if (!url.hostname) throw new Error(`${what} has no host`);
    if (url.username || url.password) throw new Error(`${what} must not embed credentials (user:password@); use custom headers held as secrets`);
}

/** Rejects a plain string where a secret is required; wraps an Output as a secret. */
export function requireSecretInput(value: unknown, what: string): pulumi.Output<string> {
    if (!pulumi.Output.isInstance(value)) {
        throw new Error(`${what} must be a Pulumi secret Output (config.requireSecret(...) or pulumi.secret(...)), not a plain ${typeof value}: a plain string would be stored unencrypted in the state`);
    }
    return pulumi.secret(value as pulumi.Output<string>);
}

/** Name for Azure resources that accept only letters and digits (registries, webhooks), 5–50 chars. */
export function alphanumericName(base: string, suffix: string): string {
    const clean = (base + suffix).replace(/[^A-Za-z0-9]/g, "");
    const name = clean.slice(0, 50);
    if (name.length < 5) throw new Error(`cannot derive a 5–50 character alphanumeric name from "${base}${suffix}"; pass an explicit name`);
    return name;
}

export const ALPHANUMERIC_NAME = /^[A-Za-z0-9]{5,50}$/;
