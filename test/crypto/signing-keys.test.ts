import { env } from "cloudflare:workers";
import { base64url } from "jose";
import { describe, expect, it } from "vitest";
import { currentSigner, loadSigningKeys } from "../../src/crypto/signing-keys";
import { addKey, generateSigningJwk, retireKeys, rotationStatus } from "../../scripts/lib/keys";

const PRIVATE_MEMBERS = ["d", "k", "p", "q", "dp", "dq", "qi"];

describe("loadSigningKeys", () => {
  it("falls back to HS256 with TUCANO_JWT_SECRET, without kid or JWKS entries", async () => {
    const set = await loadSigningKeys(undefined, env.TUCANO_JWT_SECRET);
    expect(set.keys).toHaveLength(1);
    expect(set.keys[0]).toMatchObject({ kid: undefined, alg: "HS256", nbf: 0 });
    expect(set.jwks).toEqual([]);
  });

  it("publishes every asymmetric key, public members only", async () => {
    const keys = [
      await generateSigningJwk("ES256", "es"),
      await generateSigningJwk("EdDSA", "ed"),
      await generateSigningJwk("HS256", "hs"),
    ];
    const set = await loadSigningKeys(JSON.stringify(keys), undefined);
    expect(set.keys.map((k) => [k.kid, k.alg])).toEqual([["es", "ES256"], ["ed", "EdDSA"], ["hs", "HS256"]]);
    expect(set.jwks.map((k) => [k.kid, k.alg, k.use, k.kty])).toEqual([
      ["es", "ES256", "sig", "EC"],
      ["ed", "EdDSA", "sig", "OKP"],
    ]);
    for (const jwk of set.jwks) for (const member of PRIVATE_MEMBERS) expect(jwk).not.toHaveProperty(member);
  });

  it("signs with the first key whose nbf has passed", async () => {
    const now = 1_800_000_000;
    const keys = [await generateSigningJwk("EdDSA", "next", now + 60), await generateSigningJwk("ES256", "current", now - 60)];
    const set = await loadSigningKeys(JSON.stringify(keys), undefined);
    expect(currentSigner(set, now).kid).toBe("current");
    expect(currentSigner(set, now + 60).kid).toBe("next");
    expect(() => currentSigner(set, now - 120)).toThrow(/no key whose nbf has passed/);
  });

  const es = () => generateSigningJwk("ES256", "es");
  const short = { kid: "short", alg: "HS256", kty: "oct", k: btoa("too-short").replace(/=+$/, "") };
  it.each([
    ["malformed JSON", async () => "[{", /not valid JSON/],
    ["an empty array", async () => "[]", /non-empty JSON array/],
    ["an object, not an array", async () => JSON.stringify(await es()), /non-empty JSON array/],
    ["an unknown alg", async () => JSON.stringify([{ ...(await es()), alg: "RS256" }]), /alg must be HS256, ES256 or EdDSA/],
    ["a public key only", async () => JSON.stringify([{ ...(await es()), d: undefined }]), /private member "d" is missing/],
    ["an HMAC secret under 32 bytes", async () => JSON.stringify([short]), /shorter than 32 bytes/],
    ["duplicate kids", async () => JSON.stringify([await es(), await es()]), /duplicate kid "es"/],
    ["no kid", async () => JSON.stringify([{ ...(await es()), kid: undefined }]), /has no kid/],
    ["a kty that does not fit alg", async () => JSON.stringify([{ ...(await es()), alg: "EdDSA" }]), /EdDSA needs kty OKP/],
    ["a bad nbf", async () => JSON.stringify([{ ...(await es()), nbf: "soon" }]), /nbf must be unix seconds/],
    ["garbage key material", async () => JSON.stringify([{ ...(await es()), d: "AAAA" }]), /could not be imported/],
    [
      "an Ed25519 key with another key's public member",
      async () => {
        const other = await generateSigningJwk("EdDSA", "other");
        return JSON.stringify([{ ...(await generateSigningJwk("EdDSA", "ed")), x: other.x }]);
      },
      /public members \(x\) do not belong to the private key/,
    ],
    [
      "a P-256 key with another key's public members",
      async () => {
        const other = await generateSigningJwk("ES256", "other");
        return JSON.stringify([{ ...(await es()), x: other.x, y: other.y }]);
      },
      // workerd already refuses this one at import; the self-check would catch it otherwise.
      /public members \(x, y\) do not belong to the private key|could not be imported/,
    ],
    ["a null nbf (a NaN gone through JSON)", async () => JSON.stringify([{ ...(await es()), nbf: null }]), /nbf must be unix seconds/],
    [
      "an HMAC secret equal to LOGIN_TOKEN_SECRET",
      async () => JSON.stringify([{ kid: "hs", alg: "HS256", kty: "oct", k: base64url.encode(env.LOGIN_TOKEN_SECRET) }]),
      /must differ from LOGIN_TOKEN_SECRET/,
    ],
  ])("refuses %s, naming the problem but no key material", async (_, make, message) => {
    const raw = await make();
    const error = await loadSigningKeys(raw, env.TUCANO_JWT_SECRET, env.LOGIN_TOKEN_SECRET).then(
      () => expect.fail("should have been refused"),
      (e: Error) => e,
    );
    expect(error.name).toBe("ConfigError");
    expect(error.message).toMatch(message);
    for (const secret of raw.match(/"(d|k)":"[^"]+"/g) ?? []) expect(error.message).not.toContain(secret.split(":")[1]!.replaceAll('"', ""));
  });

  it("refuses a short TUCANO_JWT_SECRET when it is the fallback", async () => {
    await expect(loadSigningKeys(undefined, "short")).rejects.toThrow(/TUCANO_JWT_SECRET is shorter than 32 bytes/);
  });
});

describe("rotation planning (keys CLI)", () => {
  it("adds first with a future nbf, then retires the old key once its tokens expired", async () => {
    const t = 1_800_000_000;
    const old = await generateSigningJwk("ES256", "old");
    const rotated = addKey([old], await generateSigningJwk("EdDSA", "new", t + 3600));
    expect(rotationStatus(rotated, t, 300)).toEqual({ signer: 1, upcoming: [0], retirable: [], draining: [] });
    expect(rotationStatus(rotated, t + 3600, 300)).toEqual({ signer: 0, upcoming: [], retirable: [], draining: [1] });
    expect(retireKeys(rotated, t + 3600 + 299, 300).map((k) => k.kid)).toEqual(["new", "old"]);
    expect(retireKeys(rotated, t + 3600 + 300, 300).map((k) => k.kid)).toEqual(["new"]);
    expect(() => addKey(rotated, old)).toThrow(/already in SIGNING_KEYS/);
  });
});
