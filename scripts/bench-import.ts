/**
 * `npm run bench:import [-- --lines N]`: imports N (default 100,000) generated
 * lines into a private local worker (its own port and state folder, so the
 * dev server's data is untouched) through the provisioning CLI's code, and
 * reports the time. Lines: subscriptions of a few types, two installed items
 * and one access token per subscription. Then runs a whole reindex, slice by
 * slice, and reports its time and slices.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { provision, reindexAll } from "./lib/provision";
import { ROOT, runWrangler, spawnWrangler } from "./lib/wrangler";

const { values } = parseArgs({ options: { lines: { type: "string", default: "100000" }, port: { type: "string", default: "8799" } } });
const totalLines = Number(values.lines);
const port = values.port!;
const stateDir = join(ROOT, ".wrangler", "bench-import-state");
const secrets = {
  LOGIN_TOKEN_SECRET: "bench-login-token-secret-0123456789abcdef",
  TUCANO_JWT_SECRET: "bench-tucano-jwt-secret-0123456789abcdef",
  CREDENTIAL_PEPPER: "bench-credential-pepper-0123456789abcdef",
  ADMIN_TOKEN: "bench-admin-token-0123456789abcdef0123456789",
};

const workDir = mkdtempSync(join(tmpdir(), "bench-import-"));
const file = join(workDir, "import.ndjson");
writeFileSync(file, generate(totalLines));

rmSync(stateDir, { recursive: true, force: true });
runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", stateDir], { quiet: true });
const server = spawnWrangler([
  "dev", "--ip", "127.0.0.1", "--port", port, "--persist-to", stateDir, "--show-interactive-dev-session=false",
  ...Object.entries(secrets).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
], { quiet: true });
try {
  await waitUntilReady(`http://127.0.0.1:${port}/`);
  const started = Date.now();
  const totals = await provision({
    file,
    url: `http://127.0.0.1:${port}`,
    format: "ndjson",
    linesPerRequest: 500,
    token: secrets.ADMIN_TOKEN,
    progress: (t) => process.stderr.write(`\r${t.lines}/${totalLines} lines`),
  });
  const seconds = (Date.now() - started) / 1000;
  process.stderr.write("\n");
  console.log(
    `imported ${totals.lines} lines in ${seconds.toFixed(1)} s (${Math.round(totals.lines / seconds)} lines/s): ` +
      `${totals.applied} applied, ${totals.stale} stale, ${totals.rejected.length} rejected, ${totals.retries} requests retried`,
  );
  // A retried request re-sends lines its first attempt may have applied: they come back stale.
  if (totals.rejected.length > 0 || totals.applied + totals.stale !== totalLines) process.exitCode = 1;

  // Then a whole reindex of what was imported: the import wrote no KV keys for the
  // new records, so the pass writes one per mapping, in slices of one invocation each.
  const reindexStarted = Date.now();
  const reindexed = await reindexAll(`http://127.0.0.1:${port}`, secrets.ADMIN_TOKEN, (t) => process.stderr.write(`\rreindex: ${t.slices} slices`));
  process.stderr.write("\n");
  console.log(
    `reindexed in ${((Date.now() - reindexStarted) / 1000).toFixed(1)} s, ${reindexed.slices} slices: ` +
      `${reindexed.keys} keys, ${reindexed.written} written, ${reindexed.unchanged} unchanged, ${reindexed.deleted} deleted`,
  );
} finally {
  server.kill("SIGTERM");
  rmSync(workDir, { recursive: true, force: true });
}

function generate(lines: number): string {
  const out: string[] = [];
  const types = ["T-B1", "T-B2", "T-B3"];
  for (const [i, id] of types.entries()) {
    out.push(JSON.stringify({ op: "upsert", kind: "subscription-types", id, organisation: "BENCH", name: `Type ${i}`, version: 1 }));
  }
  for (let n = 0; out.length < lines; n++) {
    const sub = `BS-${n}`;
    const customer = `BC-${n}`;
    const records = [
      { kind: "subscriptions", id: sub, number: `BN-${n}`, state: "active", subscription_type_id: types[n % 3], customer_id: customer, user_id: `bu-${n}` },
      { kind: "installed-items", id: `BI-${n}-a`, serial_number: `BSN-${n}-a`, subscription_id: sub },
      { kind: "installed-items", id: `BI-${n}-b`, serial_number: `BSN-${n}-b`, subscription_id: sub },
      { kind: "access-tokens", id: `BA-${n}`, identifier: `bcard-${n}`, pass_code: "0000", customer_id: customer },
    ];
    for (const record of records) {
      if (out.length < lines) out.push(JSON.stringify({ op: "upsert", organisation: "BENCH", version: 1, ...record }));
    }
  }
  return `${out.join("\n")}\n`;
}

async function waitUntilReady(url: string) {
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`the local worker did not start on ${url}`);
}
