/**
 * Config checks of `npm test`, none of which needs a Cloudflare account:
 *  - the worker builds for deployment (`wrangler deploy --dry-run --minify`);
 *  - the minified bundle stays under its gzip budget, so that a heavy
 *    dependency cannot slip in unnoticed (every cold start pays for it);
 *  - D1 migrations are numbered 0001_, 0002_, ... without gaps.
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { ROOT, runWrangler } from "./lib/wrangler";

const BUNDLE_BUDGET_GZIP_BYTES = 50 * 1024;
const failures: string[] = [];

const outdir = join(ROOT, "dist", "check");
rmSync(outdir, { recursive: true, force: true });
runWrangler(["deploy", "--dry-run", "--minify", "--outdir", outdir], { quiet: true });
const bundle = readFileSync(join(outdir, "index.js"));
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
