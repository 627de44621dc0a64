import { SignJWT } from "jose";

/**
 * The JWT the Tucano platform trusts (contract §4): HS256 with the shared
 * TUCANO_JWT_SECRET, claims `userid`, `apip`, `iat`, `exp`.
 */
export function signSubscriberJwt(
  key: CryptoKey,
  claims: { userid: string; apip: string },
  now: number,
  ttlSeconds: number,
): Promise<string> {
  return new SignJWT({ userid: claims.userid, apip: claims.apip })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .sign(key);
}
