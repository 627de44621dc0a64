/**
 * JSON Schema (2020-12, as OpenAPI 3.1 uses it) building blocks shared by
 * the document's parts. Every bound comes from the module the validation
 * itself reads (constants.ts, request-schemas.ts), never from a copy.
 */
import { MAX_STRING_LENGTH } from "../constants";
import type { BodySchema, StringRule } from "../middleware/validate";

export type Schema = Record<string, unknown>;

export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

export const JSON_MEDIA_TYPE = "application/json";

/** A string as `checkString` accepts it: not empty, bounded, no control characters. */
export function stringSchema(maxLength: number = MAX_STRING_LENGTH, description?: string): Schema {
  return { type: "string", minLength: 1, maxLength, ...(description ? { description } : {}) };
}

export function ruleSchema(rule: StringRule): Schema {
  return stringSchema(rule.maxLength);
}

/** The plain string fields of a body schema (request-schemas.ts). */
export function fieldsSchema(schema: BodySchema): { properties: Record<string, Schema>; required: string[] } {
  const entries = Object.entries(schema.fields);
  return {
    properties: Object.fromEntries(entries.map(([name, rule]) => [name, ruleSchema(rule)])),
    required: entries.filter(([, rule]) => rule.required).map(([name]) => name),
  };
}

export function closedObject(properties: Record<string, Schema>, required: string[], extra: Schema = {}): Schema {
  return { type: "object", properties, required, additionalProperties: false, ...extra };
}

/** CRM.COM's envelope around `data` (contract §1): `status.code` is `OK` on success. */
export function okEnvelope(data: Schema): Schema {
  return {
    type: "object",
    required: ["status", "data"],
    properties: { status: { allOf: [ref("Status"), { properties: { code: { const: "OK" } } }] }, data },
  };
}

/** A 200 answer in the envelope, with the headers every answer carries. */
export function okResponse(description: string, data: Schema, example?: unknown): Schema {
  const envelopeExample = example === undefined ? {} : { example: { status: { code: "OK", message: "", description: "" }, data: example } };
  return {
    description,
    headers: commonHeaders(),
    content: { [JSON_MEDIA_TYPE]: { schema: okEnvelope(data), ...envelopeExample } },
  };
}

export function commonHeaders(): Schema {
  return { "X-Request-Id": { $ref: "#/components/headers/X-Request-Id" } };
}

export function jsonBody(schema: Schema, examples: Record<string, { summary: string; value: unknown }>): Schema {
  return { required: true, content: { [JSON_MEDIA_TYPE]: { schema, examples } } };
}
