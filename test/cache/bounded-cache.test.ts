import { describe, expect, it } from "vitest";
import { BoundedCache } from "../../src/cache/bounded-cache";

describe("BoundedCache", () => {
  it("serves an entry until its TTL, then forgets it", () => {
    const cache = new BoundedCache<string>(10, 1000);
    cache.set("a", "1", 0);
    expect(cache.get("a", 999)).toBe("1");
    expect(cache.get("a", 1000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("stays within its entry bound under a stream of distinct keys, dropping the oldest", () => {
    const cache = new BoundedCache<number>(100, 60_000);
    for (let i = 0; i < 10_000; i++) cache.set(`key-${i}`, i, 0);
    expect(cache.size).toBe(100);
    expect(cache.get("key-9899", 1)).toBeUndefined();
    expect(cache.get("key-9900", 1)).toBe(9900);
  });

  it("a rewritten entry counts as new", () => {
    const cache = new BoundedCache<number>(2, 60_000);
    cache.set("a", 1, 0);
    cache.set("b", 2, 0);
    cache.set("a", 3, 0);
    cache.set("c", 4, 0);
    expect(cache.get("b", 1)).toBeUndefined();
    expect(cache.get("a", 1)).toBe(3);
  });
});
