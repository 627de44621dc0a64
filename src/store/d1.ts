import type { IdentifierKind, LookupField } from "../identifiers";
import type { ApiUser, Mapping, SubscriptionView } from "../model";
import { guarded } from "./storage-error";

/**
 * D1 reads of the request path. SQL is built from the identifier table's
 * table and column names (constants, never request data) and cached per
 * kind and field; values are always bound.
 */
const SUBSCRIPTION_COLUMNS = `s.id AS sub_id, s.state AS sub_state, s.user_id AS sub_user_id,
  t.id AS type_id, t.name AS type_name, t.alternative_code AS type_alternative_code`;

const TYPE_JOIN = "LEFT JOIN subscription_types t ON t.id = s.subscription_type_id AND t.organisation = s.organisation";

const mappingSql = new Map<string, string>();

function mappingQuery(kind: IdentifierKind, field: LookupField): string {
  const cacheKey = `${kind.param}.${field.name}`;
  let sql = mappingSql.get(cacheKey);
  if (!sql) {
    const secret = kind.fields.find((f) => f.requires)?.requires;
    const secretColumn = secret ? `x.${secret.column}` : "NULL";
    // A credential leads to every subscription of its customer (maybe none:
    // LEFT JOIN keeps the credential row); an item or subscription to one.
    const join =
      kind.link.via === "customer"
        ? `LEFT JOIN subscriptions s ON s.customer_id = x.${kind.link.column} AND s.organisation = x.organisation`
        : `JOIN subscriptions s ON s.id = x.${kind.link.column} AND s.organisation = x.organisation`;
    sql = `SELECT ${secretColumn} AS secret_hash, ${SUBSCRIPTION_COLUMNS}
      FROM ${kind.table} x ${join} ${TYPE_JOIN}
      WHERE x.organisation = ?1 AND x.${field.column} = ?2
      ORDER BY s.id`;
    mappingSql.set(cacheKey, sql);
  }
  return sql;
}

interface MappingRow {
  secret_hash: string | null;
  sub_id: string | null;
  sub_state: string | null;
  sub_user_id: string | null;
  type_id: string | null;
  type_name: string | null;
  type_alternative_code: string | null;
}

/** What authenticate needs for one lookup value, or null when no record has it. */
export async function findMapping(
  db: D1Database,
  organisation: string,
  kind: IdentifierKind,
  field: LookupField,
  storedValue: string,
): Promise<Mapping | null> {
  const { results } = await guarded("D1", "find mapping", () =>
    db.prepare(mappingQuery(kind, field)).bind(organisation, storedValue).all<MappingRow>(),
  );
  const first = results[0];
  if (!first) return null;
  const subscriptions: SubscriptionView[] = [];
  for (const row of results) {
    if (row.sub_id === null) continue;
    subscriptions.push({
      id: row.sub_id,
      state: row.sub_state ?? "",
      user_id: row.sub_user_id ?? "",
      type:
        row.type_id === null
          ? null
          : { id: row.type_id, name: row.type_name ?? "", alternative_code: row.type_alternative_code },
    });
  }
  const mapping: Mapping = { subscriptions };
  if (kind.fields.some((f) => f.requires)) mapping.pass_code_hash = first.secret_hash;
  return mapping;
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
