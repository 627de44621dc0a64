/**
 * Config checks of `npm test`, none of which needs a Cloudflare account:
 *  - every environment of wrangler.toml builds for deployment
 *    (`wrangler deploy --dry-run --env <name>`) without a wrangler warning
 *    (a binding not repeated in an environment is one), and the environments
 *    are consistent (scripts/lib/environments.ts: bindings and vars repeated,
 *    EDGE_ENV, canaries routed, on production's data);
 *  - production's minified bundle stays under its gzip budget, so that a
 *    heavy dependency cannot slip in unnoticed (every cold start pays for it);
 *  - D1 migrations are numbered 0001_, 0002_, ... without gaps.
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { checkEnvironments, parseWranglerToml, PRODUCTION } from "./lib/environments";
import { ROOT, runWranglerAsync } from "./lib/wrangler";

const BUNDLE_BUDGET_GZIP_BYTES = 50 * 1024;
const failures: string[] = [];
const checkDir = join(ROOT, "dist", "check");
rmSync(checkDir, { recursive: true, force: true });

const config = parseWranglerToml(readFileSync(join(ROOT, "wrangler.toml"), "utf8"));
failures.push(...checkEnvironments(config));

// One build per environment, two at a time (each is a second or so of one core);
// production's is minified and measured against the budget.
const outdir = (env: string) => join(checkDir, env);
const builds = config.environments.map((env) => ({
  label: `env ${env.name}`,
  args: ["--env", env.name, "--outdir", outdir(env.name), ...(env.name === PRODUCTION ? ["--minify"] : [])],
}));
const queue = [...builds];
await Promise.all(
  Array.from({ length: Math.min(2, availableParallelism()) }, async () => {
    for (let build = queue.shift(); build; build = queue.shift()) {
      const { status, output } = await runWranglerAsync(["deploy", "--dry-run", ...build.args]);
      if (status !== 0) failures.push(`${build.label} does not build (wrangler exit ${status}):\n${output}`);
      else if (output.includes("[WARNING]")) failures.push(`${build.label}: wrangler warns:\n${output}`);
    }
  }),
);
console.log(`environments: ${config.environments.map((e) => e.name).join(", ")} built with --dry-run`);

const bundle = readFileSync(join(outdir(PRODUCTION), "index.js"));
const gzipped = gzipSync(bundle).byteLength;
console.log(`bundle: ${(bundle.byteLength / 1024).toFixed(1)} KiB minified, ${(gzipped / 1024).toFixed(1)} KiB gzipped (budget ${BUNDLE_BUDGET_GZIP_BYTES / 1024} KiB)`);
if (gzipped > BUNDLE_BUDGET_GZIP_BYTES) failures.push(`bundle is ${gzipped} bytes gzipped, over the budget`);

const migrations = readdirSync(join(ROOT, "migrations")).filter((f) => f.endsWith(".sql")).sort();
migrations.forEach((file, index) => {
  const expected = String(index + 1).padStart(4, "0") + "_";
  if (!file.startsWith(expected)) failures.push(`migration ${file} should start with ${expected}`);
});
console.log(`migrations: ${migrations.length} in sequence`);

if (failures.length) {
  for (const failure of failures) console.error(`config check failed: ${failure}`);
  process.exit(1);
}
console.log("config checks passed");
