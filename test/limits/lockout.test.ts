import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { clearIsolateCaches } from "../../src/cache/isolate-caches";
import { authenticate, DEMO_USER, LOGIN, loginToken, OTHER_USER, postJson } from "../helpers";

// Time is controlled (Date only: the storage timeouts keep real timers).
const START = Date.UTC(2027, 2, 1) / 1000;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(START * 1000);
});
afterEach(() => vi.useRealTimers());
const advance = (seconds: number) => vi.setSystemTime(Date.now() + seconds * 1000);

const card = (pass_code: string) => ({ access_token_identifier: { identifier: "card-0001", pass_code }, subscription_type_identifier: { id: "T-BASIC" } });
const medium = (pass_code: string) => ({ customer_identification_medium_identifier: { identifier: "medium-0003", pass_code } });

describe("pass-code lockout per identifier (5 failures in 15 minutes)", () => {
  it("locks the identifier after 5 wrong pass codes, even for the right one, until the window has passed", async () => {
    const token = await loginToken();
    for (let i = 0; i < 5; i++) {
      const { response } = await authenticate({ token, ...card(`000${i}`) });
      expect(response.status).toBe(401);
      advance(10);
    }
    const locked = await authenticate({ token, ...card("1234") });
    expect(locked.response.status).toBe(429);
    expect(locked.body.status.code).toBe("RATE_LIMITED");
    const retryAfter = Number(locked.response.headers.get("Retry-After"));
    expect(retryAfter).toBe(15 * 60 - 50);

    // Other identifiers are unaffected.
    expect((await authenticate({ token, ...medium("9999") })).body.status.code).toBe("SUBSCRIPTION_NOT_ACTIVE");

    advance(retryAfter - 1);
    expect((await authenticate({ token, ...card("1234") })).response.status).toBe(429);
    advance(1);
    const after = await authenticate({ token, ...card("1234") });
    expect(after.body.data?.subscription_id).toBe("SUB-1");
  });

  it("counts failures within the sliding window only", async () => {
    const token = await loginToken();
    for (let i = 0; i < 4; i++) expect((await authenticate({ token, ...medium("0000") })).response.status).toBe(401);
    advance(15 * 60 + 1);
    for (let i = 0; i < 4; i++) expect((await authenticate({ token, ...medium("0000") })).response.status).toBe(401);
    expect((await authenticate({ token, ...medium("9999") })).body.status.code).toBe("SUBSCRIPTION_NOT_ACTIVE");
  });

  it("counts unknown identifiers too, so lockouts cannot tell which identifiers exist", async () => {
    const token = await loginToken();
    const unknown = { access_token_identifier: { identifier: "card-9999", pass_code: "1" } };
    for (let i = 0; i < 5; i++) expect((await authenticate({ token, ...unknown })).body.status.code).toBe("AUTHENTICATION_FAILED");
    expect((await authenticate({ token, ...unknown })).body.status.code).toBe("RATE_LIMITED");
  });

  it("refuses further guesses through the counter itself where the KV lock flag has not arrived", async () => {
    const token = await loginToken();
    const guessAt = (pass_code: string) => ({ access_token_identifier: { identifier: "card-4444", pass_code } });
    for (let i = 0; i < 5; i++) expect((await authenticate({ token, ...guessAt("0000") })).response.status).toBe(401);
    // Another data centre: the flag has not propagated there yet, and its isolates have not seen it.
    for (const { name } of (await env.KV.list({ prefix: "lock:" })).keys) await env.KV.delete(name);
    clearIsolateCaches();
    const guess = await authenticate({ token, ...guessAt("0001") });
    expect(guess.body.status.code).toBe("RATE_LIMITED");
    expect(Number(guess.response.headers.get("Retry-After"))).toBeGreaterThan(0);
  });

  it("never stores the identifier in clear in the counter's name or the lock flag", async () => {
    const token = await loginToken();
    for (let i = 0; i < 5; i++) await authenticate({ token, ...card("0000") });
    const keys = (await env.KV.list({ prefix: "lock:" })).keys.map((k) => k.name);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^lock:identifier:[\w-]{43}$/);
  });
});

describe("unknown authentication codes (10 per client IP and per user in 15 minutes)", () => {
  it("throttles the client IP and the login token's user, not everybody", async () => {
    const token = await loginToken();
    const from = (ip: string, code: string) => authenticate({ token, access_token_identifier: { authentication_code: code }, subscription_type_identifier: { id: "T-BASIC" } }, { "CF-Connecting-IP": ip });
    for (let i = 0; i < 10; i++) expect((await from("198.51.100.1", `NOPE-${i}`)).response.status).toBe(401);
    expect((await from("198.51.100.1", "AUTH-CODE-0001")).response.status).toBe(429);
    // The same user from elsewhere is throttled too (the user counts as well)...
    expect((await from("198.51.100.2", "AUTH-CODE-0001")).response.status).toBe(429);
    // The address counts on its own: another user's codes from it are refused too, not from elsewhere.
    const otherUser = await loginToken(OTHER_USER);
    const codeOf = (ip: string) => authenticate({ token: otherUser, access_token_identifier: { authentication_code: "OTHER-CODE" } }, { "CF-Connecting-IP": ip });
    expect((await codeOf("198.51.100.1")).body.status.code).toBe("RATE_LIMITED");
    expect((await codeOf("198.51.100.4")).body.status.code).toBe("AUTHENTICATION_FAILED");
    // ...but another user from another address is not.
    const other = await loginToken(OTHER_USER);
    const { response } = await authenticate(
      { token: other, installed_item_identifier: { serial_number: "STB-0001" } },
      { "CF-Connecting-IP": "198.51.100.3" },
    );
    expect(response.status).toBe(200);
  });
});

describe("login throttling (10 failures in 15 minutes)", () => {
  const attempt = (body: object, ip = "192.0.2.10") => postJson(LOGIN, body, { "CF-Connecting-IP": ip });

  it("per username: the right password is refused after 10 wrong ones, until the window has passed", async () => {
    for (let i = 0; i < 10; i++) {
      expect((await attempt({ ...DEMO_USER, password: `wrong-${i}` }, `192.0.2.${100 + i}`)).response.status).toBe(401);
    }
    const locked = await attempt(DEMO_USER, "192.0.2.200");
    expect(locked.response.status).toBe(429);
    expect(Number(locked.response.headers.get("Retry-After"))).toBe(15 * 60);
    expect((await attempt(OTHER_USER, "192.0.2.201")).response.status).toBe(200);
    advance(15 * 60);
    expect((await attempt(DEMO_USER, "192.0.2.200")).response.status).toBe(200);
  });

  it("per client IP: 10 failures across usernames block that address only", async () => {
    for (let i = 0; i < 10; i++) expect((await attempt({ ...DEMO_USER, username: `nobody-${i}` }, "192.0.2.50")).response.status).toBe(401);
    expect((await attempt(OTHER_USER, "192.0.2.50")).response.status).toBe(429);
    expect((await attempt(OTHER_USER, "192.0.2.51")).response.status).toBe(200);
  });
});
