import { env } from "cloudflare:workers";
import { SignJWT, base64url, decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { DEMO_USER, LOGIN, OTHER_USER, RELEASE, authenticate, loginToken, postJson } from "../helpers";

const loginKey = () => new TextEncoder().encode(env.LOGIN_TOKEN_SECRET);
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Any identifier that resolves for DEMO: a rejected token must be the only reason for failing. */
const authenticateWith = (token: string) => authenticate({ token, installed_item_identifier: { serial_number: "STB-0001" } });
const releaseWith = (token: string) => postJson(RELEASE, { token });

function validClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const iat = nowSeconds();
  return { usr: "demo", org: "DEMO", oun: "HQ", jti: crypto.randomUUID(), iat, exp: iat + 7200, ...overrides };
}

function sign(
  claims: Record<string, unknown>,
  { secret = env.LOGIN_TOKEN_SECRET, header = { alg: "HS256", typ: "JWT" } as Record<string, unknown> } = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader(header as { alg: string })
    .sign(new TextEncoder().encode(secret));
}

/** jose refuses to produce `alg: "none"` JWS, so the unsecured token is assembled by hand. */
function unsecured(claims: Record<string, unknown>): string {
  const part = (value: unknown) => base64url.encode(JSON.stringify(value));
  return `${part({ alg: "none", typ: "JWT" })}.${part(claims)}.`;
}

describe("login (§2)", () => {
  it("returns an HS256 JWT with the login claims, valid for 7200 s", async () => {
    const before = nowSeconds();
    const { response, body } = await postJson(LOGIN, DEMO_USER);
    expect(response.status).toBe(200);
    expect(body.status).toEqual({ code: "OK", message: "", description: "" });
    const token = body.data.token as string;
    expect(decodeProtectedHeader(token)).toEqual({ alg: "HS256", typ: "JWT" });

    const { payload } = await jwtVerify(token, loginKey(), { algorithms: ["HS256"], typ: "JWT" });
    expect(Object.keys(payload).sort()).toEqual(["exp", "iat", "jti", "org", "oun", "usr"]);
    expect(payload).toMatchObject({ usr: "demo", org: "DEMO", oun: "HQ" });
    expect(typeof payload.jti).toBe("string");
    expect((payload.jti as string).length).toBeGreaterThanOrEqual(16);
    expect(payload.iat).toBeGreaterThanOrEqual(before - 5);
    expect(payload.iat).toBeLessThanOrEqual(nowSeconds() + 5);
    expect(payload.exp).toBe(payload.iat! + 7200);
  });

  it("gives every login its own jti", async () => {
    const [a, b] = await Promise.all([loginToken(), loginToken()]);
    expect(decodeJwt(a).jti).not.toBe(decodeJwt(b).jti);
  });

  it("accepts the user's unit explicitly, and defaults to it", async () => {
    const explicit = await loginToken({ ...DEMO_USER, unit: "HQ" });
    const implicit = await loginToken(DEMO_USER);
    expect(decodeJwt(explicit).oun).toBe("HQ");
    expect(decodeJwt(implicit).oun).toBe("HQ");
  });

  it("issues tokens of the second organisation with its own org claim", async () => {
    const { payload } = await jwtVerify(await loginToken(OTHER_USER), loginKey());
    expect(payload).toMatchObject({ usr: "other", org: "OTHER", oun: "HQ" });
  });

  // One answer for every wrong part, so a caller cannot learn which part was wrong.
  const failures: [string, Record<string, string>][] = [
    ["a wrong password", { ...DEMO_USER, password: "not-the-password" }],
    ["an unknown user", { ...DEMO_USER, username: "nobody" }],
    ["a wrong organisation", { ...DEMO_USER, organisation: "OTHER" }],
    ["an unknown organisation", { ...DEMO_USER, organisation: "NOWHERE" }],
    ["a user of the other organisation", { ...OTHER_USER, organisation: "DEMO" }],
    ["the other organisation's password", { ...DEMO_USER, password: OTHER_USER.password }],
    ["a wrong unit", { ...DEMO_USER, unit: "BRANCH" }],
  ];

  it.each(failures)("answers 401 AUTHENTICATION_FAILED for %s", async (_, credentials) => {
    const { response, body } = await postJson(LOGIN, credentials);
    expect(response.status).toBe(401);
    expect(body.status.code).toBe("AUTHENTICATION_FAILED");
    expect(body.data).toBeNull();
  });

  it("words every login failure identically", async () => {
    const statuses = await Promise.all(failures.map(async ([, credentials]) => (await postJson(LOGIN, credentials)).body.status));
    expect(statuses[0]!.message).not.toBe("");
    for (const status of statuses) expect(status).toEqual(statuses[0]);
  });
});

describe("release (§3)", () => {
  it("answers data {} and puts the jti on the KV deny-list", async () => {
    const token = await loginToken();
    const { response, body } = await releaseWith(token);
    expect(response.status).toBe(200);
    expect(body).toEqual({ status: { code: "OK", message: "", description: "" }, data: {} });
    expect(await env.KV.get(`deny:${decodeJwt(token).jti}`)).not.toBeNull();
  });

  it("rejects a released token on authenticate and on a second release", async () => {
    const token = await loginToken();
    expect((await authenticateWith(token)).response.status).toBe(200);
    expect((await releaseWith(token)).response.status).toBe(200);

    for (const { response, body } of [await authenticateWith(token), await releaseWith(token)]) {
      expect(response.status).toBe(401);
      expect(body.status.code).toBe("INVALID_TOKEN");
      expect(body.data).toBeNull();
    }
  });

  it("leaves the user's other tokens valid", async () => {
    const [released, kept] = await Promise.all([loginToken(), loginToken()]);
    await releaseWith(released);
    const { response, body } = await authenticateWith(kept);
    expect(response.status).toBe(200);
    expect(body.data.subscription_id).toBe("SUB-1");
  });
});

describe("login token rejection", () => {
  const rejected: [string, () => Promise<string>][] = [
    ["signed with a wrong key", () => sign(validClaims(), { secret: "some-other-secret-0123456789abcdef0123" })],
    // The two keys must never stand in for each other.
    ["signed with the Tucano JWT secret", () => sign(validClaims(), { secret: env.TUCANO_JWT_SECRET })],
    [
      "expired",
      () => {
        const iat = nowSeconds() - 7300;
        return sign(validClaims({ iat, exp: iat + 7200 }));
      },
    ],
    ["unsecured (alg none)", async () => unsecured(validClaims())],
    ...(["usr", "org", "oun", "jti", "iat", "exp"] as const).map((claim): [string, () => Promise<string>] => [
      `missing the ${claim} claim`,
      () => {
        const claims = validClaims();
        delete claims[claim];
        return sign(claims);
      },
    ]),
    ["with a numeric org claim", () => sign(validClaims({ org: 42 }))],
    ["with typ at+jwt", () => sign(validClaims(), { header: { alg: "HS256", typ: "at+jwt" } })],
    ["without typ", () => sign(validClaims(), { header: { alg: "HS256" } })],
    ["signed HS512 with the right secret", () => sign(validClaims(), { header: { alg: "HS512", typ: "JWT" } })],
    [
      "a subscriber JWT returned by authenticate",
      async () => {
        const { body } = await authenticateWith(await loginToken());
        return body.data.jwt as string;
      },
    ],
    [
      "tampered with after signing (org changed)",
      async () => {
        const [header, , signature] = (await loginToken()).split(".");
        const payload = base64url.encode(JSON.stringify(validClaims({ org: "OTHER" })));
        return `${header}.${payload}.${signature}`;
      },
    ],
    ["garbage", async () => "not-a-token"],
    ["three garbage segments", async () => "a.b.c"],
    ["a bare header", async () => base64url.encode(JSON.stringify({ alg: "HS256", typ: "JWT" }))],
    ["base64url noise", async () => `eyJ${base64url.encode(crypto.getRandomValues(new Uint8Array(48)))}`],
  ];

  it.each(rejected)("answers 401 INVALID_TOKEN on authenticate and release for a token %s", async (_, makeToken) => {
    const token = await makeToken();
    for (const { response, body } of [await authenticateWith(token), await releaseWith(token)]) {
      expect(response.status).toBe(401);
      expect(body.status.code).toBe("INVALID_TOKEN");
      expect(body.data).toBeNull();
    }
  });

  it("accepts a hand-signed token with valid claims, so the rejections above are not incidental", async () => {
    const { response, body } = await authenticateWith(await sign(validClaims()));
    expect(response.status).toBe(200);
    expect(body.data.subscription_id).toBe("SUB-1");
  });
});
