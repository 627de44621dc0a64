import { SignJWT, base64url, jwtVerify } from "jose";
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

export async function verifyLoginToken(key: CryptoKey, token: string): Promise<LoginClaims> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: ["HS256"],
      typ: "JWT",
      requiredClaims: [...LOGIN_CLAIMS],
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
