/**
 * `npm run provision -- <file.ndjson|file.csv> [--url URL] [--format ndjson|csv] [--lines-per-request N]`
 *
 * Imports a file into a deployment through POST /admin/v1/import, split into
 * requests of N lines (default 500: within one Worker invocation's budget of
 * D1 and KV operations). Shows progress while it runs and ends with what was
 * applied, skipped as stale and rejected (with file line numbers).
 *
 * The admin token comes from the ADMIN_TOKEN environment variable, never from
 * argv (argv is visible to every user of the machine). For the local dev
 * server (the default URL) it falls back to .dev.vars.
 *
 * `npm run provision -- --reindex [--url URL]` runs POST /admin/v1/reindex
 * slice after slice (each answers the cursor of the next) until it is done.
 *
 * Exit status: 0 all lines accepted, 2 some lines rejected, 1 failure.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { provision, reindexAll } from "./lib/provision";
import { ROOT } from "./lib/wrangler";

const LOCAL_URL = "http://127.0.0.1:8787";

function adminToken(url: string): string {
  if (process.env.ADMIN_TOKEN) return process.env.ADMIN_TOKEN;
  const devVars = join(ROOT, ".dev.vars");
  if (url === LOCAL_URL && existsSync(devVars)) {
    const match = /^ADMIN_TOKEN=(.*)$/m.exec(readFileSync(devVars, "utf8"));
    if (match?.[1]) return match[1].trim();
  }
  throw new Error("set ADMIN_TOKEN in the environment (it is never read from the command line)");
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      url: { type: "string", default: LOCAL_URL },
      format: { type: "string" },
      "lines-per-request": { type: "string", default: "500" },
      reindex: { type: "boolean", default: false },
    },
  });
  if (values.reindex) {
    const url = values.url!.replace(/\/+$/, "");
    const totals = await reindexAll(url, adminToken(url), (t) => process.stderr.write(`${t.slices} slices: ${t.written} written, ${t.deleted} deleted\n`));
    console.log(`reindex done in ${totals.slices} slices: ${totals.keys} keys, ${totals.written} written, ${totals.unchanged} unchanged, ${totals.deleted} deleted`);
    return;
  }
  const file = positionals[0];
  if (!file) throw new Error("usage: npm run provision -- <file.ndjson|file.csv> [--url URL] [--format ndjson|csv]");
  const format = (values.format ?? (file.endsWith(".csv") ? "csv" : "ndjson")) as "ndjson" | "csv";
  if (format !== "csv" && format !== "ndjson") throw new Error("--format must be ndjson or csv");
  const url = values.url!.replace(/\/+$/, "");
  const started = Date.now();
  const tty = process.stderr.isTTY;
  let lastPrinted = 0;
  const totals = await provision({
    file,
    url,
    format,
    linesPerRequest: Math.max(1, Number(values["lines-per-request"])),
    token: adminToken(url),
    progress: (t) => {
      const line = `${t.lines} lines: ${t.applied} applied, ${t.stale} stale, ${t.rejected.length} rejected`;
      if (tty) process.stderr.write(`\r${line}`);
      else if (Date.now() - lastPrinted > 1000) {
        process.stderr.write(`${line}\n`);
        lastPrinted = Date.now();
      }
    },
  });
  if (tty) process.stderr.write("\n");
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`${totals.lines} lines in ${seconds} s: ${totals.applied} applied, ${totals.stale} skipped as stale, ${totals.rejected.length} rejected${totals.retries ? ` (${totals.retries} requests retried)` : ""}${totals.pending ? `; ${totals.pending} KV keys still pending (the cron finishes them)` : ""}`);
  for (const r of totals.rejected.slice(0, 50)) {
    console.log(`  line ${r.line}: ${r.code}${r.description ? ` (${r.description})` : ""}: ${r.message}`);
  }
  if (totals.rejected.length > 50) console.log(`  ... and ${totals.rejected.length - 50} more`);
  process.exitCode = totals.rejected.length > 0 ? 2 : 0;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
