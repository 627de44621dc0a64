import { Hono } from "hono";
import { getConfig } from "../config";
import { JWKS_MAX_AGE_SECONDS } from "../constants";
import { JSON_CONTENT_TYPE, okEnvelope } from "../envelope";
import type { AppEnv } from "../hono-env";
import { allowOnly } from "./method-not-allowed";

/**
 * Contract §7: the public keys that verify subscriber JWTs (none for
 * HS256-only set-ups). The body is the CRM.COM envelope and, at its top
 * level, a standard JWKS `keys` array, so that any JWT library's JWKS client
 * reads it as is. Verifiers may cache it for a few minutes: a rotation
 * publishes the new key well before it signs.
 */
export const jwksRoutes = new Hono<AppEnv>();

jwksRoutes.get("/.well-known/jwks.json", async (c) => {
  const { jwks } = await getConfig(c.env).signingKeys;
  return c.body(JSON.stringify({ ...okEnvelope({ keys: jwks }), keys: jwks }), 200, {
    "Content-Type": JSON_CONTENT_TYPE,
    "Cache-Control": `public, max-age=${JWKS_MAX_AGE_SECONDS}`,
  });
});

allowOnly(jwksRoutes, "/.well-known/jwks.json", ["GET"]);
