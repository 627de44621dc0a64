import { Hono } from "hono";
import { login } from "../auth/login";
import { releaseSession } from "../auth/session";
import { getConfig } from "../config";
import { respondOk } from "../envelope";
import type { AppEnv } from "../hono-env";
import { timed } from "../middleware/request-context";
import { validateBody } from "../middleware/validate";
import { LOGIN_BODY, RELEASE_BODY } from "../request-schemas";
import { clientIp } from "./client-ip";
import { allowOnly } from "./method-not-allowed";

/** Contract §2 and §3, under /crmapi/rest/v2. */
export const loginRoutes = new Hono<AppEnv>();

loginRoutes.post(
  "/authentication/token",
  validateBody(LOGIN_BODY),
  async (c) => {
    const config = getConfig(c.env);
    const limits = { kv: c.env.KV, attempts: c.env.ATTEMPTS, pepperKey: await config.credentialPepperKey };
    const token = await timed(c, "login", () => login(c.env.DB, config, limits, c.get("input"), clientIp(c)));
    return respondOk(c, { token });
  },
);

loginRoutes.post(
  "/authentication/token/release",
  validateBody(RELEASE_BODY),
  async (c) => {
    await releaseSession({ kv: c.env.KV, db: c.env.DB }, getConfig(c.env), c.get("input").token);
    return respondOk(c, {});
  },
);

allowOnly(loginRoutes, "/authentication/token", ["POST"]);
allowOnly(loginRoutes, "/authentication/token/release", ["POST"]);
