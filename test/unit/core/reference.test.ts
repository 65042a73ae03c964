import { familiarName, formatReference, parseReference, ReferenceErrorCode } from "../../../core/reference";

const HEX64 = "a".repeat(64);
const D = `sha256:${HEX64}`;

function ok(input: string) {
    const r = parseReference(input);
    if (!r.ok) throw new Error(`expected ${input} to parse, got ${r.failure.code}: ${r.failure.message}`);
    return r.ref;
}
function err(input: unknown): ReferenceErrorCode {
    const r = parseReference(input);
    if (r.ok) throw new Error(`expected ${String(input)} to be rejected, got ${formatReference(r.ref)}`);
    return r.failure.code;
}

describe("normalization as docker and containerd do it", () => {
    it.each([
        ["nginx", "docker.io/library/nginx"],
        ["library/nginx", "docker.io/library/nginx"],
        ["docker.io/nginx", "docker.io/library/nginx"],
        ["docker.io/library/nginx", "docker.io/library/nginx"],
        ["index.docker.io/library/nginx", "docker.io/library/nginx"],
        ["index.docker.io/nginx", "docker.io/library/nginx"],
        ["bitnami/nginx", "docker.io/bitnami/nginx"],
        ["contoso.azurecr.io/team/app", "contoso.azurecr.io/team/app"],
        ["localhost/app", "localhost/app"],
        ["localhost:5000/app", "localhost:5000/app"],
        ["myreg:5000/nginx", "myreg:5000/nginx"],
        ["127.0.0.1:5000/a/b/c", "127.0.0.1:5000/a/b/c"],
        ["[::1]:5000/app", "[::1]:5000/app"],
        ["a.b.c/d__e/f-g.h_i", "a.b.c/d__e/f-g.h_i"],
        ["registry-1.docker.io/library/nginx", "registry-1.docker.io/library/nginx"],
    ])("%s → %s", (input, name) => {
        expect(ok(input).name).toBe(name);
    });

    it("keeps tag and digest, and formats the canonical string", () => {
        const ref = ok(`nginx:1.27@${D}`);
        expect(ref).toEqual({ domain: "docker.io", path: "library/nginx", name: "docker.io/library/nginx", tag: "1.27", digest: D });
        expect(formatReference(ref)).toBe(`docker.io/library/nginx:1.27@${D}`);
        expect(familiarName(ref)).toBe(`nginx:1.27@${D}`);
    });

    it("reads a port as part of the host, not as a tag", () => {
        const ref = ok("myreg:5000/nginx");
        expect(ref.tag).toBeUndefined();
        expect(ref.domain).toBe("myreg:5000");
        expect(ok("myreg:5000/nginx:1.0").tag).toBe("1.0");
    });

    it("treats an upper-case first component as a domain, like docker", () => {
        expect(ok("Contoso.azurecr.io/app").domain).toBe("Contoso.azurecr.io");
        expect(ok("LOCALREG/app").domain).toBe("LOCALREG");
    });

    it("accepts sha384 and sha512 digests of the right size", () => {
        expect(ok(`app@sha384:${"b".repeat(96)}`).digest).toBe(`sha384:${"b".repeat(96)}`);
        expect(ok(`app@sha512:${"c".repeat(128)}`).digest).toBe(`sha512:${"c".repeat(128)}`);
    });

    it("accepts a 128-character tag", () => {
        expect(ok(`app:${"t".repeat(128)}`).tag).toHaveLength(128);
    });
});

describe("rejections, each with the reason", () => {
    it.each<[unknown, ReferenceErrorCode]>([
        ["", "empty"],
        [42, "not-a-string"],
        [null, "not-a-string"],
        [{ image: "nginx" }, "not-a-string"],
        [" nginx", "whitespace"],
        ["nginx ", "whitespace"],
        ["nginx\n", "whitespace"],
        ["ngin\u0445", "invalid-characters"], // Cyrillic х
        ["contoso.azurecr\u2024io/app", "invalid-characters"], // one-dot leader
        ["contoso.azurecr.io/\u0430pp", "invalid-characters"], // Cyrillic а
        ["Nginx", "uppercase-repository"],
        ["contoso.azurecr.io/Team/app", "uppercase-repository"],
        ["docker.io/Library/nginx", "uppercase-repository"],
        [HEX64, "hex-identifier"],
        [`app:${"t".repeat(129)}`, "invalid-tag"],
        ["app:.hidden", "invalid-tag"],
        ["app:-x", "invalid-tag"],
        ["app:", "invalid-tag"],
        ["app@sha256:abc", "invalid-digest"],
        [`app@sha256:${"g".repeat(64)}`, "invalid-digest"],
        [`app@sha256:${"A".repeat(64)}`, "invalid-digest"],
        [`app@sha256:${"a".repeat(63)}`, "invalid-digest"],
        [`app@sha256:${"a".repeat(65)}`, "invalid-digest"],
        [`app@sha512:${"a".repeat(64)}`, "invalid-digest"],
        [`app@md5:${"a".repeat(32)}`, "unknown-digest-algorithm"],
        [`app@sha1:${"a".repeat(40)}`, "unknown-digest-algorithm"],
        [`app@${HEX64}`, "invalid-digest"],
        [`app@@${D}`, "invalid-format"],
        [`app@${D}@${D}`, "invalid-format"],
        ["app//x", "invalid-format"],
        ["/app", "invalid-format"],
        ["app/", "invalid-format"],
        ["a..b/c", "invalid-domain"],
        ["-reg.io/app", "invalid-domain"],
        ["reg.io:port/app", "invalid-domain"],
        ["contoso.azurecr.io/a--", "invalid-format"],
        ["contoso.azurecr.io/a___b", "invalid-format"],
        ["contoso.azurecr.io/.a", "invalid-format"],
        [":tag", "invalid-format"],
        [`${"a".repeat(250)}.io/${"b".repeat(10)}`, "name-too-long"],
    ])("%p → %s", (input, code) => {
        expect(err(input)).toBe(code);
    });

    it("says what is wrong in words", () => {
        expect(parseReference(`app@sha256:${"a".repeat(63)}`)).toMatchObject({ ok: false, failure: { message: expect.stringMatching(/64 hex digits, not 63/) } });
        expect(parseReference("contoso.azurecr.io/Team/app")).toMatchObject({ ok: false, failure: { message: expect.stringMatching(/must be lowercase/) } });
    });
});

describe("adversarial spellings keep their real host", () => {
    it.each([
        ["contoso.azurecr.io.evil.com/x", "contoso.azurecr.io.evil.com"],
        ["evil.com/contoso.azurecr.io/x", "evil.com"],
        ["contoso.azurecr.io:443/x", "contoso.azurecr.io:443"],
        ["contoso/x", "docker.io"], // not an ACR: a Docker Hub namespace
    ])("%s is on %s", (input, domain) => {
        expect(ok(input).domain).toBe(domain);
    });
});
