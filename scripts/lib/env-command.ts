/**
 * What `npm run deploy` and `npm run db:migrate` share: the `--env` argument
 * checked against wrangler.toml, a plain description of the environment, and
 * a refusal while its KV or D1 ids are still placeholders.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { envArgument, isCanary, parseWranglerToml, placeholderIds, PRODUCTION, UsageError, type Environment } from "./environments";
import { ROOT } from "./wrangler";

export function environmentFromArgs(usage: string): { env: Environment; rest: string[] } {
  const config = parseWranglerToml(readFileSync(join(ROOT, "wrangler.toml"), "utf8"));
  try {
    return envArgument(process.argv.slice(2), config);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\nusage: ${usage}`);
    process.exit(2);
  }
}

export function describe(env: Environment): string {
  const routes = env.routes.length ? env.routes.map((r) => `${r.pattern} (zone ${r.zone_name ?? "?"})`).join(", ") : "none (workers.dev)";
  const data = [...Object.entries(env.kvIds).map(([b, id]) => `KV ${b}=${id}`), ...Object.entries(env.d1Ids).map(([b, id]) => `D1 ${b}=${id}`)];
  const lines = [
    `environment  ${env.name} (EDGE_ENV=${String(env.vars.EDGE_ENV)})`,
    `worker       ${env.workerName}`,
    `routes       ${routes}`,
    `data         ${data.join(", ")}`,
    `crons        ${env.crons.join(", ") || "none"}`,
  ];
  if (isCanary(env)) lines.push(`note         a canary: it serves its region's hostname from ${PRODUCTION}'s data`);
  return lines.join("\n");
}

/** Exits with a clear message when the environment still has placeholder ids. */
export function refusePlaceholders(env: Environment): void {
  const placeholders = placeholderIds(env);
  if (placeholders.length === 0) return;
  console.error(
    `\n[env.${env.name}] in wrangler.toml still has placeholders: ${placeholders.join(", ")}.\n` +
      "Create the resources (`wrangler kv namespace create ...`, `wrangler d1 create ...`) and paste their ids,\n" +
      "and replace example.com in the routes with your zone, first: see README.md, \"Operating\".",
  );
  process.exit(1);
}
