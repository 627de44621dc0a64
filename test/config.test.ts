import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../src/app";
import { AUTHENTICATE, DEMO_USER, LOGIN, loginToken } from "./helpers";

const app = createApp();

/** Calls the worker with some bindings replaced (undefined removes one). */
async function callWith(overrides: Partial<Record<keyof Cloudflare.Env, string | undefined>>, url: string, payload: unknown) {
  const ctx = createExecutionContext();
  const request = new Request(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload) });
  const response = await app.fetch(request, { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  const text = await response.text();
  return { response, text, body: JSON.parse(text) };
}

const serial = { installed_item_identifier: { serial_number: "STB-0001" } };

afterEach(() => vi.restoreAllMocks());

describe("secrets are checked once per isolate, and a bad one is a clear 500", () => {
  it.each<[string, Partial<Record<keyof Cloudflare.Env, string | undefined>>, "login" | "authenticate", RegExp]>([
    ["LOGIN_TOKEN_SECRET missing", { LOGIN_TOKEN_SECRET: undefined }, "login", /secret LOGIN_TOKEN_SECRET is not set/],
    ["LOGIN_TOKEN_SECRET short", { LOGIN_TOKEN_SECRET: "short-secret" }, "login", /secret LOGIN_TOKEN_SECRET is shorter than 32 bytes/],
    ["CREDENTIAL_PEPPER missing", { CREDENTIAL_PEPPER: undefined }, "authenticate", /secret CREDENTIAL_PEPPER is not set/],
    ["CREDENTIAL_PEPPER short", { CREDENTIAL_PEPPER: "pepper" }, "authenticate", /secret CREDENTIAL_PEPPER is shorter than 32 bytes/],
    ["TUCANO_JWT_SECRET short", { TUCANO_JWT_SECRET: "tucano" }, "authenticate", /TUCANO_JWT_SECRET is shorter than 32 bytes/],
    ["TUCANO_JWT_SECRET equal to LOGIN_TOKEN_SECRET", { TUCANO_JWT_SECRET: env.LOGIN_TOKEN_SECRET }, "authenticate", /must differ/],
    ["the same, with a blank SIGNING_KEYS", { TUCANO_JWT_SECRET: env.LOGIN_TOKEN_SECRET, SIGNING_KEYS: " " }, "authenticate", /must differ/],
    ["a TTL that is not a number", { SUBSCRIBER_JWT_TTL_SECONDS: "five minutes" }, "authenticate", /SUBSCRIBER_JWT_TTL_SECONDS must be a positive integer/],
  ])("%s: 500 INTERNAL_ERROR, no token, one log line naming it", async (_, overrides, route, logged) => {
    const token = route === "authenticate" ? await loginToken() : undefined;
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const { response, text, body } =
      route === "login" ? await callWith(overrides, LOGIN, DEMO_USER) : await callWith(overrides, AUTHENTICATE, { token, ...serial });
    expect(response.status).toBe(500);
    expect(body).toEqual({ status: { code: "INTERNAL_ERROR", message: expect.any(String), description: "" }, data: null });
    expect(text).not.toMatch(/eyJ/);
    const messages = errors.mock.calls.map((call) => String(JSON.parse(String(call[0])).message));
    expect(messages.filter((message) => message.startsWith("configuration error: ") && logged.test(message))).toHaveLength(1);
    for (const secret of [env.LOGIN_TOKEN_SECRET, env.CREDENTIAL_PEPPER, env.TUCANO_JWT_SECRET, "short-secret", "pepper", "tucano"]) {
      for (const call of errors.mock.calls) expect(String(call[0])).not.toContain(secret);
    }
  });
});

describe("token lifetimes are configurable (contract §2, §4)", () => {
  it("LOGIN_TOKEN_TTL_SECONDS sets the login token's exp - iat", async () => {
    const { body } = await callWith({ LOGIN_TOKEN_TTL_SECONDS: "600" }, LOGIN, DEMO_USER);
    const claims = decodeJwt(body.data.token as string);
    expect(claims.exp! - claims.iat!).toBe(600);
  });

  it("SUBSCRIBER_JWT_TTL_SECONDS sets the subscriber JWT's exp - iat", async () => {
    const token = await loginToken();
    const { body } = await callWith({ SUBSCRIBER_JWT_TTL_SECONDS: "120" }, AUTHENTICATE, { token, ...serial });
    const claims = decodeJwt(body.data.jwt as string);
    expect(claims.exp! - claims.iat!).toBe(120);
  });

  it("defaults to 7200 s and 300 s", async () => {
    const token = await loginToken();
    const login = decodeJwt(token);
    expect(login.exp! - login.iat!).toBe(7200);
    const { body } = await callWith({ LOGIN_TOKEN_TTL_SECONDS: undefined, SUBSCRIBER_JWT_TTL_SECONDS: undefined }, AUTHENTICATE, { token, ...serial });
    const jwt = decodeJwt(body.data.jwt as string);
    expect(jwt.exp! - jwt.iat!).toBe(300);
  });
});
