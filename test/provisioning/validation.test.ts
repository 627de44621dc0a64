/**
 * Issue #3, bad input and the admin API's edges: 400 naming the parameter
 * (and nothing written), DELETE's version query, unknown kinds and records,
 * wrong verbs, and the admin bearer token.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { RECORD_KINDS } from "../../src/provisioning/record-kinds";
import { ADMIN, admin, del, get, put } from "./admin-helpers";
import { apiUser, credential, installedItem, subscription, subscriptionType, type Identifier } from "./provision-helpers";

let counter = 0;
/** A valid PUT body per kind (DEMO), with fresh unique values on every call. */
const VALID = new Proxy({} as Record<string, Identifier>, {
  get: (_, property): Identifier => {
    const segment = String(property);
    const n = ++counter;
    const bodies: Record<string, Identifier> = {
      "subscription-types": subscriptionType({ name: "Valid type", alternative_code: `V-TYPE-${n}` }),
      subscriptions: subscription({ number: `V-NUM-${n}` }),
      "installed-items": installedItem({ serial_number: `V-STB-${n}`, alternative_code: `V-ALT-${n}` }),
      "access-tokens": credential({ identifier: `v-card-${n}`, pass_code: "1", authentication_code: `V-AC-${n}` }),
      "customer-identification-mediums": credential({ identifier: `v-medium-${n}`, pass_code: "1", authentication_code: `V-MAC-${n}` }),
      "api-users": apiUser({ password: "v-password", disabled: false }),
    };
    return bodies[segment]!;
  },
});
const SEGMENTS = RECORD_KINDS.map((k) => k.segment);

/** PUTs `body` to a fresh id of `segment`; expects 400 `code` naming `description`, and nothing stored. */
async function expectRejected(segment: string, body: unknown, code: string | string[], description: string) {
  const path = `/${segment}/BAD-${++counter}`;
  const r = await put(path, body);
  expect(r.response.status, JSON.stringify(body)).toBe(400);
  expect(r.body, JSON.stringify(body)).toMatchObject({ status: { description }, data: null });
  expect(typeof code === "string" ? [code] : code, JSON.stringify(body)).toContain(r.body.status.code);
  expect((await get(path)).response.status).toBe(404);
}

const without = (body: Identifier, field: string) => Object.fromEntries(Object.entries(body).filter(([k]) => k !== field));

describe("PUT: bad bodies are 400 with the parameter named, and change nothing", () => {
  it("the valid bodies used below are accepted (control)", async () => {
    for (const segment of SEGMENTS) {
      const r = await put(`/${segment}/CONTROL-${segment}`, VALID[segment]);
      expect(r.body, segment).toMatchObject({ status: { code: "OK" }, data: { applied: true } });
    }
  });

  const missing = RECORD_KINDS.flatMap((kind) =>
    ["organisation", "version", ...kind.fields.filter((f) => f.required).map((f) => f.name)].map((field) => [kind.segment, field] as const),
  );
  it.each(missing)("%s without %s: MISSING_PARAMETER", async (segment, field) => {
    await expectRejected(segment, without(VALID[segment]!, field), "MISSING_PARAMETER", field);
    // null is absent for the fields; for version, "wrong type" is as good an answer
    await expectRejected(segment, { ...VALID[segment]!, [field]: null }, ["MISSING_PARAMETER", "INVALID_PARAMETER"], field);
  });

  const badVersions: unknown[] = [0, -1, 1.5, "2", true, [1], { v: 1 }, 2 ** 53];
  it.each(badVersions.map((v) => [JSON.stringify(v), v]))("version %s: INVALID_PARAMETER version", async (_, version) => {
    await expectRejected("installed-items", { ...VALID["installed-items"]!, version }, "INVALID_PARAMETER", "version");
  });

  const wrongTypes: [string, string, unknown][] = [
    ["subscription-types", "name", 7],
    ["subscription-types", "alternative_code", ["A"]],
    ["subscriptions", "number", 123],
    ["subscriptions", "state", true],
    ["subscriptions", "user_id", {}],
    ["subscriptions", "organisation", 1],
    ["installed-items", "serial_number", 1001],
    ["installed-items", "subscription_id", ["SUB-1"]],
    ["access-tokens", "pass_code", 1234],
    ["access-tokens", "authentication_code", false],
    ["customer-identification-mediums", "identifier", 42],
    ["api-users", "password", 12345678],
    ["api-users", "disabled", "yes"],
    ["api-users", "disabled", 1],
    ["api-users", "unit", ""],
    ["installed-items", "serial_number", ""],
    ["subscriptions", "number", "x".repeat(257)],
    ["subscriptions", "state", "line\nbreak"],
  ];
  it.each(wrongTypes)("%s with %s = %j: INVALID_PARAMETER", async (segment, field, value) => {
    await expectRejected(segment, { ...VALID[segment]!, [field]: value }, "INVALID_PARAMETER", field);
  });

  const unknownFields: [string, string][] = [
    ["subscriptions", "colour"],
    ["installed-items", "pass_code"],
    ["subscription-types", "state"],
    ["access-tokens", "password"],
    ["api-users", "pass_code"],
    ["api-users", "password_hash"],
    ["customer-identification-mediums", "pass_code_hash"],
  ];
  it.each(unknownFields)("%s with the unknown field %s: INVALID_PARAMETER", async (segment, field) => {
    await expectRejected(segment, { ...VALID[segment]!, [field]: "x" }, "INVALID_PARAMETER", field);
  });

  it("references to records that do not exist (or not in this organisation) name the field", async () => {
    await expectRejected("installed-items", { ...VALID["installed-items"]!, subscription_id: "SUB-NOPE" }, "INVALID_PARAMETER", "subscription_id");
    await expectRejected("subscriptions", { ...VALID.subscriptions!, subscription_type_id: "T-NOPE" }, "INVALID_PARAMETER", "subscription_type_id");
    // references never cross organisations
    await expectRejected("installed-items", installedItem({ organisation: "OTHER", serial_number: "X-1", subscription_id: "SUB-1" }), "INVALID_PARAMETER", "subscription_id");
    await expectRejected("installed-items", installedItem({ serial_number: "X-2", subscription_id: "SUB-9" }), "INVALID_PARAMETER", "subscription_id");
    await expectRejected("subscriptions", subscription({ organisation: "OTHER", customer_id: "C-9", subscription_type_id: "T-BASIC" }), "INVALID_PARAMETER", "subscription_type_id");
    // a deleted subscription no longer exists
    expect((await put("/subscriptions/SUB-GONE", subscription({ number: "GONE-NUM", customer_id: "C-GONE" }))).body.data.applied).toBe(true);
    expect((await del("/subscriptions/SUB-GONE", 2)).body.data.applied).toBe(true);
    await expectRejected("installed-items", { ...VALID["installed-items"]!, subscription_id: "SUB-GONE" }, "INVALID_PARAMETER", "subscription_id");
  });

  it("a body that is not a JSON object is MALFORMED_REQUEST; another media type is 415; over 16 KiB is 413", async () => {
    for (const body of ["{not json", "[1,2]", '"text"', "null"]) {
      const r = await put("/installed-items/BAD-BODY", body);
      expect(r.response.status, body).toBe(400);
      expect(r.body.status.code, body).toBe("MALFORMED_REQUEST");
    }
    let r = await admin("PUT", "/installed-items/BAD-BODY", VALID["installed-items"], { "Content-Type": "text/plain" });
    expect([r.response.status, r.body.status.code]).toEqual([415, "UNSUPPORTED_MEDIA_TYPE"]);
    r = await put("/installed-items/BAD-BODY", { ...VALID["installed-items"]!, serial_number: "x".repeat(17 * 1024) });
    expect([r.response.status, r.body.status.code]).toEqual([413, "PAYLOAD_TOO_LARGE"]);
    expect((await get("/installed-items/BAD-BODY")).response.status).toBe(404);
  });
});

describe("DELETE, GET and routes", () => {
  it("DELETE with a missing or invalid version query is 400 naming version, and deletes nothing", async () => {
    const cases: [string, string][] = [
      ["", "MISSING_PARAMETER"],
      ["?version=", "INVALID_PARAMETER"],
      ["?version=abc", "INVALID_PARAMETER"],
      ["?version=0", "INVALID_PARAMETER"],
      ["?version=-3", "INVALID_PARAMETER"],
      ["?version=1.5", "INVALID_PARAMETER"],
      ["?version=2x", "INVALID_PARAMETER"],
      ["?version=99999999999999999999", "INVALID_PARAMETER"],
    ];
    for (const [query, code] of cases) {
      const r = await admin("DELETE", `/installed-items/II-1${query}`);
      expect(r.response.status, query).toBe(400);
      expect(r.body.status, query).toMatchObject({ code, description: "version" });
    }
    expect((await get("/installed-items/II-1")).body.data.id).toBe("II-1");
  });

  it("an unknown kind in the path is 404 for every verb", async () => {
    for (const [method, path, body] of [
      ["GET", "/gadgets/X", undefined],
      ["PUT", "/gadgets/X", { organisation: "DEMO", version: 1 }],
      ["DELETE", "/gadgets/X?version=1", undefined],
      ["PUT", "/installed_items/X", VALID["installed-items"]],
    ] as const) {
      const r = await admin(method, path, body);
      expect(r.response.status, `${method} ${path}`).toBe(404);
      expect(r.body, `${method} ${path}`).toMatchObject({ status: { code: "ROUTE_NOT_FOUND" }, data: null });
    }
  });

  it("GET of an unknown or deleted record is 404 NOT_FOUND", async () => {
    let r = await get("/installed-items/II-NEVER");
    expect([r.response.status, r.body.status.code, r.body.data]).toEqual([404, "NOT_FOUND", null]);
    await put("/installed-items/II-DEL", installedItem({ serial_number: "STB-DEL" }));
    expect((await get("/installed-items/II-DEL")).response.status).toBe(200);
    await del("/installed-items/II-DEL", 2);
    r = await get("/installed-items/II-DEL");
    expect([r.response.status, r.body.status.code, r.body.data]).toEqual([404, "NOT_FOUND", null]);
    r = await get("/api-users/nobody");
    expect([r.response.status, r.body.status.code]).toEqual([404, "NOT_FOUND"]);
  });

  it("a wrong verb is 405 with Allow", async () => {
    for (const [method, path, allow] of [
      ["POST", "/subscriptions/X", "GET, PUT, DELETE"],
      ["PATCH", "/installed-items/II-1", "GET, PUT, DELETE"],
      ["GET", "/import", "POST"],
      ["PUT", "/reindex", "POST"],
    ] as const) {
      const r = await admin(method, path, method === "GET" ? undefined : {});
      expect(r.response.status, `${method} ${path}`).toBe(405);
      expect(r.body.status.code).toBe("METHOD_NOT_ALLOWED");
      expect(r.response.headers.get("Allow")).toBe(allow);
    }
  });

  it("answers use the envelope, JSON and Cache-Control: no-store", async () => {
    const r = await get("/subscriptions/SUB-1");
    expect(r.response.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(r.response.headers.get("Cache-Control")).toBe("no-store");
    expect(r.response.headers.get("X-Request-Id")).toBeTruthy();
    expect(r.body.status).toEqual({ code: "OK", message: "", description: "" });
  });
});

describe("admin authentication: 401 INVALID_TOKEN", () => {
  const authorizations: [string, string | undefined][] = [
    ["no header", undefined],
    ["wrong token", "Bearer wrong-token-0123456789abcdef0123456789"],
    ["token with a suffix", `Bearer ${env.ADMIN_TOKEN}x`],
    ["token prefix", `Bearer ${env.ADMIN_TOKEN.slice(0, -1)}`],
    ["Basic scheme", `Basic ${env.ADMIN_TOKEN}`],
    ["Token scheme", `Token ${env.ADMIN_TOKEN}`],
    ["no scheme", env.ADMIN_TOKEN],
    ["empty Bearer", "Bearer "],
  ];
  const calls: [string, string, unknown, string?][] = [
    ["GET", "/subscriptions/SUB-1", undefined],
    ["PUT", "/installed-items/II-UNAUTH", installedItem({ serial_number: "STB-UNAUTH" })],
    ["DELETE", "/installed-items/II-1?version=99", undefined],
    ["POST", "/import", JSON.stringify({ op: "delete", kind: "installed-items", id: "II-1", version: 99 }), "application/x-ndjson"],
    ["POST", "/reindex", undefined],
    ["GET", "/gadgets/X", undefined],
  ];
  it.each(authorizations)("%s", async (_, authorization) => {
    for (const [method, path, body, contentType] of calls) {
      const headers: Record<string, string> = { "Content-Type": contentType ?? "application/json" };
      if (authorization !== undefined) headers.Authorization = authorization;
      const init: RequestInit = { method, headers };
      if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
      const response = await exports.default.fetch(new Request(`${ADMIN}${path}`, init));
      const json = (await response.json()) as any;
      expect(response.status, `${method} ${path}`).toBe(401);
      expect(json, `${method} ${path}`).toMatchObject({ status: { code: "INVALID_TOKEN" }, data: null });
      expect(JSON.stringify(json)).not.toContain(env.ADMIN_TOKEN);
    }
    // nothing was written or deleted
    expect((await get("/installed-items/II-UNAUTH")).response.status).toBe(404);
    expect((await get("/installed-items/II-1")).body.data.version).toBe(1);
  });
});
