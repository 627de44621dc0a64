import { ApiError } from "../errors";
import { checkString } from "../middleware/validate";
import { recordKind, type RecordKind } from "./record-kinds";

/** One validated write: a PUT, a DELETE, or one import line. */
export interface Change {
  op: "upsert" | "delete";
  kind: RecordKind;
  id: string;
  version: number;
  /** Mandatory for upserts; on deletes, optional and checked against the stored record. */
  organisation?: string;
  /** Upserts: field name -> value. A secret absent here keeps its stored hash; null clears it. */
  values: Record<string, string | boolean | null>;
}

export type Body = Record<string, unknown>;

export function parseUpsert(kind: RecordKind, id: unknown, body: Body): Change {
  const allowed = new Set(["organisation", "version", ...kind.fields.map((f) => f.name)]);
  rejectUnknown(body, allowed);
  const change: Change = {
    op: "upsert",
    kind,
    id: checkString(id, "id"),
    version: parseVersion(body.version),
    organisation: checkString(required(body, "organisation"), "organisation"),
    values: {},
  };
  const values = change.values;
  for (const field of kind.fields) {
    const present = Object.hasOwn(body, field.name);
    const raw = body[field.name];
    if (!present || raw === null) {
      if (field.required) throw new ApiError("MISSING_PARAMETER", field.name, `The parameter ${field.name} is mandatory.`);
      if (present || !field.secret) values[field.name] = field.type === "boolean" ? false : null;
      continue;
    }
    if (field.type === "boolean") {
      if (typeof raw !== "boolean") throw new ApiError("INVALID_PARAMETER", field.name, `${field.name} must be true or false.`);
      values[field.name] = raw;
    } else {
      values[field.name] = checkString(raw, field.name);
    }
  }
  return change;
}

export function parseDelete(
  kind: RecordKind,
  id: unknown,
  version: unknown,
  organisation?: unknown,
  versionSource: "body" | "query" = "body",
): Change {
  const change: Change = { op: "delete", kind, id: checkString(id, "id"), version: parseVersion(version, versionSource), values: {} };
  if (organisation !== undefined) change.organisation = checkString(organisation, "organisation");
  return change;
}

/** An import line: `{"op", "kind", "id", "version", ...the PUT's fields}`. */
export function parseImportLine(line: Body): Change {
  const { op, kind: segment, id, ...rest } = line;
  if (op !== "upsert" && op !== "delete") {
    throw new ApiError("INVALID_PARAMETER", "op", 'op must be "upsert" or "delete".');
  }
  if (segment === undefined) throw new ApiError("MISSING_PARAMETER", "kind", "The parameter kind is mandatory.");
  const kind = typeof segment === "string" ? recordKind(segment) : undefined;
  if (!kind) throw new ApiError("INVALID_PARAMETER", "kind", `Unknown kind ${JSON.stringify(segment)}.`);
  if (id === undefined) throw new ApiError("MISSING_PARAMETER", "id", "The parameter id is mandatory.");
  if (op === "upsert") return parseUpsert(kind, id, rest);
  rejectUnknown(rest, new Set(["version", "organisation"]));
  return parseDelete(kind, id, required(rest, "version"), rest.organisation);
}

/** `version`: a positive integer from the system of record; a string of digits only in a query. */
export function parseVersion(raw: unknown, source: "body" | "query" = "body"): number {
  if (raw === undefined || raw === null) throw new ApiError("MISSING_PARAMETER", "version", "The parameter version is mandatory.");
  const version = source === "query" && typeof raw === "string" && /^\d{1,15}$/.test(raw) ? Number(raw) : raw;
  if (typeof version !== "number" || !Number.isSafeInteger(version) || version < 1) {
    throw new ApiError("INVALID_PARAMETER", "version", "version must be a positive integer.");
  }
  return version;
}

function required(body: Body, name: string): unknown {
  if (!Object.hasOwn(body, name) || body[name] === null) {
    throw new ApiError("MISSING_PARAMETER", name, `The parameter ${name} is mandatory.`);
  }
  return body[name];
}

function rejectUnknown(body: Body, allowed: ReadonlySet<string>): void {
  for (const key of Object.keys(body)) {
    if (!allowed.has(key)) throw new ApiError("INVALID_PARAMETER", key, `Unknown parameter ${key}.`);
  }
}
