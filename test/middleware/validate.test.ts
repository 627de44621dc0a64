import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/errors";
import { parseBody, type BodySchema } from "../../src/middleware/validate";

const AUTHENTICATE = { fields: { token: { required: true, maxLength: 4096 } }, identifiers: true } as const satisfies BodySchema;
const LOGIN = {
  fields: {
    username: { required: true },
    password: { required: true },
    organisation: { required: true },
    unit: { required: false },
  },
} as const satisfies BodySchema;

const IDENTIFIER_PARAMS = [
  "access_token_identifier",
  "customer_identification_medium_identifier",
  "installed_item_identifier",
  "subscription_identifier",
];
const CREDENTIAL_PARAMS = ["access_token_identifier", "customer_identification_medium_identifier"];
const SERIAL = { installed_item_identifier: { serial_number: "STB-0001" } };
const CARD = { access_token_identifier: { identifier: "card-0001", pass_code: "1234" } };
const LOGIN_BODY = { username: "demo", password: "demo-password", organisation: "DEMO" };

function errorOf(schema: BodySchema, body: Record<string, unknown>): ApiError {
  try {
    parseBody(schema, body);
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error(`accepted: ${JSON.stringify(body)}`);
}

function expectRejected(schema: BodySchema, body: Record<string, unknown>, code: string, description: string) {
  const error = errorOf(schema, body);
  expect({ code: error.code, description: error.description }).toEqual({ code, description });
}

const auth = (rest: Record<string, unknown>) => ({ token: "t", ...rest });

describe("parseBody: exactly one identifier", () => {
  it("rejects a body without any identifier, naming all four", () => {
    const error = errorOf(AUTHENTICATE, { token: "t" });
    expect(error.code).toBe("MISSING_PARAMETER");
    for (const param of IDENTIFIER_PARAMS) expect(error.description).toContain(param);
  });

  it.each([
    [{ ...SERIAL, subscription_identifier: { id: "SUB-1" } }, ["installed_item_identifier", "subscription_identifier"]],
    [{ ...CARD, customer_identification_medium_identifier: { authentication_code: "x" } }, CREDENTIAL_PARAMS],
    // A present-but-null identifier still counts as given.
    [{ ...SERIAL, subscription_identifier: null }, ["installed_item_identifier", "subscription_identifier"]],
  ])("rejects two identifiers (%j)", (body, params) => {
    const error = errorOf(AUTHENTICATE, auth(body));
    expect(error.code).toBe("TOO_MANY_PARAMETERS");
    for (const param of params) expect(error.description).toContain(param);
  });
});

describe("parseBody: request rules of contract §4", () => {
  it("requires the token", () => {
    expectRejected(AUTHENTICATE, { ...SERIAL }, "MISSING_PARAMETER", "token");
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ["empty identifier", { installed_item_identifier: {} }, "MISSING_PARAMETER", "installed_item_identifier"],
    ["two lookup fields", { installed_item_identifier: { id: "II-1", serial_number: "STB-0001" } }, "TOO_MANY_PARAMETERS", "installed_item_identifier"],
    ["three lookup fields", { installed_item_identifier: { id: "a", serial_number: "b", alternative_code: "c" } }, "TOO_MANY_PARAMETERS", "installed_item_identifier"],
    ["two subscription fields", { subscription_identifier: { id: "SUB-1", number: "S1" } }, "TOO_MANY_PARAMETERS", "subscription_identifier"],
    ["unknown field alone", { installed_item_identifier: { foo: "x" } }, "INVALID_PARAMETER", "installed_item_identifier.foo"],
    ["unknown field beside a good one", { installed_item_identifier: { serial_number: "x", foo: "y" } }, "INVALID_PARAMETER", "installed_item_identifier.foo"],
    ["another kind's field", { subscription_identifier: { serial_number: "x" } }, "INVALID_PARAMETER", "subscription_identifier.serial_number"],
    ["pass_code on an installed item", { installed_item_identifier: { id: "II-1", pass_code: "1" } }, "INVALID_PARAMETER", "installed_item_identifier.pass_code"],
    ["sub type field on a subscription", { subscription_identifier: { name: "Basic" } }, "INVALID_PARAMETER", "subscription_identifier.name"],
    ...CREDENTIAL_PARAMS.flatMap((p): [string, Record<string, unknown>, string, string][] => [
      [`${p}: identifier without pass_code`, { [p]: { identifier: "card-0001" } }, "MISSING_PARAMETER", `${p}.pass_code`],
      [`${p}: pass_code with authentication_code`, { [p]: { authentication_code: "A", pass_code: "1234" } }, "INVALID_PARAMETER", `${p}.pass_code`],
      [`${p}: pass_code alone`, { [p]: { pass_code: "1234" } }, "MISSING_PARAMETER", p],
      [`${p}: both lookup fields`, { [p]: { identifier: "c", authentication_code: "A", pass_code: "1" } }, "TOO_MANY_PARAMETERS", p],
      [`${p}: unknown field`, { [p]: { identifier: "c", pass_code: "1", pin: "2" } }, "INVALID_PARAMETER", `${p}.pin`],
      [`${p}: numeric pass_code`, { [p]: { identifier: "c", pass_code: 1234 } }, "INVALID_PARAMETER", `${p}.pass_code`],
      [`${p}: empty pass_code`, { [p]: { identifier: "c", pass_code: "" } }, "INVALID_PARAMETER", `${p}.pass_code`],
    ]),
  ])("%s", (_name, body, code, description) => {
    expectRejected(AUTHENTICATE, auth(body), code, description);
  });
});

describe("parseBody: subscription_type_identifier", () => {
  const TYPE = "subscription_type_identifier";

  it.each([
    { installed_item_identifier: { id: "II-1" } },
    { subscription_identifier: { number: "S0000000001" } },
    { customer_identification_medium_identifier: { identifier: "medium-0003", pass_code: "9999" } },
    { customer_identification_medium_identifier: { authentication_code: "X" } },
  ])("is not allowed with %j", (identifier) => {
    expectRejected(AUTHENTICATE, auth({ ...identifier, [TYPE]: { id: "T-BASIC" } }), "INVALID_PARAMETER", TYPE);
  });

  it.each<[Record<string, unknown> | unknown, string, string]>([
    [{}, "MISSING_PARAMETER", TYPE],
    [{ id: "T-BASIC", name: "Basic" }, "TOO_MANY_PARAMETERS", TYPE],
    [{ id: "T-BASIC", name: "Basic", alternative_code: "BASIC" }, "TOO_MANY_PARAMETERS", TYPE],
    [{ foo: "x" }, "INVALID_PARAMETER", `${TYPE}.foo`],
    [{ number: "S0000000001" }, "INVALID_PARAMETER", `${TYPE}.number`],
    [{ name: "Basic", pass_code: "1" }, "INVALID_PARAMETER", `${TYPE}.pass_code`],
    [{ name: 5 }, "INVALID_PARAMETER", `${TYPE}.name`],
    [{ alternative_code: "" }, "INVALID_PARAMETER", `${TYPE}.alternative_code`],
    ["T-BASIC", "INVALID_PARAMETER", TYPE],
    [null, "INVALID_PARAMETER", TYPE],
    [["T-BASIC"], "INVALID_PARAMETER", TYPE],
  ])("with an access token, %j is %s", (value, code, description) => {
    expectRejected(AUTHENTICATE, auth({ ...CARD, [TYPE]: value }), code, description);
  });
});

describe("parseBody: values", () => {
  // Each slot is a different code path: a schema field, a lookup field, a companion secret, the type filter.
  const slots: [string, (v: unknown) => Record<string, unknown>][] = [
    ["token", (v) => ({ token: v, ...SERIAL })],
    ["installed_item_identifier.serial_number", (v) => auth({ installed_item_identifier: { serial_number: v } })],
    ["access_token_identifier.pass_code", (v) => auth({ access_token_identifier: { identifier: "card-0001", pass_code: v } })],
    ["subscription_type_identifier.name", (v) => auth({ ...CARD, subscription_type_identifier: { name: v } })],
  ];
  const bad: [string, unknown][] = [
    ["a number", 42],
    ["null", null],
    ["a boolean", true],
    ["an array", ["x"]],
    ["an empty array", []],
    ["an object", { value: "x" }],
    ["an empty string", ""],
    ["a lone high surrogate", "ab\uD800"],
    ["a lone low surrogate", "\uDC00cd"],
    ["a NUL character", "STB\u00000001"],
  ];
  const cases = slots.flatMap(([path, build]) => bad.map(([what, value]) => [path, what, build(value)] as const));

  it.each(cases)("%s: rejects %s", (path, _what, body) => {
    expectRejected(AUTHENTICATE, body, "INVALID_PARAMETER", path);
  });

  it.each(slots.slice(1))("%s: accepts 256 characters and rejects 257", (path, build) => {
    expect(() => parseBody(AUTHENTICATE, build("x".repeat(256)))).not.toThrow();
    expectRejected(AUTHENTICATE, build("x".repeat(257)), "INVALID_PARAMETER", path);
  });

  it("gives the token its own, larger bound", () => {
    expect(parseBody(AUTHENTICATE, { token: "t".repeat(4096), ...SERIAL }).token).toHaveLength(4096);
    expectRejected(AUTHENTICATE, { token: "t".repeat(4097), ...SERIAL }, "INVALID_PARAMETER", "token");
  });

  it("accepts well-formed surrogate pairs", () => {
    expect(parseBody(AUTHENTICATE, auth({ installed_item_identifier: { serial_number: "STB-😀" } })).identifier.value).toBe("STB-😀");
  });

  it.each([
    ["a string", "STB-0001"],
    ["a number", 1],
    ["null", null],
    ["an array", [{ serial_number: "STB-0001" }]],
  ])("rejects an identifier that is %s instead of an object", (_what, value) => {
    expectRejected(AUTHENTICATE, auth({ installed_item_identifier: value }), "INVALID_PARAMETER", "installed_item_identifier");
  });
});

describe("parseBody: unknown and prototype keys", () => {
  it.each([
    ['{"token":"t","installed_item_identifier":{"id":"II-1"},"foo":1}', "foo"],
    ['{"token":"t","installed_item_identifier":{"id":"II-1"},"__proto__":{"polluted":"yes"}}', "__proto__"],
    ['{"token":"t","installed_item_identifier":{"id":"II-1"},"constructor":{"prototype":{"polluted":"yes"}}}', "constructor"],
    ['{"token":"t","installed_item_identifier":{"id":"II-1"},"toString":"x"}', "toString"],
    ['{"token":"t","installed_item_identifier":{"__proto__":{"serial_number":"x"}}}', "installed_item_identifier.__proto__"],
    ['{"token":"t","installed_item_identifier":{"id":"II-1","__proto__":{"polluted":"yes"}}}', "installed_item_identifier.__proto__"],
    ['{"token":"t","installed_item_identifier":{"constructor":"x"}}', "installed_item_identifier.constructor"],
    ['{"token":"t","access_token_identifier":{"authentication_code":"A"},"subscription_type_identifier":{"__proto__":{"id":"x"}}}', "subscription_type_identifier.__proto__"],
    ['{"username":"u","password":"p","organisation":"o","__proto__":{"polluted":"yes"}}', "__proto__"],
  ])("rejects %s at %s", (json, path) => {
    const body = JSON.parse(json) as Record<string, unknown>;
    const schema = "username" in body ? LOGIN : AUTHENTICATE;
    expectRejected(schema, body, "INVALID_PARAMETER", path);
    expect(Object.hasOwn(Object.prototype, "polluted")).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("does not read an identifier or token from the prototype chain", () => {
    const inherited = Object.create({ token: "t", installed_item_identifier: { id: "II-1" } }) as Record<string, unknown>;
    expectRejected(AUTHENTICATE, inherited, "MISSING_PARAMETER", "token");
  });
});

describe("parseBody: valid authenticate bodies", () => {
  // The type filter's field is a name or a row of the identifier table; only its name is the contract.
  const fieldName = (field: unknown) => (typeof field === "string" ? field : (field as { name: string }).name);

  function summary(body: Record<string, unknown>) {
    const result = parseBody(AUTHENTICATE, body);
    return {
      token: result.token,
      param: result.identifier.kind.param,
      field: result.identifier.field.name,
      value: result.identifier.value,
      secret: result.identifier.secret,
      subscriptionType: result.subscriptionType && { field: fieldName(result.subscriptionType.field), value: result.subscriptionType.value },
    };
  }

  it.each<[Record<string, unknown>, string, string, string, string | undefined]>([
    [{ installed_item_identifier: { id: "II-1" } }, "installed_item_identifier", "id", "II-1", undefined],
    [SERIAL, "installed_item_identifier", "serial_number", "STB-0001", undefined],
    [{ installed_item_identifier: { alternative_code: "ALT-0001" } }, "installed_item_identifier", "alternative_code", "ALT-0001", undefined],
    [{ subscription_identifier: { id: "SUB-1" } }, "subscription_identifier", "id", "SUB-1", undefined],
    [{ subscription_identifier: { number: "S0000000001" } }, "subscription_identifier", "number", "S0000000001", undefined],
    [CARD, "access_token_identifier", "identifier", "card-0001", "1234"],
    [{ access_token_identifier: { authentication_code: "AUTH-CODE-0001" } }, "access_token_identifier", "authentication_code", "AUTH-CODE-0001", undefined],
    [{ customer_identification_medium_identifier: { identifier: "medium-0003", pass_code: "9999" } }, "customer_identification_medium_identifier", "identifier", "medium-0003", "9999"],
    [{ customer_identification_medium_identifier: { authentication_code: "X" } }, "customer_identification_medium_identifier", "authentication_code", "X", undefined],
  ])("%j", (body, param, field, value, secret) => {
    expect(summary({ token: "tok", ...body })).toEqual({ token: "tok", param, field, value, secret, subscriptionType: undefined });
  });

  it.each(["id", "name", "alternative_code"])("narrows an access token by subscription type %s", (field) => {
    const result = summary({ token: "tok", ...CARD, subscription_type_identifier: { [field]: "BASIC" } });
    expect(result).toMatchObject({ param: "access_token_identifier", secret: "1234", subscriptionType: { field, value: "BASIC" } });
  });

  it("omits the secret entirely when the field takes none", () => {
    const result = parseBody(AUTHENTICATE, auth({ access_token_identifier: { authentication_code: "A" } }));
    expect(Object.hasOwn(result.identifier, "secret")).toBe(false);
    expect(Object.hasOwn(result, "subscriptionType")).toBe(false);
  });
});

describe("parseBody: login-like schema", () => {
  it("returns the fields, without the absent optional unit", () => {
    const result = parseBody(LOGIN, { ...LOGIN_BODY });
    expect(result).toEqual(LOGIN_BODY);
    expect(Object.hasOwn(result, "unit")).toBe(false);
    expect(parseBody(LOGIN, { ...LOGIN_BODY, unit: "HQ" }).unit).toBe("HQ");
  });

  it.each(["username", "password", "organisation"])("requires %s", (field) => {
    const body: Record<string, unknown> = { ...LOGIN_BODY };
    delete body[field];
    expectRejected(LOGIN, body, "MISSING_PARAMETER", field);
  });

  it.each<[string, unknown, string]>([
    ["unit", "", "unit"],
    ["unit", null, "unit"],
    ["username", 7, "username"],
    ["password", "p".repeat(257), "password"],
    ["organisation", { name: "DEMO" }, "organisation"],
    ["installed_item_identifier", { id: "II-1" }, "installed_item_identifier"],
    ["subscription_type_identifier", { id: "T-BASIC" }, "subscription_type_identifier"],
    ["token", "t", "token"],
  ])("rejects %s = %j", (field, value, path) => {
    expectRejected(LOGIN, { ...LOGIN_BODY, [field]: value }, "INVALID_PARAMETER", path);
  });
});
