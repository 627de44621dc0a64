/**
 * `npm run deploy -- --env <name> [other wrangler deploy options]`
 *
 * Wraps `wrangler deploy --env <name>`: says what it is about to deploy
 * where, refuses without --env (the top level of wrangler.toml is local
 * development) and while the environment's KV or D1 ids are placeholders.
 * Needs a Cloudflare account (`wrangler login` or CLOUDFLARE_API_TOKEN),
 * except with --dry-run, which only builds.
 */
import { describe, environmentFromArgs, refusePlaceholders } from "./lib/env-command";
import { execWrangler } from "./lib/wrangler";

const { env, rest } = environmentFromArgs("npm run deploy -- --env <name> [--dry-run] [wrangler deploy options]");
const args = ["deploy", "--env", env.name, ...rest];
const dryRun = rest.includes("--dry-run");

console.log(`${dryRun ? "Building (dry run, nothing is uploaded)" : "Deploying"}:\n${describe(env)}\ncommand      wrangler ${args.join(" ")}\n`);
if (!dryRun) refusePlaceholders(env);
const status = execWrangler(args);
if (status !== 0) console.error(`\nwrangler deploy failed (exit ${status}). Not logged in? Run \`npx wrangler login\` or set CLOUDFLARE_API_TOKEN.`);
else if (!dryRun) console.log(`\nDeployed ${env.workerName}. Watch it: npx wrangler tail --env ${env.name} --format json`);
process.exit(status);
