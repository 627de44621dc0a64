import { keyedHash } from "../crypto/credentials";
import { hashPassword } from "../crypto/password";
import { ApiError } from "../errors";
import {
  addToOutbox,
  clearTombstone,
  deleteRow,
  dropUnnamedCustomers,
  ensureCustomer,
  loadState,
  readRow,
  removeFromOutbox,
  stateKey,
  upsertRow,
  type OutboxEntry,
  type Row,
  type StoredState,
} from "../store/records";
import { guarded, StorageError } from "../store/storage-error";
import { isSubscriptionTable, keysDependingOn, keysOfRow, refreshForKey, type KeyRefresh } from "./affected-keys";
import type { Change } from "./parse-change";
import { columnOf, CUSTOMER_TABLES, recordKind, type RecordKind } from "./record-kinds";
import { refreshKeys, uniqueRefreshes, type KvBudget } from "./refresh-kv";

export type Outcome =
  | { applied: boolean; stale: boolean; version: number }
  | { error: ApiError };

export interface ProvisioningDeps {
  db: D1Database;
  kv: KVNamespace;
  pepperKey: CryptoKey;
  /** The KV operations this invocation may still spend; keys past it wait in the outbox. */
  kvBudget?: KvBudget;
}

interface Planned {
  index: number;
  change: Change;
  statements: D1PreparedStatement[];
  before: Row | null;
  after: Row | null;
}

/**
 * Applies changes in order as one D1 batch (one transaction), then brings
 * every affected KV key in line with D1; the keys are written to an outbox
 * in the same transaction, so a KV failure after the commit is finished by
 * the next call (a retry) or the cron, never forgotten. The version rule is checked against
 * the state read first and again by each statement's own guard, so a write
 * racing this one can never be overwritten by an older version. If the batch
 * fails on a uniqueness clash, the changes are retried one by one so that
 * only the clashing ones are rejected (409 CONFLICT, nothing of theirs written).
 */
export async function applyChanges(deps: ProvisioningDeps, changes: readonly Change[]): Promise<Outcome[]> {
  const state = await loadState(deps.db, idsToLoad(changes), customersToLoad(changes));
  const outcomes: Outcome[] = [];
  const planned: Planned[] = [];

  for (const [index, change] of changes.entries()) {
    try {
      const entry = plan(deps, state, change);
      if ("stale" in entry) outcomes[index] = { applied: false, stale: true, version: entry.stale };
      else planned.push({ index, change, ...(await entry) });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      outcomes[index] = { error };
    }
  }

  // Keys an earlier call committed but could not refresh: this call heals them too (a retry, say).
  const stamps = new Map(state.outbox.map((e) => [e.key, e.stamp]));
  const leftBefore: KeyRefresh[] = [];
  const unknown: OutboxEntry[] = [];
  for (const entry of state.outbox) {
    const refresh = refreshForKey(entry.key, entry.always);
    if (refresh) leftBefore.push(refresh);
    else unknown.push(entry);
  }
  // A key this deploy cannot read (a kind tag or field renamed since) has nothing to refresh:
  // it leaves the outbox instead of blocking its head; the daily reindex deletes its KV copy.
  await removeFromOutbox(deps.db, unknown);
  if (planned.length === 0) {
    await refreshAndClear(deps, leftBefore, stamps);
    return outcomes;
  }

  // The call's own keys first, so that a backlog cannot take its KV budget.
  const stamp = crypto.randomUUID();
  const own = await affectedKeys(deps.db, planned);
  const refreshes = [...own, ...leftBefore];
  const customers = new Set<string>();
  for (const { before, after, change } of planned) {
    for (const column of customerColumns(change.kind)) {
      for (const row of [before, after]) if (row && typeof row[column] === "string") customers.add(row[column]);
    }
  }
  const statements = [
    ...planned.flatMap((p) => p.statements),
    ...dropUnnamedCustomers(deps.db, [...customers], CUSTOMER_TABLES),
    ...addToOutbox(deps.db, uniqueRefreshes(own), stamp),
  ];
  let results: D1Result[];
  try {
    results = await guarded("D1", "apply changes", () => deps.db.batch(statements));
  } catch (error) {
    const clash = uniqueClash(error instanceof StorageError ? error.cause : error);
    if (!clash) throw error;
    if (changes.length === 1) {
      const field = changes[0]!.kind.fields.find((f) => columnOf(f) === clash)?.name ?? clash;
      return [{ error: new ApiError("CONFLICT", field, `${field} already belongs to another record of this organisation.`) }];
    }
    // Nothing of this batch was written: apply every line again, one by one, so only the
    // clashing lines are rejected. Every line, not only the planned ones: a line judged
    // stale (or refused) against an earlier line of this chunk may have been judged
    // against a write that is now rejected.
    const oneByOne: Outcome[] = [];
    for (const change of changes) oneByOne.push((await applyChanges(deps, [change]))[0]!);
    return oneByOne;
  }
  let offset = 0;
  for (const p of planned) {
    const guard = results[offset]!;
    offset += p.statements.length;
    if (guard.meta.changes > 0 || p.change.op === "delete") {
      outcomes[p.index] = { applied: true, stale: false, version: p.change.version };
    } else {
      // Lost a race with a newer write that landed after the state was read.
      const now = await readRow(deps.db, p.change.kind, p.change.id);
      outcomes[p.index] = { applied: false, stale: true, version: now?.version ?? p.change.version };
    }
  }
  for (const { key } of own) stamps.set(key, stamp);
  await refreshAndClear(deps, refreshes, stamps);
  return outcomes;
}

/**
 * KV follows D1, then the outbox forgets the keys: each only under the stamp
 * this call knew, so a key another write put back meanwhile stays for its
 * refresh. If KV fails, the keys stay for the next call; so do the keys past
 * the call's KV budget.
 */
async function refreshAndClear(deps: ProvisioningDeps, refreshes: readonly KeyRefresh[], stamps: ReadonlyMap<string, string>): Promise<void> {
  if (refreshes.length === 0) return;
  const left = await refreshKeys(deps.db, deps.kv, refreshes, deps.kvBudget);
  const done = [...new Set(refreshes.map((r) => r.key))].filter((key) => !left.has(key) && stamps.has(key));
  await removeFromOutbox(deps.db, done.map((key) => ({ key, stamp: stamps.get(key)! })));
}

type Plan = { stale: number; current: Row | null } | Promise<Omit<Planned, "index" | "change">>;

/** Checks one change against the state (updated in place for the next ones) and builds its statements. */
function plan(deps: ProvisioningDeps, state: StoredState, change: Change): Plan {
  const { kind, id, version, organisation } = change;
  const key = stateKey(kind.segment, id);
  const current = state.rows.get(key) ?? null;
  const stored = Math.max(current?.version ?? 0, state.tombstones.get(key)?.version ?? 0);
  if (current && organisation !== undefined && current.organisation !== organisation) {
    throw new ApiError("CONFLICT", "id", `${kind.segment}/${id} belongs to another organisation.`);
  }
  if (version <= stored) return { stale: stored, current };

  if (change.op === "delete") {
    state.rows.delete(key);
    state.tombstones.set(key, { kind: kind.segment, id, organisation: current?.organisation ?? null, version });
    return Promise.resolve({
      statements: deleteRow(deps.db, kind, id, version, current?.organisation ?? organisation ?? null),
      before: current,
      after: null,
    });
  }

  const org = organisation!;
  for (const field of kind.fields) {
    const value = change.values[field.name];
    if (field.references && typeof value === "string") {
      const target = state.rows.get(stateKey(field.references, value));
      if (!target || target.organisation !== org) {
        throw new ApiError("INVALID_PARAMETER", field.name, `${field.name} names no ${field.references} record of organisation ${org}.`);
      }
    }
    if (field.customer && typeof value === "string") {
      const owner = state.customers.get(value);
      if (owner !== undefined && owner !== org) {
        throw new ApiError("CONFLICT", field.name, `Customer ${value} belongs to another organisation.`);
      }
      state.customers.set(value, org);
    }
  }
  return (async () => {
    const row = await buildRow(deps, kind, change, current);
    state.rows.set(key, row);
    state.tombstones.delete(key);
    const statements = [upsertRow(deps.db, kind, row), clearTombstone(deps.db, kind, id, version)];
    for (const field of kind.fields) {
      const value = change.values[field.name];
      if (field.customer && typeof value === "string") statements.push(ensureCustomer(deps.db, value, org));
    }
    return { statements, before: current, after: row };
  })();
}

/** The row as stored: secrets hashed (or kept, when the change leaves them out), booleans as 0/1. */
async function buildRow(deps: ProvisioningDeps, kind: RecordKind, change: Change, current: Row | null): Promise<Row> {
  const row: Row = { [kind.idColumn]: change.id, organisation: change.organisation!, version: change.version };
  for (const field of kind.fields) {
    const column = columnOf(field);
    const value = change.values[field.name];
    if (value === undefined) row[column] = current?.[column] ?? null;
    else if (value === null || !field.secret) row[column] = typeof value === "boolean" ? Number(value) : value;
    else if (field.secret === "password") row[column] = await hashPassword(value as string);
    else row[column] = await keyedHash(deps.pepperKey, field.name, value as string);
  }
  return row;
}

/**
 * Every key the planned changes affect, known before the batch runs so they
 * can go into the outbox in the same transaction: the keys of the rows
 * before (always rewritten) and after (new values: where KV holds them),
 * and of the records that embed a changed subscription.
 */
async function affectedKeys(db: D1Database, planned: readonly Planned[]): Promise<KeyRefresh[]> {
  const refreshes: KeyRefresh[] = [];
  const subscriptions: Row[] = [];
  for (const { change, before, after } of planned) {
    if (before) refreshes.push(...keysOfRow(change.kind.table, before, true));
    if (after) refreshes.push(...keysOfRow(change.kind.table, after, false));
    if (isSubscriptionTable(change.kind.table)) subscriptions.push(...[before, after].filter((r) => r !== null));
  }
  refreshes.push(...(await keysDependingOn(db, subscriptions)));
  return refreshes;
}

/** The records each change needs: itself and whatever its fields reference. */
function idsToLoad(changes: readonly Change[]): Map<RecordKind, Set<string>> {
  const ids = new Map<RecordKind, Set<string>>();
  const add = (kind: RecordKind, id: string) => {
    let set = ids.get(kind);
    if (!set) ids.set(kind, (set = new Set()));
    set.add(id);
  };
  for (const change of changes) {
    add(change.kind, change.id);
    for (const field of change.kind.fields) {
      const value = change.values[field.name];
      if (field.references && typeof value === "string") add(recordKind(field.references)!, value);
    }
  }
  return ids;
}

function customersToLoad(changes: readonly Change[]): Set<string> {
  const ids = new Set<string>();
  for (const change of changes) {
    for (const field of change.kind.fields) {
      const value = change.values[field.name];
      if (field.customer && typeof value === "string") ids.add(value);
    }
  }
  return ids;
}

function customerColumns(kind: RecordKind): string[] {
  return kind.fields.filter((f) => f.customer).map(columnOf);
}

/** The column of a UNIQUE violation, e.g. `serial_number`, or null for any other error. */
function uniqueClash(error: unknown): string | null {
  const message = error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? "")}` : "";
  const match = /UNIQUE constraint failed: ([\w.]+(?:, [\w.]+)*)/.exec(message);
  if (!match) return null;
  const columns = match[1]!.split(", ").map((c) => c.split(".").pop()!);
  return columns.find((c) => c !== "organisation") ?? columns[0]!;
}

/** Refreshes whatever keys earlier writes left in the outbox (the cron runs this). */
export async function drainOutbox(deps: ProvisioningDeps): Promise<void> {
  await applyChanges(deps, []);
}
