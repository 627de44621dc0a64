import { CompactSign } from "jose";
import type { Config } from "../config";
import { currentSigner, type SigningKey } from "./signing-keys";

const utf8 = new TextEncoder();

/**
 * The JWT the Tucano platform trusts (contract §4): claims `userid`, `apip`,
 * `iat`, `exp`; header `alg`, `typ: "JWT"` and, for configured keys, `kid`.
 * Signed with jose's CompactSign over the claims' JSON: the same token as
 * SignJWT makes, without its per-call deep copy and re-validation of claims
 * this function builds itself from checked values (it is the hot path).
 */
export function signSubscriberJwt(
  signer: SigningKey,
  claims: { userid: string; apip: string },
  now: number,
  ttlSeconds: number,
): Promise<string> {
  const header = signer.kid === undefined ? { alg: signer.alg, typ: "JWT" } : { alg: signer.alg, typ: "JWT", kid: signer.kid };
  const payload = { userid: claims.userid, apip: claims.apip, iat: now, exp: now + ttlSeconds };
  return new CompactSign(utf8.encode(JSON.stringify(payload))).setProtectedHeader(header).sign(signer.key);
}

/** The answer's JWT: signed by the configured key that signs at `now`, for the configured lifetime. */
export async function issueSubscriberJwt(config: Config, claims: { userid: string; apip: string }, now: number): Promise<string> {
  return signSubscriberJwt(currentSigner(await config.signingKeys, now), claims, now, config.subscriberJwtTtlSeconds);
}
