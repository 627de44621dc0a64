import { KV_REFRESH_CONCURRENCY, REFRESH_READS_PER_BATCH } from "../constants";
import { deleteKey, putJson } from "../store/kv";
import { guarded } from "../store/storage-error";
import type { KeyRefresh } from "./affected-keys";

/**
 * Rewrites each key from D1, or deletes it when D1 no longer has its record:
 * KV follows D1 before the provisioning call answers. Keys are recomputed
 * with the very queries authenticate uses on a miss, so both agree; the
 * reads go to D1 in batches (one round trip each), the writes to KV in
 * parallel.
 */
export async function refreshKeys(db: D1Database, kv: KVNamespace, refreshes: readonly KeyRefresh[]): Promise<number> {
  const unique = [...new Map(refreshes.map((r) => [r.key, r])).values()];
  const writes: { key: string; value: unknown | null }[] = [];
  for (let i = 0; i < unique.length; i += REFRESH_READS_PER_BATCH) {
    const slice = unique.slice(i, i + REFRESH_READS_PER_BATCH);
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
  return unique.length;
}
