import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { clearIsolateCaches } from "../../src/cache/isolate-caches";
import { IDENTIFIER_KINDS } from "../../src/identifiers";
import { cacheAside, type MappingSources } from "../../src/resolve/cache-aside";
import type { Mapping } from "../../src/model";
import { findMapping } from "../../src/store/d1";
import { kvKeys } from "../../src/store/kv";
import { counted, failing, failingD1 } from "../bindings";
import { AUTHENTICATE, loginToken } from "../helpers";

const installedItem = IDENTIFIER_KINDS.find((k) => k.param === "installed_item_identifier")!;
const bySerial = installedItem.fields.find((f) => f.name === "serial_number")!;
const app = createApp();

/** The authenticate path's read of one installed item serial number. */
function loadBySerial(sources: MappingSources, serial: string) {
  return cacheAside<Mapping>(sources, kvKeys.mapping("DEMO", installedItem, bySerial, serial), () =>
    findMapping(sources.db, "DEMO", installedItem, bySerial, serial),
  );
}

/** Runs the app with the given bindings and waits for its deferred work (KV write-back). */
async function authenticateWith(bindings: Partial<Cloudflare.Env>, payload: object) {
  const ctx = createExecutionContext();
  const request = new Request(AUTHENTICATE, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(payload),
  });
  const response = await app.fetch(request, { ...env, ...bindings }, ctx);
  await waitOnExecutionContext(ctx);
  return { response, body: (await response.json()) as any };
}

describe("cacheAside: KV first, D1 on a miss, write-back", () => {
  it("reads D1 on a KV miss and writes the mapping back to KV", async () => {
    const key = kvKeys.mapping("DEMO", installedItem, bySerial, "STB-0001")!;
    await env.KV.delete(key);
    const db = counted(env.DB);
    const deferred: Promise<unknown>[] = [];
    const mapping = await loadBySerial({ db: db.binding, kv: env.KV, defer: (task) => deferred.push(task) }, "STB-0001");
    expect(mapping?.subscriptions.map((s) => s.id)).toEqual(["SUB-1"]);
    expect(db.log.count("prepare")).toBe(1);
    await Promise.all(deferred);
    expect(await env.KV.get(key, "json")).toEqual(mapping);
  });

  it("does not write unknown values to KV", async () => {
    const kv = counted(env.KV);
    const mapping = await loadBySerial({ db: env.DB, kv: kv.binding, defer: () => expect.fail("nothing to defer") }, "STB-UNKNOWN");
    expect(mapping).toBeNull();
    expect(kv.log.count("put")).toBe(0);
  });

  it("answers from D1 when KV fails", async () => {
    const mapping = await loadBySerial({ db: env.DB, kv: failing(env.KV), defer: (task) => void task }, "STB-0001");
    expect(mapping?.subscriptions[0]?.id).toBe("SUB-1");
  });
});

describe("authenticate's storage I/O", () => {
  it("a KV hit makes no D1 query", async () => {
    const token = await loginToken();
    const payload = { token, installed_item_identifier: { alternative_code: "ALT-0001" } };
    // The first call fills KV from D1...
    const cold = counted(env.DB);
    expect((await authenticateWith({ DB: cold.binding }, payload)).body.data.subscription_id).toBe("SUB-1");
    expect(cold.log.count("prepare")).toBe(1);
    // ...the second, in a fresh isolate, is answered from KV alone.
    clearIsolateCaches();
    const warm = counted(env.DB);
    const kv = counted(env.KV);
    const { body } = await authenticateWith({ DB: warm.binding, KV: kv.binding }, payload);
    expect(body.data.subscription_id).toBe("SUB-1");
    expect(warm.log.calls).toEqual([]);
    expect(kv.log.count("get")).toBe(2); // the mapping and the token deny-list
    expect(kv.log.count("put")).toBe(0);
  });

  it("a KV hit with a type filter by name makes no D1 query either", async () => {
    const token = await loginToken();
    const payload = {
      token,
      access_token_identifier: { identifier: "card-0001", pass_code: "1234" },
      subscription_type_identifier: { name: "Premium" },
    };
    const cold = counted(env.DB);
    expect((await authenticateWith({ DB: cold.binding }, payload)).body.data.subscription_id).toBe("SUB-2");
    expect(cold.log.count("prepare")).toBe(2); // the credential's mapping and the type name
    clearIsolateCaches();
    const warm = counted(env.DB);
    const kv = counted(env.KV);
    expect((await authenticateWith({ DB: warm.binding, KV: kv.binding }, payload)).body.data.subscription_id).toBe("SUB-2");
    expect(warm.log.calls).toEqual([]);
    expect(kv.log.count("get")).toBe(4); // mapping, type name, lock flags (one bulk read), deny-list
  });

  it.each([
    ["installed item serial number", { installed_item_identifier: { serial_number: "STB-0001" } }, "SUB-1"],
    [
      "access token identifier + pass code + type",
      { access_token_identifier: { identifier: "card-0001", pass_code: "1234" }, subscription_type_identifier: { name: "Basic" } },
      "SUB-1",
    ],
  ])("a repeated hot-path request (%s) does no D1 query and no KV read", async (_, identifier, expected) => {
    const payload = { token: await loginToken(), ...identifier };
    await authenticateWith({}, payload);
    const db = counted(env.DB);
    const kv = counted(env.KV);
    const { body } = await authenticateWith({ DB: db.binding, KV: kv.binding }, payload);
    expect(body.data.subscription_id).toBe(expected);
    expect(db.log.calls).toEqual([]);
    // Mapping, type ids, lock flags and the deny-list's "not released" all
    // come from the isolate's caches (constants.ts ISOLATE_CACHE).
    expect(kv.log.calls).toEqual([]);
  });

  it("a mapping in KV answers even when D1 is down", async () => {
    const token = await loginToken();
    const payload = { token, subscription_identifier: { number: "S0000000002" } };
    await authenticateWith({}, payload);
    const { response, body } = await authenticateWith({ DB: failingD1(env.DB) }, payload);
    expect(response.status).toBe(200);
    expect(body.data.subscription_id).toBe("SUB-2");
  });

  it("answers 503 SERVICE_UNAVAILABLE when D1 fails on a KV miss", async () => {
    const token = await loginToken();
    const payload = { token, installed_item_identifier: { id: "II-3" } };
    for (const how of ["prepare-throws", "query-rejects"] as const) {
      const { response, body } = await authenticateWith({ DB: failingD1(env.DB, how) }, payload);
      expect(response.status).toBe(503);
      expect(body).toEqual({
        status: { code: "SERVICE_UNAVAILABLE", message: expect.any(String), description: "" },
        data: null,
      });
      expect(JSON.stringify(body)).not.toMatch(/simulated|prepare|SELECT/);
    }
  });

  it("answers from D1 when KV fails entirely (mapping and deny-list)", async () => {
    const token = await loginToken();
    const payload = { token, installed_item_identifier: { serial_number: "STB-0001" } };
    const { response, body } = await authenticateWith({ KV: failing(env.KV) }, payload);
    expect(response.status).toBe(200);
    expect(body.data.subscription_id).toBe("SUB-1");
  });
});
