/**
 * `npm run db:migrate -- --env <name> [other wrangler options]`
 *
 * Wraps `wrangler d1 migrations apply DB --remote --env <name>`: applies the
 * migrations in migrations/ that the environment's D1 database has not had
 * yet. Run it before deploying code that needs them (migrations only add,
 * so the version still running keeps working). Canaries use production's
 * database: migrating through a canary migrates production.
 * Needs a Cloudflare account (`wrangler login` or CLOUDFLARE_API_TOKEN).
 */
import { describe, environmentFromArgs, refusePlaceholders } from "./lib/env-command";
import { execWrangler } from "./lib/wrangler";

const { env, rest } = environmentFromArgs("npm run db:migrate -- --env <name> [wrangler options]");
const args = ["d1", "migrations", "apply", "DB", "--remote", "--env", env.name, ...rest];

console.log(`Applying D1 migrations (remote):\n${describe(env)}\ncommand      wrangler ${args.join(" ")}\n`);
refusePlaceholders(env);
const status = execWrangler(args);
if (status !== 0) console.error(`\nwrangler d1 migrations apply failed (exit ${status}). Not logged in? Run \`npx wrangler login\` or set CLOUDFLARE_API_TOKEN.`);
process.exit(status);
