import { Hono } from "hono";
import { login } from "../auth/login";
import { releaseSession } from "../auth/session";
import { getConfig } from "../config";
import { MAX_TOKEN_LENGTH } from "../constants";
import { respondOk } from "../envelope";
import type { AppEnv } from "../hono-env";
import { validateBody } from "../middleware/validate";
import { allowOnly } from "./method-not-allowed";

/** Contract §2 and §3, under /crmapi/rest/v2. */
export const loginRoutes = new Hono<AppEnv>();

loginRoutes.post(
  "/authentication/token",
  validateBody({
    fields: {
      username: { required: true },
      password: { required: true },
      organisation: { required: true },
      unit: { required: false },
    },
  }),
  async (c) => {
    const token = await login(c.env.DB, getConfig(c.env), c.get("input"));
    return respondOk(c, { token });
  },
);

loginRoutes.post(
  "/authentication/token/release",
  validateBody({ fields: { token: { required: true, maxLength: MAX_TOKEN_LENGTH } } }),
  async (c) => {
    await releaseSession(c.env.KV, getConfig(c.env), c.get("input").token);
    return respondOk(c, {});
  },
);

allowOnly(loginRoutes, "/authentication/token", ["POST"]);
allowOnly(loginRoutes, "/authentication/token/release", ["POST"]);
