/**
 * Issue #3, "retries are safe" when KV fails after D1 committed: the call
 * must not answer OK (KV did not follow), and CRM.COM's retry of the same
 * change (now stale in D1) must still bring every affected KV mapping in
 * line, dependent ones included. Otherwise authenticate keeps serving the
 * old answer from KV until the mapping's 24 h TTL or the next reindex.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { ADMIN, del, get, put } from "./admin-helpers";
import { byCard, byItemId, bySerial, bySubscriptionNumber, credential, installedItem, outcomeOf, subscription, warm } from "./provision-helpers";

/** KV whose writes and deletes fail; reads still work (so warmed keys count as held). */
function kvWithFailingWrites(kv: KVNamespace): KVNamespace {
  return new Proxy(kv, {
    get(target, property) {
      if (property === "put" || property === "delete") return () => Promise.reject(new Error("simulated KV write failure"));
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

const app = createApp();

/** One admin call through the app with KV writes failing. */
async function adminWithFailingKv(method: string, path: string, body?: unknown) {
  const init: RequestInit = { method, headers: { Authorization: `Bearer ${env.ADMIN_TOKEN}`, "Content-Type": "application/json" } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(`${ADMIN}${path}`, init), { ...env, KV: kvWithFailingWrites(env.KV) }, ctx);
  await waitOnExecutionContext(ctx);
  return { status: response.status, body: (await response.json()) as any };
}

function expectUnavailable(r: { status: number; body: any }) {
  expect(r.status).toBe(503);
  expect(r.body.status.code).toBe("SERVICE_UNAVAILABLE");
}

describe("a write whose KV refresh failed, then its retry", () => {
  it("installed item moved: the retry heals its keys", async () => {
    await put("/installed-items/II-RT1", installedItem({ serial_number: "STB-RT1", subscription_id: "SUB-2" }));
    expect(await warm(bySerial("STB-RT1"))).toBe("SUB-2");
    const change = installedItem({ serial_number: "STB-RT1", subscription_id: "SUB-1", version: 2 });
    expectUnavailable(await adminWithFailingKv("PUT", "/installed-items/II-RT1", change));
    expect((await get("/installed-items/II-RT1")).body.data.version).toBe(2); // D1 committed
    const retry = await put("/installed-items/II-RT1", change);
    expect(retry.body.data).toEqual({ applied: false, stale: true, version: 2 });
    expect(await outcomeOf(bySerial("STB-RT1"))).toBe("SUB-1");
  });

  it("installed item's serial number changed: the retry removes the old serial's key", async () => {
    await put("/installed-items/II-RT2", installedItem({ serial_number: "STB-RT2-OLD", subscription_id: "SUB-2" }));
    expect(await warm(bySerial("STB-RT2-OLD"))).toBe("SUB-2");
    const change = installedItem({ serial_number: "STB-RT2-NEW", subscription_id: "SUB-2", version: 2 });
    expectUnavailable(await adminWithFailingKv("PUT", "/installed-items/II-RT2", change));
    expect((await put("/installed-items/II-RT2", change)).body.data.stale).toBe(true);
    expect(await outcomeOf(bySerial("STB-RT2-NEW"))).toBe("SUB-2");
    expect(await outcomeOf(bySerial("STB-RT2-OLD"))).toBe("NOT_FOUND");
  });

  it("installed item deleted: the retried DELETE removes its keys", async () => {
    await put("/installed-items/II-RT3", installedItem({ serial_number: "STB-RT3", subscription_id: "SUB-2" }));
    expect(await warm(bySerial("STB-RT3"))).toBe("SUB-2");
    expect(await warm(byItemId("II-RT3"))).toBe("SUB-2");
    expectUnavailable(await adminWithFailingKv("DELETE", "/installed-items/II-RT3?version=2"));
    expect((await get("/installed-items/II-RT3")).response.status).toBe(404); // D1 committed
    expect((await del("/installed-items/II-RT3", 2)).body.data).toEqual({ applied: false, stale: true, version: 2 });
    expect(await outcomeOf(bySerial("STB-RT3"))).toBe("NOT_FOUND");
    expect(await outcomeOf(byItemId("II-RT3"))).toBe("NOT_FOUND");
  });

  it("subscription suspended: the retry heals its installed items' and its customer's credentials' keys", async () => {
    await put("/subscriptions/SUB-RT4", subscription({ number: "RT4-NUM", customer_id: "C-RT4" }));
    await put("/installed-items/II-RT4", installedItem({ serial_number: "STB-RT4", subscription_id: "SUB-RT4" }));
    await put("/access-tokens/AT-RT4", credential({ identifier: "card-RT4", pass_code: "4", customer_id: "C-RT4" }));
    for (const identifier of [bySerial("STB-RT4"), byCard("card-RT4", "4"), bySubscriptionNumber("RT4-NUM")]) {
      expect(await warm(identifier)).toBe("SUB-RT4");
    }
    const change = subscription({ number: "RT4-NUM", customer_id: "C-RT4", state: "suspended", version: 2 });
    expectUnavailable(await adminWithFailingKv("PUT", "/subscriptions/SUB-RT4", change));
    expect((await put("/subscriptions/SUB-RT4", change)).body.data.stale).toBe(true);
    expect(await outcomeOf(bySubscriptionNumber("RT4-NUM"))).toBe("SUBSCRIPTION_NOT_ACTIVE");
    expect(await outcomeOf(bySerial("STB-RT4"))).toBe("SUBSCRIPTION_NOT_ACTIVE");
    expect(await outcomeOf(byCard("card-RT4", "4"))).toBe("SUBSCRIPTION_NOT_ACTIVE");
  });
});
