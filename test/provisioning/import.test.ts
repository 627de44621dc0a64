/**
 * Issue #3, NDJSON import: each bad line reported with its number and code
 * while the good ones apply; versions make lines idempotent; KV follows;
 * and a 10,000-line import in one call.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { ADMIN, admin, get, importLines } from "./admin-helpers";
import { KV_OPS_PER_PROVISIONING_CALL } from "../../src/constants";
import { counted } from "../bindings";
import { bySerial, bySubscriptionNumber, mappingKey, outcomeOf, resolveAs, warm } from "./provision-helpers";

const NDJSON = { "Content-Type": "application/x-ndjson" };
const sub = (id: string, over: Record<string, unknown> = {}) => ({
  op: "upsert",
  kind: "subscriptions",
  id,
  organisation: "DEMO",
  number: `NUM-${id}`,
  state: "active",
  subscription_type_id: "T-BASIC",
  customer_id: `C-${id}`,
  user_id: `user-${id}`,
  version: 1,
  ...over,
});
const item = (id: string, subscriptionId: string, over: Record<string, unknown> = {}) => ({
  op: "upsert",
  kind: "installed-items",
  id,
  organisation: "DEMO",
  serial_number: `STB-${id}`,
  subscription_id: subscriptionId,
  version: 1,
  ...over,
});
/** [line, code, description] of each rejected line, by line number (the report's order is not specified). */
const rejections = (data: any) =>
  data.rejected.map((r: any) => [r.line, r.code, r.description]).sort((a: any[], b: any[]) => a[0] - b[0]);

describe("import", () => {
  it("mixed good and bad lines: bad ones reported by line number and code, good ones applied", async () => {
    const lines: unknown[] = [
      /* 1 */ sub("SUB-I1"),
      /* 2 */ "",
      /* 3 */ "{not json",
      /* 4 */ "[1,2]",
      /* 5 */ { ...sub("SUB-I5"), kind: "gadgets" },
      /* 6 */ { ...sub("SUB-I6"), op: "merge" },
      /* 7 */ { op: "upsert", id: "X-7", organisation: "DEMO", version: 1 },
      /* 8 */ { op: "upsert", kind: "subscriptions", organisation: "DEMO", version: 1 },
      /* 9 */ item("II-I9", "SUB-I1"),
      /* 10 */ item("II-I10", "SUB-NOPE"),
      /* 11 */ item("II-I11", "SUB-I1", { serial_number: "STB-0001" }),
      /* 12 */ item("II-I12", "SUB-I1", { colour: "red" }),
      /* 13 */ Object.fromEntries(Object.entries(item("II-I13", "SUB-I1")).filter(([k]) => k !== "version")),
      /* 14 */ item("II-I14", "SUB-I1", { version: 0 }),
      /* 15 */ { op: "upsert", kind: "installed-items", id: "II-1", organisation: "DEMO", serial_number: "STB-0001", alternative_code: "ALT-0001", subscription_id: "SUB-1", version: 1 },
      /* 16 */ { op: "delete", kind: "installed-items", id: "II-I9", version: 2 },
      /* 17 */ item("II-I9", "SUB-I1", { version: 1 }),
      /* 18 */ { op: "delete", kind: "subscriptions", id: "SUB-1", organisation: "OTHER", version: 9 },
      /* 19 */ { op: "upsert", kind: "api-users", id: "import-user", organisation: "DEMO", password: "import-password", unit: "HQ", version: 1 },
      /* 20 */ item("II-I20", "SUB-I1", { subscription_id: undefined }),
      /* 21 */ sub("SUB-I21", { number: 21 }),
      /* 22 */ { op: "delete", kind: "installed-items", id: "II-I22", version: 1, serial_number: "x" },
      /* 23 */ sub("SUB-I23", { organisation: "OTHER", subscription_type_id: "T-BASIC" }),
      /* 24 */ item("II-I24", "SUB-I1", { alternative_code: "ALT-I24" }),
    ];
    const r = await importLines(lines);
    expect(r.response.status).toBe(200);
    expect(r.body.status.code).toBe("OK");
    expect(r.body.data).toMatchObject({ applied: 5, stale: 2 }); // 1, 9, 16, 19, 24 applied; 15, 17 stale
    expect(rejections(r.body.data)).toEqual([
      [3, "MALFORMED_REQUEST", ""],
      [4, "MALFORMED_REQUEST", ""],
      [5, "INVALID_PARAMETER", "kind"],
      [6, "INVALID_PARAMETER", "op"],
      [7, "MISSING_PARAMETER", "kind"],
      [8, "MISSING_PARAMETER", "id"],
      [10, "INVALID_PARAMETER", "subscription_id"],
      [11, "CONFLICT", "serial_number"],
      [12, "INVALID_PARAMETER", "colour"],
      [13, "MISSING_PARAMETER", "version"],
      [14, "INVALID_PARAMETER", "version"],
      [18, "CONFLICT", "id"],
      [20, "MISSING_PARAMETER", "subscription_id"],
      [21, "INVALID_PARAMETER", "number"],
      [22, "INVALID_PARAMETER", "serial_number"],
      [23, "INVALID_PARAMETER", "subscription_type_id"],
    ]);
    for (const rejected of r.body.data.rejected) expect(typeof rejected.message).toBe("string");

    expect(await outcomeOf(bySubscriptionNumber("NUM-SUB-I1"))).toBe("SUB-I1");
    expect(await outcomeOf(bySerial("STB-II-I24"))).toBe("SUB-I1");
    expect(await outcomeOf(bySerial("STB-II-I9"))).toBe("NOT_FOUND");
    expect(await outcomeOf(bySerial("STB-0001"))).toBe("SUB-1");
    expect((await get("/subscriptions/SUB-1")).body.data.version).toBe(1);
    for (const id of ["II-I10", "II-I11", "II-I12", "II-I13", "II-I14", "II-I20"]) {
      expect((await get(`/installed-items/${id}`)).response.status, id).toBe(404);
    }
    expect((await get("/subscriptions/SUB-I23")).response.status).toBe(404);
    expect((await get("/api-users/import-user")).body.data).toMatchObject({ unit: "HQ", version: 1 });
  });

  it("a version given as a string is a wrong type, rejected like in a PUT", async () => {
    const r = await importLines([item("II-STRV", "SUB-2", { version: "3" })]);
    expect(rejections(r.body.data)).toEqual([[1, "INVALID_PARAMETER", "version"]]);
    expect((await get("/installed-items/II-STRV")).response.status).toBe(404);
  });

  it("CRLF line endings, blank lines and a last line without newline keep the line numbers right", async () => {
    const body = [JSON.stringify(sub("SUB-CR1")), "", "oops", JSON.stringify(item("II-CR1", "SUB-CR1"))].join("\r\n");
    const r = await admin("POST", "/import", body, NDJSON);
    expect(r.body.data).toMatchObject({ applied: 2, stale: 0 });
    expect(rejections(r.body.data)).toEqual([[3, "MALFORMED_REQUEST", ""]]);
    expect(await outcomeOf(bySerial("STB-II-CR1"))).toBe("SUB-CR1");
  });

  it("out of order and repeated lines: the newest version wins, the rest is stale", async () => {
    const r = await importLines([
      item("II-OO", "SUB-1", { version: 3 }),
      item("II-OO", "SUB-2", { version: 2 }),
      item("II-OO", "SUB-1", { version: 3 }),
      { op: "delete", kind: "installed-items", id: "II-OO", version: 1 },
    ]);
    expect(r.body.data).toEqual({ applied: 1, stale: 3, rejected: [] });
    expect(await outcomeOf(bySerial("STB-II-OO"))).toBe("SUB-1");
    // sending the same import again changes nothing
    const again = await importLines([item("II-OO", "SUB-2", { version: 3 })]);
    expect(again.body.data).toEqual({ applied: 0, stale: 1, rejected: [] });
  });

  it("a clash inside one import rejects only the clashing line", async () => {
    const r = await importLines([
      item("II-CL1", "SUB-1", { serial_number: "STB-CLASH" }),
      item("II-CL2", "SUB-2", { serial_number: "STB-CLASH" }),
      item("II-CL3", "SUB-2"),
      sub("SUB-CL4", { number: "S0000000001" }),
      item("II-CL4", "SUB-CL4"),
    ]);
    expect(r.body.data.applied).toBe(2);
    expect(rejections(r.body.data)).toEqual([
      [2, "CONFLICT", "serial_number"],
      [4, "CONFLICT", "number"],
      [5, "INVALID_PARAMETER", "subscription_id"],
    ]);
    expect(await outcomeOf(bySerial("STB-CLASH"))).toBe("SUB-1");
    expect(await outcomeOf(bySerial("STB-II-CL3"))).toBe("SUB-2");
    expect((await get("/installed-items/II-CL2")).response.status).toBe(404);
  });

  it("a line judged against an earlier line that then clashes is judged again on its own", async () => {
    const r = await importLines([
      // v3 clashes with II-1's serial number and is rejected...
      item("II-RJ", "SUB-1", { serial_number: "STB-0001", version: 3 }),
      // ...so v2 is not stale: nothing newer was ever stored.
      item("II-RJ", "SUB-2", { serial_number: "STB-II-RJ", version: 2 }),
    ]);
    expect(rejections(r.body.data)).toEqual([[1, "CONFLICT", "serial_number"]]);
    expect(r.body.data).toMatchObject({ applied: 1, stale: 0 });
    expect(await outcomeOf(bySerial("STB-II-RJ"))).toBe("SUB-2");
    expect(await outcomeOf(bySerial("STB-0001"))).toBe("SUB-1");
  });

  it("KV follows an import: a warmed item answers its subscription's new state", async () => {
    await importLines([sub("SUB-KV"), item("II-KV", "SUB-KV")]);
    expect(await warm(bySerial("STB-II-KV"))).toBe("SUB-KV");
    const r = await importLines([sub("SUB-KV", { state: "suspended", version: 2 })]);
    expect(r.body.data.applied).toBe(1);
    expect(await outcomeOf(bySerial("STB-II-KV"))).toBe("SUBSCRIPTION_NOT_ACTIVE");
    await importLines([{ op: "delete", kind: "installed-items", id: "II-KV", version: 2 }]);
    expect(await outcomeOf(bySerial("STB-II-KV"))).toBe("NOT_FOUND");
  });

  it("needs application/x-ndjson (415 otherwise)", async () => {
    const r = await admin("POST", "/import", JSON.stringify(sub("SUB-CT")), { "Content-Type": "application/json" });
    expect([r.response.status, r.body.status.code]).toEqual([415, "UNSUPPORTED_MEDIA_TYPE"]);
    expect((await get("/subscriptions/SUB-CT")).response.status).toBe(404);
  });

  it("accepts a body over 5 MiB (the documented limit is 8 MiB); a line over 16 KiB is rejected by number", async () => {
    const blank = " ".repeat(1023);
    const lines = [JSON.stringify(sub("SUB-BIG1")), ...Array.from({ length: 5800 }, () => blank), "x".repeat(17 * 1024), JSON.stringify(sub("SUB-BIG2"))];
    const body = lines.join("\n");
    expect(body.length).toBeGreaterThan(5 * 1024 * 1024 + 100_000);
    const r = await admin("POST", "/import", body, NDJSON);
    expect(r.response.status).toBe(200);
    expect(r.body.data.applied).toBe(2);
    // the over-long line is refused (as too large, or as not JSON: the contract names no per-line limit)
    expect(r.body.data.rejected.map((x: any) => x.line)).toEqual([5802]);
    expect(["PAYLOAD_TOO_LARGE", "MALFORMED_REQUEST"]).toContain(r.body.data.rejected[0].code);
  });

  it("a body over the limit is 413, also when streamed without Content-Length", async () => {
    const big = `${JSON.stringify(sub("SUB-OVER"))}\n${" ".repeat(9 * 1024 * 1024)}`;
    let r = await admin("POST", "/import", big, NDJSON);
    expect([r.response.status, r.body.status.code]).toEqual([413, "PAYLOAD_TOO_LARGE"]);
    const chunk = new TextEncoder().encode(`${" ".repeat(1023)}\n`);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 9 * 1024) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const ctx = createExecutionContext();
    const response = await createApp().fetch(
      new Request(`${ADMIN}/import`, { method: "POST", headers: { Authorization: `Bearer ${env.ADMIN_TOKEN}`, ...NDJSON }, body: stream }),
      env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(413);
    expect(((await response.json()) as any).status.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("10,000 lines (5,000 subscriptions + 5,000 installed items) in one call", { timeout: 300_000 }, async () => {
    const N = 5000;
    const pad = (i: number) => String(i).padStart(5, "0");
    const lines: unknown[] = [];
    for (let i = 0; i < N; i++) {
      lines.push(sub(`BULK-SUB-${pad(i)}`, { customer_id: `BULK-C-${pad(i % 1000)}`, state: i % 7 === 0 ? "suspended" : "active" }));
      lines.push(item(`BULK-II-${pad(i)}`, `BULK-SUB-${pad(i)}`, { serial_number: `BULK-STB-${pad(i)}` }));
    }
    expect(lines).toHaveLength(10_000);
    const started = Date.now();
    const r = await importLines(lines);
    const elapsed = Date.now() - started;
    console.log(`10,000-line import took ${elapsed} ms`);
    expect(r.response.status).toBe(200);
    expect(r.body.data).toEqual({ applied: 10_000, stale: 0, rejected: [] });

    for (const i of [0, 1, 2500, 4998, 4999]) {
      const expected = i % 7 === 0 ? "SUBSCRIPTION_NOT_ACTIVE" : `BULK-SUB-${pad(i)}`;
      expect(await outcomeOf(bySerial(`BULK-STB-${pad(i)}`)), `item ${i}`).toBe(expected);
      expect(await outcomeOf(bySubscriptionNumber(`NUM-BULK-SUB-${pad(i)}`)), `subscription ${i}`).toBe(expected);
    }
    expect((await resolveAs(bySerial(`BULK-STB-${pad(4999)}`))).userid).toBe(`user-BULK-SUB-${pad(4999)}`);
    expect((await get(`/installed-items/BULK-II-${pad(1234)}`)).body.data).toMatchObject({ subscription_id: `BULK-SUB-${pad(1234)}`, version: 1 });

    // the same lines again are all stale (idempotent retry), shown on the first 500
    const retry = await importLines(lines.slice(0, 500));
    expect(retry.body.data).toEqual({ applied: 0, stale: 500, rejected: [] });
  });

  it("a call past one invocation's KV operations leaves the rest pending; an empty import finishes them", { timeout: 120_000 }, async () => {
    const n = 500;
    const items = (version: number, prefix: string) =>
      Array.from({ length: n }, (_, i) => item(`II-BUD-${i}`, "SUB-1", { serial_number: `${prefix}-${i}`, version }));
    expect((await importLines(items(1, "BUD-S"))).body.data).toEqual({ applied: n, stale: 0, rejected: [] });
    expect(await warm(bySerial("BUD-S-7"))).toBe("SUB-1");

    // A new serial number for each: two keys to rewrite per line (its id, its old serial), 1,000 in all.
    const kv = counted(env.KV);
    const ctx = createExecutionContext();
    const body = items(2, "BUD-T").map((line) => JSON.stringify(line)).join("\n");
    const request = new Request(`${ADMIN}/import`, { method: "POST", headers: { Authorization: `Bearer ${env.ADMIN_TOKEN}`, ...NDJSON }, body });
    const response = await createApp().fetch(request, { ...env, KV: kv.binding }, ctx);
    await waitOnExecutionContext(ctx);
    const first = ((await response.json()) as any).data;
    expect(first).toMatchObject({ applied: n, stale: 0, rejected: [] });
    expect(first.pending).toBeGreaterThan(0);
    expect(kv.log.calls.length).toBeLessThanOrEqual(KV_OPS_PER_PROVISIONING_CALL);

    const drained = await importLines([]);
    expect(drained.body.data).toEqual({ applied: 0, stale: 0, rejected: [] });
    expect(await outcomeOf(bySerial("BUD-S-7"))).toBe("NOT_FOUND");
    expect(await outcomeOf(bySerial("BUD-T-7"))).toBe("SUB-1");
    expect(await env.KV.get(await mappingKey(bySerial("BUD-S-7")))).toBeNull();
  });

  it("answers pending while the outbox holds keys, whichever call left them, until empty imports drain it", async () => {
    const keys = await Promise.all(Array.from({ length: 600 }, (_, i) => mappingKey(bySerial(`LEFT-${i}`))));
    await env.DB.batch(keys.map((key) => env.DB.prepare("INSERT INTO kv_outbox (key, stamp) VALUES (?1, 'earlier')").bind(key)));
    const first = await importLines([]);
    expect(first.body.data).toEqual({ applied: 0, stale: 0, rejected: [], pending: 100 });
    const second = await importLines([]);
    expect(second.body.data).toEqual({ applied: 0, stale: 0, rejected: [] });
  });
});
