import { applyD1Migrations, listDurableObjectIds, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach } from "vitest";
import { seedStatements, type Seed } from "../scripts/lib/seed";
import { clearIsolateCaches } from "../src/cache/isolate-caches";
import demo from "../seed/demo.json";

// Storage is per test file; both steps are idempotent, as setup may run again.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
const statements = await seedStatements(demo as Seed, env.CREDENTIAL_PEPPER);
await env.DB.batch(statements.map(({ sql, params }) => env.DB.prepare(sql).bind(...params)));

// Failed attempts add up across the tests of a file (same IP, same demo
// identifiers); each test starts with no lockout, so a test about one thing
// is not refused because of what the tests before it tried.
afterEach(async () => {
  clearIsolateCaches();
  for (const id of await listDurableObjectIds(env.ATTEMPTS)) {
    await runInDurableObject(env.ATTEMPTS.get(id), (_, state) => state.storage.deleteAll());
  }
  for (const { name } of (await env.KV.list({ prefix: "lock:" })).keys) await env.KV.delete(name);
});
