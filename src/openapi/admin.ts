/**
 * The provisioning API (contract §6) from THE record-kind table
 * (provisioning/record-kinds.ts): per kind a PUT body, the record GET
 * answers and DELETE, and the import line that carries the same fields.
 */
import { IMPORT_BODY_LIMIT_BYTES } from "../constants";
import type { ErrorCode } from "../errors";
import { RECORD_KINDS, type RecordField, type RecordKind } from "../provisioning/record-kinds";
import { errorResponses } from "./errors";
import { ADMIN_PUT_EXAMPLES } from "./examples";
import { closedObject, jsonBody, okResponse, ref, stringSchema, type Schema } from "./schema";

const ADMIN_ERRORS: ErrorCode[] = ["INVALID_TOKEN", "SERVICE_UNAVAILABLE", "INTERNAL_ERROR"];
const VERSION: Schema = { type: "integer", minimum: 1, description: "The system of record's version; a write whose version is not greater than the stored one is stale." };
const ID: Schema = stringSchema();

/** "customer-identification-mediums" -> "CustomerIdentificationMedium". */
export function schemaName(kind: RecordKind): string {
  return kind.segment.replace(/s$/, "").replace(/(^|-)([a-z])/g, (_, _dash: string, letter: string) => letter.toUpperCase());
}

function fieldSchema(field: RecordField): Schema {
  const base: Schema = field.type === "boolean" ? { type: field.required ? "boolean" : ["boolean", "null"] } : { ...stringSchema(), ...(field.required ? {} : { type: ["string", "null"] }) };
  if (field.references) base.description = `Id of a record of \`${field.references}\` in the same organisation.`;
  if (field.customer) base.description = "The customer's id: a customer exists while a record names it.";
  if (field.secret) {
    base.writeOnly = true;
    base.description = "Secret: hashed on the way in, never returned. Left out, the stored hash is kept; null clears it.";
  }
  return base;
}

function putSchema(kind: RecordKind): Schema {
  const properties: Record<string, Schema> = { organisation: stringSchema() };
  for (const field of kind.fields) properties[field.name] = fieldSchema(field);
  properties.version = VERSION;
  const required = ["organisation", ...kind.fields.filter((f) => f.required).map((f) => f.name), "version"];
  return closedObject(properties, required, { description: "Replaces the record: optional fields left out are cleared (secrets are kept)." });
}

function recordSchema(kind: RecordKind): Schema {
  const fields = kind.fields.filter((f) => !f.secret);
  const properties: Record<string, Schema> = { id: ID, organisation: { type: "string" } };
  for (const field of fields) properties[field.name] = field.type === "boolean" ? { type: "boolean" } : { type: field.required ? "string" : ["string", "null"] };
  properties.version = { type: "integer" };
  return closedObject(properties, Object.keys(properties), { description: "The record as stored; secrets are never returned." });
}

function importLineSchema(): Schema {
  const upserts = RECORD_KINDS.map((kind) => {
    const put = putSchema(kind) as { properties: Record<string, Schema>; required: string[] };
    return closedObject({ op: { const: "upsert" }, kind: { const: kind.segment }, id: ID, ...put.properties }, ["op", "kind", "id", ...put.required], {
      title: `upsert ${kind.segment}`,
    });
  });
  const remove = closedObject(
    { op: { const: "delete" }, kind: { enum: RECORD_KINDS.map((k) => k.segment) }, id: ID, version: VERSION, organisation: stringSchema() },
    ["op", "kind", "id", "version"],
    { title: "delete" },
  );
  return { description: "One line of an import: the fields of the kind's PUT, plus op, kind and id.", oneOf: [...upserts, remove] };
}

export function adminSchemas(): Record<string, Schema> {
  const schemas: Record<string, Schema> = {};
  for (const kind of RECORD_KINDS) {
    schemas[`${schemaName(kind)}Put`] = putSchema(kind);
    schemas[`${schemaName(kind)}Record`] = recordSchema(kind);
  }
  schemas.WriteOutcome = closedObject({ applied: { type: "boolean" }, stale: { type: "boolean" }, version: { type: "integer" } }, ["applied", "stale", "version"]);
  schemas.ImportLine = importLineSchema();
  schemas.ImportReport = closedObject(
    {
      applied: { type: "integer" },
      stale: { type: "integer" },
      pending: {
        type: "integer",
        description: "Only when this call ran out of KV operations: KV keys left in the outbox (an empty import, or the cron, finishes them).",
      },
      rejected: {
        type: "array",
        items: closedObject({ line: { type: "integer", minimum: 1 }, code: ref("ErrorCode"), message: { type: "string" }, description: { type: "string" } }, [
          "line",
          "code",
          "message",
          "description",
        ]),
      },
    },
    ["applied", "stale", "rejected"],
  );
  schemas.ReindexReport = {
    type: "object",
    description:
      "Counts of one slice of the rebuild: mapping keys computed, written, already right, and orphans deleted; `done`, or the `cursor` to go on with.",
    properties: {
      keys: { type: "integer" },
      written: { type: "integer" },
      unchanged: { type: "integer" },
      deleted: { type: "integer" },
      done: { type: "boolean" },
      cursor: { type: "string", description: "Present while not done: pass it as `?cursor=` to the next call." },
    },
  };
  return schemas;
}

/** Paths relative to the admin base (`/admin/v1`); every operation needs the admin bearer token. */
export function adminPaths(): Record<string, Schema> {
  const security = [{ adminBearer: [] }];
  const tags = ["provisioning"];
  const paths: Record<string, Schema> = {};
  for (const kind of RECORD_KINDS) {
    const name = schemaName(kind);
    const idParam = { name: kind.idColumn, in: "path", required: true, schema: ID };
    const example = ADMIN_PUT_EXAMPLES[kind.segment];
    paths[`/${kind.segment}/{${kind.idColumn}}`] = {
      parameters: [idParam],
      put: {
        operationId: `put${name}`,
        tags,
        security,
        summary: `Create or replace a ${kind.segment.replace(/s$/, "")} (versioned)`,
        requestBody: jsonBody(ref(`${name}Put`), example ? { demo: { summary: `Demo record ${example.id}`, value: example.value } } : {}),
        responses: {
          "200": okResponse("Applied, or stale (nothing changed)", ref("WriteOutcome"), { applied: true, stale: false, version: 1 }),
          ...errorResponses(["MALFORMED_REQUEST", "UNSUPPORTED_MEDIA_TYPE", "PAYLOAD_TOO_LARGE", "MISSING_PARAMETER", "INVALID_PARAMETER", "CONFLICT", ...ADMIN_ERRORS]),
        },
      },
      get: {
        operationId: `get${name}`,
        tags,
        security,
        summary: `Read a ${kind.segment.replace(/s$/, "")} as stored (no secrets)`,
        responses: { "200": okResponse("The record", ref(`${name}Record`)), ...errorResponses(["NOT_FOUND", ...ADMIN_ERRORS]) },
      },
      delete: {
        operationId: `delete${name}`,
        tags,
        security,
        summary: `Delete a ${kind.segment.replace(/s$/, "")}, leaving a tombstone with its version`,
        parameters: [{ name: "version", in: "query", required: true, schema: { type: "string", pattern: "^[0-9]{1,15}$" }, description: "A positive integer." }],
        responses: {
          "200": okResponse("Applied, or stale (nothing changed)", ref("WriteOutcome"), { applied: true, stale: false, version: 2 }),
          ...errorResponses(["MISSING_PARAMETER", "INVALID_PARAMETER", "CONFLICT", ...ADMIN_ERRORS]),
        },
      },
    };
  }
  paths["/import"] = {
    post: {
      operationId: "importRecords",
      tags,
      security,
      summary: `Apply NDJSON lines (up to ${IMPORT_BODY_LIMIT_BYTES / 1024 / 1024} MiB, streamed); a bad line is rejected, the others applied`,
      requestBody: {
        required: true,
        description: "NDJSON: each line is one JSON object of the `ImportLine` schema.",
        content: { "application/x-ndjson": { schema: ref("ImportLine") } },
      },
      responses: {
        "200": okResponse("What was applied, stale and rejected (with line numbers)", ref("ImportReport")),
        ...errorResponses(["UNSUPPORTED_MEDIA_TYPE", "PAYLOAD_TOO_LARGE", ...ADMIN_ERRORS]),
      },
    },
  };
  paths["/reindex"] = {
    post: {
      operationId: "reindex",
      tags,
      security,
      summary: "Rebuild every KV mapping from D1, one slice per call (also run daily by cron)",
      parameters: [{ name: "cursor", in: "query", required: false, schema: { type: "string" }, description: "The previous slice's cursor." }],
      responses: { "200": okResponse("The slice's counts", ref("ReindexReport")), ...errorResponses(["INVALID_PARAMETER", ...ADMIN_ERRORS]) },
    },
  };
  return paths;
}
