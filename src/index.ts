import { createApp } from "./app";
import { getConfig, type Env } from "./config";
import { drainOutbox } from "./provisioning/apply";
import { describeError, log } from "./log";
import { scheduledReindex } from "./provisioning/reindex-schedule";
import { nowSeconds } from "./clock";
import { OUTBOX_DRAIN_KEYS, REINDEX_OPS_PER_CALL } from "./constants";
import { purgeReleased } from "./store/d1";

export { AttemptCounter } from "./limits/attempt-counter";

const app = createApp();

export default {
  fetch: app.fetch,
  /**
   * The cron trigger (wrangler.toml, every 10 minutes): forgets expired released
   * tokens, finishes pending KV refreshes, then runs one slice of the daily
   * rebuild of KV from D1, which heals any drift.
   */
  async scheduled(_controller, env, ctx) {
    const drain = async () => {
      await purgeReleased(env.DB, nowSeconds());
      const kvBudget = { remaining: OUTBOX_DRAIN_KEYS };
      await drainOutbox({ db: env.DB, kv: env.KV, pepperKey: await getConfig(env).credentialPepperKey, kvBudget });
    };
    // A failing purge or drain is logged and does not cost the day its reindex (which heals the same drift).
    ctx.waitUntil(
      drain()
        .catch((error: unknown) => log("error", "outbox drain failed", { error: describeError(error) }))
        // The drain may have used up to OUTBOX_DRAIN_KEYS of this invocation's KV operations.
        .then(() => scheduledReindex(env.DB, env.KV, nowSeconds(), REINDEX_OPS_PER_CALL - OUTBOX_DRAIN_KEYS))
        .then(
          (report) => report && log("info", report.done ? "reindex done" : "reindex slice done", { ...report }),
          (error: unknown) => log("error", "reindex failed", { error: describeError(error) }),
        ),
    );
  },
} satisfies ExportedHandler<Env>;
