import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { seedStatements, type Seed } from "../scripts/lib/seed";
import demo from "../seed/demo.json";

// Storage is per test file; both steps are idempotent, as setup may run again.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
const statements = await seedStatements(demo as Seed, env.CREDENTIAL_PEPPER);
await env.DB.batch(statements.map(({ sql, params }) => env.DB.prepare(sql).bind(...params)));
