import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { generateSigningJwk, type PrivateJwk } from "../../scripts/lib/keys";
import { AUTHENTICATE, loginToken } from "../helpers";

const app = createApp();

/** Calls the worker with SIGNING_KEYS set to `keys` (or removed). */
async function callWith(keys: PrivateJwk[] | string | undefined, request: Request) {
  const signingKeys = typeof keys === "string" || keys === undefined ? keys : JSON.stringify(keys);
  const ctx = createExecutionContext();
  const response = await app.fetch(request, { ...env, SIGNING_KEYS: signingKeys }, ctx);
  await waitOnExecutionContext(ctx);
  return { response, text: await response.text() };
}

const jwksRequest = () => new Request("http://edge.test/.well-known/jwks.json");

async function authenticateWith(keys: PrivateJwk[] | string | undefined, token: string) {
  const request = new Request(AUTHENTICATE, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ token, installed_item_identifier: { serial_number: "STB-0001" } }),
  });
  const { response, text } = await callWith(keys, request);
  return { response, text, body: JSON.parse(text) };
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("GET /.well-known/jwks.json", () => {
  it("is empty for HS256-only set-ups, cacheable for a few minutes, in the envelope", async () => {
    const { response, text } = await callWith(undefined, jwksRequest());
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe("public, max-age=300");
    expect(response.headers.get("Content-Type")).toBe("application/json; charset=UTF-8");
    expect(JSON.parse(text)).toEqual({ status: { code: "OK", message: "", description: "" }, data: { keys: [] }, keys: [] });
  });

  it("never publishes private members", async () => {
    const keys = [await generateSigningJwk("ES256", "a"), await generateSigningJwk("EdDSA", "b"), await generateSigningJwk("HS256", "c")];
    const { text } = await callWith(keys, jwksRequest());
    const jwks = JSON.parse(text);
    expect(jwks.keys.map((k: any) => k.kid)).toEqual(["a", "b"]);
    for (const key of jwks.keys) for (const member of ["d", "k", "p", "q", "dp", "dq", "qi"]) expect(key).not.toHaveProperty(member);
    for (const key of keys) expect(text).not.toContain(String(key.d ?? key.k));
  });

  it("answers 405 to other verbs", async () => {
    const { response } = await callWith(undefined, new Request("http://edge.test/.well-known/jwks.json", { method: "POST" }));
    expect(response.status).toBe(405);
  });
});

describe("subscriber JWTs per algorithm", () => {
  it.each(["ES256", "EdDSA"] as const)("%s: verifies with createLocalJWKSet over the served JWKS, kid matches", async (alg) => {
    const keys = [await generateSigningJwk(alg, `key-${alg}`)];
    const token = await loginToken();
    const { body } = await authenticateWith(keys, token);
    expect(body.data.subscription_id).toBe("SUB-1");
    expect(decodeProtectedHeader(body.data.jwt)).toEqual({ alg, typ: "JWT", kid: `key-${alg}` });
    const jwks = JSON.parse((await callWith(keys, jwksRequest())).text);
    const { payload } = await jwtVerify(body.data.jwt, createLocalJWKSet(jwks));
    expect(payload.userid).toBe("tucano-user-1");
  });

  it("HS256 from SIGNING_KEYS: verifies with the configured secret, kid in the header", async () => {
    const key = await generateSigningJwk("HS256", "shared-1");
    const { body } = await authenticateWith([key], await loginToken());
    expect(decodeProtectedHeader(body.data.jwt)).toEqual({ alg: "HS256", typ: "JWT", kid: "shared-1" });
    const secret = Uint8Array.from(atob(String(key.k).replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
    await expect(jwtVerify(body.data.jwt, secret)).resolves.toBeTruthy();
  });

  it("without SIGNING_KEYS: HS256 with TUCANO_JWT_SECRET and no kid", async () => {
    const { body } = await authenticateWith(undefined, await loginToken());
    expect(decodeProtectedHeader(body.data.jwt)).toEqual({ alg: "HS256", typ: "JWT" });
    await expect(jwtVerify(body.data.jwt, new TextEncoder().encode(env.TUCANO_JWT_SECRET))).resolves.toBeTruthy();
  });
});

describe("rotation without downtime", () => {
  it("a key with a future nbf is published at once, signs from its nbf, and the old key stays published", async () => {
    const start = Date.UTC(2027, 0, 1) / 1000;
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(start * 1000);
    const keys = [await generateSigningJwk("EdDSA", "new", start + 120), await generateSigningJwk("ES256", "old")];
    const token = await loginToken();

    const jwks = JSON.parse((await callWith(keys, jwksRequest())).text);
    expect(jwks.keys.map((k: any) => k.kid)).toEqual(["new", "old"]);
    const before = (await authenticateWith(keys, token)).body.data.jwt;
    expect(decodeProtectedHeader(before).kid).toBe("old");

    vi.setSystemTime((start + 120) * 1000);
    const after = (await authenticateWith(keys, token)).body.data.jwt;
    expect(decodeProtectedHeader(after).kid).toBe("new");
    const stillPublished = JSON.parse((await callWith(keys, jwksRequest())).text);
    expect(stillPublished.keys.map((k: any) => k.kid)).toEqual(["new", "old"]);
    // Tokens of both keys verify against the one JWKS while the old ones live.
    const verifier = createLocalJWKSet(stillPublished);
    const at = { currentDate: new Date((start + 121) * 1000) };
    await expect(jwtVerify(before, verifier, at)).resolves.toBeTruthy();
    await expect(jwtVerify(after, verifier, at)).resolves.toBeTruthy();
  });
});

describe("a bad SIGNING_KEYS", () => {
  const short = JSON.stringify([{ kid: "weak", alg: "HS256", kty: "oct", k: "c2hvcnQ" }]);
  it.each([
    ["malformed JSON", "not json", /SIGNING_KEYS is not valid JSON/],
    ["an unknown alg", JSON.stringify([{ kid: "x", alg: "RS256", kty: "RSA" }]), /alg must be HS256, ES256 or EdDSA/],
    ["a missing private key", JSON.stringify([{ kid: "x", alg: "EdDSA", kty: "OKP", crv: "Ed25519", x: "AAAA" }]), /private member "d" is missing/],
    ["a weak HMAC secret", short, /shorter than 32 bytes/],
    ["duplicate kids", "DUPLICATE", /duplicate kid/],
  ])("%s: authenticate and the JWKS answer 500 INTERNAL_ERROR, no token, one clear log line", async (_, raw, logged) => {
    const config = raw === "DUPLICATE" ? JSON.stringify([await generateSigningJwk("ES256", "d1"), await generateSigningJwk("EdDSA", "d1")]) : raw;
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const { response, text, body } = await authenticateWith(config, await loginToken());
    expect(response.status).toBe(500);
    expect(body).toEqual({ status: { code: "INTERNAL_ERROR", message: expect.any(String), description: "" }, data: null });
    expect(text).not.toMatch(/eyJ/);
    const jwks = await callWith(config, jwksRequest());
    expect(jwks.response.status).toBe(500);
    expect(JSON.parse(jwks.text).status.code).toBe("INTERNAL_ERROR");
    const lines = errors.mock.calls.map((call) => String(call[0]));
    const messages = lines.map((line) => String(JSON.parse(line).message));
    expect(messages.some((message) => /^configuration error: /.test(message) && logged.test(message))).toBe(true);
    for (const line of lines) expect(line).not.toMatch(/\\"d\\":|\\"k\\":|c2hvcnQ/);
  });
});
