import { KV_MAX_KEY_BYTES, KV_MIN_TTL_SECONDS, KV_WRITE_BACK_TTL_SECONDS } from "../constants";
import type { IdentifierKind, LookupField } from "../identifiers";
import type { Mapping } from "../model";
import { guarded } from "./storage-error";

/**
 * Every KV key of the service (docs/storage.md). The organisation is
 * URI-encoded so that it can hold ':'; the lookup value is last and verbatim.
 */
export const kvKeys = {
  /** `map:<org>:<kind tag>:<field>:<value or keyed hash>`, or null when too long for KV. */
  mapping(organisation: string, kind: IdentifierKind, field: LookupField, storedValue: string): string | null {
    const key = `map:${encodeURIComponent(organisation)}:${kind.kvTag}:${field.name}:${storedValue}`;
    return new TextEncoder().encode(key).byteLength <= KV_MAX_KEY_BYTES ? key : null;
  },
  /** `deny:<jti>`: a released login token, until its own expiry. */
  denied(jti: string): string {
    return `deny:${jti}`;
  },
};

export function getMapping(kv: KVNamespace, key: string): Promise<Mapping | null> {
  return guarded("KV", "get mapping", () => kv.get<Mapping>(key, "json"));
}

export function putMapping(kv: KVNamespace, key: string, mapping: Mapping): Promise<void> {
  return guarded("KV", "put mapping", () =>
    kv.put(key, JSON.stringify(mapping), { expirationTtl: KV_WRITE_BACK_TTL_SECONDS }),
  );
}

export async function isTokenDenied(kv: KVNamespace, jti: string): Promise<boolean> {
  return (await guarded("KV", "get deny-list", () => kv.get(kvKeys.denied(jti)))) !== null;
}

/** Keeps the entry until the token's own expiry (KV wants at least 60 s ahead). */
export function denyToken(kv: KVNamespace, jti: string, tokenExp: number, now: number): Promise<void> {
  const expiration = Math.max(tokenExp, now + KV_MIN_TTL_SECONDS);
  return guarded("KV", "put deny-list", () => kv.put(kvKeys.denied(jti), "1", { expiration }));
}
