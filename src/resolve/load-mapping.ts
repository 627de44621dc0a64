import type { IdentifierKind, LookupField } from "../identifiers";
import { log, describeError } from "../log";
import type { Mapping } from "../model";
import { findMapping } from "../store/d1";
import { getMapping, kvKeys, putMapping } from "../store/kv";
import { StorageError } from "../store/storage-error";

export interface MappingSources {
  db: D1Database;
  kv: KVNamespace;
  /** Runs work after the answer (ctx.waitUntil in the worker). */
  defer(task: Promise<unknown>): void;
}

/**
 * Cache-aside read: KV first (a hit touches no D1), D1 on a miss, and the
 * D1 answer written back to KV after the response. KV failing is not fatal:
 * D1 is the source of truth, so the request is answered from it.
 */
export async function loadMapping(
  sources: MappingSources,
  organisation: string,
  kind: IdentifierKind,
  field: LookupField,
  storedValue: string,
): Promise<Mapping | null> {
  const key = kvKeys.mapping(organisation, kind, field, storedValue);
  if (key !== null) {
    try {
      const cached = await getMapping(sources.kv, key);
      if (cached) return cached;
    } catch (error) {
      if (!(error instanceof StorageError)) throw error;
      log("warn", "KV read failed; answering from D1", { error: describeError(error) });
    }
  }
  const mapping = await findMapping(sources.db, organisation, kind, field, storedValue);
  // Unknown values are not written back: a negative entry per guess would
  // let anyone fill KV (and pay for its writes) with random identifiers.
  if (mapping && key !== null) {
    sources.defer(
      putMapping(sources.kv, key, mapping).catch((error: unknown) =>
        log("warn", "KV write-back failed", { error: describeError(error) }),
      ),
    );
  }
  return mapping;
}
