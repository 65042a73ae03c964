/** fast-check generators for image references, built from the distribution/reference grammar. */
import fc from "fast-check";

const lowerAlnum = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789".split(""));
const alnumRun = fc.array(lowerAlnum, { minLength: 1, maxLength: 6 }).map((a) => a.join(""));
const separator = fc.constantFrom(".", "_", "__", "-", "--");
export const pathComponent = fc
    .tuple(alnumRun, fc.array(fc.tuple(separator, alnumRun), { maxLength: 2 }))
    .map(([first, rest]) => first + rest.map(([s, a]) => s + a).join(""));
const hostLabel = fc
    .array(fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789".split("")), { minLength: 1, maxLength: 8 })
    .map((a) => a.join(""));
export const domain = fc.oneof(
    fc.constantFrom("docker.io", "index.docker.io", "contoso.azurecr.io", "mcr.microsoft.com", "localhost", "localhost:5000", "127.0.0.1:5000", "[::1]:5000"),
    fc.tuple(hostLabel, fc.constantFrom(".io", ".com", ".azurecr.io"), fc.option(fc.integer({ min: 1, max: 65535 }))).map(
        ([l, tld, port]) => `${l}${tld}${port === null ? "" : `:${port}`}`,
    ),
);
export const tag = fc
    .tuple(fc.constantFrom(..."abcXYZ019_".split("")), fc.array(fc.constantFrom(..."abcXYZ019_.-".split("")), { maxLength: 20 }))
    .map(([f, r]) => f + r.join(""));
const hex = (n: number) => fc.array(fc.constantFrom(..."0123456789abcdef".split("")), { minLength: n, maxLength: n }).map((a) => a.join(""));
export const digest = fc.oneof(hex(64).map((h) => `sha256:${h}`), hex(128).map((h) => `sha512:${h}`));

/** A syntactically valid reference string, in any spelling (with or without domain). */
export const referenceString = fc
    .tuple(
        fc.option(domain, { nil: undefined }),
        fc.array(pathComponent, { minLength: 1, maxLength: 3 }),
        fc.option(tag, { nil: undefined }),
        fc.option(digest, { nil: undefined }),
    )
    // Without a domain, a first component containing "." would itself be read as a domain (as docker does).
    .map(([d, path, t, dg]) => ({ d: d ?? (path.length > 1 && path[0].includes(".") ? "docker.io" : undefined), path, t, dg }))
    .map(({ d, path, t, dg }) => `${d ? d + "/" : ""}${path.join("/")}${t ? ":" + t : ""}${dg ? "@" + dg : ""}`);
