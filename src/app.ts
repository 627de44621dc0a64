import { Hono } from "hono";
import { ConfigError } from "./config";
import { respondError } from "./envelope";
import { ApiError } from "./errors";
import type { AppEnv } from "./hono-env";
import { describeError, log } from "./log";
import { requestContext } from "./middleware/request-context";
import { adminRoutes } from "./routes/admin";
import { authenticateRoutes } from "./routes/authenticate";
import { benchRoutes } from "./routes/bench";
import { jwksRoutes } from "./routes/jwks";
import { loginRoutes } from "./routes/login";
import { openapiRoutes } from "./routes/openapi";
import { StorageError } from "./store/storage-error";

export const CRMAPI_BASE = "/crmapi/rest/v2";
export const ADMIN_BASE = "/admin/v1";

/** The whole HTTP surface: request context, routes, and the contract's error envelope. */
export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("*", requestContext);
  app.route(CRMAPI_BASE, loginRoutes);
  app.route(CRMAPI_BASE, authenticateRoutes);
  app.route(ADMIN_BASE, adminRoutes);
  app.route("/", jwksRoutes);
  app.route("/", benchRoutes);
  app.route("/", openapiRoutes);

  app.notFound((c) => respondError(c, new ApiError("ROUTE_NOT_FOUND")));
  app.onError((error, c) => {
    const requestId = c.get("requestId");
    if (error instanceof ApiError) return respondError(c, error);
    if (error instanceof StorageError) {
      log("error", "storage unavailable", { requestId, error: describeError(error), cause: describeError(error.cause) });
      return respondError(c, new ApiError("SERVICE_UNAVAILABLE"));
    }
    if (error instanceof ConfigError) {
      log("error", `configuration error: ${error.message}`, { requestId });
    } else {
      log("error", "unexpected error", { requestId, error: describeError(error) });
    }
    return respondError(c, new ApiError("INTERNAL_ERROR"));
  });
  return app;
}
