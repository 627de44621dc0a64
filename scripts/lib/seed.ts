import { keyedHash } from "../../src/crypto/credentials";
import { importHmacKey } from "../../src/crypto/keys";
import { hashPassword } from "../../src/crypto/password";

/**
 * Turns the demo seed (clear values) into idempotent upserts: secrets are
 * hashed exactly as the worker checks them, and running the result twice
 * changes nothing (a user's password hash is only written on first insert,
 * since its salt is random). Used by `npm start` and by the tests' setup.
 */
export interface Seed {
  api_users: { username: string; password: string; organisation: string; unit: string }[];
  subscription_types: { id: string; organisation: string; name: string; alternative_code: string | null }[];
  subscriptions: {
    id: string;
    organisation: string;
    number: string;
    state: string;
    subscription_type_id: string;
    customer_id: string;
    user_id: string;
  }[];
  installed_items: {
    id: string;
    organisation: string;
    serial_number: string | null;
    alternative_code: string | null;
    subscription_id: string;
  }[];
  access_tokens: CredentialSeed[];
  customer_identification_media: CredentialSeed[];
}

interface CredentialSeed {
  id: string;
  organisation: string;
  identifier: string | null;
  pass_code: string | null;
  authentication_code: string | null;
  customer_id: string;
}

export type SqlValue = string | number | null;
export interface SqlStatement {
  sql: string;
  params: SqlValue[];
}

export async function seedStatements(seed: Seed, pepper: string): Promise<SqlStatement[]> {
  const pepperKey = await importHmacKey(pepper);
  const hashOrNull = (purpose: string, value: string | null) =>
    value === null ? Promise.resolve(null) : keyedHash(pepperKey, purpose, value);

  const statements: SqlStatement[] = [];
  for (const user of seed.api_users) {
    statements.push(
      upsert("api_users", "username", {
        username: user.username,
        organisation: user.organisation,
        unit: user.unit,
        password_hash: await hashPassword(user.password),
        disabled: 0,
      }, ["password_hash"]),
    );
  }
  const customers = new Map<string, string>();
  for (const owner of [...seed.subscriptions, ...seed.access_tokens, ...seed.customer_identification_media]) {
    customers.set(owner.customer_id, owner.organisation);
  }
  for (const [id, organisation] of customers) statements.push(upsert("customers", "id", { id, organisation }));
  for (const type of seed.subscription_types) statements.push(upsert("subscription_types", "id", { ...type }));
  for (const subscription of seed.subscriptions) statements.push(upsert("subscriptions", "id", { ...subscription }));
  for (const item of seed.installed_items) statements.push(upsert("installed_items", "id", { ...item }));
  for (const [table, records] of [
    ["access_tokens", seed.access_tokens],
    ["customer_identification_media", seed.customer_identification_media],
  ] as const) {
    for (const record of records) {
      statements.push(
        upsert(table, "id", {
          id: record.id,
          organisation: record.organisation,
          identifier: record.identifier,
          pass_code_hash: await hashOrNull("pass_code", record.pass_code),
          authentication_code_hash: await hashOrNull("authentication_code", record.authentication_code),
          customer_id: record.customer_id,
        }),
      );
    }
  }
  return statements;
}

/** INSERT ... ON CONFLICT DO UPDATE of every column but the key and `keep`. */
function upsert(table: string, keyColumn: string, row: Record<string, SqlValue>, keep: string[] = []): SqlStatement {
  const columns = Object.keys(row);
  const updates = columns.filter((c) => c !== keyColumn && !keep.includes(c)).map((c) => `${c} = excluded.${c}`);
  const sql =
    `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map((_, i) => `?${i + 1}`).join(", ")}) ` +
    `ON CONFLICT (${keyColumn}) DO ${updates.length ? `UPDATE SET ${updates.join(", ")}` : "NOTHING"}`;
  return { sql, params: columns.map((c) => row[c] ?? null) };
}

/** The statements as one SQL script with inlined literals, for `wrangler d1 execute --file`. */
export function toSqlScript(statements: SqlStatement[]): string {
  return statements
    .map(({ sql, params }) => sql.replace(/\?(\d+)/g, (_, index: string) => literal(params[Number(index) - 1] ?? null)) + ";")
    .join("\n");
}

function literal(value: SqlValue): string {
  if (value === null) return "NULL";
  if (typeof value === "number") return String(value);
  return `'${value.replaceAll("'", "''")}'`;
}
