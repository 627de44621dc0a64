import { nowSeconds } from "../clock";
import type { Config } from "../config";
import { verifyLoginToken } from "../crypto/login-token";
import { ApiError } from "../errors";
import type { LoginClaims } from "../model";
import { denyToken, isTokenDenied } from "../store/kv";

/**
 * A login token is valid when its signature and claims verify and its `jti`
 * is not on the KV deny-list. The deny-list read fails closed: if KV cannot
 * answer, the StorageError becomes 503, never a pass.
 *
 * Revocation is as fast as KV: immediate in the data centre that released
 * the token, about 60 s elsewhere (KV's propagation window). A Durable Object
 * would make it global at once, at the price of a cross-region round trip on
 * every authenticate; tokens expire within hours anyway.
 */
export async function verifySession(kv: KVNamespace, config: Config, token: string): Promise<LoginClaims> {
  const claims = await verifyLoginToken(await config.loginTokenKey, token);
  if (await isTokenDenied(kv, claims.jti)) throw new ApiError("INVALID_TOKEN", "token");
  return claims;
}

export async function releaseSession(kv: KVNamespace, config: Config, token: string): Promise<void> {
  const claims = await verifySession(kv, config, token);
  await denyToken(kv, claims.jti, claims.exp, nowSeconds());
}

/**
 * Runs `work` for a verified token while the deny-list is read, so that the
 * KV read and the request's own lookups overlap. The deny-list's verdict
 * wins over whatever `work` produced.
 */
export async function withSession<T>(
  kv: KVNamespace,
  config: Config,
  token: string,
  work: (claims: LoginClaims) => Promise<T>,
): Promise<T> {
  const claims = await verifyLoginToken(await config.loginTokenKey, token);
  const [denied, result] = await Promise.allSettled([isTokenDenied(kv, claims.jti), work(claims)]);
  if (denied.status === "rejected") throw denied.reason;
  if (denied.value) throw new ApiError("INVALID_TOKEN", "token");
  if (result.status === "rejected") throw result.reason;
  return result.value;
}
