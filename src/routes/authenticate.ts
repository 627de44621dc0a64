import { Hono } from "hono";
import { withSession } from "../auth/session";
import { nowSeconds } from "../clock";
import { getConfig } from "../config";
import { issueSubscriberJwt } from "../crypto/subscriber-jwt";
import { respondOk } from "../envelope";
import type { AppEnv } from "../hono-env";
import { timed } from "../middleware/request-context";
import { validateBody } from "../middleware/validate";
import { AUTHENTICATE_BODY } from "../request-schemas";
import { resolveSubscription } from "../resolve/resolve";
import { allowOnly } from "./method-not-allowed";
import { clientIp } from "./client-ip";
import { deferrer } from "./defer";

/** Contract §4, under /crmapi/rest/v2. */
export const authenticateRoutes = new Hono<AppEnv>();

authenticateRoutes.post(
  "/tucano/subscriber/authenticate",
  validateBody(AUTHENTICATE_BODY),
  async (c) => {
    const input = c.get("input");
    const config = getConfig(c.env);
    const now = nowSeconds();
    const ip = clientIp(c);
    const sources = { db: c.env.DB, kv: c.env.KV, defer: deferrer(c) };
    const limits = { kv: c.env.KV, attempts: c.env.ATTEMPTS, pepperKey: await config.credentialPepperKey };
    const subscription = await timed(c, "storage", () =>
      withSession({ kv: c.env.KV, db: c.env.DB }, config, input.token, (claims, sessionValid) =>
        resolveSubscription(
          sources,
          limits,
          { organisation: claims.org, user: claims.usr, ip },
          input.identifier,
          input.subscriptionType,
          now,
          sessionValid,
        ),
      ),
    );
    const jwt = await timed(c, "sign", () => issueSubscriberJwt(config, { userid: subscription.user_id, apip: ip }, now));
    return respondOk(c, { subscription_id: subscription.id, jwt });
  },
);

allowOnly(authenticateRoutes, "/tucano/subscriber/authenticate", ["POST"]);
