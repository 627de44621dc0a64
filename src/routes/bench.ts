import { Hono } from "hono";
import { respondOk } from "../envelope";
import { ApiError } from "../errors";
import type { AppEnv } from "../hono-env";

/**
 * The benchmark's baseline: an empty route through the same app and
 * middleware, so `npm run bench` can measure the runtime's floor. It exists
 * only where the bench sets BENCH_NOOP=1; everywhere else it is unknown.
 *
 * A POST consumes its body and nothing more: the bench sends it the hot
 * path's exact bytes, so that the ratio compares the worker's own work with
 * the cost of receiving the same request, not a body with no body.
 */
export const benchRoutes = new Hono<AppEnv>();

benchRoutes.on(["GET", "POST"], "/__bench/noop", async (c) => {
  if (c.env.BENCH_NOOP !== "1") throw new ApiError("ROUTE_NOT_FOUND");
  if (c.req.method === "POST") await c.req.raw.arrayBuffer();
  return respondOk(c, {});
});
