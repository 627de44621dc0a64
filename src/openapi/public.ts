/**
 * The public endpoints (contract §2-4, §7) from the tables the validation
 * reads: request-schemas.ts for the bodies, identifiers.ts for the
 * identifier objects (each one `oneOf` its lookup fields).
 */
import { MAX_STRING_LENGTH } from "../constants";
import type { ErrorCode } from "../errors";
import { IDENTIFIER_KINDS, SUBSCRIPTION_TYPE_FILTER, type IdentifierKind } from "../identifiers";
import { AUTHENTICATE_BODY, LOGIN_BODY, RELEASE_BODY } from "../request-schemas";
import { errorResponses } from "./errors";
import { AUTHENTICATE_EXAMPLES, LOGIN_EXAMPLES, RELEASE_EXAMPLES } from "./examples";
import { closedObject, commonHeaders, fieldsSchema, jsonBody, okResponse, ref, stringSchema, type Schema } from "./schema";

/** Errors of every JSON body read by the validation middleware. */
const BODY_ERRORS: ErrorCode[] = ["MALFORMED_REQUEST", "UNSUPPORTED_MEDIA_TYPE", "PAYLOAD_TOO_LARGE", "MISSING_PARAMETER", "INVALID_PARAMETER"];
const STORAGE_ERRORS: ErrorCode[] = ["SERVICE_UNAVAILABLE", "INTERNAL_ERROR"];

const JWT = { type: "string", description: "A compact JWS." };

/** An identifier object: exactly one of its lookup fields, with its companion secret where it needs one. */
function identifierSchema(kind: IdentifierKind): Schema {
  const names = kind.fields.map((f) => f.name);
  return {
    type: "object",
    description: `Exactly one of ${names.map((n) => `\`${n}\``).join(", ")}. An unknown value answers \`${kind.unknownAs}\`.`,
    oneOf: kind.fields.map((field) => {
      const properties: Record<string, Schema> = {
        [field.name]: stringSchema(MAX_STRING_LENGTH, field.keyed ? "Stored and looked up only as a keyed hash." : undefined),
      };
      if (field.requires) properties[field.requires.name] = stringSchema(MAX_STRING_LENGTH, `Mandatory with \`${field.name}\`.`);
      return closedObject(properties, Object.keys(properties), { title: `by ${field.name}` });
    }),
  };
}

function subscriptionTypeSchema(): Schema {
  const filter = SUBSCRIPTION_TYPE_FILTER;
  return {
    type: "object",
    description: `Narrows the customer's subscriptions to one type; only with ${filter.allowedWith.map((p) => `\`${p}\``).join(", ")}.`,
    oneOf: filter.fields.map((f) => closedObject({ [f.name]: stringSchema() }, [f.name], { title: `by ${f.name}` })),
  };
}

function authenticateSchema(): Schema {
  const { properties, required } = fieldsSchema(AUTHENTICATE_BODY);
  for (const kind of IDENTIFIER_KINDS) properties[kind.param] = ref(kind.param);
  properties[SUBSCRIPTION_TYPE_FILTER.param] = ref(SUBSCRIPTION_TYPE_FILTER.param);
  return closedObject(properties, required, {
    description: "`token` and exactly one identifier object.",
    oneOf: IDENTIFIER_KINDS.map((kind) => ({ required: [kind.param] })),
    dependentSchemas: {
      [SUBSCRIPTION_TYPE_FILTER.param]: { anyOf: SUBSCRIPTION_TYPE_FILTER.allowedWith.map((param) => ({ required: [param] })) },
    },
  });
}

const withoutAnswers = (examples: typeof AUTHENTICATE_EXAMPLES) =>
  Object.fromEntries(Object.entries(examples).map(([name, { summary, value }]) => [name, { summary, value }]));

export function publicSchemas(): Record<string, Schema> {
  const schemas: Record<string, Schema> = {};
  for (const kind of IDENTIFIER_KINDS) schemas[kind.param] = identifierSchema(kind);
  schemas[SUBSCRIPTION_TYPE_FILTER.param] = subscriptionTypeSchema();
  schemas.LoginRequest = closedObject(fieldsSchema(LOGIN_BODY).properties, fieldsSchema(LOGIN_BODY).required);
  schemas.ReleaseRequest = closedObject(fieldsSchema(RELEASE_BODY).properties, fieldsSchema(RELEASE_BODY).required);
  schemas.AuthenticateRequest = authenticateSchema();
  schemas.Jwk = {
    type: "object",
    required: ["kty", "kid", "alg", "use"],
    properties: { kty: { type: "string" }, kid: { type: "string" }, alg: { enum: ["ES256", "EdDSA"] }, use: { const: "sig" } },
  };
  return schemas;
}

/** Paths relative to the CRM.COM base (`/crmapi/rest/v2`). */
export function crmapiPaths(): Record<string, Schema> {
  return {
    "/authentication/token": {
      post: {
        operationId: "login",
        tags: ["authentication"],
        summary: "Log in as an API user: a login token (2 h by default)",
        requestBody: jsonBody(ref("LoginRequest"), LOGIN_EXAMPLES),
        responses: {
          "200": okResponse("The login token", closedObject({ token: JWT }, ["token"]), { token: "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9..." }),
          ...errorResponses([...BODY_ERRORS, "AUTHENTICATION_FAILED", "RATE_LIMITED", ...STORAGE_ERRORS]),
        },
      },
    },
    "/authentication/token/release": {
      post: {
        operationId: "releaseToken",
        tags: ["authentication"],
        summary: "Release (log out) a login token: refused everywhere from then on",
        requestBody: jsonBody(ref("ReleaseRequest"), RELEASE_EXAMPLES),
        responses: {
          "200": okResponse("Released", closedObject({}, []), {}),
          ...errorResponses([...BODY_ERRORS, "INVALID_TOKEN", ...STORAGE_ERRORS]),
        },
      },
    },
    "/tucano/subscriber/authenticate": {
      post: {
        operationId: "authenticateSubscriber",
        tags: ["tucano"],
        summary: "Resolve one identifier to a subscription and sign a JWT for the Tucano platform",
        requestBody: jsonBody(ref("AuthenticateRequest"), withoutAnswers(AUTHENTICATE_EXAMPLES)),
        responses: {
          "200": okResponse(
            "The subscription and a subscriber JWT (claims `userid`, `apip`, `iat`, `exp`)",
            closedObject({ subscription_id: { type: "string" }, jwt: JWT }, ["subscription_id", "jwt"]),
            { subscription_id: "SUB-1", jwt: "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9..." },
          ),
          ...errorResponses([
            ...BODY_ERRORS,
            "TOO_MANY_PARAMETERS",
            "INVALID_TOKEN",
            "AUTHENTICATION_FAILED",
            "NOT_FOUND",
            "SUBSCRIPTION_NOT_ACTIVE",
            "AMBIGUOUS_SUBSCRIPTION",
            "RATE_LIMITED",
            ...STORAGE_ERRORS,
          ]),
        },
      },
    },
  };
}

/** Paths at the root: the JWKS and this document. */
export function rootPaths(): Record<string, Schema> {
  const keys = { type: "array", items: ref("Jwk") };
  return {
    "/.well-known/jwks.json": {
      get: {
        operationId: "jwks",
        tags: ["keys"],
        summary: "Public keys that verify subscriber JWTs (empty when only HS256 is configured); cacheable 5 minutes",
        responses: {
          "200": {
            description: "The envelope, with the standard JWKS `keys` also at the top level for JWKS clients",
            headers: commonHeaders(),
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  required: ["status", "data", "keys"],
                  properties: { status: ref("Status"), data: closedObject({ keys }, ["keys"]), keys },
                },
              },
            },
          },
          ...errorResponses(["INTERNAL_ERROR"]),
        },
      },
    },
    "/openapi.json": {
      get: {
        operationId: "openapi",
        tags: ["meta"],
        summary: "This document (OpenAPI 3.1, not in the envelope); cacheable 5 minutes",
        responses: { "200": { description: "The OpenAPI document", content: { "application/json": { schema: { type: "object" } } } } },
      },
    },
  };
}
