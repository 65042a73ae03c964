/**
 * Container image references, parsed and normalized exactly as the container runtime does
 * (github.com/distribution/reference, used by docker and containerd), so that what the gate judges
 * is what the kubelet pulls.
 */
import { fail, type Failed, type Failure } from "./result";

/** A parsed, normalized reference. `name` is always fully qualified (`docker.io/library/nginx`). */
export interface ImageReference {
    /** Registry host as the runtime addresses it, port included (`docker.io`, `localhost:5000`). */
    readonly domain: string;
    /** Repository path below the domain (`library/nginx`, `team/app`). */
    readonly path: string;
    /** `domain/path`. */
    readonly name: string;
    readonly tag?: string;
    /** `algorithm:hex`, validated. */
    readonly digest?: string;
}

export type ReferenceErrorCode =
    | "not-a-string"
    | "empty"
    | "whitespace"
    | "invalid-characters"
    | "invalid-format"
    | "uppercase-repository"
    | "hex-identifier"
    | "name-too-long"
    | "invalid-domain"
    | "invalid-tag"
    | "unknown-digest-algorithm"
    | "invalid-digest";

export type ReferenceFailure = Failure<ReferenceErrorCode>;

export type ParseResult = { ok: true; ref: ImageReference } | Failed<ReferenceErrorCode>;

export const DOCKER_HUB = "docker.io";
const LEGACY_HUB = "index.docker.io";
const OFFICIAL_PREFIX = "library/";
/** distribution/reference NameTotalLengthMax */
const NAME_TOTAL_LENGTH_MAX = 255;

// Grammar from distribution/reference regexp.go, anchored.
const ALNUM = "[a-z0-9]+";
const SEPARATOR = "(?:[._]|__|[-]+)";
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const REMOTE_NAME = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const IPV6 = "\\[(?:[a-fA-F0-9:]+)\\]";
const DOMAIN_AND_PORT = new RegExp(`^(?:${DOMAIN_NAME}|${IPV6})(?::[0-9]+)?$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST_SYNTAX = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const HEX_IDENTIFIER = /^[a-f0-9]{64}$/;

/** Digest algorithms registered with go-digest, and the exact length of their lowercase hex. */
export const DIGEST_ALGORITHMS: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };


/** Validates `algorithm:hex` as go-digest does (registered algorithm, exact-length lowercase hex). */
export function validateDigest(digest: string): ReferenceFailure | undefined {
    if (!DIGEST_SYNTAX.test(digest)) {
        return { code: "invalid-digest", message: `digest "${digest}" is not of the form algorithm:hex (at least 32 hex digits)` };
    }
    const [algorithm, hex] = digest.split(":", 2);
    const size = DIGEST_ALGORITHMS[algorithm];
    if (size === undefined) {
        return {
            code: "unknown-digest-algorithm",
            message: `digest algorithm "${algorithm}" is not registered (use ${Object.keys(DIGEST_ALGORITHMS).join(", ")})`,
        };
    }
    if (!/^[a-f0-9]+$/.test(hex)) {
        return { code: "invalid-digest", message: `${algorithm} digest must be lowercase hex` };
    }
    if (hex.length !== size) {
        return { code: "invalid-digest", message: `${algorithm} digest must have ${size} hex digits, not ${hex.length}` };
    }
    return undefined;
}

/**
 * Splits a name into domain and remainder the way docker does: the first component is a domain only
 * if it contains "." or ":", is "localhost", or has upper-case letters; otherwise the image is on
 * Docker Hub, and a single-component Hub name lives under `library/`.
 */
export function splitDomain(name: string): { domain: string; remainder: string } {
    const i = name.indexOf("/");
    let domain: string;
    let remainder: string;
    const first = i === -1 ? "" : name.slice(0, i);
    if (i === -1 || (!/[.:]/.test(first) && first !== "localhost" && first.toLowerCase() === first)) {
        domain = DOCKER_HUB;
        remainder = name;
    } else {
        domain = first;
        remainder = name.slice(i + 1);
    }
    if (domain === LEGACY_HUB) domain = DOCKER_HUB;
    if (domain === DOCKER_HUB && !remainder.includes("/")) remainder = OFFICIAL_PREFIX + remainder;
    return { domain, remainder };
}

/** Parses and normalizes an image reference. Never throws. */
export function parseReference(input: unknown): ParseResult {
    if (typeof input !== "string") return fail("not-a-string", `image must be a string, got ${describe(input)}`);
    if (input.length === 0) return fail("empty", "image reference is empty");
    if (/\s/.test(input)) return fail("whitespace", "image reference contains whitespace");
    // Anything outside printable ASCII (unicode look-alikes, control characters) is never valid.
    if (/[^\x21-\x7e]/.test(input)) {
        return fail("invalid-characters", "image reference contains characters outside printable ASCII (look-alike or control characters)");
    }
    if (HEX_IDENTIFIER.test(input)) {
        return fail("hex-identifier", "a 64-character hex string is an image ID, not a reference; use repository@sha256:<hex>");
    }

    // Split off the digest, then the tag (a ":" after the last "/" is a tag, before it a port).
    let rest = input;
    let digest: string | undefined;
    const at = rest.indexOf("@");
    if (at !== -1) {
        digest = rest.slice(at + 1);
        rest = rest.slice(0, at);
        if (digest.includes("@")) return fail("invalid-format", "image reference contains more than one '@'");
        const err = validateDigest(digest);
        if (err) return { ok: false, failure: err };
    }
    let tag: string | undefined;
    const colon = rest.lastIndexOf(":");
    if (colon > rest.lastIndexOf("/")) {
        tag = rest.slice(colon + 1);
        rest = rest.slice(0, colon);
        if (!TAG.test(tag)) {
            return fail("invalid-tag", tag.length > 128
                ? `tag is ${tag.length} characters long (at most 128)`
                : `tag "${tag}" is not valid (letters, digits, '_', '.', '-', not starting with '.' or '-')`);
        }
    }
    if (rest.length === 0) return fail("invalid-format", "image reference has no repository name");

    const { domain, remainder } = splitDomain(rest);
    if (!DOMAIN_AND_PORT.test(domain)) return fail("invalid-domain", `registry "${domain}" is not a valid host[:port]`);
    if (remainder.toLowerCase() !== remainder) {
        return fail("uppercase-repository", `repository name "${remainder}" must be lowercase`);
    }
    if (!REMOTE_NAME.test(remainder)) {
        return fail("invalid-format",
            `repository name "${remainder}" is not valid (lowercase components of a-z, 0-9 joined by '.', '_', '__' or '-', separated by '/')`);
    }
    const name = `${domain}/${remainder}`;
    if (name.length > NAME_TOTAL_LENGTH_MAX) {
        return fail("name-too-long", `repository name is ${name.length} characters long (at most ${NAME_TOTAL_LENGTH_MAX})`);
    }
    const ref: ImageReference = { domain, path: remainder, name, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
    return { ok: true, ref };
}

/** The canonical, fully qualified string: `docker.io/library/nginx:1.25@sha256:…`. */
export function formatReference(ref: ImageReference): string {
    return ref.name + (ref.tag !== undefined ? `:${ref.tag}` : "") + (ref.digest !== undefined ? `@${ref.digest}` : "");
}

/** The short form docker prints (`nginx:1.25`), for messages. */
export function familiarName(ref: ImageReference): string {
    let name = ref.name;
    if (ref.domain === DOCKER_HUB) {
        name = ref.path.startsWith(OFFICIAL_PREFIX) && !ref.path.slice(OFFICIAL_PREFIX.length).includes("/")
            ? ref.path.slice(OFFICIAL_PREFIX.length)
            : ref.path;
    }
    return name + (ref.tag !== undefined ? `:${ref.tag}` : "") + (ref.digest !== undefined ? `@${ref.digest}` : "");
}

/** A tag that is implied (`latest`) when a reference has neither tag nor digest. */
export function effectiveTag(ref: ImageReference): string | undefined {
    if (ref.tag !== undefined) return ref.tag;
    return ref.digest === undefined ? "latest" : undefined;
}

export function describe(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "an array";
    if (typeof value === "string") return `"${value}"`;
    return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}
