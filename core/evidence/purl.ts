/**
 * Package URLs (github.com/package-url/purl-spec), as much as VEX product matching needs: the
 * components split and percent-decoded, and the `pkg:oci` URL of an image digest. Pure.
 */
import { ImageReference, parseReference } from "../reference";

export interface PackageUrl {
    readonly type: string;
    readonly namespace: string;
    readonly name: string;
    readonly version: string;
    readonly qualifiers: ReadonlyMap<string, string>;
    readonly subpath: string;
}

const MAX_PURL_LENGTH = 4096;

function decode(s: string): string | undefined {
    try {
        return decodeURIComponent(s);
    } catch {
        return undefined;
    }
}

/** Parses a purl; undefined when it is not one (a malformed identifier never matches anything). */
export function parsePurl(text: string): PackageUrl | undefined {
    if (text.length > MAX_PURL_LENGTH || !/^pkg:/i.test(text)) return undefined;
    let rest = text.slice(4).replace(/^\/+/, "");
    let subpath = "";
    const hash = rest.indexOf("#");
    if (hash !== -1) {
        subpath = rest.slice(hash + 1).split("/").filter((s) => s && s !== "." && s !== "..").map((s) => decode(s) ?? "\u0000").join("/");
        rest = rest.slice(0, hash);
    }
    const qualifiers = new Map<string, string>();
    const q = rest.indexOf("?");
    if (q !== -1) {
        for (const pair of rest.slice(q + 1).split("&")) {
            if (!pair) continue;
            const eq = pair.indexOf("=");
            if (eq <= 0) return undefined;
            const value = decode(pair.slice(eq + 1));
            if (value === undefined) return undefined;
            if (value !== "") qualifiers.set(pair.slice(0, eq).toLowerCase(), value);
        }
        rest = rest.slice(0, q);
    }
    let version = "";
    const at = rest.lastIndexOf("@");
    if (at !== -1) {
        const v = decode(rest.slice(at + 1));
        if (v === undefined) return undefined;
        version = v;
        rest = rest.slice(0, at);
    }
    const parts = rest.split("/").filter((p) => p.length > 0);
    if (parts.length < 2) return undefined;
    const type = parts[0].toLowerCase();
    if (!/^[a-z.+-][a-z0-9.+-]*$/.test(type)) return undefined;
    const decoded = parts.slice(1).map(decode);
    if (decoded.some((p) => p === undefined)) return undefined;
    const segs = decoded as string[];
    let name = segs[segs.length - 1];
    let namespace = segs.slice(0, -1).join("/");
    // The purl spec lowercases names of these types; oci names are lowercase too.
    if (["oci", "deb", "apk", "npm", "pypi", "github", "bitbucket", "golang"].includes(type)) {
        name = type === "golang" ? name : name.toLowerCase();
        if (type !== "golang" && type !== "npm") namespace = namespace.toLowerCase();
    }
    return { type, namespace, name, version, qualifiers, subpath };
}

/** The `pkg:oci` purl of an image digest, as Trivy writes it (name = last path segment, repository_url = full name). */
export function imagePurl(ref: ImageReference, digest: string): string {
    const last = ref.path.split("/").pop() ?? ref.path;
    const quals = [`repository_url=${encodeURIComponent(ref.name).replace(/%2F/g, "/")}`];
    if (ref.tag !== undefined) quals.push(`tag=${encodeURIComponent(ref.tag)}`);
    return `pkg:oci/${last}@${encodeURIComponent(digest)}?${quals.sort().join("&")}`;
}

/** A `repository_url` qualifier normalized as the runtime names repositories (docker.io, library/). */
export function normalizeRepositoryUrl(url: string): string | undefined {
    const bare = url.replace(/^[a-z]+:\/\//i, "").replace(/\/+$/, "");
    const parsed = parseReference(bare);
    return parsed.ok && parsed.ref.tag === undefined && parsed.ref.digest === undefined ? parsed.ref.name : undefined;
}
