/**
 * The OpenAPI 3.1 document of the whole HTTP surface, generated from the
 * tables the worker itself runs on (request schemas, the identifier table,
 * the record-kind table, the error table), so it cannot drift from them.
 * Built once per isolate, on first request.
 */
import { version } from "../../package.json";
import { ADMIN_BASE, CRMAPI_BASE } from "../app";
import { adminPaths, adminSchemas } from "./admin";
import { errorComponents } from "./errors";
import { crmapiPaths, publicSchemas, rootPaths } from "./public";
import type { Schema } from "./schema";

const prefixed = (base: string, paths: Record<string, Schema>) => Object.fromEntries(Object.entries(paths).map(([path, item]) => [base + path, item]));

export function buildOpenApiDocument(): Schema {
  const errors = errorComponents();
  return {
    openapi: "3.1.0",
    info: {
      title: "tucano-edge-auth",
      version,
      description:
        "CRM.COM's Tucano subscriber authenticate method and its login, at the edge. Every answer but this document is " +
        "JSON in CRM.COM's envelope (`status.code` `OK` or an `ErrorCode`), carries `Cache-Control: no-store` unless " +
        "said otherwise, and an `X-Request-Id` header. An unknown path answers `ROUTE_NOT_FOUND` (404), a known path " +
        "with another verb `METHOD_NOT_ALLOWED` (405).",
    },
    servers: [{ url: "/" }],
    tags: [
      { name: "authentication", description: "Login tokens of API users" },
      { name: "tucano", description: "Subscriber authentication" },
      { name: "keys", description: "Verifying subscriber JWTs" },
      { name: "provisioning", description: "CRM.COM pushes its records (admin bearer token)" },
      { name: "meta" },
    ],
    paths: { ...prefixed(CRMAPI_BASE, crmapiPaths()), ...prefixed(ADMIN_BASE, adminPaths()), ...rootPaths() },
    components: {
      schemas: {
        Status: {
          type: "object",
          required: ["code", "message", "description"],
          properties: { code: { type: "string" }, message: { type: "string" }, description: { type: "string" } },
        },
        ...errors.schemas,
        ...publicSchemas(),
        ...adminSchemas(),
      },
      responses: errors.responses,
      headers: {
        "X-Request-Id": { description: "The request's id: the incoming CF-Ray or X-Request-Id, else a fresh one.", schema: { type: "string" } },
        "Retry-After": { description: "Seconds to wait before trying again.", schema: { type: "integer", minimum: 1 } },
      },
      securitySchemes: {
        adminBearer: { type: "http", scheme: "bearer", description: "`Authorization: Bearer <ADMIN_TOKEN>` (the provisioning API only)." },
      },
    },
  };
}

let cached: string | undefined;

/** The document as JSON text, built on first use (app.ts's bases are read then, not at import). */
export function openApiJson(): string {
  return (cached ??= JSON.stringify(buildOpenApiDocument()));
}
