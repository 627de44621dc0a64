import { SignJWT, base64url, jwtVerify } from "jose";
import { isolateCaches } from "../cache/isolate-caches";
import { nowSeconds } from "../clock";
import { JTI_BYTES } from "../constants";
import { ApiError } from "../errors";
import type { LoginClaims } from "../model";

/**
 * Login tokens (contract §2): HS256 JWS with their own key. A token of any
 * other kind fails here even if the keys were equal: the algorithm, `typ`
 * and every login claim (with its type) are required.
 */
export async function issueLoginToken(
  key: CryptoKey,
  subject: { usr: string; org: string; oun: string },
  now: number,
  ttlSeconds: number,
): Promise<{ token: string; claims: LoginClaims }> {
  const claims: LoginClaims = {
    ...subject,
    jti: base64url.encode(crypto.getRandomValues(new Uint8Array(JTI_BYTES))),
    iat: now,
    exp: now + ttlSeconds,
  };
  const token = await new SignJWT({ ...claims }).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(key);
  return { token, claims };
}

const LOGIN_CLAIMS = ["usr", "org", "oun", "jti", "iat", "exp"] as const;

/**
 * A device sends the same login token with every authenticate, so a token
 * this isolate has verified with the same key is not decoded and HMAC'd
 * again: only its expiry is re-checked (as jose would: valid while now < exp).
 * The revocation check is the caller's and is not skipped.
 */
export async function verifyLoginToken(key: CryptoKey, token: string, now = nowSeconds()): Promise<LoginClaims> {
  const known = isolateCaches.verifiedLoginTokens.get(token);
  if (known?.key === key) {
    if (now < known.claims.exp) return known.claims;
    throw new ApiError("INVALID_TOKEN", "token");
  }
  const claims = await verifyUncached(key, token, now);
  isolateCaches.verifiedLoginTokens.set(token, { key, claims });
  return claims;
}

async function verifyUncached(key: CryptoKey, token: string, now: number): Promise<LoginClaims> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: ["HS256"],
      typ: "JWT",
      requiredClaims: [...LOGIN_CLAIMS],
      currentDate: new Date(now * 1000),
    }));
  } catch {
    throw new ApiError("INVALID_TOKEN", "token");
  }
  const { usr, org, oun, jti, iat, exp } = payload;
  if (
    typeof usr !== "string" ||
    typeof org !== "string" ||
    typeof oun !== "string" ||
    typeof jti !== "string" ||
    typeof iat !== "number" ||
    typeof exp !== "number" ||
    // Subscriber JWTs carry these; a login token never does.
    "userid" in payload ||
    "apip" in payload
  ) {
    throw new ApiError("INVALID_TOKEN", "token");
  }
  return { usr, org, oun, jti, iat, exp };
}
