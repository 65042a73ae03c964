/**
 * signed-images against the REAL docker-registry: Notation signatures (JWS and COSE envelopes,
 * built per the Notary Project specifications by test/support/signing.ts) pushed as OCI referrers,
 * cosign signatures pushed under the `sha256-<hex>.sig` tag — a passing case per format and every
 * failure case of the issue, each a violation with the verifier's reason.
 */
import { cosignSignatureTag } from "../../../../core/signature";
import { resetPolicyContexts } from "../../../../policies/lib/lookups";
import { setRegistryTimingsForTests } from "../../../../policies/lib/registries";
import { signedImages } from "../../../../policies/signed-images/policy";
import { FaultProxy, OCI_INDEX, OCI_MANIFEST, PushedImage, startFaultProxy, startRegistry, TestRegistry } from "../../../support/registry";
import { runResourcePolicy } from "../../../support/run-policy";
import {
    cosignLayer, cosignManifest, cosignPayload, cosignSign, ecKey, JwsOptions, KeyPair, LEAF_DN, NOTARY_SIGNATURE, notationCose, notationJws,
    publicPem, rsaKey, signingCert, testPki,
} from "../../../support/signing";

const pki = testPki();
const chain = [pki.leaf, pki.intermediate, pki.root];
const IDENTITY = "x509.subject: C=US, ST=WA, O=Contoso, OU=Build";
const cosignEc = ecKey();
const cosignRsa = rsaKey();

let reg: TestRegistry;
let proxy: FaultProxy;
beforeAll(async () => {
    reg = await startRegistry();
    proxy = await startFaultProxy(reg);
    setRegistryTimingsForTests({ timeoutMs: 1500, retries: 1, retryBaseMs: 20 });
}, 60_000);
afterAll(async () => {
    setRegistryTimingsForTests(undefined);
    await proxy?.stop();
    await reg?.stop();
});
beforeEach(() => {
    resetPolicyContexts();
    proxy.set({});
});

function config(host: string, o: { level?: string; identities?: string[]; cosign?: string[]; notation?: boolean; extra?: Record<string, unknown> } = {}): Record<string, unknown> {
    return {
        registries: [host],
        ...(o.notation === false ? {} : {
            notation: {
                trustStores: [{ name: "contoso", certificates: [pki.root.pem] }],
                trustPolicies: [{ name: "images", registryScopes: ["*"], trustStores: ["ca:contoso"], trustedIdentities: o.identities ?? [IDENTITY], level: o.level ?? "strict" }],
            },
        }),
        ...(o.cosign ? { cosign: { keys: o.cosign } } : {}),
        ...(o.extra ?? {}),
    };
}

const judge = (cfg: Record<string, unknown>, image: string) =>
    runResourcePolicy(signedImages, "azure-native:app:ContainerApp", { template: { containers: [{ name: "app", image }] } }, cfg, "app");
const text = (r: { diagnostics: { message: string; enforcementLevel?: string }[] }) => r.diagnostics.map((d) => d.message).join("\n");

const target = (img: PushedImage) => ({ mediaType: img.descriptor.mediaType, digest: img.descriptor.digest, size: img.descriptor.size });

/** Pushes a Notation signature manifest (artifactType notary, one envelope layer, subject = image). */
async function signNotation(repo: string, img: PushedImage, jws: Partial<JwsOptions> = {}, format: "jws" | "cose" = "jws", envelope?: Buffer): Promise<void> {
    const opts = { target: target(img), chain, ...jws };
    const bytes = envelope ?? (format === "jws" ? notationJws(opts) : notationCose(opts));
    await reg.pushArtifact(repo, {
        subject: img.descriptor, artifactType: NOTARY_SIGNATURE,
        layers: [{ mediaType: format === "jws" ? "application/jose+json" : "application/cose", bytes }],
    });
}

/** Pushes a cosign signature the way `cosign sign --key` does: a manifest under the `sha256-<hex>.sig` tag. */
async function signCosign(repo: string, img: PushedImage, key: KeyPair, digest = img.manifest.digest): Promise<void> {
    const payload = cosignPayload(digest, `${reg.host}/${repo}`);
    const layer = cosignLayer(payload, cosignSign(payload, key.privateKey));
    const manifest = cosignManifest([layer.descriptor]);
    await reg.pushBlob(repo, layer.blob.bytes);
    await reg.pushBlob(repo, Buffer.from("{}"));
    await reg.pushManifest(repo, cosignSignatureTag(img.manifest.digest), manifest.bytes, OCI_MANIFEST);
}

describe("passing signatures", () => {
    test("Notation JWS envelope (ECDSA P-256 chain to the trust store)", async () => {
        const img = await reg.pushImage("team/jws");
        await signNotation("team/jws", img);
        expect((await judge(config(reg.host), `${reg.host}/team/jws@${img.manifest.digest}`)).diagnostics).toEqual([]);
    });

    test("Notation COSE envelope, RSA signing key", async () => {
        const img = await reg.pushImage("team/cose");
        await signNotation("team/cose", img, { chain: [signingCert(LEAF_DN, pki.intermediate, rsaKey()), pki.intermediate, pki.root] }, "cose");
        expect((await judge(config(reg.host), `${reg.host}/team/cose@${img.manifest.digest}`)).diagnostics).toEqual([]);
    });

    test("cosign key-based signatures, ECDSA P-256 and RSA", async () => {
        for (const [name, key] of [["ec", cosignEc], ["rsa", cosignRsa]] as const) {
            const img = await reg.pushImage(`team/cosign-${name}`);
            await signCosign(`team/cosign-${name}`, img, key);
            const r = await judge(config(reg.host, { notation: false, cosign: [publicPem(cosignEc), publicPem(cosignRsa)] }), `${reg.host}/team/cosign-${name}@${img.manifest.digest}`);
            expect(r.diagnostics).toEqual([]);
        }
    });

    test("a tag from a contactable registry is resolved now and its digest verified", async () => {
        const img = await reg.pushImage("team/tagged", "1.0");
        await signCosign("team/tagged", img, cosignEc);
        expect((await judge(config(reg.host, { notation: false, cosign: [publicPem(cosignEc)] }), `${reg.host}/team/tagged:1.0`)).diagnostics).toEqual([]);
    });

    test("a permissive trust policy passes an expired signature and reports the logged check as an advisory", async () => {
        const img = await reg.pushImage("team/permissive");
        await signNotation("team/permissive", img, { expiry: new Date(Date.now() - 60_000), signingTime: new Date(Date.now() - 3_600_000) });
        const r = await judge(config(reg.host, { level: "permissive" }), `${reg.host}/team/permissive@${img.manifest.digest}`);
        expect(r.diagnostics).toHaveLength(1);
        expect(r.diagnostics[0].enforcementLevel).toBe("advisory");
        expect(r.diagnostics[0].message).toContain('under trust policy "images" (level permissive), which only logs this failed check');
        const strict = await judge(config(reg.host), `${reg.host}/team/permissive@${img.manifest.digest}`);
        expect(strict.diagnostics[0].enforcementLevel).toBeUndefined();
    });
});

describe("every failure is a violation with the reason", () => {
    async function failure(repo: string, sign: (img: PushedImage) => Promise<void>, cfg: Record<string, unknown> = config(reg.host)): Promise<string> {
        const img = await reg.pushImage(repo);
        await sign(img);
        const r = await judge(cfg, `${reg.host}/${repo}@${img.manifest.digest}`);
        expect(r.diagnostics).toHaveLength(1);
        expect(r.diagnostics[0].enforcementLevel).toBeUndefined();
        return r.diagnostics[0].message;
    }

    test("no signature", async () => {
        const m = await failure("team/unsigned", async () => undefined, config(reg.host, { cosign: [publicPem(cosignEc)] }));
        expect(m).toMatch(/fails because no trusted signature verifies it: .*team\/unsigned@sha256:[0-9a-f]{64} is not signed/);
        expect(m).toContain("Fix: sign the image digest in CI");
    });

    test("a signature for another digest", async () => {
        const other = await reg.pushImage("team/other");
        const m = await failure("team/misdirected", (img) => signNotation("team/misdirected", img, { target: target(other) }));
        expect(m).toContain("not for the image");
    });

    test("a cosign signature by a key that is not configured", async () => {
        const m = await failure("team/wrong-key", (img) => signCosign("team/wrong-key", img, ecKey()), config(reg.host, { notation: false, cosign: [publicPem(cosignEc)] }));
        expect(m).toContain("the cosign signature verifies with none of the 1 configured key(s)");
        expect(m).toContain("Fix: sign with a key whose public half is in cosign.keys");
    });

    test("a certificate chain to another root", async () => {
        const m = await failure("team/other-root", (img) => signNotation("team/other-root", img, { chain: [pki.otherLeaf, pki.otherRoot] }));
        expect(m).toMatch(/ends at .*Fabrikam Root.*none of the trust stores/);
    });

    test("an expired signing certificate", async () => {
        const m = await failure("team/expired", (img) => signNotation("team/expired", img, { chain: [pki.expiredLeaf, pki.intermediate, pki.root], signingTime: new Date(Date.now() - 10 * 86_400_000) }));
        expect(m).toContain("had expired now");
    });

    test("a signer outside the trusted identities", async () => {
        const m = await failure("team/identity", (img) => signNotation("team/identity", img), config(reg.host, { identities: ["x509.subject: C=US, ST=WA, O=Contoso, OU=Release"] }));
        expect(m).toContain("matches none of the trusted identities");
    });

    test("a truncated envelope", async () => {
        const m = await failure("team/truncated", async (img) => {
            const full = notationJws({ target: target(img), chain });
            await signNotation("team/truncated", img, {}, "jws", full.subarray(0, full.length - 40));
        });
        expect(m).toContain("truncated");
    });

    test("an envelope over maxBlobBytes is refused without being fetched", async () => {
        const m = await failure("team/oversized", (img) => signNotation("team/oversized", img), config(reg.host, { extra: { maxBlobBytes: 1024 } }));
        expect(m).toContain("over the limit of 1024");
    });

    test("a registry that substitutes the envelope bytes (lies about content)", async () => {
        const img = await reg.pushImage("team/lying");
        await signNotation("team/lying", img);
        proxy.set({ corruptBody: true, match: /\/blobs\/sha256:/ });
        const r = await judge(config(proxy.host), `${proxy.host}/team/lying@${img.manifest.digest}`);
        expect(text(r)).toMatch(/signature envelope could not be fetched: .* sent \d+ bytes hashing to sha256:[0-9a-f]{64}, not sha256:[0-9a-f]{64}/);
        expect(r.diagnostics).toHaveLength(1);
    });

    test("a registry that lists a referrer that is not a signature of this image", async () => {
        const img = await reg.pushImage("team/liar-index");
        const other = await reg.pushImage("team/liar-index");
        // A Notary signature of the other image, listed in this image's referrers (pushed with the wrong subject on purpose).
        const envelope = notationJws({ target: target(other), chain });
        await reg.pushArtifact("team/liar-index", { subject: img.descriptor, artifactType: NOTARY_SIGNATURE, layers: [{ mediaType: "application/jose+json", bytes: envelope }] });
        const m = text(await judge(config(reg.host), `${reg.host}/team/liar-index@${img.manifest.digest}`));
        expect(m).toContain("not for the image");
    });

    test("a registry whose referrers index lists another image's signature", async () => {
        const img = await reg.pushImage("team/liar-subject");
        const other = await reg.pushImage("team/liar-subject");
        const sig = await reg.pushArtifact("team/liar-subject", { subject: other.descriptor, artifactType: NOTARY_SIGNATURE, layers: [{ mediaType: "application/jose+json", bytes: notationJws({ target: target(other), chain }) }] });
        // The fallback index of `img` claims the other image's signature as a referrer.
        const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ ...sig.descriptor, artifactType: NOTARY_SIGNATURE }] }));
        await reg.pushManifest("team/liar-subject", `sha256-${img.manifest.digest.slice(7)}`, index, OCI_INDEX);
        const m = text(await judge(config(reg.host), `${reg.host}/team/liar-subject@${img.manifest.digest}`));
        expect(m).toContain(`the registry listed this signature as a referrer of ${img.manifest.digest}, but its subject is "${other.manifest.digest}"`);
    });

    test("work is bounded: only maxSignatures signatures are examined", async () => {
        const img = await reg.pushImage("team/many-sigs");
        for (let i = 0; i < 3; i++) await signNotation("team/many-sigs", img, { chain: [pki.otherLeaf, pki.otherRoot] });
        const m = text(await judge(config(reg.host, { extra: { maxSignatures: 2 } }), `${reg.host}/team/many-sigs@${img.manifest.digest}`));
        expect(m).toContain("too many Notation signatures: 3, limit 2 (maxSignatures); only the first 2 were fetched");
    });

    test("a registry failing (HTTP 500) fails closed", async () => {
        const img = await reg.pushImage("team/down");
        proxy.set({ failFirst: { n: 1000, status: 500 } });
        const m = text(await judge(config(proxy.host), `${proxy.host}/team/down@${img.manifest.digest}`));
        expect(m).toMatch(/could not be fetched from 127\.0\.0\.1:\d+: .*failed with 500/);
    });
});
