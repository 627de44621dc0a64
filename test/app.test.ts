import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { AUTHENTICATE, CRMAPI, DEMO_USER, LOGIN, RELEASE, call, loginToken, postJson, type EnvelopeBody } from "./helpers";

const LIMIT = 16 * 1024;
const ENDPOINTS = [LOGIN, RELEASE, AUTHENTICATE];
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const encode = (text: string) => new TextEncoder().encode(text);

type Called = { response: Response; body: EnvelopeBody };

/** Contract §1 for every response: status, code, envelope shape and the headers. Returns the body. */
function expectEnvelope({ response, body }: Called, status: number, code: string, description?: string): EnvelopeBody {
  expect({ status: response.status, code: body.status.code }).toEqual({ status, code });
  expect(Object.keys(body).sort()).toEqual(["data", "status"]);
  expect(Object.keys(body.status).sort()).toEqual(["code", "description", "message"]);
  expect(typeof body.status.message).toBe("string");
  expect(typeof body.status.description).toBe("string");
  if (code === "OK") {
    expect(body.data).not.toBeNull();
  } else {
    expect(body.data).toBeNull();
    expect(body.status.message).not.toBe("");
  }
  if (description !== undefined) expect(body.status.description).toBe(description);
  // Nothing internal leaks: no stack frames, no SQL or D1 errors.
  expect(JSON.stringify(body)).not.toMatch(/\bat .*:\d+:\d+|SQLITE|D1_|SELECT /);
  expect(response.headers.get("Content-Type")).toBe("application/json; charset=UTF-8");
  expect(response.headers.get("Cache-Control")).toBe("no-store");
  expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
  expect(response.headers.get("X-Request-Id")).toMatch(SANE_ID);
  return body;
}

const post = (url: string, body: BodyInit | null, headers: Record<string, string> = {}) =>
  call(url, { method: "POST", body, headers });

/** For requests whose headers the test inspects before sending. */
async function send(request: Request): Promise<Called> {
  const response = await exports.default.fetch(request);
  return { response, body: (await response.json()) as EnvelopeBody };
}

/** A body delivered in chunks with no Content-Length, as a chunked upload arrives. */
function streamOf(bytes: Uint8Array, chunk = 1024): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

/** A login body padded with trailing whitespace (still valid JSON) to exactly `size` bytes. */
function paddedLogin(size: number): Uint8Array {
  const json = JSON.stringify(DEMO_USER);
  return encode(json + " ".repeat(size - json.length));
}

describe.each(ENDPOINTS)("body parsing on %s", (url) => {
  it.each([
    ["malformed JSON", '{"token":'],
    ["a trailing comma", '{"token":"x",}'],
    ["a JSON array", "[]"],
    ["a JSON array of an object", '[{"token":"x"}]'],
    ["a JSON number", "42"],
    ["a JSON string", '"token"'],
    ["JSON null", "null"],
    ["an empty body", ""],
    ["only whitespace", "  \n "],
  ])("answers 400 MALFORMED_REQUEST to %s", async (_what, text) => {
    expectEnvelope(await postJson(url, text), 400, "MALFORMED_REQUEST");
  });

  it("answers 400 MALFORMED_REQUEST to a POST without any body", async () => {
    expectEnvelope(await call(url, { method: "POST", headers: { "Content-Type": "application/json" } }), 400, "MALFORMED_REQUEST");
  });

  it.each([
    ["a stray 0xFF byte", [0xff]],
    ["an overlong encoding", [0xc0, 0xaf]],
    ["an encoded surrogate", [0xed, 0xa0, 0x80]],
    ["a truncated sequence", [0xe2, 0x82]],
  ])("answers 400 MALFORMED_REQUEST to invalid UTF-8 (%s)", async (_what, bad) => {
    const bytes = new Uint8Array([...encode('{"token":"'), ...bad, ...encode('"}')]);
    expectEnvelope(await post(url, bytes, { "Content-Type": "application/json" }), 400, "MALFORMED_REQUEST");
  });

  it.each(["text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"])(
    "answers 415 UNSUPPORTED_MEDIA_TYPE to %s",
    async (type) => {
      expectEnvelope(await post(url, '{"token":"x"}', { "Content-Type": type }), 415, "UNSUPPORTED_MEDIA_TYPE");
    },
  );

  it("answers 413 PAYLOAD_TOO_LARGE to a 20 KB body with Content-Length", async () => {
    const body = "x".repeat(20 * 1024);
    const headers = { "Content-Type": "application/json", "Content-Length": String(body.length) };
    expectEnvelope(await post(url, body, headers), 413, "PAYLOAD_TOO_LARGE");
  });

  it("answers 413 PAYLOAD_TOO_LARGE to a 20 KB streamed body without Content-Length", async () => {
    const request = new Request(url, { method: "POST", body: streamOf(encode(" ".repeat(20 * 1024))), headers: { "Content-Type": "application/json" } });
    expect(request.headers.get("Content-Length")).toBeNull();
    expectEnvelope(await send(request), 413, "PAYLOAD_TOO_LARGE");
  });
});

describe("body size limit", () => {
  it("stops reading an endless stream soon after the limit instead of buffering it", async () => {
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1024;
        controller.enqueue(encode(" ".repeat(1024)));
      },
    });
    const called = await call(LOGIN, { method: "POST", body: endless, headers: { "Content-Type": "application/json" } });
    expectEnvelope(called, 413, "PAYLOAD_TOO_LARGE");
    expect(pulled).toBeLessThan(LIMIT * 8);
  });

  it.each([
    ["with Content-Length", (bytes: Uint8Array) => ({ body: bytes, headers: { "Content-Length": String(bytes.byteLength) } })],
    ["streamed", (bytes: Uint8Array) => ({ body: streamOf(bytes), headers: {} })],
  ])("accepts a body of exactly 16 KiB and refuses one byte more (%s)", async (_how, shape) => {
    const exact = shape(paddedLogin(LIMIT));
    const ok = await post(LOGIN, exact.body, { "Content-Type": "application/json", ...exact.headers });
    expect(expectEnvelope(ok, 200, "OK").data.token).toEqual(expect.any(String));
    const over = shape(paddedLogin(LIMIT + 1));
    expectEnvelope(await post(LOGIN, over.body, { "Content-Type": "application/json", ...over.headers }), 413, "PAYLOAD_TOO_LARGE");
  });
});

describe("media type", () => {
  it("reads a body without Content-Type as JSON", async () => {
    const request = new Request(LOGIN, { method: "POST", body: encode(JSON.stringify(DEMO_USER)) });
    expect(request.headers.get("Content-Type")).toBeNull();
    expect(expectEnvelope(await send(request), 200, "OK").data.token).toEqual(expect.any(String));
  });

  it.each(["application/json; charset=utf-8", "application/json;charset=UTF-8", "Application/JSON"])("accepts %s", async (type) => {
    const called = await post(LOGIN, JSON.stringify(DEMO_USER), { "Content-Type": type });
    expect(expectEnvelope(called, 200, "OK").data.token).toEqual(expect.any(String));
  });
});

describe("routing", () => {
  it.each([
    ["GET", "http://edge.test/"],
    ["POST", `${CRMAPI}/nope`],
    ["POST", `${AUTHENTICATE}/extra`],
    ["GET", "http://edge.test/crmapi/rest/v1/authentication/token"],
    // The bench's no-op route exists only in the bench build (BENCH_NOOP=1).
    ["GET", "http://edge.test/__bench/noop"],
    ["POST", "http://edge.test/__bench/noop"],
    ["POST", "http://edge.test/__bench/sign"],
  ])("answers 404 ROUTE_NOT_FOUND to %s %s", async (method, url) => {
    expectEnvelope(await call(url, { method }), 404, "ROUTE_NOT_FOUND");
  });

  const wrongVerbs = ENDPOINTS.flatMap((url) => ["GET", "PUT", "DELETE", "PATCH"].map((method) => [method, url] as const));
  it.each(wrongVerbs)("answers 405 METHOD_NOT_ALLOWED with Allow: POST to %s %s", async (method, url) => {
    const called = await call(url, { method, ...(method === "GET" ? {} : { body: "{}", headers: { "Content-Type": "application/json" } }) });
    expectEnvelope(called, 405, "METHOD_NOT_ALLOWED");
    expect(called.response.headers.get("Allow")).toBe("POST");
  });
});

describe("X-Request-Id", () => {
  const ask = (headers: Record<string, string>) => call(`${CRMAPI}/nope`, { headers });
  const idOf = async (headers: Record<string, string>) => (await ask(headers)).response.headers.get("X-Request-Id");

  it("generates a fresh id when none is given", async () => {
    const [a, b] = [await idOf({}), await idOf({})];
    expect(a).toMatch(SANE_ID);
    expect(b).toMatch(SANE_ID);
    expect(a).not.toBe(b);
  });

  it.each<[string, Record<string, string>, string]>([
    ["X-Request-Id", { "X-Request-Id": "client-req-42" }, "client-req-42"],
    ["CF-Ray", { "CF-Ray": "8f1e2d3c4b5a6978-AMS" }, "8f1e2d3c4b5a6978-AMS"],
    ["CF-Ray over X-Request-Id", { "CF-Ray": "8f1e2d3c4b5a6978-AMS", "X-Request-Id": "client-req-42" }, "8f1e2d3c4b5a6978-AMS"],
    ["a sane X-Request-Id beside a hostile CF-Ray", { "CF-Ray": "ray with spaces", "X-Request-Id": "client-req-42" }, "client-req-42"],
  ])("echoes %s", async (_what, headers, expected) => {
    expect(await idOf(headers)).toBe(expected);
  });

  it.each(["id with spaces", "a".repeat(500), "tab\there", '"><script>alert(1)</script>', "line%0D%0Abreak", "id;rm -rf /"])(
    "replaces the hostile value %j",
    async (hostile) => {
      for (const name of ["X-Request-Id", "CF-Ray"]) {
        const id = await idOf({ [name]: hostile });
        expect(id).not.toBe(hostile);
        expect(id).toMatch(SANE_ID);
      }
    },
  );

  it("is set on a success as well", async () => {
    const called = await postJson(LOGIN, DEMO_USER, { "X-Request-Id": "login-1" });
    expectEnvelope(called, 200, "OK");
    expect(called.response.headers.get("X-Request-Id")).toBe("login-1");
  });
});

describe("login body rules", () => {
  it("answers a good login with a token", async () => {
    const body = expectEnvelope(await postJson(LOGIN, DEMO_USER), 200, "OK", "");
    expect(Object.keys(body.data)).toEqual(["token"]);
    expect(body.status.message).toBe("");
  });

  it.each(["username", "password", "organisation"])("requires %s", async (field) => {
    const payload: Record<string, unknown> = { ...DEMO_USER };
    delete payload[field];
    expectEnvelope(await postJson(LOGIN, payload), 400, "MISSING_PARAMETER", field);
  });

  it.each<[string, string]>([
    ["unknown field", JSON.stringify({ ...DEMO_USER, foo: "bar" })],
    ["numeric username", JSON.stringify({ ...DEMO_USER, username: 42 })],
    ["null password", JSON.stringify({ ...DEMO_USER, password: null })],
    ["object organisation", JSON.stringify({ ...DEMO_USER, organisation: { id: "DEMO" } })],
    ["array unit", JSON.stringify({ ...DEMO_USER, unit: ["HQ"] })],
    ["empty unit", JSON.stringify({ ...DEMO_USER, unit: "" })],
    ["257-char username", JSON.stringify({ ...DEMO_USER, username: "u".repeat(257) })],
    ["10000-char password", JSON.stringify({ ...DEMO_USER, password: "p".repeat(10000) })],
    ["__proto__ key", `{"__proto__":{"polluted":"yes"},${JSON.stringify(DEMO_USER).slice(1)}`],
    ["constructor key", `{"constructor":{"prototype":{"polluted":"yes"}},${JSON.stringify(DEMO_USER).slice(1)}`],
  ])("answers 400 INVALID_PARAMETER to a %s", async (_what, text) => {
    expectEnvelope(await postJson(LOGIN, text), 400, "INVALID_PARAMETER");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("release body rules", () => {
  it.each<[string, unknown, number, string, string]>([
    ["no token", {}, 400, "MISSING_PARAMETER", "token"],
    ["a numeric token", { token: 5 }, 400, "INVALID_PARAMETER", "token"],
    ["an unknown field", { token: "x", reason: "done" }, 400, "INVALID_PARAMETER", "reason"],
    ["an over-long token", { token: "t".repeat(5000) }, 400, "INVALID_PARAMETER", "token"],
    ["a garbage token", { token: "x" }, 401, "INVALID_TOKEN", "token"],
  ])("answers %s", async (_what, payload, status, code, description) => {
    const body = expectEnvelope(await postJson(RELEASE, payload), status, code);
    if (status === 400) expect(body.status.description).toBe(description);
  });
});

describe("authenticate: hostile values give a clear 4xx", () => {
  // One login for the describe block: PBKDF2 makes each login slow.
  let token: Promise<string> | undefined;
  const sharedToken = () => (token ??= loginToken());

  it.each<[string, string, string, string]>([
    ["numeric token", '{"token":42,"installed_item_identifier":{"id":"II-1"}}', "INVALID_PARAMETER", "token"],
    ["over-long token", JSON.stringify({ token: "t".repeat(5000), installed_item_identifier: { id: "II-1" } }), "INVALID_PARAMETER", "token"],
    ["string identifier", '{"token":"x","installed_item_identifier":"STB-0001"}', "INVALID_PARAMETER", "installed_item_identifier"],
    ["numeric serial", '{"token":"x","installed_item_identifier":{"serial_number":12}}', "INVALID_PARAMETER", "installed_item_identifier.serial_number"],
    ["257-char serial", JSON.stringify({ token: "x", installed_item_identifier: { serial_number: "s".repeat(257) } }), "INVALID_PARAMETER", "installed_item_identifier.serial_number"],
    ["lone surrogate", '{"token":"x","installed_item_identifier":{"serial_number":"\\ud800"}}', "INVALID_PARAMETER", "installed_item_identifier.serial_number"],
    ["NUL character", '{"token":"x","installed_item_identifier":{"serial_number":"a\\u0000b"}}', "INVALID_PARAMETER", "installed_item_identifier.serial_number"],
    ["numeric pass_code", '{"token":"x","access_token_identifier":{"identifier":"card-0001","pass_code":1234}}', "INVALID_PARAMETER", "access_token_identifier.pass_code"],
    ["__proto__ key", '{"token":"x","__proto__":{"polluted":"yes"},"installed_item_identifier":{"id":"II-1"}}', "INVALID_PARAMETER", "__proto__"],
    ["nested __proto__", '{"token":"x","installed_item_identifier":{"__proto__":{"serial_number":"STB-0001"}}}', "INVALID_PARAMETER", "installed_item_identifier.__proto__"],
    ["constructor key", '{"token":"x","constructor":"x","installed_item_identifier":{"id":"II-1"}}', "INVALID_PARAMETER", "constructor"],
    ["no identifier", '{"token":"x"}', "MISSING_PARAMETER", ""],
    ["two identifiers", '{"token":"x","installed_item_identifier":{"id":"II-1"},"subscription_identifier":{"id":"SUB-1"}}', "TOO_MANY_PARAMETERS", ""],
  ])("%s", async (_what, text, code, description) => {
    const body = expectEnvelope(await postJson(AUTHENTICATE, text), 400, code);
    if (description) expect(body.status.description).toBe(description);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  // The contract's combination rules (§4), each with its HTTP status, through the worker.
  it.each<[string, Record<string, unknown>, string, string]>([
    ["two lookup fields in one identifier", { installed_item_identifier: { id: "II-1", serial_number: "STB-0001" } }, "TOO_MANY_PARAMETERS", "installed_item_identifier"],
    ["an empty identifier object", { subscription_identifier: {} }, "MISSING_PARAMETER", "subscription_identifier"],
    ["an unknown lookup field", { subscription_identifier: { code: "S1" } }, "INVALID_PARAMETER", "subscription_identifier.code"],
    ["identifier without pass_code", { access_token_identifier: { identifier: "card-0001" } }, "MISSING_PARAMETER", "access_token_identifier.pass_code"],
    ["medium identifier without pass_code", { customer_identification_medium_identifier: { identifier: "medium-0003" } }, "MISSING_PARAMETER", "customer_identification_medium_identifier.pass_code"],
    ["pass_code with authentication_code", { access_token_identifier: { authentication_code: "AUTH-CODE-0001", pass_code: "1234" } }, "INVALID_PARAMETER", "access_token_identifier.pass_code"],
    ["pass_code alone", { access_token_identifier: { pass_code: "1234" } }, "MISSING_PARAMETER", "access_token_identifier"],
    ["a type filter with an installed item", { installed_item_identifier: { id: "II-1" }, subscription_type_identifier: { id: "T-BASIC" } }, "INVALID_PARAMETER", "subscription_type_identifier"],
    ["a type filter with a medium", { customer_identification_medium_identifier: { identifier: "medium-0003", pass_code: "9999" }, subscription_type_identifier: { id: "T-BASIC" } }, "INVALID_PARAMETER", "subscription_type_identifier"],
    ["a type filter with two fields", { access_token_identifier: { identifier: "card-0001", pass_code: "1234" }, subscription_type_identifier: { id: "T-BASIC", name: "Basic" } }, "TOO_MANY_PARAMETERS", "subscription_type_identifier"],
    ["an empty string", { installed_item_identifier: { serial_number: "" } }, "INVALID_PARAMETER", "installed_item_identifier.serial_number"],
    ["no token", { installed_item_identifier: { id: "II-1" } }, "MISSING_PARAMETER", "token"],
  ])("combination rule: %s", async (_what, payload, code, description) => {
    const withToken = "token" in payload || _what === "no token" ? payload : { token: await sharedToken(), ...payload };
    expectEnvelope(await postJson(AUTHENTICATE, withToken), 400, code, description);
  });

  it("answers a deeply nested value with 400, not a crash", async () => {
    const deep = "[".repeat(7000) + "]".repeat(7000);
    const called = await postJson(AUTHENTICATE, `{"token":${deep},"installed_item_identifier":{"id":"II-1"}}`);
    expect(called.response.status).toBe(400);
    expect(["MALFORMED_REQUEST", "INVALID_PARAMETER"]).toContain(called.body.status.code);
  });

  const long = "€".repeat(256);
  it.each<[Record<string, unknown>, number, string]>([
    [{ installed_item_identifier: { serial_number: long } }, 404, "NOT_FOUND"],
    [{ subscription_identifier: { number: long } }, 404, "NOT_FOUND"],
    [{ access_token_identifier: { authentication_code: long } }, 401, "AUTHENTICATION_FAILED"],
    [{ customer_identification_medium_identifier: { identifier: long, pass_code: long } }, 401, "AUTHENTICATION_FAILED"],
    [{ access_token_identifier: { identifier: "card-0001", pass_code: "1234" }, subscription_type_identifier: { name: long } }, 404, "NOT_FOUND"],
  ])("looks up a maximal multi-byte value without a server error: %j", async (identifier, status, code) => {
    expectEnvelope(await postJson(AUTHENTICATE, { token: await sharedToken(), ...identifier }), status, code);
  });

  it("answers a success in the envelope", async () => {
    const body = expectEnvelope(await postJson(AUTHENTICATE, { token: await sharedToken(), installed_item_identifier: { serial_number: "STB-0001" } }), 200, "OK", "");
    expect(body.data).toEqual({ subscription_id: "SUB-1", jwt: expect.any(String) });
  });
});
