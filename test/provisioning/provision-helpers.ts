/**
 * Shared helpers of the provisioning tests: record bodies, authenticate as a
 * device would (outcome = subscription id or error code), the KV keys an
 * identifier is cached under, and "warm": authenticate once and wait until
 * the answer's mapping sits in KV, so that the next authenticate is served
 * from KV and a provisioning change that forgot to refresh it would show.
 */
import { env } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { expect } from "vitest";
import { keyedHash } from "../../src/crypto/credentials";
import { importHmacKey } from "../../src/crypto/keys";
import { IDENTIFIER_KINDS, SUBSCRIPTION_TYPE_FILTER } from "../../src/identifiers";
import { kvKeys } from "../../src/store/kv";
import { DEMO_USER, OTHER_USER, authenticate, loginToken } from "../helpers";

export type Org = "DEMO" | "OTHER";
export type Identifier = Record<string, unknown>;

const tokens = new Map<Org, Promise<string>>();
/** One login per organisation and test file (each login is a slow hash). */
export function tokenOf(org: Org = "DEMO"): Promise<string> {
  let token = tokens.get(org);
  if (!token) tokens.set(org, (token = loginToken(org === "DEMO" ? DEMO_USER : OTHER_USER)));
  return token;
}

export interface Outcome {
  status: number;
  /** The subscription id on success, else the error code. */
  outcome: string;
  userid?: string;
  body: any;
}

export async function resolveAs(identifier: Identifier, org: Org = "DEMO"): Promise<Outcome> {
  const { response, body } = await authenticate({ token: await tokenOf(org), ...identifier });
  if (body.status.code !== "OK") return { status: response.status, outcome: body.status.code, body };
  return {
    status: response.status,
    outcome: body.data.subscription_id,
    userid: decodeJwt(body.data.jwt).userid as string,
    body,
  };
}

/** Subscription id, or error code, of one authenticate. */
export async function outcomeOf(identifier: Identifier, org: Org = "DEMO"): Promise<string> {
  return (await resolveAs(identifier, org)).outcome;
}

let pepper: Promise<CryptoKey> | undefined;
export const pepperKey = () => (pepper ??= importHmacKey(env.CREDENTIAL_PEPPER));
export async function keyedHashOf(purpose: string, value: string): Promise<string> {
  return keyedHash(await pepperKey(), purpose, value);
}

/** The KV key authenticate reads for this identifier object (e.g. `{installed_item_identifier: {serial_number: "X"}}`). */
export async function mappingKey(identifier: Identifier, org: Org = "DEMO"): Promise<string> {
  for (const kind of IDENTIFIER_KINDS) {
    const inner = identifier[kind.param] as Record<string, string> | undefined;
    if (!inner) continue;
    const field = kind.fields.find((f) => inner[f.name] !== undefined)!;
    const raw = inner[field.name]!;
    const stored = field.keyed ? await keyedHashOf(field.name, raw) : raw;
    return kvKeys.mapping(org, kind, field, stored)!;
  }
  throw new Error(`no identifier in ${JSON.stringify(identifier)}`);
}

/** The KV key of a subscription type name or alternative code (`subscription_type_identifier`). */
export function typeKey(field: "name" | "alternative_code", value: string, org: Org = "DEMO"): string {
  return kvKeys.typeIds(org, SUBSCRIPTION_TYPE_FILTER.fields.find((f) => f.name === field)!, value)!;
}

export async function kvJson(key: string): Promise<any> {
  return env.KV.get(key, "json");
}

async function waitForKey(key: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await env.KV.get(key)) !== null) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  expect.fail(`KV key ${key} was not written back`);
}

/**
 * Authenticates once and waits for the mapping (and the type key, if the
 * identifier names a type by name or code) to be in KV. Returns the outcome,
 * which the caller should check: the "before" answer.
 */
export async function warm(identifier: Identifier, org: Org = "DEMO"): Promise<string> {
  const result = await resolveAs(identifier, org);
  await waitForKey(await mappingKey(identifier, org));
  const type = identifier.subscription_type_identifier as Record<string, string> | undefined;
  if (type?.name !== undefined) await waitForKey(typeKey("name", type.name, org));
  if (type?.alternative_code !== undefined) await waitForKey(typeKey("alternative_code", type.alternative_code, org));
  return result.outcome;
}

/** Every `map:` key in KV. */
export async function mapKeys(): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await env.KV.list(cursor === undefined ? { prefix: "map:" } : { prefix: "map:", cursor });
    names.push(...page.keys.map((k) => k.name));
    if (page.list_complete) return names.sort();
    cursor = page.cursor;
  }
}

// --- record bodies (DEMO unless overridden) ---

export const subscriptionType = (over: Identifier = {}) => ({ organisation: "DEMO", name: "Some type", version: 1, ...over });

export const subscription = (over: Identifier = {}) => ({
  organisation: "DEMO",
  number: `N-${crypto.randomUUID()}`,
  state: "active",
  subscription_type_id: "T-BASIC",
  customer_id: "C-1",
  user_id: "some-user",
  version: 1,
  ...over,
});

export const installedItem = (over: Identifier = {}) => ({ organisation: "DEMO", subscription_id: "SUB-1", version: 1, ...over });

export const credential = (over: Identifier = {}) => ({ organisation: "DEMO", customer_id: "C-1", version: 1, ...over });

export const apiUser = (over: Identifier = {}) => ({ organisation: "DEMO", unit: "HQ", version: 1, ...over });

// --- identifier objects for authenticate ---

export const bySerial = (serial_number: string) => ({ installed_item_identifier: { serial_number } });
export const byItemId = (id: string) => ({ installed_item_identifier: { id } });
export const byItemAltCode = (alternative_code: string) => ({ installed_item_identifier: { alternative_code } });
export const bySubscriptionId = (id: string) => ({ subscription_identifier: { id } });
export const bySubscriptionNumber = (number: string) => ({ subscription_identifier: { number } });
export const byCard = (identifier: string, pass_code: string, type?: Identifier) => ({
  access_token_identifier: { identifier, pass_code },
  ...(type ? { subscription_type_identifier: type } : {}),
});
export const byAuthCode = (authentication_code: string, type?: Identifier) => ({
  access_token_identifier: { authentication_code },
  ...(type ? { subscription_type_identifier: type } : {}),
});
export const byMedium = (identifier: string, pass_code: string) => ({
  customer_identification_medium_identifier: { identifier, pass_code },
});
export const byMediumAuthCode = (authentication_code: string) => ({
  customer_identification_medium_identifier: { authentication_code },
});
