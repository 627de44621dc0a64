import { KV_REFRESH_CONCURRENCY } from "../constants";
import { deleteKey, putJson } from "../store/kv";
import type { KeyRefresh } from "./affected-keys";

/**
 * Rewrites each key from D1, or deletes it when D1 no longer has its record:
 * KV follows D1 before the provisioning call answers. Keys are recomputed
 * with the very queries authenticate uses on a miss, so both agree.
 */
export async function refreshKeys(db: D1Database, kv: KVNamespace, refreshes: readonly KeyRefresh[]): Promise<number> {
  const unique = new Map(refreshes.map((r) => [r.key, r]));
  const queue = [...unique.values()];
  const worker = async () => {
    for (let next = queue.pop(); next; next = queue.pop()) {
      const value = await next.read(db);
      await (value === null ? deleteKey(kv, next.key) : putJson(kv, next.key, value));
    }
  };
  await Promise.all(Array.from({ length: Math.min(KV_REFRESH_CONCURRENCY, queue.length) }, worker));
  return unique.size;
}
