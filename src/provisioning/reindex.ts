import { base64url } from "jose";
import { isolateCaches } from "../cache/isolate-caches";
import { REINDEX_OPS_PER_CALL, REINDEX_PAGE_ROWS } from "../constants";
import { ApiError } from "../errors";
import { IDENTIFIER_KINDS, SUBSCRIPTION_TYPE_FILTER, type IdentifierKind, type LookupField, type TypeLookupField } from "../identifiers";
import { findMapping, findTypeIds, scanMappings, scanTypes, toMapping } from "../store/d1";
import { bulkReads, deleteKey, getManyJson, kvKeys, listKeysPage, MAPPING_PREFIX } from "../store/kv";
import { refreshForKey } from "./affected-keys";
import { inPool, readFromD1, refreshKeys } from "./refresh-kv";

/** One slice's counts; `cursor` (when not `done`) is where the next slice goes on. */
export interface ReindexReport {
  keys: number;
  written: number;
  unchanged: number;
  deleted: number;
  done: boolean;
  cursor?: string;
}

/**
 * Rebuilds every KV mapping from D1 and deletes mapping keys D1 no longer
 * backs (orphans), in slices: one call stops before REINDEX_OPS_PER_CALL
 * storage operations (Workers' per-invocation limits) and answers a cursor;
 * calling again with it goes on. The work is a fixed list of steps: each
 * identifier kind's lookup field, each type field, then the orphans; each
 * step goes page by page. A key whose value is already right is not
 * rewritten: KV writes cost far more than reads.
 */
export async function reindex(
  db: D1Database,
  kv: KVNamespace,
  options: { cursor?: string; budget?: number } = {},
): Promise<ReindexReport> {
  const budget = options.budget ?? REINDEX_OPS_PER_CALL;
  let at: Position = options.cursor === undefined ? { step: 0 } : decodeCursor(options.cursor);
  const report: ReindexReport = { keys: 0, written: 0, unchanged: 0, deleted: 0, done: false };
  let ops = 0;
  while (at.step < STEPS.length) {
    // At least one page per call, so that even a tiny budget makes progress.
    if (ops > 0 && ops + PAGE_WORST_OPS > budget) return { ...report, cursor: encodeCursor(at) };
    const page = await runPage(db, kv, STEPS[at.step]!, at, report);
    ops += page.ops;
    at = page.next ? { step: at.step, ...page.next } : { step: at.step + 1 };
  }
  return { ...report, done: true };
}

type Step = { kind: IdentifierKind; field: LookupField } | { typeField: TypeLookupField } | "orphans";

const STEPS: readonly Step[] = [
  ...IDENTIFIER_KINDS.flatMap((kind) => kind.fields.map((field) => ({ kind, field }))),
  ...SUBSCRIPTION_TYPE_FILTER.fields.filter((f) => !f.direct).map((typeField) => ({ typeField })),
  "orphans",
];

/** Names the step list: a cursor made for another list (a deploy changed the identifier table) is refused. */
const STEPS_ID = STEPS.map((s) => (s === "orphans" ? s : "typeField" in s ? `type.${s.typeField.name}` : `${s.kind.kvTag}.${s.field.name}`)).join(",");

interface Position {
  step: number;
  /** Mapping steps: the last (organisation, value) done. */
  after?: [string, string];
  /** The orphan step: KV's list cursor. */
  list?: string;
}

/** A page's worst case: its scan, a record read whole, bulk reads, D1 re-reads, one write per key. */
const PAGE_WORST_OPS = 2 + 2 * bulkReads(REINDEX_PAGE_ROWS) + REINDEX_PAGE_ROWS;

/** Runs one page of a step; `next` is the same step's next page, or absent when the step is done. */
async function runPage(
  db: D1Database,
  kv: KVNamespace,
  step: Step,
  at: Position,
  report: ReindexReport,
): Promise<{ ops: number; next?: Omit<Position, "step"> }> {
  if (step === "orphans") return orphanPage(db, kv, at, report);
  if ("typeField" in step) {
    const field = step.typeField;
    return scanPage(db, kv, at, report, {
      rows: (after, limit) => scanTypes(db, field, after, limit),
      value: (row) => row.value,
      key: (organisation, value) => kvKeys.typeIds(organisation, field, value),
      fromRows: (rows) => ({ type_ids: rows.map((r) => r.id) }),
      readWhole: (organisation, value) => findTypeIds(db, organisation, field, value),
    });
  }
  const { kind, field } = step;
  return scanPage(db, kv, at, report, {
    rows: (after, limit) => scanMappings(db, kind, field, after, limit),
    value: (row) => row.lookup_value,
    key: (organisation, value) => kvKeys.mapping(organisation, kind, field, value),
    fromRows: (rows) => toMapping(kind, rows),
    readWhole: (organisation, value) => findMapping(db, organisation, kind, field, value),
  });
}

/** How a step reads D1: rows in (organisation, value) order, one key per (organisation, value). */
interface Scan<R extends { organisation: string }> {
  rows(after: [string, string], limit: number): Promise<R[]>;
  value(row: R): string;
  key(organisation: string, value: string): string | null;
  fromRows(rows: R[]): unknown;
  readWhole(organisation: string, value: string): Promise<unknown>;
}

async function scanPage<R extends { organisation: string }>(db: D1Database, kv: KVNamespace, at: Position, report: ReindexReport, scan: Scan<R>) {
  let ops = 1;
  const rows = await scan.rows(at.after ?? ["", ""], REINDEX_PAGE_ROWS);
  if (rows.length === 0) return { ops };
  const groups = groupBy(rows, (r) => `${r.organisation}\u0000${scan.value(r)}`);
  const full = rows.length === REINDEX_PAGE_ROWS;
  // A full page may end inside a record: leave that record to the next
  // page, or, if it fills the page alone, read it whole.
  if (full && groups.size > 1) groups.delete([...groups.keys()].pop()!);
  const wanted = new Map<string, unknown>();
  for (const group of groups.values()) {
    const organisation = group[0]!.organisation;
    const value = scan.value(group[0]!);
    const key = scan.key(organisation, value);
    if (!key) continue;
    if (full && groups.size === 1) ops++;
    wanted.set(key, full && groups.size === 1 ? await scan.readWhole(organisation, value) : scan.fromRows(group));
  }
  ops += await syncKeys(db, kv, wanted, report);
  const lastKept = [...groups.values()].pop()![0]!;
  const after: [string, string] = [lastKept.organisation, scan.value(lastKept)];
  return { ops, next: full ? { after } : undefined };
}

/**
 * Writes the keys whose stored value differs from what the scan computed. The
 * scan is old by then (a provisioning write may have landed since), so each
 * is read from D1 again right before it is written, as provisioning does.
 */
async function syncKeys(db: D1Database, kv: KVNamespace, wanted: Map<string, unknown>, report: ReindexReport): Promise<number> {
  const stored = await getManyJson(kv, [...wanted.keys()]);
  const differing = [...wanted].filter(([key, value]) => JSON.stringify(stored.get(key)) !== JSON.stringify(value)).map(([key]) => key);
  await refreshKeys(db, kv, differing.flatMap((key) => refreshForKey(key) ?? []));
  report.keys += wanted.size;
  report.written += differing.length;
  report.unchanged += wanted.size - differing.length;
  return bulkReads(wanted.size) + bulkReads(differing.length) + differing.length;
}

/** Deletes the listed `map:` keys that D1 no longer backs (or that are not mapping keys at all). */
async function orphanPage(db: D1Database, kv: KVNamespace, at: Position, report: ReindexReport) {
  const page = await listKeysPage(kv, MAPPING_PREFIX, at.list, REINDEX_PAGE_ROWS);
  const refreshes = page.keys.map((key) => ({ key, refresh: refreshForKey(key) }));
  const parseable = refreshes.flatMap(({ refresh }) => (refresh ? [refresh] : []));
  const backed = await readFromD1(db, parseable);
  const orphans = [
    ...refreshes.filter(({ refresh }) => !refresh).map(({ key }) => key),
    ...backed.filter(({ value }) => value === null).map(({ key }) => key),
  ];
  await inPool(orphans, (key) => deleteKey(kv, key));
  for (const key of orphans) isolateCaches.mappings.delete(key);
  report.deleted += orphans.length;
  const ops = 1 + bulkReads(parseable.length) + orphans.length;
  return { ops, next: page.next === undefined ? undefined : { list: page.next } };
}

// The cursor is opaque to callers: base64url JSON of a Position.
function encodeCursor(at: Position): string {
  return base64url.encode(JSON.stringify({ ...at, steps: STEPS_ID }));
}

function decodeCursor(cursor: string): Position {
  let at: unknown;
  try {
    at = JSON.parse(new TextDecoder().decode(base64url.decode(cursor)));
  } catch {
    at = undefined;
  }
  const position = at as (Partial<Position> & { steps?: unknown }) | undefined;
  const valid =
    position !== null &&
    typeof position === "object" &&
    position.steps === STEPS_ID &&
    Number.isSafeInteger(position.step) &&
    position.step! >= 0 &&
    position.step! < STEPS.length &&
    (position.after === undefined ||
      (Array.isArray(position.after) && position.after.length === 2 && position.after.every((v) => typeof v === "string"))) &&
    (position.list === undefined || typeof position.list === "string");
  if (!valid) throw new ApiError("INVALID_PARAMETER", "cursor", "cursor is not one a reindex answered.");
  return { step: position.step!, ...(position.after ? { after: position.after } : {}), ...(position.list ? { list: position.list } : {}) };
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

