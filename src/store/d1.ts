import { SUBSCRIPTION_TYPE_FILTER, type IdentifierKind, type LookupField, type TypeLookupField } from "../identifiers";
import type { ApiUser, Mapping, TypeMapping } from "../model";
import { guarded } from "./storage-error";

/**
 * D1 reads of the request path (also what provisioning and reindex write to
 * KV, so the cache and the source of truth cannot disagree on shape). SQL is
 * built from the identifier table's names (constants, never request data)
 * and cached; values are always bound.
 */
const statements = new Map<string, string>();

function cachedSql(cacheKey: string, build: () => string): string {
  let sql = statements.get(cacheKey);
  if (!sql) statements.set(cacheKey, (sql = build()));
  return sql;
}

/** The SELECT behind one identifier kind's mappings, without its WHERE. */
export function mappingSelect(kind: IdentifierKind): string {
  return cachedSql(`select:${kind.param}`, () => {
    const secret = kind.fields.find((f) => f.requires)?.requires;
    // A credential leads to every subscription of its customer (maybe none:
    // LEFT JOIN keeps the credential row); an item or subscription to one.
    const join =
      kind.link.via === "customer"
        ? `LEFT JOIN subscriptions s ON s.customer_id = x.${kind.link.column} AND s.organisation = x.organisation`
        : `JOIN subscriptions s ON s.id = x.${kind.link.column} AND s.organisation = x.organisation`;
    return `SELECT x.organisation AS organisation, ${secret ? `x.${secret.column}` : "NULL"} AS secret_hash,
      s.id AS sub_id, s.state AS sub_state, s.user_id AS sub_user_id, s.subscription_type_id AS sub_type_id
      FROM ${kind.table} x ${join}`;
  });
}

export interface MappingRow {
  organisation: string;
  secret_hash: string | null;
  sub_id: string | null;
  sub_state: string | null;
  sub_user_id: string | null;
  sub_type_id: string | null;
}

/** Rows of one record (one per subscription it leads to) -> its mapping. */
export function toMapping(kind: IdentifierKind, rows: readonly MappingRow[]): Mapping {
  const mapping: Mapping = {
    subscriptions: rows
      .filter((row) => row.sub_id !== null)
      .map((row) => ({
        id: row.sub_id!,
        state: row.sub_state ?? "",
        user_id: row.sub_user_id ?? "",
        type_id: row.sub_type_id ?? "",
      })),
  };
  if (kind.fields.some((f) => f.requires)) mapping.pass_code_hash = rows[0]?.secret_hash ?? null;
  return mapping;
}

/**
 * A D1 read whose statement can run alone or in a batch with others
 * (provisioning refreshes many keys in one round trip).
 */
export interface D1Read<T> {
  statement: D1PreparedStatement;
  parse(rows: readonly unknown[]): T | null;
}

export function mappingRead(
  db: D1Database,
  organisation: string,
  kind: IdentifierKind,
  field: LookupField,
  storedValue: string,
): D1Read<Mapping> {
  const sql = cachedSql(`find:${kind.param}.${field.name}`, () => {
    return `${mappingSelect(kind)} WHERE x.organisation = ?1 AND x.${field.column} = ?2 ORDER BY s.id`;
  });
  return {
    statement: db.prepare(sql).bind(organisation, storedValue),
    parse: (rows) => (rows.length ? toMapping(kind, rows as MappingRow[]) : null),
  };
}

export function typeIdsRead(db: D1Database, organisation: string, field: TypeLookupField, value: string): D1Read<TypeMapping> {
  const sql = cachedSql(`type:${field.name}`, () => {
    return `SELECT id FROM ${SUBSCRIPTION_TYPE_FILTER.table} WHERE organisation = ?1 AND ${field.column} = ?2 ORDER BY id`;
  });
  return {
    statement: db.prepare(sql).bind(organisation, value),
    parse: (rows) => (rows.length ? { type_ids: (rows as { id: string }[]).map((r) => r.id) } : null),
  };
}

/** Prepares and runs one read; a failure of either step is a StorageError. */
function runRead<T>(makeRead: () => D1Read<T>, operation: string): Promise<T | null> {
  return guarded("D1", operation, async () => {
    const read = makeRead();
    return read.parse((await read.statement.all()).results);
  });
}

/** What authenticate needs for one lookup value, or null when no record has it. */
export function findMapping(
  db: D1Database,
  organisation: string,
  kind: IdentifierKind,
  field: LookupField,
  storedValue: string,
): Promise<Mapping | null> {
  return runRead(() => mappingRead(db, organisation, kind, field, storedValue), "find mapping");
}

/** Ids of the organisation's subscription types with this name or alternative code. */
export function findTypeIds(
  db: D1Database,
  organisation: string,
  field: TypeLookupField,
  value: string,
): Promise<TypeMapping | null> {
  return runRead(() => typeIdsRead(db, organisation, field, value), "find subscription type");
}

interface ApiUserRow {
  username: string;
  organisation: string;
  unit: string;
  password_hash: string | null;
  disabled: number;
}

export async function findApiUser(db: D1Database, username: string): Promise<ApiUser | null> {
  const row = await guarded("D1", "find api user", () =>
    db
      .prepare("SELECT username, organisation, unit, password_hash, disabled FROM api_users WHERE username = ?1")
      .bind(username)
      .first<ApiUserRow>(),
  );
  return row ? { ...row, disabled: row.disabled !== 0 } : null;
}

export type ScanRow = MappingRow & { lookup_value: string };

/**
 * One page of every record of a kind that has `field`, in (organisation,
 * value) order after `after`, for reindex. A record's rows (one per
 * subscription) are adjacent.
 */
export async function scanMappings(
  db: D1Database,
  kind: IdentifierKind,
  field: LookupField,
  after: readonly [string, string],
  limit: number,
): Promise<ScanRow[]> {
  const sql = cachedSql(`scan:${kind.param}.${field.name}`, () =>
    mappingSelect(kind).replace("SELECT ", `SELECT x.${field.column} AS lookup_value, `) +
    ` WHERE x.${field.column} IS NOT NULL AND (x.organisation, x.${field.column}) > (?1, ?2)
      ORDER BY x.organisation, x.${field.column}, s.id LIMIT ?3`,
  );
  const { results } = await guarded("D1", "scan mappings", () => db.prepare(sql).bind(...after, limit).all<ScanRow>());
  return results;
}

/** One page of subscription types' ids by name or alternative code, in (organisation, value) order after `after`, for reindex. */
export async function scanTypes(
  db: D1Database,
  field: TypeLookupField,
  after: readonly [string, string],
  limit: number,
): Promise<{ organisation: string; value: string; id: string }[]> {
  const sql = `SELECT organisation, ${field.column} AS value, id FROM ${SUBSCRIPTION_TYPE_FILTER.table}
    WHERE ${field.column} IS NOT NULL AND (organisation, ${field.column}) > (?1, ?2)
    ORDER BY organisation, ${field.column}, id LIMIT ?3`;
  const { results } = await guarded("D1", "scan types", () =>
    db.prepare(sql).bind(...after, limit).all<{ organisation: string; value: string; id: string }>(),
  );
  return results;
}

/** Whether a login token was released (the deny-list's fallback when KV fails). */
export async function isReleased(db: D1Database, jti: string): Promise<boolean> {
  const row = await guarded("D1", "read released token", () =>
    db.prepare("SELECT 1 AS released FROM released_tokens WHERE jti = ?1").bind(jti).first(),
  );
  return row !== null;
}

export async function recordRelease(db: D1Database, jti: string, expiresAt: number): Promise<void> {
  await guarded("D1", "record released token", () =>
    db.prepare("INSERT OR IGNORE INTO released_tokens (jti, expires_at) VALUES (?1, ?2)").bind(jti, expiresAt).run(),
  );
}

/** Forgets released tokens that have expired anyway. */
export async function purgeReleased(db: D1Database, now: number): Promise<void> {
  await guarded("D1", "purge released tokens", () => db.prepare("DELETE FROM released_tokens WHERE expires_at < ?1").bind(now).run());
}
