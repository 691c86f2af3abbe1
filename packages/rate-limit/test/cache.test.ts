/** Proves the LRU cache: capacity, eviction order, and that recently used entries survive. */
import { describe, expect, it } from "vitest";
import { LruCache } from "../src/cache.ts";

describe("LruCache", () => {
  it("evicts the least recently inserted entry beyond capacity", () => {
    const c = new LruCache<string, number>(3);
    c.set("a", 1);
    c.set("b", 2);
    c.set("c", 3);
    c.set("d", 4);
    expect(c.get("a")).toBeUndefined();
    expect([c.get("b"), c.get("c"), c.get("d")]).toEqual([2, 3, 4]);
    expect(c.size).toBe(3);
    expect(c.evictions).toBe(1);
  });

  it("never evicts an entry used within the last capacity/2 insertions", () => {
    const cap = 100;
    const c = new LruCache<number, number>(cap);
    for (let i = 0; i < cap; i++) c.set(i, i);
    for (let i = cap; i < 10 * cap; i++) {
      // Key 0 is used before every insertion: it must survive all of them.
      expect(c.get(0)).toBe(0);
      c.set(i, i);
    }
    expect(c.size).toBe(cap);
  });

  it("a hit on an old entry protects it from the next evictions", () => {
    const c = new LruCache<string, number>(4);
    for (const k of ["a", "b", "c", "d"]) c.set(k, 0);
    c.get("a");
    c.set("e", 0);
    expect(c.get("a")).toBe(0);
    expect(c.get("b")).toBeUndefined();
  });
});
