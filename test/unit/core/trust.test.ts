import { parseReference } from "../../../core/reference";
import { checkNotLatest, checkPinnedByDigest, checkTrustedRegistry } from "../../../core/rules";
import { TrustEntry, entryMatches, exemptionMatches, parseExemption, parseTrustEntry } from "../../../core/trust";

const D = `sha256:${"e".repeat(64)}`;

function entry(raw: string): TrustEntry {
    const p = parseTrustEntry(raw);
    if (!p.ok) throw new Error(p.failure.message);
    return p.entry;
}
function matches(raw: string, image: string): boolean {
    const r = parseReference(image);
    if (!r.ok) throw new Error(r.failure.message);
    return entryMatches(entry(raw), r.ref);
}

describe("trust entries", () => {
    it("a host entry matches its host exactly, port included", () => {
        expect(matches("contoso.azurecr.io", "contoso.azurecr.io/app:1")).toBe(true);
        expect(matches("contoso.azurecr.io", "contoso.azurecr.io/team/app")).toBe(true);
        expect(matches("contoso.azurecr.io", "contoso.azurecr.io.evil.com/x")).toBe(false);
        expect(matches("contoso.azurecr.io", "evil.com/contoso.azurecr.io/x")).toBe(false);
        expect(matches("contoso.azurecr.io", "contoso.azurecr.io:443/app")).toBe(false);
        expect(matches("contoso.azurecr.io", "xcontoso.azurecr.io/app")).toBe(false);
        expect(matches("localhost:5000", "localhost:5000/app")).toBe(true);
        expect(matches("localhost:5000", "localhost:5001/app")).toBe(false);
        expect(matches("localhost:5000", "localhost/app")).toBe(false);
    });

    it("a path entry matches on a path-segment boundary", () => {
        expect(matches("contoso.azurecr.io/team/", "contoso.azurecr.io/team/app")).toBe(true);
        expect(matches("contoso.azurecr.io/team/", "contoso.azurecr.io/team/sub/app")).toBe(true);
        expect(matches("contoso.azurecr.io/team/", "contoso.azurecr.io/teamevil/app")).toBe(false);
        expect(matches("contoso.azurecr.io/team/", "contoso.azurecr.io/team")).toBe(false);
        expect(matches("contoso.azurecr.io/team", "contoso.azurecr.io/team")).toBe(true);
        expect(matches("contoso.azurecr.io/team", "contoso.azurecr.io/team/app")).toBe(true);
        expect(matches("contoso.azurecr.io/team", "contoso.azurecr.io/team-evil")).toBe(false);
        expect(matches("mcr.microsoft.com/oss/", "mcr.microsoft.com/oss/nginx/nginx:1.25")).toBe(true);
        expect(matches("mcr.microsoft.com/oss/", "mcr.microsoft.com/ossevil/nginx")).toBe(false);
    });

    it("Docker Hub entries match every spelling of a Hub image", () => {
        for (const e of ["docker.io/library/nginx", "docker.io/nginx", "index.docker.io/library/nginx", "library/nginx"]) {
            for (const image of ["nginx", "library/nginx", "docker.io/nginx", "docker.io/library/nginx", "index.docker.io/library/nginx", "index.docker.io/nginx:1"]) {
                expect([e, image, matches(e, image)]).toEqual([e, image, true]);
            }
            expect(matches(e, "nginxevil")).toBe(false);
            expect(matches(e, "evil/nginx")).toBe(false);
        }
        for (const e of ["docker.io", "index.docker.io"]) {
            expect(matches(e, "nginx")).toBe(true);
            expect(matches(e, "bitnami/redis")).toBe(true);
            expect(matches(e, "registry-1.docker.io/library/nginx")).toBe(false);
        }
        expect(matches("docker.io/bitnami/", "bitnami/redis")).toBe(true);
        expect(matches("docker.io/bitnami/", "bitnamievil/redis")).toBe(false);
        expect(matches("docker.io/library/", "nginx")).toBe(true);
        expect(matches("library/", "nginx")).toBe(true);
        expect(matches("docker.io/library/", "bitnami/nginx")).toBe(false);
    });

    it.each([
        ["nginx", /ambiguous/],
        ["", /empty/],
        ["contoso.azurecr.io/app:1.0", /names a tag/],
        ["contoso.azurecr.io/*", /wildcards/],
        [`contoso.azurecr.io/app@${D}`, /'@'/],
        ["contoso.azurecr.io/Team/", /lowercase/],
        ["contoso .azurecr.io", /whitespace/],
        ["conto\u0455o.azurecr.io", /printable ASCII/],
        ["bad_host.io", /not a valid registry host/],
    ])("rejects %p with a reason", (raw, reason) => {
        const p = parseTrustEntry(raw);
        expect(p.ok).toBe(false);
        if (!p.ok) expect(p.failure.message).toMatch(reason);
    });

    it("rejects non-strings", () => {
        expect(parseTrustEntry(42)).toEqual({ ok: false, failure: { code: "not-a-string", message: "must be a string" } });
    });
});

describe("exemptions", () => {
    function exempt(raw: string, image: string): boolean {
        const e = parseExemption(raw);
        if (!e.ok) throw new Error(e.failure.message);
        const r = parseReference(image);
        if (!r.ok) throw new Error(r.failure.message);
        return exemptionMatches(e.exemption, r.ref);
    }
    it("exact references match after normalization, and only exactly", () => {
        expect(exempt("nginx:1.27", "docker.io/library/nginx:1.27")).toBe(true);
        expect(exempt("nginx:1.27", "nginx:1.28")).toBe(false);
        expect(exempt("nginx:1.27", "nginx")).toBe(false);
        expect(exempt(`nginx@${D}`, `index.docker.io/library/nginx@${D}`)).toBe(true);
    });
    it("a bare repository exempts every tag and digest of that repository only", () => {
        expect(exempt("docker.io/library/nginx", "nginx:1.27")).toBe(true);
        expect(exempt("docker.io/library/nginx", `nginx@${D}`)).toBe(true);
        expect(exempt("docker.io/library/nginx", "docker.io/library/nginx-evil")).toBe(false);
        expect(exempt("docker.io/library/nginx", "docker.io/library/nginx/sub")).toBe(false);
    });
    it("prefixes must end in / and match below it", () => {
        expect(exempt("contoso.azurecr.io/istio/", "contoso.azurecr.io/istio/proxy:1")).toBe(true);
        expect(exempt("contoso.azurecr.io/istio/", "contoso.azurecr.io/istio-evil/proxy:1")).toBe(false);
        const star = parseExemption("contoso.azurecr.io/istio*");
        expect(star.ok).toBe(false);
    });
});

describe("rules", () => {
    const ref = (s: string) => {
        const r = parseReference(s);
        if (!r.ok) throw new Error(r.failure.message);
        return r.ref;
    };
    it("trusted registry lists what is trusted", () => {
        const f = checkTrustedRegistry(ref("nginx"), [entry("contoso.azurecr.io")]);
        expect(f?.reason).toBe("docker.io/library/nginx is not in a trusted registry (trusted: contoso.azurecr.io)");
        expect(checkTrustedRegistry(ref("contoso.azurecr.io/a"), [entry("contoso.azurecr.io")])).toBeUndefined();
        expect(checkTrustedRegistry(ref("contoso.azurecr.io/a"), [])?.reason).toMatch(/none configured/);
    });
    it("digest pinning: tag+digest counts as pinned", () => {
        expect(checkPinnedByDigest(ref(`app:1@${D}`))).toBeUndefined();
        expect(checkPinnedByDigest(ref(`app@${D}`))).toBeUndefined();
        expect(checkPinnedByDigest(ref("app:1"))?.reason).toMatch(/tag "1"/);
        expect(checkPinnedByDigest(ref("app"))?.reason).toMatch(/tag "latest"/);
    });
    it("digest fix: offers keeping a written tag beside the digest, and no second form when none was written", () => {
        expect(checkPinnedByDigest(ref("contoso.azurecr.io/app:1.2"))?.fix).toBe("reference it by digest: contoso.azurecr.io/app@sha256:<digest> (or contoso.azurecr.io/app:1.2@sha256:<digest>)");
        expect(checkPinnedByDigest(ref("nginx"))?.fix).toBe("reference it by digest: nginx@sha256:<digest>");
    });
    it("latest: explicit or implied", () => {
        expect(checkNotLatest(ref("app"))?.reason).toMatch(/no tag and no digest/);
        expect(checkNotLatest(ref("app:latest"))?.reason).toMatch(/mutable tag "latest"/);
        expect(checkNotLatest(ref(`app:latest@${D}`))?.fix).toMatch(/drop the "latest" tag/);
        expect(checkNotLatest(ref("myreg:5000/app"))).toBeDefined();
        expect(checkNotLatest(ref("app:1.2"))).toBeUndefined();
        expect(checkNotLatest(ref(`app@${D}`))).toBeUndefined();
        expect(checkNotLatest(ref("app:latest-build"))).toBeUndefined();
    });
});
