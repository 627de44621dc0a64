import { nowSeconds } from "../clock";
import type { Config } from "../config";
import { verifyLoginToken } from "../crypto/login-token";
import { ApiError } from "../errors";
import { isolateCaches } from "../cache/isolate-caches";
import { describeError, log } from "../log";
import type { LoginClaims } from "../model";
import { isReleased, recordRelease } from "../store/d1";
import { denyToken, isTokenDenied } from "../store/kv";
import { StorageError } from "../store/storage-error";

/**
 * A login token is valid when its signature and claims verify and its `jti`
 * has not been released. Released tokens are on the KV deny-list (the fast
 * read) and in D1 (the durable copy, read only when KV cannot answer); if
 * neither answers, the StorageError becomes 503, never a pass.
 *
 * Revocation is immediate in the isolate that released the token, within
 * the isolate cache's 5 s in the rest of its data centre and about 60 s
 * elsewhere (KV's propagation window). A Durable Object
 * would make it global at once, at the price of a cross-region round trip on
 * every authenticate; login tokens expire within hours anyway.
 */
export interface SessionStores {
  kv: KVNamespace;
  db: D1Database;
}

/**
 * Both answers are cached in the isolate for ISOLATE_CACHE.revocationTtlMs:
 * a repeated authenticate then reads no KV at all (issue #6's hot path).
 * The price: another isolate of the releasing data centre may still accept
 * the token for up to that TTL; the releasing isolate refuses it at once.
 */
async function isRevoked(stores: SessionStores, jti: string): Promise<boolean> {
  const cached = isolateCaches.revocations.get(jti);
  if (cached !== undefined) return cached;
  const { revoked } = await readDenyList(stores, jti);
  isolateCaches.revocations.set(jti, revoked);
  return revoked;
}

/** The stores' own answer, never the isolate's: KV, or D1 when KV cannot answer. */
async function readDenyList(stores: SessionStores, jti: string): Promise<{ revoked: boolean; fromKv: boolean }> {
  try {
    return { revoked: await isTokenDenied(stores.kv, jti), fromKv: true };
  } catch (error) {
    if (!(error instanceof StorageError)) throw error;
    log("warn", "KV deny-list read failed; asking D1", { error: describeError(error) });
    return { revoked: await isReleased(stores.db, jti), fromKv: false };
  }
}

/**
 * Both copies must take the release: otherwise the call fails (503) and the
 * client retries it. The stores are asked, not the isolate cache (whose "not
 * released" may be another isolate's release a few seconds old). KV is
 * written last, so a token KV knows is in D1 too and is refused with no
 * write. A token only D1 knows (the first call failed between the two
 * writes, or KV is down) gets both writes again, and only then is refused.
 */
export async function releaseSession(stores: SessionStores, config: Config, token: string): Promise<void> {
  const claims = await verifyLoginToken(await config.loginTokenKey, token);
  const { revoked: alreadyReleased, fromKv } = await readDenyList(stores, claims.jti);
  if (!(alreadyReleased && fromKv)) {
    await recordRelease(stores.db, claims.jti, claims.exp);
    await denyToken(stores.kv, claims.jti, claims.exp, nowSeconds());
  }
  isolateCaches.revocations.set(claims.jti, true);
  if (alreadyReleased) throw new ApiError("INVALID_TOKEN", "token");
}

/**
 * Runs `work` for a verified token while the deny-list is read, so that the
 * KV read and the request's own lookups overlap. The deny-list's verdict
 * wins over whatever `work` produced; `work` gets it as `sessionValid`.
 */
export async function withSession<T>(
  stores: SessionStores,
  config: Config,
  token: string,
  work: (claims: LoginClaims, sessionValid: Promise<void>) => Promise<T>,
): Promise<T> {
  const claims = await verifyLoginToken(await config.loginTokenKey, token);
  const revocation = isRevoked(stores, claims.jti);
  // `work` awaits this before any side effect (counting a failed attempt), so
  // a released token can neither authenticate nor lock anybody out.
  const sessionValid = revocation.then((revoked) => {
    if (revoked) throw new ApiError("INVALID_TOKEN", "token");
  });
  sessionValid.catch(() => {});
  const [revoked, result] = await Promise.allSettled([revocation, work(claims, sessionValid)]);
  if (revoked.status === "rejected") throw revoked.reason;
  if (revoked.value) throw new ApiError("INVALID_TOKEN", "token");
  if (result.status === "rejected") throw result.reason;
  return result.value;
}
