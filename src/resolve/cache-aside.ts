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
 * KV first (a hit touches no D1), D1 on a miss, and the D1 answer written
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
    try {
      const cached = await getJson<T>(sources.kv, key);
      if (cached !== null) return cached;
    } catch (error) {
      if (!(error instanceof StorageError)) throw error;
      log("warn", "KV read failed; answering from D1", { error: describeError(error) });
    }
  }
  const value = await readD1();
  // Unknown values are not written back: a negative entry per guess would
  // let anyone fill KV (and pay for its writes) with random identifiers.
  if (value !== null && key !== null) {
    sources.defer(
      putJson(sources.kv, key, value).catch((error: unknown) =>
        log("warn", "KV write-back failed", { error: describeError(error) }),
      ),
    );
  }
  return value;
}
