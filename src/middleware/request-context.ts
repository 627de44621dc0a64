import { createMiddleware } from "hono/factory";
import { MAX_REQUEST_ID_LENGTH } from "../constants";
import type { AppEnv } from "../hono-env";

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]+$/;

/**
 * Gives every request an id (the platform's CF-Ray, else the caller's
 * X-Request-Id, else a fresh one) and puts the headers every answer must
 * carry, errors included, on the way out.
 */
export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const requestId = incomingId(c.req.header("CF-Ray")) ?? incomingId(c.req.header("X-Request-Id")) ?? crypto.randomUUID();
  c.set("requestId", requestId);
  await next();
  const headers = c.res.headers;
  headers.set("X-Request-Id", requestId);
  // Answers are per device and per moment; only a route that says otherwise (the JWKS) may be cached.
  if (!headers.has("Cache-Control")) headers.set("Cache-Control", "no-store");
  headers.set("X-Content-Type-Options", "nosniff");
});

/** Echo only ids that cannot inject anything into headers or logs. */
function incomingId(value: string | undefined): string | undefined {
  if (!value || value.length > MAX_REQUEST_ID_LENGTH || !SAFE_REQUEST_ID.test(value)) return undefined;
  return value;
}
