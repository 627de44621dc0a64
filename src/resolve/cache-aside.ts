import { isolateCaches } from "../cache/isolate-caches";
import { KV_WRITE_BACK_TTL_SECONDS } from "../constants";
import { describeError, log } from "../log";
import { getJson, putJson } from "../store/kv";
import { StorageError } from "../store/storage-error";

export interface MappingSources {
  db: D1Database;
  kv: KVNamespace;
  /** Runs work after the answer (ctx.waitUntil in the worker). */
  defer(task: Promise<unknown>): void;
}

/**
 * The isolate's cache first, then KV (a hit touches no D1), D1 on a miss, and the D1 answer written
 * back to KV after the response. KV failing is not fatal: D1 is the source
 * of truth, so the request is answered from it. A null key (too long for
 * KV) goes straight to D1.
 */
export async function cacheAside<T>(
  sources: MappingSources,
  key: string | null,
  readD1: () => Promise<T | null>,
): Promise<T | null> {
  if (key !== null) {
    const inIsolate = isolateCaches.mappings.get(key);
    if (inIsolate !== undefined) return inIsolate as T;
    try {
      const cached = await getJson<T>(sources.kv, key);
      if (cached !== null) {
        isolateCaches.mappings.set(key, cached);
        return cached;
      }
    } catch (error) {
      if (!(error instanceof StorageError)) throw error;
      log("warn", "KV read failed; answering from D1", { error: describeError(error) });
    }
  }
  const value = await readD1();
  // Unknown values are not written back: a negative entry per guess would
  // let anyone fill KV (and pay for its writes) with random identifiers.
  if (value !== null && key !== null) {
    isolateCaches.mappings.set(key, value);
    sources.defer(
      putJson(sources.kv, key, value, KV_WRITE_BACK_TTL_SECONDS).catch((error: unknown) =>
        log("warn", "KV write-back failed", { error: describeError(error) }),
      ),
    );
  }
  return value;
}
