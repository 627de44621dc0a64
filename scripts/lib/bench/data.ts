import { join } from "node:path";
import { readD1Migrations } from "@cloudflare/vitest-pool-workers";
import type { Miniflare } from "miniflare";
import demo from "../../../seed/demo.json" with { type: "json" };
import { seedStatements, type Seed } from "../seed";
import { ROOT } from "../wrangler";

/**
 * The bench's data, written straight into the worker's D1 (not through the
 * admin API, whose KV writes would pre-fill the cache the cold case must miss):
 * the schema, the contract's demo data, and many installed items.
 */

const SERIAL_PREFIX = "BENCH-SN-";

/** The installed items of the cold case: serial numbers nobody has asked for yet, so KV has none of them. */
export function benchSerial(n: number): string {
  return `${SERIAL_PREFIX}${n}`;
}

/**
 * `II-BENCH-n` / `BENCH-SN-n` on SUB-1 for n in [0, ?1), made by SQLite in one
 * statement: through Miniflare's binding proxy every prepare() is a round
 * trip, and one INSERT per row took minutes for 20,000 rows.
 */
const INSERT_BENCH_ITEMS = `
  INSERT INTO installed_items (id, organisation, serial_number, alternative_code, subscription_id)
  WITH RECURSIVE n(i) AS (SELECT 0 WHERE ?1 > 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?1)
  SELECT 'II-BENCH-' || i, 'DEMO', ?2 || i, NULL, 'SUB-1' FROM n`;

type D1 = Awaited<ReturnType<Miniflare["getD1Database"]>>;

export async function loadData(mf: Miniflare, pepper: string, installedItems: number): Promise<void> {
  const db = await mf.getD1Database("DB");
  await applyMigrations(db);
  const seed = await seedStatements(demo as Seed, pepper);
  await db.batch(seed.map(({ sql, params }) => db.prepare(sql).bind(...params)));
  await db.prepare(INSERT_BENCH_ITEMS).bind(installedItems, SERIAL_PREFIX).run();
  const { count } = (await db.prepare("SELECT count(*) AS count FROM installed_items WHERE id LIKE 'II-BENCH-%'").first<{ count: number }>())!;
  if (count !== installedItems) throw new Error(`loaded ${count} bench installed items, expected ${installedItems}`);
}

/** The migrations as the tests apply them (readD1Migrations splits them as wrangler does); each file in one batch. */
async function applyMigrations(db: D1) {
  for (const migration of await readD1Migrations(join(ROOT, "migrations"))) {
    await db.batch(migration.queries.map((sql) => db.prepare(sql)));
  }
}
