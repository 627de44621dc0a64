import { env } from "cloudflare:workers";
import { decodeProtectedHeader, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { authenticate, loginToken } from "../helpers";

// One login for the whole file: nothing here releases it, and each login costs a slow hash.
let demoToken: Promise<string> | undefined;
const token = () => (demoToken ??= loginToken());

type Identifier = Record<string, unknown>;
const resolve = async (identifier: Identifier, headers: Record<string, string> = {}) =>
  authenticate({ token: await token(), ...identifier }, headers);

const card = { access_token_identifier: { identifier: "card-0001", pass_code: "1234" } };
const authCode = { access_token_identifier: { authentication_code: "AUTH-CODE-0001" } };
const withType = (identifier: Identifier, type: Identifier): Identifier => ({
  ...identifier,
  subscription_type_identifier: type,
});

const basicTypes = [{ id: "T-BASIC" }, { name: "Basic" }, { alternative_code: "BASIC" }];
const premiumTypes = [{ id: "T-PREMIUM" }, { name: "Premium" }, { alternative_code: "PREMIUM" }];
const credentials = { "identifier + pass_code": card, authentication_code: authCode };

const resolving: [string, Identifier, string][] = [
  ["installed item id", { installed_item_identifier: { id: "II-1" } }, "SUB-1"],
  ["installed item serial number", { installed_item_identifier: { serial_number: "STB-0001" } }, "SUB-1"],
  ["installed item alternative code", { installed_item_identifier: { alternative_code: "ALT-0001" } }, "SUB-1"],
  ["subscription id", { subscription_identifier: { id: "SUB-2" } }, "SUB-2"],
  ["subscription number", { subscription_identifier: { number: "S0000000002" } }, "SUB-2"],
  ["subscription number of SUB-1", { subscription_identifier: { number: "S0000000001" } }, "SUB-1"],
  ...Object.entries(credentials).flatMap(([how, identifier]) => [
    ...basicTypes.map((type): [string, Identifier, string] => [
      `access token ${how}, type ${JSON.stringify(type)}`,
      withType(identifier, type),
      "SUB-1",
    ]),
    ...premiumTypes.map((type): [string, Identifier, string] => [
      `access token ${how}, type ${JSON.stringify(type)}`,
      withType(identifier, type),
      "SUB-2",
    ]),
  ]),
];

describe("authenticate resolves the demo data (§4, §5)", () => {
  it.each(resolving)("%s -> %s", async (_, identifier, subscriptionId) => {
    const { response, body } = await resolve(identifier);
    expect(body.status).toEqual({ code: "OK", message: "", description: "" });
    expect(response.status).toBe(200);
    expect(body.data.subscription_id).toBe(subscriptionId);
    expect(typeof body.data.jwt).toBe("string");
  });
});

const failing: [string, Identifier, number, string][] = [
  // SUB-3 is terminated: found, but not to be authenticated.
  ["installed item II-3", { installed_item_identifier: { id: "II-3" } }, 403, "SUBSCRIPTION_NOT_ACTIVE"],
  ["serial number STB-0003", { installed_item_identifier: { serial_number: "STB-0003" } }, 403, "SUBSCRIPTION_NOT_ACTIVE"],
  ["subscription id SUB-3", { subscription_identifier: { id: "SUB-3" } }, 403, "SUBSCRIPTION_NOT_ACTIVE"],
  ["subscription number S0000000003", { subscription_identifier: { number: "S0000000003" } }, 403, "SUBSCRIPTION_NOT_ACTIVE"],
  [
    "medium-0003 (C-2's only subscription is terminated)",
    { customer_identification_medium_identifier: { identifier: "medium-0003", pass_code: "9999" } },
    403,
    "SUBSCRIPTION_NOT_ACTIVE",
  ],
  // C-1 has two active subscriptions; without a type neither can be chosen.
  ["card-0001 without a type", card, 409, "AMBIGUOUS_SUBSCRIPTION"],
  ["AUTH-CODE-0001 without a type", authCode, 409, "AMBIGUOUS_SUBSCRIPTION"],
  ...Object.entries(credentials).flatMap(([how, identifier]) =>
    [{ id: "T-GOLD" }, { name: "Gold" }, { alternative_code: "GOLD" }, { name: "basic" }].map(
      (type): [string, Identifier, number, string] => [
        `access token ${how}, unknown type ${JSON.stringify(type)}`,
        withType(identifier, type),
        404,
        "NOT_FOUND",
      ],
    ),
  ),
  ["unknown serial number", { installed_item_identifier: { serial_number: "STB-9999" } }, 404, "NOT_FOUND"],
  ["unknown installed item id", { installed_item_identifier: { id: "II-404" } }, 404, "NOT_FOUND"],
  ["unknown installed item alternative code", { installed_item_identifier: { alternative_code: "ALT-9999" } }, 404, "NOT_FOUND"],
  ["unknown subscription id", { subscription_identifier: { id: "SUB-404" } }, 404, "NOT_FOUND"],
  ["unknown subscription number", { subscription_identifier: { number: "S9999999999" } }, 404, "NOT_FOUND"],
  // A serial number is not an id, nor the other way round.
  ["a serial number given as id", { installed_item_identifier: { id: "STB-0001" } }, 404, "NOT_FOUND"],
  ["a subscription number given as id", { subscription_identifier: { id: "S0000000001" } }, 404, "NOT_FOUND"],
];

// Credentials never answer NOT_FOUND: that would tell which identifiers and codes exist.
const badCredentials: [string, Identifier][] = [
  ["wrong pass code for card-0001", { access_token_identifier: { identifier: "card-0001", pass_code: "0000" } }],
  ["medium-0003's pass code for card-0001", { access_token_identifier: { identifier: "card-0001", pass_code: "9999" } }],
  ["unknown access token identifier", { access_token_identifier: { identifier: "card-9999", pass_code: "1234" } }],
  ["unknown authentication code", { access_token_identifier: { authentication_code: "AUTH-CODE-9999" } }],
  ["wrong pass code for medium-0003", { customer_identification_medium_identifier: { identifier: "medium-0003", pass_code: "1234" } }],
  ["unknown medium identifier", { customer_identification_medium_identifier: { identifier: "medium-9999", pass_code: "9999" } }],
  ["unknown medium authentication code", { customer_identification_medium_identifier: { authentication_code: "AUTH-CODE-0001" } }],
  // An access token's identifier is not a medium's.
  ["card-0001 as a medium", { customer_identification_medium_identifier: { identifier: "card-0001", pass_code: "1234" } }],
  [
    "wrong pass code with a type filter",
    withType({ access_token_identifier: { identifier: "card-0001", pass_code: "0000" } }, { id: "T-BASIC" }),
  ],
];

describe("authenticate failures (§4)", () => {
  it.each(failing)("%s -> %i %s", async (_, identifier, status, code) => {
    const { response, body } = await resolve(identifier);
    expect(body.status.code).toBe(code);
    expect(response.status).toBe(status);
    expect(body.data).toBeNull();
  });

  it.each(badCredentials)("%s -> 401 AUTHENTICATION_FAILED", async (_, identifier) => {
    const { response, body } = await resolve(identifier);
    expect(body.status.code).toBe("AUTHENTICATION_FAILED");
    expect(response.status).toBe(401);
    expect(body.data).toBeNull();
  });

  it("answers every credential failure with the same status, message and description", async () => {
    const statuses = await Promise.all(badCredentials.map(async ([, identifier]) => (await resolve(identifier)).body.status));
    expect(statuses[0]!.message).not.toBe("");
    for (const status of statuses) expect(status).toEqual(statuses[0]);
  });
});

describe("the subscriber JWT (§4)", () => {
  const tucanoKey = () => new TextEncoder().encode(env.TUCANO_JWT_SECRET);

  async function subscriberJwt(identifier: Identifier, headers: Record<string, string> = {}) {
    const { body } = await resolve(identifier, headers);
    expect(body.status.code).toBe("OK");
    return body.data.jwt as string;
  }

  it("has the header {alg: HS256, typ: JWT} and verifies with TUCANO_JWT_SECRET", async () => {
    const before = Math.floor(Date.now() / 1000);
    const jwt = await subscriberJwt({ installed_item_identifier: { serial_number: "STB-0001" } }, { "CF-Connecting-IP": "203.0.113.7" });
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: "HS256", typ: "JWT" });

    const { payload } = await jwtVerify(jwt, tucanoKey(), { algorithms: ["HS256"], typ: "JWT" });
    expect(payload).toMatchObject({ userid: "tucano-user-1", apip: "203.0.113.7" });
    expect(payload.iat).toBeGreaterThanOrEqual(before - 5);
    expect(payload.iat).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 5);
    expect(payload.exp).toBe(payload.iat! + 300);
  });

  it("falls back to the loopback address without CF-Connecting-IP", async () => {
    const jwt = await subscriberJwt({ installed_item_identifier: { id: "II-1" } });
    const { payload } = await jwtVerify(jwt, tucanoKey());
    expect(payload.apip).toBe("127.0.0.1");
  });

  it("carries an IPv6 CF-Connecting-IP verbatim", async () => {
    const jwt = await subscriberJwt({ subscription_identifier: { id: "SUB-1" } }, { "CF-Connecting-IP": "2001:db8::7" });
    expect((await jwtVerify(jwt, tucanoKey())).payload.apip).toBe("2001:db8::7");
  });

  it.each([
    ["SUB-1", { subscription_identifier: { id: "SUB-1" } }, "tucano-user-1"],
    ["SUB-2", { subscription_identifier: { number: "S0000000002" } }, "tucano-user-2"],
    ["SUB-2 via the access token", withType(card, { name: "Premium" }), "tucano-user-2"],
  ] as [string, Identifier, string][])("names %s's user_id as userid", async (_, identifier, userId) => {
    const { payload } = await jwtVerify(await subscriberJwt(identifier), tucanoKey());
    expect(payload.userid).toBe(userId);
  });

  it("does not verify with the login-token secret", async () => {
    const jwt = await subscriberJwt({ installed_item_identifier: { serial_number: "STB-0001" } });
    await expect(jwtVerify(jwt, new TextEncoder().encode(env.LOGIN_TOKEN_SECRET))).rejects.toThrow();
  });
});
