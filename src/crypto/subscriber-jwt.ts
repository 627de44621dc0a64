import { SignJWT } from "jose";
import type { SigningKey } from "./signing-keys";

/**
 * The JWT the Tucano platform trusts (contract §4): claims `userid`, `apip`,
 * `iat`, `exp`; header `alg`, `typ: "JWT"` and, for configured keys, `kid`.
 */
export function signSubscriberJwt(
  signer: SigningKey,
  claims: { userid: string; apip: string },
  now: number,
  ttlSeconds: number,
): Promise<string> {
  const header = signer.kid === undefined ? { alg: signer.alg, typ: "JWT" } : { alg: signer.alg, typ: "JWT", kid: signer.kid };
  return new SignJWT({ userid: claims.userid, apip: claims.apip })
    .setProtectedHeader(header)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .sign(signer.key);
}
