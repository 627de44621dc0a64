import { createMiddleware } from "hono/factory";
import { MAX_STRING_LENGTH } from "../constants";
import { ApiError } from "../errors";
import {
  IDENTIFIER_KINDS,
  SUBSCRIPTION_TYPE_FILTER,
  type IdentifierKind,
  type IdentifierLookup,
  type SubscriptionTypeFilter,
} from "../identifiers";
import { readJsonObject, type JsonObject } from "./json-body";

/**
 * The one validation middleware of the public API. A route declares its body
 * as a schema; identifier rules come from the identifier table, so the
 * handler receives a typed request that already satisfies the contract.
 */
export interface StringRule {
  readonly required: boolean;
  readonly maxLength?: number;
}

export interface BodySchema {
  readonly fields: Readonly<Record<string, StringRule>>;
  /** Exactly one identifier of the identifier table, and its optional type filter. */
  readonly identifiers?: true;
}

export interface IdentifierSelection {
  identifier: IdentifierLookup;
  subscriptionType?: SubscriptionTypeFilter;
}

type FieldValues<F extends BodySchema["fields"]> = {
  [K in keyof F]: F[K]["required"] extends true ? string : string | undefined;
};

export type ValidatedBody<S extends BodySchema> = FieldValues<S["fields"]> &
  (S["identifiers"] extends true ? IdentifierSelection : unknown);

export function validateBody<S extends BodySchema>(schema: S) {
  return createMiddleware<{ Variables: { input: ValidatedBody<S> } }>(async (c, next) => {
    const body = await readJsonObject(c.req.raw);
    c.set("input", parseBody(schema, body));
    await next();
  });
}

export function parseBody<S extends BodySchema>(schema: S, body: JsonObject): ValidatedBody<S> {
  const kinds = schema.identifiers ? IDENTIFIER_KINDS : [];
  const filterParam = schema.identifiers ? SUBSCRIPTION_TYPE_FILTER.param : undefined;

  for (const key of Object.keys(body)) {
    const known = Object.hasOwn(schema.fields, key) || key === filterParam || kinds.some((k) => k.param === key);
    if (!known) throw new ApiError("INVALID_PARAMETER", key, `Unknown parameter ${key}.`);
  }

  const values: Record<string, unknown> = {};
  for (const [name, rule] of Object.entries(schema.fields)) {
    if (!Object.hasOwn(body, name)) {
      if (rule.required) throw new ApiError("MISSING_PARAMETER", name, `The parameter ${name} is mandatory.`);
      continue;
    }
    values[name] = checkString(body[name], name, rule.maxLength);
  }
  if (!schema.identifiers) return values as ValidatedBody<S>;

  const given = kinds.filter((k) => Object.hasOwn(body, k.param));
  const names = kinds.map((k) => k.param);
  if (given.length === 0) {
    throw new ApiError("MISSING_PARAMETER", names.join(" | "), `One of ${names.join(", ")} is mandatory.`);
  }
  if (given.length > 1) {
    const params = given.map((k) => k.param).join(", ");
    throw new ApiError("TOO_MANY_PARAMETERS", params, `Only one of ${params} may be given.`);
  }
  const kind = given[0]!;
  values.identifier = parseIdentifier(kind, body[kind.param]);

  if (filterParam && Object.hasOwn(body, filterParam)) {
    if (!SUBSCRIPTION_TYPE_FILTER.allowedWith.includes(kind.param)) {
      const allowed = SUBSCRIPTION_TYPE_FILTER.allowedWith.join(", ");
      throw new ApiError("INVALID_PARAMETER", filterParam, `${filterParam} is only allowed with ${allowed}.`);
    }
    const fields = SUBSCRIPTION_TYPE_FILTER.fields;
    const picked = pickOneField(filterParam, body[filterParam], fields.map((f) => f.name), []);
    values.subscriptionType = { field: fields.find((f) => f.name === picked.field)!, value: picked.value };
  }
  return values as ValidatedBody<S>;
}

function parseIdentifier(kind: IdentifierKind, raw: unknown): IdentifierLookup {
  const companions = [...new Set(kind.fields.flatMap((f) => (f.requires ? [f.requires.name] : [])))];
  const picked = pickOneField(
    kind.param,
    raw,
    kind.fields.map((f) => f.name),
    companions,
  );
  const field = kind.fields.find((f) => f.name === picked.field)!;
  const object = raw as JsonObject;
  for (const companion of companions) {
    const path = `${kind.param}.${companion}`;
    if (field.requires?.name === companion) {
      if (!Object.hasOwn(object, companion)) {
        throw new ApiError("MISSING_PARAMETER", path, `${path} is mandatory with ${kind.param}.${field.name}.`);
      }
    } else if (Object.hasOwn(object, companion)) {
      throw new ApiError("INVALID_PARAMETER", path, `${path} is not allowed with ${kind.param}.${field.name}.`);
    }
  }
  const secret = field.requires ? checkString(object[field.requires.name], `${kind.param}.${field.requires.name}`) : undefined;
  return secret === undefined ? { kind, field, value: picked.value } : { kind, field, value: picked.value, secret };
}

/** An identifier object holds exactly one lookup field (plus allowed companions). */
function pickOneField(param: string, raw: unknown, fields: readonly string[], companions: readonly string[]) {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ApiError("INVALID_PARAMETER", param, `${param} must be an object.`);
  }
  const object = raw as JsonObject;
  for (const key of Object.keys(object)) {
    if (!fields.includes(key) && !companions.includes(key)) {
      throw new ApiError("INVALID_PARAMETER", `${param}.${key}`, `Unknown parameter ${param}.${key}.`);
    }
  }
  const present = fields.filter((f) => Object.hasOwn(object, f));
  if (present.length === 0) {
    throw new ApiError("MISSING_PARAMETER", param, `${param} needs one of ${fields.join(", ")}.`);
  }
  if (present.length > 1) {
    throw new ApiError("TOO_MANY_PARAMETERS", param, `${param} takes only one of ${fields.join(", ")}.`);
  }
  const field = present[0]!;
  return { field, value: checkString(object[field], `${param}.${field}`) };
}

// C0 controls and DEL: never part of a code, identifier or name, and NUL breaks keys.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

export function checkString(value: unknown, path: string, maxLength = MAX_STRING_LENGTH): string {
  if (typeof value !== "string") throw new ApiError("INVALID_PARAMETER", path, `${path} must be a string.`);
  if (value.length === 0) throw new ApiError("INVALID_PARAMETER", path, `${path} must not be empty.`);
  if (value.length > maxLength) {
    throw new ApiError("INVALID_PARAMETER", path, `${path} is longer than ${maxLength} characters.`);
  }
  if (!value.isWellFormed() || CONTROL_CHARACTERS.test(value)) {
    throw new ApiError("INVALID_PARAMETER", path, `${path} contains characters that are not allowed.`);
  }
  return value;
}
