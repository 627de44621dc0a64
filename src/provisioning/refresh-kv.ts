import { isolateCaches } from "../cache/isolate-caches";
import { KV_REFRESH_CONCURRENCY, REFRESH_READS_PER_BATCH } from "../constants";
import { bulkReads, deleteKey, getManyJson, putJson } from "../store/kv";
import { guarded } from "../store/storage-error";
import type { KeyRefresh } from "./affected-keys";

/**
 * KV operations a call may still spend (Workers allow about 1,000 per
 * invocation). refreshKeys stops where it runs out; the keys it leaves stay
 * in the outbox for the next call or the cron.
 */
export interface KvBudget {
  remaining: number;
}

/**
 * Brings affected keys in line with D1 before the provisioning call
 * answers: each is recomputed with the very query authenticate uses on a
 * miss, then rewritten, or deleted when D1 no longer has its record. Keys of
 * brand-new values are only corrected where KV holds them (a miss reads D1
 * anyway), so a bulk import of new records costs no KV writes at all.
 * Presence is read in bulk, D1 in batches, and KV written in parallel.
 * Returns the keys left for later because `budget` ran out.
 */
export async function refreshKeys(
  db: D1Database,
  kv: KVNamespace,
  refreshes: readonly KeyRefresh[],
  budget?: KvBudget,
): Promise<Set<string>> {
  const unique = uniqueRefreshes(refreshes);
  if (unique.length === 0) return new Set();
  if (budget && budget.remaining <= 0) return new Set(unique.map((r) => r.key));
  const unsure = unique.filter((r) => !r.always);
  const stored = unsure.length ? await getManyJson(kv, unsure.map((r) => r.key)) : new Map<string, unknown>();
  let held = unique.filter((r) => r.always || stored.get(r.key) != null);
  let left: string[] = [];
  if (budget) {
    budget.remaining -= bulkReads(unsure.length);
    const fit = Math.max(0, budget.remaining);
    left = held.slice(fit).map((r) => r.key);
    held = held.slice(0, fit);
    budget.remaining -= held.length;
  }
  const writes = await readFromD1(db, held);
  await inPool(writes, (next) => (next.value === null ? deleteKey(kv, next.key) : putJson(kv, next.key, next.value)));
  // After the writes, not before: an authenticate of this isolate that read KV meanwhile
  // must not keep the previous value for the cache's TTL.
  for (const { key } of unique) isolateCaches.mappings.delete(key);
  return new Set(left);
}

/** One refresh per key; "always" wins when a key is both old and new. */
export function uniqueRefreshes(refreshes: readonly KeyRefresh[]): KeyRefresh[] {
  const byKey = new Map<string, KeyRefresh>();
  for (const r of refreshes) {
    const seen = byKey.get(r.key);
    if (!seen || (r.always && !seen.always)) byKey.set(r.key, r);
  }
  return [...byKey.values()];
}

/** Runs `work` over the items, KV_REFRESH_CONCURRENCY at a time (KV writes are one round trip each). */
export async function inPool<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const worker = async () => {
    for (let next = queue.pop(); next !== undefined; next = queue.pop()) await work(next);
  };
  await Promise.all(Array.from({ length: Math.min(KV_REFRESH_CONCURRENCY, queue.length) }, worker));
}

/** What D1 backs for each key now (null: nothing), read in batches of one round trip each. */
export async function readFromD1(db: D1Database, refreshes: readonly KeyRefresh[]): Promise<{ key: string; value: unknown | null }[]> {
  const values: { key: string; value: unknown | null }[] = [];
  for (let i = 0; i < refreshes.length; i += REFRESH_READS_PER_BATCH) {
    const slice = refreshes.slice(i, i + REFRESH_READS_PER_BATCH);
    const reads = slice.map((r) => r.read(db));
    const results = await guarded("D1", "refresh reads", () => db.batch(reads.map((r) => r.statement)));
    slice.forEach((r, j) => values.push({ key: r.key, value: reads[j]!.parse(results[j]!.results) }));
  }
  return values;
}
