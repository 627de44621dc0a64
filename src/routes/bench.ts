import { Hono } from "hono";
import { respondOk } from "../envelope";
import { ApiError } from "../errors";
import type { AppEnv } from "../hono-env";

/**
 * The benchmark's baseline: an empty route through the same app and
 * middleware, so `npm run bench` can measure the runtime's floor. It exists
 * only where the bench sets BENCH_NOOP=1; everywhere else it is unknown.
 */
export const benchRoutes = new Hono<AppEnv>();

benchRoutes.get("/__bench/noop", (c) => {
  if (c.env.BENCH_NOOP !== "1") throw new ApiError("ROUTE_NOT_FOUND");
  return respondOk(c, {});
});
