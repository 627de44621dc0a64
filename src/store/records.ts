import { OUTBOX_DRAIN_KEYS } from "../constants";
import type { RecordKind } from "../provisioning/record-kinds";
import { guarded } from "./storage-error";

/**
 * D1 access of provisioning: whole rows by id, tombstones, customers, and
 * the version-guarded write statements. Table and column names come from the
 * record-kind table (constants); values are always bound. D1 binds at most
 * 100 parameters per statement, so IN lists are cut into slices.
 */
export type Row = Record<string, unknown> & { organisation: string; version: number };
export interface Tombstone {
  kind: string;
  id: string;
  organisation: string | null;
  version: number;
}

const IN_LIST_SLICE = 90;

/** Items in groups whose bound parameters (`paramsEach` per item) stay within D1's 100 per statement. */
function slices<T>(items: readonly T[], paramsEach = 1): T[][] {
  const size = Math.floor(IN_LIST_SLICE / paramsEach);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const placeholders = (count: number, from = 1) => Array.from({ length: count }, (_, i) => `?${i + from}`).join(", ");

export interface StoredState {
  rows: Map<string, Row>;
  tombstones: Map<string, Tombstone>;
  customers: Map<string, string>;
  /** KV keys an earlier write committed but could not refresh (see kv_outbox), with their stamps. */
  outbox: OutboxEntry[];
}

/** An outbox row: the key, the stamp of the call that last put it there, and whether it must be rewritten everywhere. */
export interface OutboxEntry {
  key: string;
  stamp: string;
  always: boolean;
}

export const stateKey = (segment: string, id: string) => `${segment}\u0000${id}`;

/** Rows and tombstones of the given ids, and the organisations of the given customers, in one round trip. */
export async function loadState(
  db: D1Database,
  ids: ReadonlyMap<RecordKind, ReadonlySet<string>>,
  customerIds: ReadonlySet<string>,
): Promise<StoredState> {
  const statements: { kind?: RecordKind; what: "rows" | "tombstones" | "customers" | "outbox"; statement: D1PreparedStatement }[] = [
    // Oldest first: a retry usually follows the call that left its keys here.
    { what: "outbox", statement: db.prepare("SELECT key, stamp, always FROM kv_outbox ORDER BY rowid LIMIT ?1").bind(OUTBOX_DRAIN_KEYS) },
  ];
  for (const [kind, set] of ids) {
    for (const slice of slices([...set])) {
      statements.push({
        kind,
        what: "rows",
        statement: db.prepare(`SELECT * FROM ${kind.table} WHERE ${kind.idColumn} IN (${placeholders(slice.length)})`).bind(...slice),
      });
      statements.push({
        kind,
        what: "tombstones",
        statement: db
          .prepare(`SELECT * FROM tombstones WHERE kind = ?1 AND id IN (${placeholders(slice.length, 2)})`)
          .bind(kind.segment, ...slice),
      });
    }
  }
  for (const slice of slices([...customerIds])) {
    statements.push({
      what: "customers",
      statement: db.prepare(`SELECT id, organisation FROM customers WHERE id IN (${placeholders(slice.length)})`).bind(...slice),
    });
  }
  const state: StoredState = { rows: new Map(), tombstones: new Map(), customers: new Map(), outbox: [] };
  const results = await guarded("D1", "load records", () => db.batch(statements.map((s) => s.statement)));
  statements.forEach(({ kind, what }, index) => {
    for (const record of results[index]!.results as Record<string, unknown>[]) {
      if (what === "rows") state.rows.set(stateKey(kind!.segment, String(record[kind!.idColumn])), record as Row);
      else if (what === "tombstones") state.tombstones.set(stateKey(kind!.segment, String(record.id)), record as unknown as Tombstone);
      else if (what === "customers") state.customers.set(String(record.id), String(record.organisation));
      else state.outbox.push({ key: String(record.key), stamp: String(record.stamp), always: record.always !== 0 });
    }
  });
  return state;
}

/**
 * Insert or update a row unless a stored row or tombstone has the same or a
 * newer version, or the stored row belongs to another organisation: the
 * guard holds even if another write slipped in since the state was read.
 * Its `meta.changes` (0 or 1) tells whether the write happened.
 */
export function upsertRow(db: D1Database, kind: RecordKind, row: Record<string, unknown>): D1PreparedStatement {
  const columns = Object.keys(row);
  const updates = columns.filter((c) => c !== kind.idColumn).map((c) => `${c} = excluded.${c}`);
  const n = columns.length;
  const sql =
    `INSERT INTO ${kind.table} (${columns.join(", ")}) SELECT ${placeholders(n)} ` +
    `WHERE NOT EXISTS (SELECT 1 FROM tombstones WHERE kind = ?${n + 1} AND id = ?${n + 2} AND version >= ?${n + 3}) ` +
    `ON CONFLICT (${kind.idColumn}) DO UPDATE SET ${updates.join(", ")} ` +
    `WHERE excluded.version > ${kind.table}.version AND excluded.organisation = ${kind.table}.organisation`;
  const values = columns.map((c) => row[c] ?? null);
  return db.prepare(sql).bind(...values, kind.segment, row[kind.idColumn], row.version);
}

export function clearTombstone(db: D1Database, kind: RecordKind, id: string, version: number): D1PreparedStatement {
  return db.prepare("DELETE FROM tombstones WHERE kind = ?1 AND id = ?2 AND version < ?3").bind(kind.segment, id, version);
}

/** Deletes the row (if older) and keeps its version in a tombstone. */
export function deleteRow(
  db: D1Database,
  kind: RecordKind,
  id: string,
  version: number,
  organisation: string | null,
): D1PreparedStatement[] {
  return [
    db.prepare(`DELETE FROM ${kind.table} WHERE ${kind.idColumn} = ?1 AND version < ?2`).bind(id, version),
    db
      .prepare(
        "INSERT INTO tombstones (kind, id, organisation, version) VALUES (?1, ?2, ?3, ?4) " +
          "ON CONFLICT (kind, id) DO UPDATE SET version = excluded.version, organisation = excluded.organisation " +
          "WHERE excluded.version > tombstones.version",
      )
      .bind(kind.segment, id, organisation, version),
  ];
}

export function ensureCustomer(db: D1Database, id: string, organisation: string): D1PreparedStatement {
  return db.prepare("INSERT INTO customers (id, organisation) VALUES (?1, ?2) ON CONFLICT (id) DO NOTHING").bind(id, organisation);
}

/** A customer exists while a record names it: remove the given ones that no record names any more. */
export function dropUnnamedCustomers(
  db: D1Database,
  ids: readonly string[],
  namers: readonly { table: string; column: string }[],
): D1PreparedStatement[] {
  const unnamed = namers.map(({ table, column }) => `NOT EXISTS (SELECT 1 FROM ${table} WHERE ${column} = customers.id)`);
  return slices(ids).map((slice) =>
    db.prepare(`DELETE FROM customers WHERE id IN (${placeholders(slice.length)}) AND ${unnamed.join(" AND ")}`).bind(...slice),
  );
}

export async function readRow(db: D1Database, kind: RecordKind, id: string): Promise<Row | null> {
  return guarded("D1", "read record", () =>
    db.prepare(`SELECT * FROM ${kind.table} WHERE ${kind.idColumn} = ?1`).bind(id).first<Row>(),
  );
}

/** Rows of a table whose `column` is one of `values` (and, if given, in `organisation`). */
export async function rowsWhere(
  db: D1Database,
  table: string,
  column: string,
  pairs: readonly { organisation: string; value: string }[],
): Promise<Row[]> {
  if (pairs.length === 0) return [];
  const statements = pairs.map(({ organisation, value }) =>
    db.prepare(`SELECT * FROM ${table} WHERE organisation = ?1 AND ${column} = ?2`).bind(organisation, value),
  );
  const results = await guarded("D1", "read dependents", () => db.batch(statements));
  return results.flatMap((r) => r.results as Row[]);
}

/**
 * Puts keys to refresh in the outbox under this call's stamp, in the same
 * transaction as the write that affects them. A key already there takes the
 * new stamp and keeps `always` if either call needed it.
 */
export function addToOutbox(db: D1Database, keys: readonly { key: string; always: boolean }[], stamp: string): D1PreparedStatement[] {
  return slices(keys, 2).map((slice) =>
    db
      .prepare(
        `INSERT INTO kv_outbox (key, always, stamp) VALUES ${slice.map((_, i) => `(?${2 * i + 2}, ?${2 * i + 3}, ?1)`).join(", ")}
         ON CONFLICT (key) DO UPDATE SET stamp = excluded.stamp, always = MAX(kv_outbox.always, excluded.always)`,
      )
      .bind(stamp, ...slice.flatMap(({ key, always }) => [key, always ? 1 : 0])),
  );
}

/** Forgets refreshed keys, each only if its stamp is still the one the call knew. */
export async function removeFromOutbox(db: D1Database, entries: readonly Pick<OutboxEntry, "key" | "stamp">[]): Promise<void> {
  if (entries.length === 0) return;
  const statements = slices(entries, 2).map((slice) =>
    db
      .prepare(`DELETE FROM kv_outbox WHERE ${slice.map((_, i) => `(key = ?${2 * i + 1} AND stamp = ?${2 * i + 2})`).join(" OR ")}`)
      .bind(...slice.flatMap((e) => [e.key, e.stamp])),
  );
  await guarded("D1", "clear outbox", () => db.batch(statements));
}

/** How many keys still wait in the outbox. */
export async function outboxSize(db: D1Database): Promise<number> {
  const row = await guarded("D1", "count outbox", () => db.prepare("SELECT COUNT(*) AS n FROM kv_outbox").first<{ n: number }>());
  return row?.n ?? 0;
}
