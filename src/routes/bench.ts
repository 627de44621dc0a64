import { Hono } from "hono";
import { nowSeconds } from "../clock";
import { getConfig } from "../config";
import { issueSubscriberJwt } from "../crypto/subscriber-jwt";
import { respondOk } from "../envelope";
import { ApiError } from "../errors";
import type { AppEnv } from "../hono-env";

/**
 * The benchmark's reference routes, through the same app and middleware.
 * They exist only where the bench sets BENCH_NOOP=1; everywhere else they
 * are unknown.
 *
 * A POST consumes its body and nothing more: the bench sends it the hot
 * path's exact bytes, so that the ratio compares the worker's own work with
 * the cost of receiving the same request, not a body with no body.
 */
export const benchRoutes = new Hono<AppEnv>();

benchRoutes.use("/__bench/*", async (c, next) => {
  if (c.env.BENCH_NOOP !== "1") throw new ApiError("ROUTE_NOT_FOUND");
  await next();
});

/** The baseline: the runtime's floor for receiving and answering this request. */
benchRoutes.on(["GET", "POST"], "/__bench/noop", async (c) => {
  if (c.req.method === "POST") await c.req.raw.arrayBuffer();
  return respondOk(c, {});
});

/**
 * The baseline plus the one thing authenticate cannot skip: a fresh
 * subscriber JWT, issued by the same function as authenticate's. No
 * validation, no session, no lookup. Its throughput is the most the hot path
 * could ever reach, so the bench can show what the signature alone costs.
 */
benchRoutes.post("/__bench/sign", async (c) => {
  await c.req.raw.arrayBuffer();
  const jwt = await issueSubscriberJwt(getConfig(c.env), { userid: "bench", apip: "127.0.0.1" }, nowSeconds());
  return respondOk(c, { subscription_id: "bench", jwt });
});
