import { createMiddleware } from "hono/factory";
import { ConfigError } from "../config-error";
import { MIN_SECRET_BYTES } from "../constants";
import { ApiError } from "../errors";
import type { AppEnv } from "../hono-env";

const BEARER = /^Bearer (.+)$/;
const digests = new Map<string, Promise<ArrayBuffer>>();

/**
 * Every admin call needs `Authorization: Bearer <ADMIN_TOKEN>`. Both sides
 * are hashed to equal-length digests and compared in constant time, so
 * neither the token's length nor its prefix leaks through timing. The
 * expected digest is computed once per isolate.
 */
export const adminAuth = createMiddleware<AppEnv>(async (c, next) => {
  const expected = c.env.ADMIN_TOKEN;
  if (typeof expected !== "string" || new TextEncoder().encode(expected).byteLength < MIN_SECRET_BYTES) {
    throw new ConfigError(`secret ADMIN_TOKEN is not set or shorter than ${MIN_SECRET_BYTES} bytes`);
  }
  let expectedDigest = digests.get(expected);
  if (!expectedDigest) digests.set(expected, (expectedDigest = sha256(expected)));
  const given = BEARER.exec(c.req.header("Authorization") ?? "")?.[1] ?? "";
  const [a, b] = await Promise.all([expectedDigest, sha256(given)]);
  if (!crypto.subtle.timingSafeEqual(a, b)) {
    throw new ApiError("INVALID_TOKEN", "Authorization", "A valid admin bearer token is required.", {
      "WWW-Authenticate": 'Bearer realm="admin"',
    });
  }
  await next();
});

function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
}
