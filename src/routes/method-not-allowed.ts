import type { Hono } from "hono";
import { ApiError } from "../errors";
import type { AppEnv } from "../hono-env";

/** Any other verb on a known path answers 405 with the verbs it takes. */
export function allowOnly(app: Hono<AppEnv>, path: string, methods: readonly string[]): void {
  app.all(path, () => {
    throw new ApiError("METHOD_NOT_ALLOWED", "", undefined, { Allow: methods.join(", ") });
  });
}
