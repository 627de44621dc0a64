import { KV_REFRESH_CONCURRENCY, REFRESH_READS_PER_BATCH } from "../constants";
import { deleteKey, getManyJson, putJson } from "../store/kv";
import { guarded } from "../store/storage-error";
import type { KeyRefresh } from "./affected-keys";

/**
 * Brings the affected keys that KV holds in line with D1 before the
 * provisioning call answers: each is recomputed with the very query
 * authenticate uses on a miss, then rewritten, or deleted when D1 no longer
 * has its record. Keys KV does not hold are left absent: a miss reads D1
 * anyway, and not writing them keeps a bulk import from costing one KV write
 * per record (KV holds a subset of D1's mappings, never a wrong one).
 * Presence is read in bulk, D1 in batches, and KV written in parallel.
 */
export async function refreshKeys(db: D1Database, kv: KVNamespace, refreshes: readonly KeyRefresh[]): Promise<number> {
  const unique = [...new Map(refreshes.map((r) => [r.key, r])).values()];
  if (unique.length === 0) return 0;
  const stored = await getManyJson(kv, unique.map((r) => r.key));
  const held = unique.filter((r) => stored.get(r.key) != null);
  const writes: { key: string; value: unknown | null }[] = [];
  for (let i = 0; i < held.length; i += REFRESH_READS_PER_BATCH) {
    const slice = held.slice(i, i + REFRESH_READS_PER_BATCH);
    const reads = slice.map((r) => r.read(db));
    const results = await guarded("D1", "refresh reads", () => db.batch(reads.map((r) => r.statement)));
    slice.forEach((r, j) => writes.push({ key: r.key, value: reads[j]!.parse(results[j]!.results) }));
  }
  const worker = async () => {
    for (let next = writes.pop(); next; next = writes.pop()) {
      await (next.value === null ? deleteKey(kv, next.key) : putJson(kv, next.key, next.value));
    }
  };
  await Promise.all(Array.from({ length: Math.min(KV_REFRESH_CONCURRENCY, writes.length) }, worker));
  return held.length;
}
