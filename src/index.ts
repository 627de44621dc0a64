import { createApp } from "./app";
import type { Env } from "./config";
import { describeError, log } from "./log";
import { reindex } from "./provisioning/reindex";

export { AttemptCounter } from "./limits/attempt-counter";

const app = createApp();

export default {
  fetch: app.fetch,
  /** The cron trigger (wrangler.toml) rebuilds KV from D1, healing any drift. */
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(
      reindex(env.DB, env.KV).then(
        (report) => log("info", "reindex done", { ...report }),
        (error: unknown) => log("error", "reindex failed", { error: describeError(error) }),
      ),
    );
  },
} satisfies ExportedHandler<Env>;
