import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { ERRORS } from "../../src/errors";
import { IDENTIFIER_KINDS, SUBSCRIPTION_TYPE_FILTER } from "../../src/identifiers";
import { AUTHENTICATE, loginToken } from "../helpers";

const app = createApp();
const CODES = new Set(["OK", ...Object.keys(ERRORS)]);
const RUNS = 10_000;

// Values a hostile or buggy client may put anywhere.
const anyValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.constantFrom("STB-0001", "card-0001", "1234", "AUTH-CODE-0001", "T-BASIC", "Basic", "S0000000001", "SUB-1", "", "x".repeat(300)),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.jsonValue({ maxDepth: 3 }),
);
const fieldNames = [
  ...new Set([
    ...IDENTIFIER_KINDS.flatMap((k) => k.fields.flatMap((f) => [f.name, ...(f.requires ? [f.requires.name] : [])])),
    ...SUBSCRIPTION_TYPE_FILTER.fields.map((f) => f.name),
    "__proto__",
    "constructor",
    "unknown",
  ]),
];
const identifierObject = fc.oneof(fc.dictionary(fc.constantFrom(...fieldNames), anyValue, { maxKeys: 3 }), anyValue);
const params = [...IDENTIFIER_KINDS.map((k) => k.param), SUBSCRIPTION_TYPE_FILTER.param, "token", "__proto__", "extra"];

/** Bodies: near-valid objects (with a real token now and then), any JSON, or raw text. */
function bodies(token: string) {
  const structured = fc
    .record({
      entries: fc.dictionary(fc.constantFrom(...params), identifierObject, { maxKeys: 4 }),
      token: fc.oneof(fc.constant(token), anyValue),
      withToken: fc.boolean(),
    })
    .map(({ entries, token: t, withToken }) => JSON.stringify(withToken ? { ...entries, token: t } : entries));
  return fc.oneof(
    { weight: 6, arbitrary: structured },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 200 }) },
    { weight: 1, arbitrary: structured.map((text) => text.replace(/"\}/, '"}}').replace(/,/, ",,")) },
  );
}

describe("authenticate under generated input", () => {
  it(`never answers 5xx, always the envelope with a contract code (${RUNS} bodies)`, { timeout: 120_000 }, async () => {
    const token = await loginToken();
    const contentTypes = fc.constantFrom<string | undefined>("application/json", "application/json; charset=utf-8", undefined, "text/plain");
    await fc.assert(
      fc.asyncProperty(bodies(token), contentTypes, async (body, contentType) => {
        const headers: Record<string, string> = contentType ? { "Content-Type": contentType } : {};
        const ctx = createExecutionContext();
        const response = await app.fetch(new Request(AUTHENTICATE, { method: "POST", headers, body }), env, ctx);
        await waitOnExecutionContext(ctx);
        const envelope = (await response.json()) as { status: { code: string; message: string; description: string }; data: unknown };
        expect(response.status).toBeLessThan(500);
        expect(CODES.has(envelope.status.code)).toBe(true);
        expect(typeof envelope.status.message).toBe("string");
        expect(typeof envelope.status.description).toBe("string");
        expect(response.status === 200).toBe(envelope.status.code === "OK");
        if (envelope.status.code !== "OK") expect(envelope.data).toBeNull();
      }),
      { numRuns: RUNS },
    );
  });
});
