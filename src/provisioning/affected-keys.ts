import { IDENTIFIER_KINDS, SUBSCRIPTION_TYPE_FILTER } from "../identifiers";
import { mappingRead, typeIdsRead, type D1Read } from "../store/d1";
import { kvKeys, parseMappingKey } from "../store/kv";
import { rowsWhere, type Row } from "../store/records";

/** A KV key and how to recompute its value from D1 (null: the key must go). */
export interface KeyRefresh {
  key: string;
  read(db: D1Database): D1Read<unknown>;
  /**
   * Rewrite (or delete) even if this data centre's KV does not show the key.
   * Keys of records that existed before the write may be cached anywhere;
   * a value no record had before cannot have been written back, so its key
   * is only corrected where KV holds it.
   */
  always: boolean;
}

const SUBSCRIPTIONS_TABLE = "subscriptions";

/** The KV keys a row of `table` is found under (authenticate's lookups and type names). */
export function keysOfRow(table: string, row: Row, always: boolean): KeyRefresh[] {
  const refreshes: KeyRefresh[] = [];
  const organisation = row.organisation;
  for (const kind of IDENTIFIER_KINDS) {
    if (kind.table !== table) continue;
    for (const field of kind.fields) {
      const value = row[field.column];
      if (typeof value !== "string") continue;
      const key = kvKeys.mapping(organisation, kind, field, value);
      if (key) refreshes.push({ key, always, read: (db) => mappingRead(db, organisation, kind, field, value) });
    }
  }
  if (table === SUBSCRIPTION_TYPE_FILTER.table) {
    for (const field of SUBSCRIPTION_TYPE_FILTER.fields) {
      const value = row[field.column];
      if (field.direct || typeof value !== "string") continue;
      const key = kvKeys.typeIds(organisation, field, value);
      if (key) refreshes.push({ key, always, read: (db) => typeIdsRead(db, organisation, field, value) });
    }
  }
  return refreshes;
}

/**
 * Mappings embed their subscriptions' state, user and type, so a changed
 * subscription also changes the keys of the installed items on it and of
 * its customer's access tokens and media (every identifier kind whose
 * mapping it appears in), before and after the change.
 */
export async function keysDependingOn(db: D1Database, subscriptions: readonly Row[]): Promise<KeyRefresh[]> {
  if (subscriptions.length === 0) return [];
  const refreshes: KeyRefresh[] = [];
  for (const kind of IDENTIFIER_KINDS) {
    if (kind.table === SUBSCRIPTIONS_TABLE) continue;
    const column = kind.link.via === "customer" ? "customer_id" : "id";
    const pairs = new Map<string, { organisation: string; value: string }>();
    for (const subscription of subscriptions) {
      const value = String(subscription[column]);
      pairs.set(`${subscription.organisation}\u0000${value}`, { organisation: subscription.organisation, value });
    }
    for (const row of await rowsWhere(db, kind.table, kind.link.column, [...pairs.values()])) {
      refreshes.push(...keysOfRow(kind.table, row, true));
    }
  }
  return refreshes;
}

export function isSubscriptionTable(table: string): boolean {
  return table === SUBSCRIPTIONS_TABLE;
}

/** How to recompute a `map:` key named in the outbox or by the reindex, or null if it names nothing known. */
export function refreshForKey(key: string, always = true): KeyRefresh | null {
  const parts = parseMappingKey(key);
  if (!parts) return null;
  const { organisation, tag, field: fieldName, value } = parts;
  if (tag === SUBSCRIPTION_TYPE_FILTER.kvTag) {
    const field = SUBSCRIPTION_TYPE_FILTER.fields.find((f) => f.name === fieldName && !f.direct);
    return field ? { key, always, read: (db) => typeIdsRead(db, organisation, field, value) } : null;
  }
  const kind = IDENTIFIER_KINDS.find((k) => k.kvTag === tag);
  const field = kind?.fields.find((f) => f.name === fieldName);
  return kind && field ? { key, always, read: (db) => mappingRead(db, organisation, kind, field, value) } : null;
}
