import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { drainOutbox } from "../../src/provisioning/apply";
import { addToOutbox, removeFromOutbox } from "../../src/store/records";
import { pepperKey } from "../provisioning/provision-helpers";

const always = (keys: string[]) => keys.map((key) => ({ key, always: true }));
const rows = async () =>
  (await env.DB.prepare("SELECT key, stamp FROM kv_outbox WHERE key LIKE 'map:STAMP:%' ORDER BY key").all()).results;

describe("kv_outbox stamps", () => {
  it("a key put back by another write is not forgotten by the call that refreshed it before", async () => {
    // Call A put the key in (stamp a) and is refreshing it; meanwhile call B writes the
    // same record and puts the key back (stamp b), then defers its refresh.
    await env.DB.batch(addToOutbox(env.DB, always(["map:STAMP:ii:id:1", "map:STAMP:ii:id:2"]), "a"));
    await env.DB.batch(addToOutbox(env.DB, always(["map:STAMP:ii:id:1"]), "b"));
    // A forgets what it refreshed, under the stamp it knew: key 1 stays for B's value.
    await removeFromOutbox(env.DB, [
      { key: "map:STAMP:ii:id:1", stamp: "a" },
      { key: "map:STAMP:ii:id:2", stamp: "a" },
    ]);
    expect(await rows()).toEqual([{ key: "map:STAMP:ii:id:1", stamp: "b" }]);
    await removeFromOutbox(env.DB, [{ key: "map:STAMP:ii:id:1", stamp: "b" }]);
    expect(await rows()).toEqual([]);
  });

  it("slices many keys within D1's bound-parameter limit", async () => {
    const keys = Array.from({ length: 130 }, (_, i) => `map:STAMP:ii:id:many-${i}`);
    await env.DB.batch(addToOutbox(env.DB, always(keys), "s"));
    expect(await rows()).toHaveLength(130);
    await removeFromOutbox(env.DB, keys.map((key) => ({ key, stamp: "s" })));
    expect(await rows()).toEqual([]);
  });
});

describe("draining the outbox", () => {
  const key = "map:DEMO:ii:serial_number:STB-0001";
  const drain = async () => drainOutbox({ db: env.DB, kv: env.KV, pepperKey: await pepperKey() });
  const outboxKeys = async () => (await env.DB.prepare("SELECT key, always FROM kv_outbox ORDER BY key").all()).results;

  it("a key left for later keeps whether it must be rewritten everywhere", async () => {
    await env.KV.delete(key);
    const put = vi.spyOn(env.KV, "put");
    // A brand-new value: corrected only where KV shows it, so no write here.
    await env.DB.batch(addToOutbox(env.DB, [{ key, always: false }], "new"));
    await drain();
    expect(put).not.toHaveBeenCalled();
    expect(await outboxKeys()).toEqual([]);
    // A value a record had before: rewritten from D1 even though KV does not show it.
    await env.DB.batch(addToOutbox(env.DB, [{ key, always: true }], "old"));
    await drain();
    expect(put).toHaveBeenCalledWith(key, expect.any(String), expect.anything());
    expect(await outboxKeys()).toEqual([]);
    put.mockRestore();
  });

  it("a key put back by a call that only needs a check keeps the earlier call's 'always'", async () => {
    await env.DB.batch(addToOutbox(env.DB, [{ key, always: true }], "a"));
    await env.DB.batch(addToOutbox(env.DB, [{ key, always: false }], "b"));
    expect(await outboxKeys()).toEqual([{ key, always: 1 }]);
    await drain();
  });

  it("keys this deploy cannot read leave the outbox instead of blocking its head", async () => {
    await env.DB.batch(addToOutbox(env.DB, always(["map:DEMO:renamed:id:1", "not-a-mapping-key"]), "s"));
    await drain();
    expect(await outboxKeys()).toEqual([]);
  });
});
