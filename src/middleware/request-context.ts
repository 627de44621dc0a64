import { createMiddleware } from "hono/factory";
import { MAX_REQUEST_ID_LENGTH } from "../constants";
import type { AppEnv } from "../hono-env";
import { log } from "../log";

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]+$/;

/** For a JSON API that no browser should render, frame or sniff. */
const SECURITY_HEADERS: Record<string, string> = {
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
  "Referrer-Policy": "no-referrer",
  "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
};

/**
 * Gives every request an id (the platform's CF-Ray, else the caller's
 * X-Request-Id, else a fresh one); on the way out puts the headers every
 * answer must carry, errors included, and writes the one log line per
 * request. The line holds codes, the route's pattern and timings: never a
 * body, a path's values, a token or a credential.
 */
export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const started = performance.now();
  const requestId = incomingId(c.req.header("CF-Ray")) ?? incomingId(c.req.header("X-Request-Id")) ?? crypto.randomUUID();
  c.set("requestId", requestId);
  c.set("timings", []);
  await next();

  const durationMs = Math.round((performance.now() - started) * 10) / 10;
  const headers = c.res.headers;
  headers.set("X-Request-Id", requestId);
  // Answers are per device and per moment; only a route that says otherwise (the JWKS) may be cached.
  if (!headers.has("Cache-Control")) headers.set("Cache-Control", "no-store");
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) headers.set(name, value);
  headers.delete("Server");
  const environment = c.env?.EDGE_ENV;
  const version = c.env?.CF_VERSION_METADATA?.id;
  if (environment) headers.set("X-Edge-Env", environment);
  if (version) headers.set("X-Edge-Version", version);
  const timings = [...c.get("timings"), ["total", durationMs] as const];
  headers.set("Server-Timing", timings.map(([phase, ms]) => `${phase};dur=${ms}`).join(", "));

  const cf = c.req.raw.cf as { colo?: string; country?: string } | undefined;
  log("info", "request", {
    requestId,
    method: c.req.method,
    route: c.req.routePath,
    status: c.res.status,
    // The envelope helpers name the code; a 2xx answered without them (JWKS, OpenAPI) is OK.
    code: c.get("statusCode") ?? (c.res.ok ? "OK" : ""),
    durationMs,
    colo: cf?.colo,
    country: cf?.country,
    env: environment,
    version,
  });
});

/** Echo only ids that cannot inject anything into headers or logs. */
function incomingId(value: string | undefined): string | undefined {
  if (!value || value.length > MAX_REQUEST_ID_LENGTH || !SAFE_REQUEST_ID.test(value)) return undefined;
  return value;
}

/** Measures one phase of the request for Server-Timing. */
export async function timed<T>(c: { get(key: "timings"): [string, number][] }, phase: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    c.get("timings").push([phase, Math.round((performance.now() - started) * 10) / 10]);
  }
}
