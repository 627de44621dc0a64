import { isolateCaches } from "../cache/isolate-caches";
import { KV_REFRESH_CONCURRENCY, REINDEX_PAGE_ROWS } from "../constants";
import { IDENTIFIER_KINDS, SUBSCRIPTION_TYPE_FILTER } from "../identifiers";
import { findMapping, scanMappings, scanTypes, toMapping } from "../store/d1";
import { deleteKey, getManyJson, kvKeys, listKeys, MAPPING_PREFIX } from "../store/kv";
import { refreshForKey } from "./affected-keys";
import { refreshKeys } from "./refresh-kv";

export interface ReindexReport {
  keys: number;
  written: number;
  unchanged: number;
  deleted: number;
}

/**
 * Rebuilds every KV mapping from D1 and deletes mapping keys D1 no longer
 * backs (orphans). A key whose value is already right is not rewritten:
 * KV writes cost far more than reads, and the cron runs this daily.
 *
 * It works on one invocation's budget: fine for tens of thousands of
 * records; beyond Workers' per-invocation subrequest limit it would have to
 * move to a queue of pages.
 */
export async function reindex(db: D1Database, kv: KVNamespace): Promise<ReindexReport> {
  const wanted = new Map<string, unknown>();
  for (const kind of IDENTIFIER_KINDS) {
    for (const field of kind.fields) {
      let after: [string, string] = ["", ""];
      for (;;) {
        const rows = await scanMappings(db, kind, field, after, REINDEX_PAGE_ROWS);
        if (rows.length === 0) break;
        const groups = groupBy(rows, (r) => `${r.organisation}\u0000${r.lookup_value}`);
        const full = rows.length === REINDEX_PAGE_ROWS;
        // A full page may end inside a record: leave that record to the next
        // page, or, if it fills the page alone, read it whole.
        if (full && groups.size > 1) groups.delete([...groups.keys()].pop()!);
        for (const group of groups.values()) {
          const { organisation, lookup_value: value } = group[0]!;
          const key = kvKeys.mapping(organisation, kind, field, value);
          if (!key) continue;
          wanted.set(key, full && groups.size === 1 ? await findMapping(db, organisation, kind, field, value) : toMapping(kind, group));
        }
        const lastKept = [...groups.values()].pop()![0]!;
        after = [lastKept.organisation, lastKept.lookup_value];
        if (!full) break;
      }
    }
  }
  for (const field of SUBSCRIPTION_TYPE_FILTER.fields) {
    if (field.direct) continue;
    for (const group of groupBy(await scanTypes(db, field), (r) => `${r.organisation}\u0000${r.value}`).values()) {
      const key = kvKeys.typeIds(group[0]!.organisation, field, group[0]!.value);
      if (key) wanted.set(key, { type_ids: group.map((r) => r.id) });
    }
  }

  const report: ReindexReport = { keys: wanted.size, written: 0, unchanged: 0, deleted: 0 };
  isolateCaches.mappings.clear();
  const stored = await getManyJson(kv, [...wanted.keys()]);
  const differing = [...wanted].filter(([key, value]) => JSON.stringify(stored.get(key)) !== JSON.stringify(value)).map(([key]) => key);
  report.unchanged = wanted.size - differing.length;
  const orphans: string[] = [];
  for await (const key of listKeys(kv, MAPPING_PREFIX)) if (!wanted.has(key)) orphans.push(key);

  // The scan is old by now: a provisioning write may have landed since. So
  // every key to write or delete is read from D1 again right before (as
  // provisioning does), never written from the scan itself.
  const refreshes = [...differing, ...orphans].map((key) => ({ key, refresh: refreshForKey(key) }));
  await refreshKeys(db, kv, refreshes.flatMap(({ refresh }) => (refresh ? [refresh] : [])));
  const unparseable = refreshes.filter(({ refresh }) => !refresh).map(({ key }) => key);
  await inPool(unparseable, (key) => deleteKey(kv, key));
  report.written = differing.length;
  report.deleted = orphans.length;
  return report;
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

async function inPool<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const worker = async () => {
    for (let next = queue.pop(); next !== undefined; next = queue.pop()) await work(next);
  };
  await Promise.all(Array.from({ length: Math.min(KV_REFRESH_CONCURRENCY, queue.length) }, worker));
}
