import { KV_MAX_KEY_BYTES, KV_MAPPING_TTL_SECONDS, KV_MIN_TTL_SECONDS } from "../constants";
import { SUBSCRIPTION_TYPE_FILTER, type IdentifierKind, type LookupField, type TypeLookupField } from "../identifiers";
import { guarded } from "./storage-error";

/**
 * Every KV key of the service (docs/storage.md). The organisation is
 * URI-encoded so that it can hold ':'; the lookup value is last and verbatim.
 * A key over KV's 512 bytes is null: that value is not cached.
 */
export const MAPPING_PREFIX = "map:";

const utf8 = new TextEncoder();

function boundedKey(key: string): string | null {
  // A UTF-16 unit is at most 3 UTF-8 bytes: most keys need no encoding to be measured.
  if (key.length * 3 <= KV_MAX_KEY_BYTES) return key;
  return utf8.encode(key).byteLength <= KV_MAX_KEY_BYTES ? key : null;
}

/** The parts of a `map:` key, or null for any other key. */
export function parseMappingKey(key: string): { organisation: string; tag: string; field: string; value: string } | null {
  const match = /^map:([^:]*):([^:]+):([^:]+):(.*)$/s.exec(key);
  if (!match) return null;
  try {
    return { organisation: decodeURIComponent(match[1]!), tag: match[2]!, field: match[3]!, value: match[4]! };
  } catch {
    return null;
  }
}

export const kvKeys = {
  /** `map:<org>:<kind tag>:<field>:<value or keyed hash>` -> Mapping. */
  mapping(organisation: string, kind: IdentifierKind, field: LookupField, storedValue: string): string | null {
    return boundedKey(`${MAPPING_PREFIX}${encodeURIComponent(organisation)}:${kind.kvTag}:${field.name}:${storedValue}`);
  },
  /** `map:<org>:type:<field>:<value>` -> TypeMapping. */
  typeIds(organisation: string, field: TypeLookupField, value: string): string | null {
    const tag = SUBSCRIPTION_TYPE_FILTER.kvTag;
    return boundedKey(`${MAPPING_PREFIX}${encodeURIComponent(organisation)}:${tag}:${field.name}:${value}`);
  },
  /** `lock:<subject>`: a locked-out subject (see src/limits), until its lock ends. */
  lock(subject: string): string {
    return `lock:${subject}`;
  },
  /** `reindex:state`: where the cron's reindex stands (src/provisioning/reindex-schedule.ts). */
  reindexState(): string {
    return "reindex:state";
  },
  /** `deny:<jti>`: a released login token, until its own expiry. */
  denied(jti: string): string {
    return `deny:${jti}`;
  },
};

export function getJson<T>(kv: KVNamespace, key: string): Promise<T | null> {
  return guarded("KV", "get", () => kv.get<T>(key, "json"));
}

/**
 * Mappings expire even though every change rewrites them: keys nobody asks
 * for leave KV by themselves (constants.ts has the TTLs and their reasons).
 */
export function putJson(kv: KVNamespace, key: string, value: unknown, ttlSeconds = KV_MAPPING_TTL_SECONDS): Promise<void> {
  return guarded("KV", "put", () => kv.put(key, JSON.stringify(value), { expirationTtl: ttlSeconds }));
}

export function deleteKey(kv: KVNamespace, key: string): Promise<void> {
  return guarded("KV", "delete", () => kv.delete(key));
}

export async function isTokenDenied(kv: KVNamespace, jti: string): Promise<boolean> {
  return (await guarded("KV", "get deny-list", () => kv.get(kvKeys.denied(jti)))) !== null;
}

/** Keeps the entry until the token's own expiry (KV wants at least 60 s ahead). */
export function denyToken(kv: KVNamespace, jti: string, tokenExp: number, now: number): Promise<void> {
  const expiration = Math.max(tokenExp, now + KV_MIN_TTL_SECONDS);
  return guarded("KV", "put deny-list", () => kv.put(kvKeys.denied(jti), "1", { expiration }));
}

/** One page of the keys under a prefix, and the cursor of the next page (none after the last). */
export async function listKeysPage(
  kv: KVNamespace,
  prefix: string,
  cursor: string | undefined,
  limit: number,
): Promise<{ keys: string[]; next?: string }> {
  const page = await guarded("KV", "list", () => kv.list(cursor === undefined ? { prefix, limit } : { prefix, limit, cursor }));
  const keys = page.keys.map((key) => key.name);
  return page.list_complete ? { keys } : { keys, next: page.cursor };
}

/** KV's bulk read takes at most 100 keys per call (one operation, one round trip). */
const BULK_GET_KEYS = 100;

/** Bulk reads a set of `count` keys takes (each one KV operation). */
export const bulkReads = (count: number) => Math.ceil(count / BULK_GET_KEYS);

/** The stored JSON values of many keys (null where absent), read in bulk. */
export async function getManyJson(kv: KVNamespace, keys: readonly string[]): Promise<Map<string, unknown>> {
  const values = new Map<string, unknown>();
  for (let i = 0; i < keys.length; i += BULK_GET_KEYS) {
    const slice = keys.slice(i, i + BULK_GET_KEYS);
    const page = await guarded("KV", "bulk get", () => kv.get<unknown>(slice, "json"));
    for (const [key, value] of page) values.set(key, value);
  }
  return values;
}

/** Lock ends (unix seconds) of the given subjects that KV holds a lock flag for. */
export async function getLocks(kv: KVNamespace, subjects: readonly string[]): Promise<Map<string, number>> {
  const stored = await getManyJson(kv, subjects.map((s) => kvKeys.lock(s)));
  const locks = new Map<string, number>();
  for (const subject of subjects) {
    const flag = stored.get(kvKeys.lock(subject)) as { until?: unknown } | null | undefined;
    if (flag && typeof flag.until === "number") locks.set(subject, flag.until);
  }
  return locks;
}

export function putLock(kv: KVNamespace, subject: string, until: number, now: number): Promise<void> {
  const expiration = Math.max(until, now + KV_MIN_TTL_SECONDS);
  return guarded("KV", "put lock", () => kv.put(kvKeys.lock(subject), JSON.stringify({ until }), { expiration }));
}
