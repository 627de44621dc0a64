import { env } from "cloudflare:workers";
import { jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { OTHER_USER, authenticate, loginToken } from "../helpers";

// One login per organisation for the whole file: nothing here releases them.
const tokens = new Map<string, Promise<string>>();
const tokenOf = (org: "DEMO" | "OTHER") => {
  let token = tokens.get(org);
  if (!token) tokens.set(org, (token = org === "DEMO" ? loginToken() : loginToken(OTHER_USER)));
  return token;
};

type Identifier = Record<string, unknown>;
const resolveAs = async (org: "DEMO" | "OTHER", identifier: Identifier) =>
  authenticate({ token: await tokenOf(org), ...identifier });

describe("the same values in two organisations (§4, §5)", () => {
  const shared: [string, Identifier][] = [
    ["serial number STB-0001", { installed_item_identifier: { serial_number: "STB-0001" } }],
    ["subscription number S0000000001", { subscription_identifier: { number: "S0000000001" } }],
  ];
  const expected = {
    DEMO: { subscription_id: "SUB-1", userid: "tucano-user-1" },
    OTHER: { subscription_id: "SUB-9", userid: "other-user-9" },
  } as const;

  // Interleaved, so that a KV entry cached for one organisation would show up in the other's answer.
  it.each(shared)("%s resolves within each login token's organisation", async (_, identifier) => {
    for (const org of ["DEMO", "OTHER", "DEMO", "OTHER"] as const) {
      const { response, body } = await resolveAs(org, identifier);
      expect(response.status).toBe(200);
      expect(body.data.subscription_id).toBe(expected[org].subscription_id);
      const { payload } = await jwtVerify(body.data.jwt, new TextEncoder().encode(env.TUCANO_JWT_SECRET));
      expect(payload.userid).toBe(expected[org].userid);
    }
  });
});

/**
 * Each case: a value that exists only in the other organisation, and a value
 * that exists nowhere in the same place. Their answers must be identical.
 */
const foreign: [string, "DEMO" | "OTHER", Identifier, Identifier][] = [
  [
    "DEMO's installed item II-1",
    "OTHER",
    { installed_item_identifier: { id: "II-1" } },
    { installed_item_identifier: { id: "II-404" } },
  ],
  [
    "DEMO's alternative code ALT-0001",
    "OTHER",
    { installed_item_identifier: { alternative_code: "ALT-0001" } },
    { installed_item_identifier: { alternative_code: "ALT-9999" } },
  ],
  [
    "DEMO's serial number STB-0003",
    "OTHER",
    { installed_item_identifier: { serial_number: "STB-0003" } },
    { installed_item_identifier: { serial_number: "STB-9999" } },
  ],
  [
    "DEMO's subscription SUB-2",
    "OTHER",
    { subscription_identifier: { id: "SUB-2" } },
    { subscription_identifier: { id: "SUB-404" } },
  ],
  [
    "DEMO's subscription SUB-1",
    "OTHER",
    { subscription_identifier: { id: "SUB-1" } },
    { subscription_identifier: { id: "SUB-404" } },
  ],
  [
    "DEMO's subscription number S0000000002",
    "OTHER",
    { subscription_identifier: { number: "S0000000002" } },
    { subscription_identifier: { number: "S9999999999" } },
  ],
  [
    "DEMO's access token card-0001 / 1234",
    "OTHER",
    { access_token_identifier: { identifier: "card-0001", pass_code: "1234" } },
    { access_token_identifier: { identifier: "card-9999", pass_code: "1234" } },
  ],
  [
    "DEMO's authentication code AUTH-CODE-0001",
    "OTHER",
    { access_token_identifier: { authentication_code: "AUTH-CODE-0001" } },
    { access_token_identifier: { authentication_code: "AUTH-CODE-9999" } },
  ],
  [
    "DEMO's medium medium-0003 / 9999",
    "OTHER",
    { customer_identification_medium_identifier: { identifier: "medium-0003", pass_code: "9999" } },
    { customer_identification_medium_identifier: { identifier: "medium-9999", pass_code: "9999" } },
  ],
  [
    "OTHER's installed item II-9",
    "DEMO",
    { installed_item_identifier: { id: "II-9" } },
    { installed_item_identifier: { id: "II-404" } },
  ],
  [
    "OTHER's subscription SUB-9",
    "DEMO",
    { subscription_identifier: { id: "SUB-9" } },
    { subscription_identifier: { id: "SUB-404" } },
  ],
  [
    "OTHER's subscription type T-OTHER as DEMO's filter",
    "DEMO",
    { access_token_identifier: { authentication_code: "AUTH-CODE-0001" }, subscription_type_identifier: { id: "T-OTHER" } },
    { access_token_identifier: { authentication_code: "AUTH-CODE-0001" }, subscription_type_identifier: { id: "T-GOLD" } },
  ],
];

describe("a record of another organisation behaves as if it did not exist (§4)", () => {
  it.each(foreign)("%s, seen from %s", async (_, org, foreignValue, unknownValue) => {
    const [seen, unknown] = [await resolveAs(org, foreignValue), await resolveAs(org, unknownValue)];
    expect([404, 401]).toContain(unknown.response.status);
    expect(unknown.body.status.code).toMatch(/^(NOT_FOUND|AUTHENTICATION_FAILED)$/);
    expect(seen.response.status).toBe(unknown.response.status);
    expect(seen.body).toEqual(unknown.body);
  });

  it("still resolves the foreign values in their own organisation", async () => {
    const own: ["DEMO" | "OTHER", Identifier, string][] = [
      ["DEMO", { installed_item_identifier: { id: "II-1" } }, "SUB-1"],
      ["DEMO", { subscription_identifier: { number: "S0000000002" } }, "SUB-2"],
      ["DEMO", { access_token_identifier: { identifier: "card-0001", pass_code: "1234" }, subscription_type_identifier: { id: "T-BASIC" } }, "SUB-1"],
      ["OTHER", { installed_item_identifier: { id: "II-9" } }, "SUB-9"],
      ["OTHER", { subscription_identifier: { id: "SUB-9" } }, "SUB-9"],
    ];
    for (const [org, identifier, subscriptionId] of own) {
      const { response, body } = await resolveAs(org, identifier);
      expect(response.status).toBe(200);
      expect(body.data.subscription_id).toBe(subscriptionId);
    }
  });
});
