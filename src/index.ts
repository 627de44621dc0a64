import { createApp } from "./app";
import { getConfig, type Env } from "./config";
import { drainOutbox } from "./provisioning/apply";
import { describeError, log } from "./log";
import { reindex } from "./provisioning/reindex";
import { nowSeconds } from "./clock";
import { purgeReleased } from "./store/d1";

export { AttemptCounter } from "./limits/attempt-counter";

const app = createApp();

export default {
  fetch: app.fetch,
  /**
   * The cron trigger (wrangler.toml): forgets expired released tokens,
   * finishes pending KV refreshes, then rebuilds KV from D1, healing any drift.
   */
  async scheduled(_controller, env, ctx) {
    const drain = async () => {
      await purgeReleased(env.DB, nowSeconds());
      await drainOutbox({ db: env.DB, kv: env.KV, pepperKey: await getConfig(env).credentialPepperKey });
    };
    // A failing purge or drain is logged and does not cost the day its reindex (which heals the same drift).
    ctx.waitUntil(
      drain()
        .catch((error: unknown) => log("error", "outbox drain failed", { error: describeError(error) }))
        .then(() => reindex(env.DB, env.KV))
        .then(
          (report) => log("info", "reindex done", { ...report }),
          (error: unknown) => log("error", "reindex failed", { error: describeError(error) }),
        ),
    );
  },
} satisfies ExportedHandler<Env>;
