import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { ERRORS, type ErrorCode } from "../../src/errors";
import { IDENTIFIER_KINDS, SUBSCRIPTION_TYPE_FILTER } from "../../src/identifiers";
import { AUTHENTICATE_EXAMPLES, LOGIN_EXAMPLES, TOKEN_PLACEHOLDER } from "../../src/openapi/examples";
import { RECORD_KINDS } from "../../src/provisioning/record-kinds";
import { LOGIN_BODY, RELEASE_BODY } from "../../src/request-schemas";
import { admin, importLines } from "../provisioning/admin-helpers";
import { authenticate, loginToken, postJson, LOGIN } from "../helpers";

type Json = any;
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"] as const;

let doc: Json;
let response: Response;

beforeAll(async () => {
  response = await exports.default.fetch(new Request("http://edge.test/openapi.json"));
  doc = await response.clone().json();
});

/** Follows a local `$ref` (`#/components/...`). */
function deref(node: Json): Json {
  if (!node || typeof node !== "object" || typeof node.$ref !== "string") return node;
  const target = (node.$ref as string).slice(2).split("/").reduce((at: Json, key: string) => at?.[key], doc);
  if (target === undefined) throw new Error(`unresolved ${node.$ref}`);
  return deref(target);
}

function operations(): { method: string; path: string; op: Json }[] {
  return Object.entries(doc.paths as Record<string, Json>).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => ({ method: m.toUpperCase(), path, op: item[m] })),
  );
}

const requestSchema = (op: Json) => deref(op.requestBody.content["application/json"].schema);

describe("GET /openapi.json", () => {
  it("is served raw (not in the envelope), as cacheable JSON", async () => {
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("application/json; charset=UTF-8");
    expect(response.headers.get("Cache-Control")).toBe("public, max-age=300");
    expect(response.headers.get("X-Request-Id")).toBeTruthy();
    expect(doc).not.toHaveProperty("status");
    expect(doc).not.toHaveProperty("data");
  });

  it("answers 405 to other verbs", async () => {
    const post = await exports.default.fetch(new Request("http://edge.test/openapi.json", { method: "POST" }));
    expect(post.status).toBe(405);
    expect(post.headers.get("Allow")).toBe("GET");
    expect(((await post.json()) as Json).status.code).toBe("METHOD_NOT_ALLOWED");
  });

  it("looks like OpenAPI 3.1: version, info, paths, components; unique operation ids; every $ref resolves", () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info).toEqual(expect.objectContaining({ title: expect.any(String), version: expect.stringMatching(/^\d+\.\d+\.\d+/) }));
    expect(Object.keys(doc.paths).length).toBeGreaterThan(0);
    for (const path of Object.keys(doc.paths)) expect(path).toMatch(/^\//);
    expect(Object.keys(doc.components)).toEqual(expect.arrayContaining(["schemas", "responses", "securitySchemes"]));
    const ids = operations().map(({ op }) => op.operationId);
    expect(ids.every((id) => typeof id === "string")).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { op } of operations()) expect(op.responses).toHaveProperty("200");
    const refs: string[] = [];
    JSON.stringify(doc, (key, value) => (key === "$ref" ? (refs.push(value), value) : value));
    expect(refs.length).toBeGreaterThan(0);
    for (const $ref of refs) expect(() => deref({ $ref }), $ref).not.toThrow();
  });
});

describe("the document against the app's routes", () => {
  // Hono's `:param` becomes `{param}`; a route's parameter segment matches any
  // one segment of a documented path, since the document spells the admin
  // `:kind` out as one path per record kind (each with its own body).
  const routes = [
    ...new Map(
      createApp()
        // The bench's no-op route only answers in the bench build (BENCH_NOOP): not part of the API.
        .routes.filter((r) => !r.path.includes("*") && !r.path.startsWith("/__bench/"))
        .map((r) => [`${r.method} ${r.path}`, { method: r.method, path: r.path.replace(/:(\w+)/g, "{$1}") }]),
    ).values(),
  ];
  const matches = (route: string, documented: string) => {
    const a = route.split("/");
    const b = documented.split("/");
    return a.length === b.length && a.every((segment, i) => segment === b[i] || (/^\{\w+\}$/.test(segment) && b[i] !== ""));
  };

  it("every route has an operation (a route for ALL verbs: the path is documented)", () => {
    expect(routes.length).toBeGreaterThan(5);
    for (const route of routes) {
      const found = operations().some((o) => (route.method === "ALL" || o.method === route.method) && matches(route.path, o.path));
      expect(found, `${route.method} ${route.path}`).toBe(true);
    }
  });

  it("every operation has a route", () => {
    for (const { method, path } of operations()) {
      expect(routes.some((r) => r.method === method && matches(r.path, path)), `${method} ${path}`).toBe(true);
    }
  });

  it("admin paths are exactly the record kinds, each with PUT, GET and DELETE, plus import and reindex", () => {
    const adminPaths = Object.keys(doc.paths).filter((p) => p.startsWith("/admin/v1/"));
    const expected = [...RECORD_KINDS.map((k) => `/admin/v1/${k.segment}/{${k.idColumn}}`), "/admin/v1/import", "/admin/v1/reindex"];
    expect(adminPaths.sort()).toEqual(expected.sort());
    for (const kind of RECORD_KINDS) {
      expect(Object.keys(doc.paths[`/admin/v1/${kind.segment}/{${kind.idColumn}}`]).sort()).toEqual(["delete", "get", "parameters", "put"]);
    }
  });
});

describe("errors", () => {
  it("every code of src/errors.ts appears with its HTTP status, and as a reusable response", () => {
    const codes = deref(doc.components.schemas.ErrorCode).oneOf as Json[];
    expect(codes.map((c) => c.const).sort()).toEqual(Object.keys(ERRORS).sort());
    for (const entry of codes) expect(entry.description).toMatch(new RegExp(`^HTTP ${ERRORS[entry.const as ErrorCode].status}: `));
    expect(Object.keys(doc.components.responses).sort()).toEqual(Object.keys(ERRORS).sort());
  });

  it("each operation's error responses list only codes of that HTTP status", () => {
    let checked = 0;
    for (const { op } of operations()) {
      for (const [status, raw] of Object.entries(op.responses as Record<string, Json>)) {
        if (status === "200") continue;
        const media = deref(raw).content["application/json"];
        for (const code of Object.keys(media.examples)) {
          expect(ERRORS[code as ErrorCode]?.status, `${op.operationId} ${status} ${code}`).toBe(Number(status));
          expect(media.examples[code].value.status.code).toBe(code);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
    const authenticate = doc.paths["/crmapi/rest/v2/tucano/subscriber/authenticate"].post.responses;
    expect(Object.keys(authenticate).sort()).toEqual(["200", "400", "401", "403", "404", "409", "413", "415", "429", "500", "503"]);
    expect(deref(authenticate["429"]).headers).toHaveProperty("Retry-After");
  });
});

describe("request bodies from the validation's own tables", () => {
  it("login and release: the fields of request-schemas.ts", () => {
    for (const [path, schema] of [
      ["/crmapi/rest/v2/authentication/token", LOGIN_BODY],
      ["/crmapi/rest/v2/authentication/token/release", RELEASE_BODY],
    ] as const) {
      const body = requestSchema(doc.paths[path].post);
      expect(Object.keys(body.properties).sort()).toEqual(Object.keys(schema.fields).sort());
      expect(body.required.sort()).toEqual(Object.entries(schema.fields).filter(([, r]) => r.required).map(([n]) => n).sort());
      expect(body.additionalProperties).toBe(false);
    }
  });

  it("authenticate: token and exactly one identifier kind, each exactly one of its lookup fields (pass_code with identifier)", () => {
    const body = requestSchema(doc.paths["/crmapi/rest/v2/tucano/subscriber/authenticate"].post);
    expect(body.required).toEqual(["token"]);
    expect(body.oneOf).toEqual(IDENTIFIER_KINDS.map((k) => ({ required: [k.param] })));
    expect(body.dependentSchemas[SUBSCRIPTION_TYPE_FILTER.param]).toEqual({ anyOf: [{ required: ["access_token_identifier"] }] });
    for (const kind of IDENTIFIER_KINDS) {
      const branches = deref(body.properties[kind.param]).oneOf as Json[];
      expect(branches.map((b) => b.required)).toEqual(kind.fields.map((f) => (f.requires ? [f.name, f.requires.name] : [f.name])));
      for (const branch of branches) expect(branch.additionalProperties).toBe(false);
    }
    const credential = deref(body.properties.access_token_identifier).oneOf as Json[];
    expect(credential.map((b) => b.required)).toEqual([["authentication_code"], ["identifier", "pass_code"]]);
    const filter = deref(body.properties[SUBSCRIPTION_TYPE_FILTER.param]).oneOf as Json[];
    expect(filter.map((b) => b.required)).toEqual([["id"], ["name"], ["alternative_code"]]);
  });

  it("admin: a PUT body and a record per kind, from the record-kind table; secrets write-only and never in records", () => {
    for (const kind of RECORD_KINDS) {
      const item = doc.paths[`/admin/v1/${kind.segment}/{${kind.idColumn}}`];
      const put = requestSchema(item.put);
      expect(Object.keys(put.properties).sort()).toEqual(["organisation", "version", ...kind.fields.map((f) => f.name)].sort());
      expect(put.required.sort()).toEqual(["organisation", "version", ...kind.fields.filter((f) => f.required).map((f) => f.name)].sort());
      for (const field of kind.fields.filter((f) => f.secret)) expect(put.properties[field.name].writeOnly).toBe(true);
      const record = deref(item.get.responses["200"].content["application/json"].schema.properties.data);
      expect(Object.keys(record.properties).sort()).toEqual(["id", "organisation", "version", ...kind.fields.filter((f) => !f.secret).map((f) => f.name)].sort());
      expect(item.delete.parameters).toEqual([expect.objectContaining({ name: "version", in: "query", required: true })]);
    }
    const line = deref(doc.components.schemas.ImportLine).oneOf as Json[];
    expect(line.map((l) => l.title)).toEqual([...RECORD_KINDS.map((k) => `upsert ${k.segment}`), "delete"]);
  });

  it("admin operations need the bearer scheme; public ones do not", () => {
    expect(doc.components.securitySchemes.adminBearer).toMatchObject({ type: "http", scheme: "bearer" });
    for (const { path, op } of operations()) {
      if (path.startsWith("/admin/v1/")) expect(op.security, op.operationId).toEqual([{ adminBearer: [] }]);
      else expect(op.security, op.operationId).toBeUndefined();
    }
    expect(doc.security).toBeUndefined();
  });
});

describe("the examples (contract §5's demo data) answer what they say", () => {
  it("every identifier kind, lookup field and type filter field has an authenticate example", () => {
    const bodies = Object.values(AUTHENTICATE_EXAMPLES).map((e) => e.value);
    for (const kind of IDENTIFIER_KINDS) {
      for (const field of kind.fields) expect(bodies.some((b) => (b[kind.param] as Json)?.[field.name]), `${kind.param}.${field.name}`).toBe(true);
    }
    for (const field of SUBSCRIPTION_TYPE_FILTER.fields) {
      expect(bodies.some((b) => (b[SUBSCRIPTION_TYPE_FILTER.param] as Json)?.[field.name])).toBe(true);
    }
    const documented = doc.paths["/crmapi/rest/v2/tucano/subscriber/authenticate"].post.requestBody.content["application/json"].examples;
    expect(Object.keys(documented)).toEqual(Object.keys(AUTHENTICATE_EXAMPLES));
    expect(documented.installed_item_serial_number.value).toEqual({ token: TOKEN_PLACEHOLDER, installed_item_identifier: { serial_number: "STB-0001" } });
  });

  it("login examples log in", async () => {
    expect(doc.paths["/crmapi/rest/v2/authentication/token"].post.requestBody.content["application/json"].examples.demo.value).toEqual({
      username: "demo",
      password: "demo-password",
      organisation: "DEMO",
      unit: "HQ",
    });
    for (const example of Object.values(LOGIN_EXAMPLES)) {
      const { body } = await postJson(LOGIN, example.value);
      expect(body.status.code, example.summary).toBe("OK");
    }
  });

  it("authenticate examples, with a real login token, answer their documented outcome", async () => {
    const token = await loginToken();
    for (const [name, example] of Object.entries(AUTHENTICATE_EXAMPLES)) {
      const { body } = await authenticate({ ...example.value, token });
      const outcome = body.status.code === "OK" ? body.data.subscription_id : body.status.code;
      expect(outcome, name).toBe(example.answers);
    }
  });

  it("admin PUT examples are accepted, and answers have the documented shape", async () => {
    const keysOf = (name: string) => Object.keys(deref(doc.components.schemas[name]).properties).sort();
    for (const kind of RECORD_KINDS) {
      const item = doc.paths[`/admin/v1/${kind.segment}/{${kind.idColumn}}`];
      const example = item.put.requestBody.content["application/json"].examples.demo;
      expect(example, kind.segment).toBeDefined();
      const id = /Demo record (.+)$/.exec(example.summary)![1]!;
      const put = await admin("PUT", `/${kind.segment}/${encodeURIComponent(id)}`, example.value);
      expect(put.body.status.code, kind.segment).toBe("OK");
      expect(Object.keys(put.body.data).sort()).toEqual(keysOf("WriteOutcome"));
      const read = await admin("GET", `/${kind.segment}/${encodeURIComponent(id)}`);
      const record = deref(item.get.responses["200"].content["application/json"].schema.properties.data);
      expect(Object.keys(read.body.data).sort()).toEqual(Object.keys(record.properties).sort());
    }
    const imported = await importLines([{ op: "delete", kind: "subscriptions", id: "NO-SUCH", version: 1 }, "not json"]);
    // `pending` is documented too, and present only when a call ran out of KV operations (test/provisioning/import.test.ts).
    expect(Object.keys(imported.body.data).sort()).toEqual(keysOf("ImportReport").filter((key) => key !== "pending"));
    expect(keysOf("ImportReport")).toContain("pending");
    const reindexed = await admin("POST", "/reindex");
    expect(keysOf("ReindexReport")).toEqual(expect.arrayContaining(Object.keys(reindexed.body.data).sort()));
  });
});
