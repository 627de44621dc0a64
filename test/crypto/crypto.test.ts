import { env } from "cloudflare:workers";
import { decodeProtectedHeader, jwtVerify } from "jose";
import { describe, expect, it, vi } from "vitest";
import { keyedHash, verifyKeyedHash } from "../../src/crypto/credentials";
import { importHmacKey } from "../../src/crypto/keys";
import { issueLoginToken, verifyLoginToken } from "../../src/crypto/login-token";
import { hashPassword, verifyPassword } from "../../src/crypto/password";
import { signSubscriberJwt } from "../../src/crypto/subscriber-jwt";
import { authenticate, loginToken } from "../helpers";

describe("passwords (PBKDF2-SHA256)", () => {
  it("stores a salted hash with 100,000 iterations and verifies it", async () => {
    const stored = await hashPassword("s3cret");
    expect(stored).toMatch(/^pbkdf2-sha256\$100000\$[\w-]{22}\$[\w-]{43}$/);
    expect(stored).not.toContain("s3cret");
    expect(await verifyPassword("s3cret", stored)).toBe(true);
    expect(await verifyPassword("s3cret!", stored)).toBe(false);
  });

  it("salts every hash differently", async () => {
    expect(await hashPassword("same")).not.toBe(await hashPassword("same"));
  });

  it("rejects absent, malformed and over-iterated hashes", async () => {
    expect(await verifyPassword("x", null)).toBe(false);
    expect(await verifyPassword("x", "plain-text")).toBe(false);
    expect(await verifyPassword("x", "pbkdf2-sha256$100001$AAAA$AAAA")).toBe(false);
  });
});

describe("keyed hashes (HMAC-SHA256 with the pepper)", () => {
  it("depends on the pepper and on the purpose", async () => {
    const pepper = await importHmacKey(env.CREDENTIAL_PEPPER);
    const other = await importHmacKey("another-pepper-of-at-least-32-bytes!!");
    const hash = await keyedHash(pepper, "pass_code", "1234");
    expect(hash).toMatch(/^[\w-]{43}$/);
    expect(await keyedHash(other, "pass_code", "1234")).not.toBe(hash);
    expect(await keyedHash(pepper, "authentication_code", "1234")).not.toBe(hash);
    expect(await verifyKeyedHash(pepper, "pass_code", "1234", hash)).toBe(true);
    expect(await verifyKeyedHash(pepper, "pass_code", "1235", hash)).toBe(false);
    expect(await verifyKeyedHash(pepper, "pass_code", "1234", null)).toBe(false);
    expect(await verifyKeyedHash(pepper, "pass_code", "1234", "not base64url!")).toBe(false);
  });
});

describe("keys", () => {
  it("imports each secret once per isolate", () => {
    expect(importHmacKey(env.LOGIN_TOKEN_SECRET)).toBe(importHmacKey(env.LOGIN_TOKEN_SECRET));
  });

  it("authenticate imports no key per request, whatever the identifier", async () => {
    const token = await loginToken();
    const bodies = [
      { installed_item_identifier: { serial_number: "STB-0001" } },
      { access_token_identifier: { identifier: "card-0001", pass_code: "1234" }, subscription_type_identifier: { name: "Basic" } },
      { access_token_identifier: { authentication_code: "AUTH-CODE-0001" }, subscription_type_identifier: { id: "T-PREMIUM" } },
    ];
    for (const body of bodies) await authenticate({ token, ...body });
    const imports = vi.spyOn(crypto.subtle, "importKey");
    try {
      for (const body of bodies) expect((await authenticate({ token, ...body })).response.status).toBe(200);
      expect(imports).not.toHaveBeenCalled();
      // The spy does see the worker's calls: a login imports the password for PBKDF2.
      await loginToken();
      expect(imports).toHaveBeenCalled();
    } finally {
      imports.mockRestore();
    }
  });
});

describe("login tokens and subscriber JWTs never stand in for each other", () => {
  it("rejects a subscriber JWT even when signed with the login key", async () => {
    const loginKey = await importHmacKey(env.LOGIN_TOKEN_SECRET);
    const jwt = await signSubscriberJwt({ kid: undefined, alg: "HS256", nbf: 0, key: loginKey }, { userid: "u", apip: "127.0.0.1" }, Math.floor(Date.now() / 1000), 300);
    await expect(verifyLoginToken(loginKey, jwt)).rejects.toMatchObject({ code: "INVALID_TOKEN" });
  });

  it("issues login tokens that verify and carry the contract's claims", async () => {
    const key = await importHmacKey(env.LOGIN_TOKEN_SECRET);
    const now = Math.floor(Date.now() / 1000);
    const { token, claims } = await issueLoginToken(key, { usr: "demo", org: "DEMO", oun: "HQ" }, now, 7200);
    expect(decodeProtectedHeader(token)).toEqual({ alg: "HS256", typ: "JWT" });
    expect(await verifyLoginToken(key, token)).toEqual(claims);
    expect(claims.exp - claims.iat).toBe(7200);
    const { payload } = await jwtVerify(token, new TextEncoder().encode(env.LOGIN_TOKEN_SECRET));
    expect(Object.keys(payload).sort()).toEqual(["exp", "iat", "jti", "org", "oun", "usr"]);
  });
});

describe("verified login tokens, cached in the isolate", () => {
  it("are still refused once expired", async () => {
    const key = await importHmacKey(env.LOGIN_TOKEN_SECRET);
    const now = Math.floor(Date.now() / 1000);
    const { token, claims } = await issueLoginToken(key, { usr: "demo", org: "DEMO", oun: "HQ" }, now, 60);
    expect(await verifyLoginToken(key, token, now)).toEqual(claims);
    expect(await verifyLoginToken(key, token, now + 59)).toEqual(claims);
    await expect(verifyLoginToken(key, token, now + 60)).rejects.toMatchObject({ code: "INVALID_TOKEN" });
  });

  it("are verified again under another key (a rotated LOGIN_TOKEN_SECRET)", async () => {
    const key = await importHmacKey(env.LOGIN_TOKEN_SECRET);
    const rotated = await importHmacKey("a-rotated-login-token-secret-of-32-bytes");
    const now = Math.floor(Date.now() / 1000);
    const { token } = await issueLoginToken(key, { usr: "demo", org: "DEMO", oun: "HQ" }, now, 7200);
    await verifyLoginToken(key, token, now);
    await expect(verifyLoginToken(rotated, token, now)).rejects.toMatchObject({ code: "INVALID_TOKEN" });
  });

  it("hold only tokens that verified: a forged one is refused every time", async () => {
    const key = await importHmacKey(env.LOGIN_TOKEN_SECRET);
    const now = Math.floor(Date.now() / 1000);
    const { token } = await issueLoginToken(key, { usr: "demo", org: "DEMO", oun: "HQ" }, now, 7200);
    const forged = `${token.slice(0, -2)}${token.endsWith("AA") ? "AB" : "AA"}`;
    for (let i = 0; i < 2; i++) await expect(verifyLoginToken(key, forged, now)).rejects.toMatchObject({ code: "INVALID_TOKEN" });
  });
});
