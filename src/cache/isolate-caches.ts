import { ISOLATE_CACHE } from "../constants";
import type { LoginClaims } from "../model";
import { BoundedCache } from "./bounded-cache";

/**
 * The hot path's in-isolate caches (per isolate, never shared). Each adds
 * its TTL to how long a change can take to show in this isolate; writes made
 * by this isolate (provisioning, release, a new lock) update them at once.
 * The windows, next to KV's own ~60 s propagation, are in the README.
 */
export const isolateCaches = {
  /** `map:` keys -> mapping or type ids, as KV holds them. */
  mappings: new BoundedCache<unknown>(ISOLATE_CACHE.maxEntries, ISOLATE_CACHE.mappingTtlMs),
  /** Login token `jti` -> released or not. */
  revocations: new BoundedCache<boolean>(ISOLATE_CACHE.maxEntries, ISOLATE_CACHE.revocationTtlMs),
  /** Login token -> its claims, once verified with `key`. */
  verifiedLoginTokens: new BoundedCache<{ key: CryptoKey; claims: LoginClaims }>(
    ISOLATE_CACHE.maxEntries,
    ISOLATE_CACHE.verifiedLoginTokenTtlMs,
  ),
  /** Lockout subject -> end of its lock (0: not locked). */
  locks: new BoundedCache<number>(ISOLATE_CACHE.maxEntries, ISOLATE_CACHE.lockTtlMs),
};

/** For tests, which share this isolate across requests. */
export function clearIsolateCaches(): void {
  for (const cache of Object.values(isolateCaches)) cache.clear();
}
