import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { addToOutbox, removeFromOutbox } from "../../src/store/records";

const rows = async () =>
  (await env.DB.prepare("SELECT key, stamp FROM kv_outbox WHERE key LIKE 'map:STAMP:%' ORDER BY key").all()).results;

describe("kv_outbox stamps", () => {
  it("a key put back by another write is not forgotten by the call that refreshed it before", async () => {
    // Call A put the key in (stamp a) and is refreshing it; meanwhile call B writes the
    // same record and puts the key back (stamp b), then defers its refresh.
    await env.DB.batch(addToOutbox(env.DB, ["map:STAMP:ii:id:1", "map:STAMP:ii:id:2"], "a"));
    await env.DB.batch(addToOutbox(env.DB, ["map:STAMP:ii:id:1"], "b"));
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
    await env.DB.batch(addToOutbox(env.DB, keys, "s"));
    expect(await rows()).toHaveLength(130);
    await removeFromOutbox(env.DB, keys.map((key) => ({ key, stamp: "s" })));
    expect(await rows()).toEqual([]);
  });
});
