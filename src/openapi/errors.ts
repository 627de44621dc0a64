/**
 * The error table (src/errors.ts) as OpenAPI: one `ErrorCode` schema naming
 * every code with its HTTP status, one reusable response per code, and per
 * operation the codes it can answer, grouped by HTTP status.
 */
import { ERRORS, type ErrorCode } from "../errors";
import { commonHeaders, JSON_MEDIA_TYPE, ref, type Schema } from "./schema";

const CODES = Object.keys(ERRORS) as ErrorCode[];

function errorExample(code: ErrorCode, description = "") {
  return { status: { code, message: ERRORS[code].message, description }, data: null };
}

function errorSchema(codes: readonly ErrorCode[]): Schema {
  return {
    allOf: [ref("ErrorEnvelope"), { properties: { status: { properties: { code: { enum: [...codes] } } } } }],
  };
}

function response(codes: readonly ErrorCode[]): Schema {
  const headers: Schema = { ...commonHeaders() };
  if (codes.includes("RATE_LIMITED")) headers["Retry-After"] = { $ref: "#/components/headers/Retry-After" };
  if (codes.includes("METHOD_NOT_ALLOWED")) headers.Allow = { description: "The methods this path takes.", schema: { type: "string" } };
  return {
    description: codes.map((code) => `\`${code}\``).join(", "),
    headers,
    content: {
      [JSON_MEDIA_TYPE]: {
        schema: errorSchema(codes),
        examples: Object.fromEntries(codes.map((code) => [code, { summary: ERRORS[code].message, value: errorExample(code) }])),
      },
    },
  };
}

/** The `responses` entries of an operation for the error codes it can answer. */
export function errorResponses(codes: readonly ErrorCode[]): Record<string, Schema> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERRORS[code].status, [...(byStatus.get(ERRORS[code].status) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].sort(([a], [b]) => a - b).map(([status, group]) => [
      String(status),
      group.length === 1 ? { $ref: `#/components/responses/${group[0]}` } : response(group),
    ]),
  );
}

export function errorComponents() {
  return {
    schemas: {
      ErrorCode: {
        description: "Every stable `status.code` of an error, with its HTTP status (contract §1).",
        oneOf: CODES.map((code) => ({ const: code, description: `HTTP ${ERRORS[code].status}: ${ERRORS[code].message}` })),
      },
      ErrorEnvelope: {
        type: "object",
        required: ["status", "data"],
        properties: {
          status: {
            allOf: [ref("Status"), { properties: { code: ref("ErrorCode") } }],
            description: "`description` names the offending parameter path when there is one, e.g. `installed_item_identifier.serial_number`.",
          },
          data: { type: "null" },
        },
      },
    } as Record<string, Schema>,
    /** One per code, named by it; `ROUTE_NOT_FOUND` and `METHOD_NOT_ALLOWED` answer any unknown path or verb. */
    responses: Object.fromEntries(CODES.map((code) => [code, response([code])])) as Record<string, Schema>,
  };
}
