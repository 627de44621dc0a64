import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { seedStatements, toSqlScript, type Seed } from "../../scripts/lib/seed";
import demo from "../../seed/demo.json";

async function snapshot() {
  const tables = ["api_users", "customers", "subscription_types", "subscriptions", "installed_items", "access_tokens", "customer_identification_media"];
  const rows: Record<string, unknown[]> = {};
  for (const table of tables) rows[table] = (await env.DB.prepare(`SELECT * FROM ${table} ORDER BY 1`).all()).results;
  return rows;
}

describe("demo seed", () => {
  it("is idempotent: loading it again changes nothing", async () => {
    const before = await snapshot();
    const statements = await seedStatements(demo as Seed, env.CREDENTIAL_PEPPER);
    await env.DB.batch(statements.map(({ sql, params }) => env.DB.prepare(sql).bind(...params)));
    expect(await snapshot()).toEqual(before);
  });

  it("stores no secret in clear", async () => {
    const dump = JSON.stringify(await snapshot());
    for (const secret of ["demo-password", "other-password", "AUTH-CODE-0001", '"1234"', '"9999"']) {
      expect(dump).not.toContain(secret);
    }
  });

  it("renders an SQL script with escaped literals for wrangler d1 execute", () => {
    const script = toSqlScript([{ sql: "INSERT INTO t (a, b, c) VALUES (?1, ?2, ?3)", params: ["it's", 2, null] }]);
    expect(script).toBe("INSERT INTO t (a, b, c) VALUES ('it''s', 2, NULL);");
  });
});
