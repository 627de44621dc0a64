/**
 * Issue #3, reindex: rebuilds every `map:` key from D1 after KV was emptied,
 * rewrites wrong values, removes orphans, leaves other prefixes alone, and
 * pages correctly through records that span several rows. The first test
 * relies on this file's storage holding only the demo data and what it adds.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { REINDEX_INTERVAL_SECONDS, REINDEX_OPS_PER_CALL } from "../../src/constants";
import { reindex as reindexSlice } from "../../src/provisioning/reindex";
import { scheduledReindex } from "../../src/provisioning/reindex-schedule";
import { counted } from "../bindings";
import { admin, importLines, put } from "./admin-helpers";
import {
  byAuthCode,
  byCard,
  byItemAltCode,
  byItemId,
  byMedium,
  byMediumAuthCode,
  bySerial,
  bySubscriptionId,
  bySubscriptionNumber,
  credential,
  installedItem,
  kvJson,
  mapKeys,
  mappingKey,
  outcomeOf,
  typeKey,
  warm,
  type Identifier,
  type Org,
} from "./provision-helpers";

/** Runs the reindex to the end through the endpoint, slice by slice, and sums the slices' counts. */
async function reindex() {
  const total = { keys: 0, written: 0, unchanged: 0, deleted: 0, slices: 0 };
  let cursor: string | undefined;
  for (;;) {
    const r = await admin("POST", cursor === undefined ? "/reindex" : `/reindex?cursor=${encodeURIComponent(cursor)}`);
    expect(r.body.status.code).toBe("OK");
    total.slices++;
    for (const count of ["keys", "written", "unchanged", "deleted"] as const) total[count] += r.body.data[count];
    if (r.body.data.done) return { response: r.response, body: { ...r.body, data: total } };
    expect(typeof r.body.data.cursor).toBe("string");
    cursor = r.body.data.cursor;
  }
}

async function wipeMappings() {
  const keys = await mapKeys();
  for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((key) => env.KV.delete(key)));
  expect(await mapKeys()).toEqual([]);
}

/** Every identifier of the demo data and of the records the first test adds, with its answer. */
const IDENTIFIERS: [Org, Identifier, string][] = [
  ["DEMO", byItemId("II-1"), "SUB-1"],
  ["DEMO", bySerial("STB-0001"), "SUB-1"],
  ["DEMO", byItemAltCode("ALT-0001"), "SUB-1"],
  ["DEMO", byItemId("II-3"), "SUBSCRIPTION_NOT_ACTIVE"],
  ["DEMO", bySerial("STB-0003"), "SUBSCRIPTION_NOT_ACTIVE"],
  ["DEMO", bySubscriptionId("SUB-1"), "SUB-1"],
  ["DEMO", bySubscriptionId("SUB-2"), "SUB-2"],
  ["DEMO", bySubscriptionId("SUB-3"), "SUBSCRIPTION_NOT_ACTIVE"],
  ["DEMO", bySubscriptionNumber("S0000000001"), "SUB-1"],
  ["DEMO", bySubscriptionNumber("S0000000002"), "SUB-2"],
  ["DEMO", bySubscriptionNumber("S0000000003"), "SUBSCRIPTION_NOT_ACTIVE"],
  ["DEMO", byCard("card-0001", "1234", { name: "Basic" }), "SUB-1"],
  ["DEMO", byAuthCode("AUTH-CODE-0001", { alternative_code: "PREMIUM" }), "SUB-2"],
  ["DEMO", byMedium("medium-0003", "9999"), "SUBSCRIPTION_NOT_ACTIVE"],
  ["OTHER", byItemId("II-9"), "SUB-9"],
  ["OTHER", bySerial("STB-0001"), "SUB-9"],
  ["OTHER", bySubscriptionId("SUB-9"), "SUB-9"],
  ["OTHER", bySubscriptionNumber("S0000000001"), "SUB-9"],
  // added by the first test
  ["DEMO", byItemId("II-R1"), "SUB-2"],
  ["DEMO", bySerial("STB-R1"), "SUB-2"],
  ["DEMO", byMediumAuthCode("MAC-R1"), "SUB-2"],
];
const TYPE_KEYS = [
  typeKey("name", "Basic"),
  typeKey("name", "Premium"),
  typeKey("alternative_code", "BASIC"),
  typeKey("alternative_code", "PREMIUM"),
  typeKey("name", "Basic", "OTHER"),
];

describe("reindex", () => {
  it("after KV was emptied, restores every mapping: the keys are back and authenticate answers from them", async () => {
    await put("/installed-items/II-R1", installedItem({ serial_number: "STB-R1", subscription_id: "SUB-2" }));
    await put("/subscriptions/SUB-2", { organisation: "DEMO", number: "S0000000002", state: "active", subscription_type_id: "T-PREMIUM", customer_id: "C-1", user_id: "tucano-user-2", version: 2 });
    await put("/customer-identification-mediums/CIM-R1", credential({ authentication_code: "MAC-R1", customer_id: "C-R1" }));
    await put("/subscriptions/SUB-R1", { organisation: "DEMO", number: "R1-NUM", state: "active", subscription_type_id: "T-PREMIUM", customer_id: "C-R1", user_id: "r1", version: 1 });
    await put("/subscriptions/SUB-R1", { organisation: "DEMO", number: "R1-NUM", state: "active", subscription_type_id: "T-PREMIUM", customer_id: "C-R1", user_id: "r1", version: 2 });
    await admin("DELETE", "/subscriptions/SUB-R1?version=3");
    await put("/customer-identification-mediums/CIM-R1", credential({ authentication_code: "MAC-R1", customer_id: "C-1", version: 2 }));
    // C-1 has SUB-1 and SUB-2, both active: the medium is ambiguous; narrow the expectation accordingly
    const identifiers = IDENTIFIERS.map(([org, identifier, expected]): [Org, Identifier, string] =>
      JSON.stringify(identifier).includes("MAC-R1") ? [org, identifier, "AMBIGUOUS_SUBSCRIPTION"] : [org, identifier, expected],
    );

    await wipeMappings();
    const r = await reindex();
    expect(r.response.status).toBe(200);
    expect(r.body.status.code).toBe("OK");

    const expected = [
      ...(await Promise.all(identifiers.map(([org, identifier]) => mappingKey(identifier, org)))),
      ...TYPE_KEYS,
    ];
    expect(await mapKeys()).toEqual([...new Set(expected)].sort());
    expect(r.body.data).toMatchObject({ keys: expected.length, written: expected.length, unchanged: 0, deleted: 0 });

    // answered from the rebuilt keys (nothing was written back since: the key set is unchanged)
    for (const [org, identifier, answer] of identifiers) expect(await outcomeOf(identifier, org), JSON.stringify(identifier)).toBe(answer);
    expect(await mapKeys()).toEqual([...new Set(expected)].sort());
    expect((await kvJson(await mappingKey(bySerial("STB-R1")))).subscriptions).toEqual([
      { id: "SUB-2", state: "active", user_id: "tucano-user-2", type_id: "T-PREMIUM" },
    ]);
    expect(await kvJson(typeKey("name", "Basic"))).toEqual({ type_ids: ["T-BASIC"] });

    // a second run finds everything in place
    const again = await reindex();
    expect(again.body.data).toMatchObject({ keys: expected.length, written: 0, unchanged: expected.length, deleted: 0 });
  });

  it("removes orphaned map: keys, rewrites wrong ones, and leaves other prefixes alone", async () => {
    await reindex();
    const planted = { subscriptions: [{ id: "SUB-1", state: "active", user_id: "tucano-user-1", type_id: "T-BASIC" }] };
    const orphans = [
      await mappingKey(bySerial("GHOST-1")),
      await mappingKey(byItemId("II-GHOST")),
      await mappingKey(bySubscriptionNumber("GHOST-NUM"), "OTHER"),
      "map:NOBODY:sub:id:SUB-1",
      "map:DEMO:garbage",
      typeKey("name", "Ghost type"),
    ];
    for (const key of orphans) await env.KV.put(key, JSON.stringify(planted));
    const wrongKey = await mappingKey(bySerial("STB-0001"));
    await env.KV.put(wrongKey, JSON.stringify({ subscriptions: [{ id: "SUB-3", state: "terminated", user_id: "x", type_id: "T-BASIC" }] }));
    await env.KV.put("deny:some-jti", "1", { expirationTtl: 3600 });
    // premise: the planted values are what authenticate would answer
    expect(await outcomeOf(bySerial("GHOST-1"))).toBe("SUB-1");
    expect(await outcomeOf(bySerial("STB-0001"))).toBe("SUBSCRIPTION_NOT_ACTIVE");

    const r = await reindex();
    expect(r.body.data).toMatchObject({ written: 1, deleted: orphans.length });
    const keys = await mapKeys();
    for (const key of orphans) expect(keys, key).not.toContain(key);
    expect(await outcomeOf(bySerial("GHOST-1"))).toBe("NOT_FOUND");
    expect(await outcomeOf(byItemId("II-GHOST"))).toBe("NOT_FOUND");
    expect(await outcomeOf(bySubscriptionNumber("GHOST-NUM"), "OTHER")).toBe("NOT_FOUND");
    expect(await outcomeOf(bySerial("STB-0001"))).toBe("SUB-1");
    expect(await env.KV.get("deny:some-jti")).toBe("1");
  });

  it("the cron trigger runs the same rebuild", async () => {
    await wipeMappings();
    await env.KV.put(await mappingKey(bySerial("GHOST-CRON")), JSON.stringify({ subscriptions: [] }));
    const ctx = createExecutionContext();
    await worker.scheduled!(createScheduledController({ cron: "0 3 * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    const keys = await mapKeys();
    expect(keys).toContain(await mappingKey(bySerial("STB-0001")));
    expect(keys).toContain(typeKey("name", "Premium"));
    expect(keys).not.toContain(await mappingKey(bySerial("GHOST-CRON")));
  });

  it("pages through records that span several rows (credentials of customers with several subscriptions)", { timeout: 120_000 }, async () => {
    // 1,200 installed items (more than a 1,000-row page) and 400 access tokens of one
    // customer with 3 subscriptions (1,200 rows, so a page ends inside a token's rows)
    const lines: unknown[] = [];
    for (let s = 0; s < 3; s++) {
      lines.push({ op: "upsert", kind: "subscriptions", id: `PG-SUB-${s}`, organisation: "DEMO", number: `PG-NUM-${s}`, state: s === 0 ? "active" : "suspended", subscription_type_id: "T-BASIC", customer_id: "C-PG", user_id: `pg-${s}`, version: 1 });
    }
    for (let i = 0; i < 1200; i++) {
      lines.push({ op: "upsert", kind: "installed-items", id: `PG-II-${String(i).padStart(4, "0")}`, organisation: "DEMO", serial_number: `PG-STB-${String(i).padStart(4, "0")}`, subscription_id: `PG-SUB-${i % 3}`, version: 1 });
    }
    for (let i = 0; i < 400; i++) {
      lines.push({ op: "upsert", kind: "access-tokens", id: `PG-AT-${String(i).padStart(3, "0")}`, organisation: "DEMO", identifier: `pg-card-${String(i).padStart(3, "0")}`, pass_code: "1", customer_id: "C-PG", version: 1 });
    }
    const imported = await importLines(lines);
    expect(imported.body.data).toEqual({ applied: lines.length, stale: 0, rejected: [] });

    await wipeMappings();
    await reindex();
    const keys = new Set(await mapKeys());
    for (let i = 0; i < 1200; i++) {
      const n = String(i).padStart(4, "0");
      expect(keys.has(await mappingKey(bySerial(`PG-STB-${n}`))), `PG-STB-${n}`).toBe(true);
      expect(keys.has(await mappingKey(byItemId(`PG-II-${n}`))), `PG-II-${n}`).toBe(true);
    }
    for (let i = 0; i < 400; i++) {
      const key = await mappingKey(byCard(`pg-card-${String(i).padStart(3, "0")}`, "1"));
      const mapping = await kvJson(key);
      expect(mapping?.subscriptions?.map((s: any) => s.id), key).toEqual(["PG-SUB-0", "PG-SUB-1", "PG-SUB-2"]);
    }
    expect(await outcomeOf(byCard("pg-card-333", "1"))).toBe("PG-SUB-0");
    expect(await outcomeOf(bySerial("PG-STB-1197"))).toBe("PG-SUB-0");
    expect(await outcomeOf(bySerial("PG-STB-1199"))).toBe("SUBSCRIPTION_NOT_ACTIVE");
  });

  it("a customer with more subscriptions than a page still gets all of them in its credential's mapping", { timeout: 120_000 }, async () => {
    // 1,005 subscriptions; only the last (in id order) is active
    const lines: unknown[] = [];
    for (let s = 0; s < 1005; s++) {
      lines.push({ op: "upsert", kind: "subscriptions", id: `BIG-SUB-${String(s).padStart(4, "0")}`, organisation: "DEMO", number: `BIG-NUM-${s}`, state: s === 1004 ? "active" : "suspended", subscription_type_id: "T-BASIC", customer_id: "C-BIG", user_id: `big-${s}`, version: 1 });
    }
    lines.push({ op: "upsert", kind: "access-tokens", id: "BIG-AT", organisation: "DEMO", identifier: "big-card", pass_code: "1", customer_id: "C-BIG", version: 1 });
    expect((await importLines(lines)).body.data.applied).toBe(lines.length);
    const key = await mappingKey(byCard("big-card", "1"));
    // from D1 (the import left the key absent): the one active subscription
    expect(await kvJson(key)).toBeNull();
    expect(await warm(byCard("big-card", "1"))).toBe("BIG-SUB-1004");
    await env.KV.delete(key);
    await reindex();
    const mapping = await kvJson(key);
    expect(await outcomeOf(byCard("big-card", "1"))).toBe("BIG-SUB-1004");
    expect(mapping?.subscriptions).toHaveLength(1005);
  });

  it("works in slices that each stay within one invocation's KV operations, going on from the cursor", { timeout: 120_000 }, async () => {
    // The records of the tests above (thousands of keys) from an empty KV: too many writes for one invocation.
    const complete = await reindex();
    await wipeMappings();
    const kv = counted(env.KV);
    let cursor: string | undefined;
    let slices = 0;
    let written = 0;
    for (;;) {
      const before = kv.log.calls.length;
      const slice = await reindexSlice(env.DB, kv.binding, { cursor });
      expect(kv.log.calls.length - before).toBeLessThanOrEqual(REINDEX_OPS_PER_CALL);
      slices++;
      written += slice.written;
      if (slice.done) break;
      cursor = slice.cursor;
    }
    expect(slices).toBeGreaterThan(1);
    expect(written).toBe(complete.body.data.keys);
    // Everything is in place: a new pass writes and deletes nothing.
    expect((await reindex()).body.data).toMatchObject({ written: 0, deleted: 0, keys: complete.body.data.keys });
  });

  it("refuses a cursor it did not answer", async () => {
    // Not base64url JSON; a step out of range; no step; a cursor of another step list (an older deploy).
    const otherSteps = btoa(JSON.stringify({ step: 1, steps: "ii.id,orphans" })).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
    for (const cursor of ["nonsense", "eyJzdGVwIjo5OTl9", "e30", otherSteps]) {
      const r = await admin("POST", `/reindex?cursor=${cursor}`);
      expect(r.response.status).toBe(400);
      expect(r.body.status).toMatchObject({ code: "INVALID_PARAMETER", description: "cursor" });
    }
  });

  it("the cron goes on from its stored cursor, then waits a day before the next pass", { timeout: 120_000 }, async () => {
    const start = Math.floor(Date.now() / 1000) + 10 * 24 * 3600;
    await env.KV.delete(await mappingKey(bySerial("STB-0001")));
    await env.KV.put(await mappingKey(bySerial("GHOST-SLICED")), JSON.stringify({ subscriptions: [] }));
    let runs = 0;
    // A budget of 1: each run does exactly one page.
    let report = await scheduledReindex(env.DB, env.KV, start, 1);
    for (; report && !report.done; report = await scheduledReindex(env.DB, env.KV, start, 1)) runs++;
    expect(runs).toBeGreaterThan(0);
    expect(report?.done).toBe(true);
    expect(await mapKeys()).toContain(await mappingKey(bySerial("STB-0001")));
    expect(await mapKeys()).not.toContain(await mappingKey(bySerial("GHOST-SLICED")));
    // Done: nothing until the interval has passed, then a new pass.
    expect(await scheduledReindex(env.DB, env.KV, start + 3600, 1)).toBeNull();
    expect(await scheduledReindex(env.DB, env.KV, start + REINDEX_INTERVAL_SECONDS, 1)).not.toBeNull();
  });

  it("the cron restarts a pass whose cursor it cannot use, and after a few storage failures in a row", async () => {
    const start = Math.floor(Date.now() / 1000) + 40 * 24 * 3600;
    const state = async () => (await env.KV.get("reindex:state", "json")) as { cursor?: string; failures?: number; completedAt?: number };
    // A cursor reindex never answered (say, of an older deploy): the pass starts again at once.
    await env.KV.put("reindex:state", JSON.stringify({ cursor: "not-a-cursor" }));
    const restarted = await scheduledReindex(env.DB, env.KV, start, 1);
    expect(restarted).toMatchObject({ done: false });
    const cursor = (await state()).cursor;
    expect(typeof cursor).toBe("string");
    // KV's bulk reads failing: the same cursor is kept for the next runs, then dropped.
    const failingReads = new Proxy(env.KV, {
      get(target, property) {
        if (property === "get") {
          return (key: unknown, type: unknown) => (Array.isArray(key) ? Promise.reject(new Error("simulated bulk read failure")) : target.get(key as string, type as "json"));
        }
        const value = Reflect.get(target, property);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    for (let run = 1; run <= 3; run++) {
      await expect(scheduledReindex(env.DB, failingReads, start, 1)).rejects.toThrow();
      expect(await state()).toEqual(run < 3 ? { cursor, failures: run } : {});
    }
    // The next run starts a new pass.
    expect(await scheduledReindex(env.DB, env.KV, start, 1)).toMatchObject({ done: false });
  });
});
