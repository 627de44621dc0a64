import { isolateCaches } from "../cache/isolate-caches";
import { KV_REFRESH_CONCURRENCY, REFRESH_READS_PER_BATCH } from "../constants";
import { deleteKey, getManyJson, putJson } from "../store/kv";
import { guarded } from "../store/storage-error";
import type { KeyRefresh } from "./affected-keys";

/**
 * Brings affected keys in line with D1 before the provisioning call
 * answers: each is recomputed with the very query authenticate uses on a
 * miss, then rewritten, or deleted when D1 no longer has its record. Keys of
 * brand-new values are only corrected where KV holds them (a miss reads D1
 * anyway), so a bulk import of new records costs no KV writes at all.
 * Presence is read in bulk, D1 in batches, and KV written in parallel.
 */
export async function refreshKeys(db: D1Database, kv: KVNamespace, refreshes: readonly KeyRefresh[]): Promise<number> {
  // One entry per key; "always" wins when a key is both old and new.
  const byKey = new Map<string, KeyRefresh>();
  for (const r of refreshes) {
    const seen = byKey.get(r.key);
    if (!seen || (r.always && !seen.always)) byKey.set(r.key, r);
  }
  const unique = [...byKey.values()];
  if (unique.length === 0) return 0;
  const unsure = unique.filter((r) => !r.always);
  const stored = unsure.length ? await getManyJson(kv, unsure.map((r) => r.key)) : new Map<string, unknown>();
  const held = unique.filter((r) => r.always || stored.get(r.key) != null);
  const writes = await readFromD1(db, held);
  const worker = async () => {
    for (let next = writes.pop(); next; next = writes.pop()) {
      await (next.value === null ? deleteKey(kv, next.key) : putJson(kv, next.key, next.value));
    }
  };
  await Promise.all(Array.from({ length: Math.min(KV_REFRESH_CONCURRENCY, writes.length) }, worker));
  // After the writes, not before: an authenticate of this isolate that read KV meanwhile
  // must not keep the previous value for the cache's TTL.
  for (const { key } of unique) isolateCaches.mappings.delete(key);
  return held.length;
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
