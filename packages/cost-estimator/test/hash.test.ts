/**
 * hash64: the XXH32 reference vectors under it, the type tags, what is unhashable, and no
 * collision among 10^7 integers.
 */
import { errorCodeOf } from "@durable/core";
import { xxHash32 } from "js-xxhash";
import { describe, expect, it } from "vitest";
import { hash64 } from "../src/index.ts";

describe("hash64", () => {
  it("runs XXH32 (reference vectors) over a tag byte plus the value, seeds 0 and 0x9E3779B9", () => {
    expect(xxHash32(new Uint8Array(0), 0)).toBe(0x02cc5d05);
    expect(xxHash32(new TextEncoder().encode("abc"), 0)).toBe(0x32d153ff);
    const bytes = new Uint8Array([1, 0x61, 0x62, 0x63]);
    expect(hash64("abc")).toEqual([xxHash32(bytes, 0), xxHash32(bytes, 0x9e3779b9)]);
    const num = new Uint8Array(9);
    num[0] = 2;
    new DataView(num.buffer).setFloat64(1, 1.5, true);
    expect(hash64(1.5)).toEqual([xxHash32(num, 0), xxHash32(num, 0x9e3779b9)]);
  });

  it("tags types: text, number, boolean and bytes never share a hash; equal numbers do", () => {
    expect(hash64("1")).not.toEqual(hash64(1));
    expect(hash64(true)).not.toEqual(hash64(1));
    expect(hash64(new Uint8Array([0x31]))).not.toEqual(hash64("1"));
    expect(hash64(-0)).toEqual(hash64(0));
    expect(hash64(7n)).toEqual(hash64(7));
    expect(hash64(12n)).not.toEqual(hash64("12"));
    expect(hash64(new Uint8Array([1, 2]).buffer)).toEqual(hash64(new Uint8Array([1, 2])));
    expect(hash64("é")).not.toEqual(hash64("e"));
  });

  it("refuses NaN, ±Infinity, null, objects and arrays with UNHASHABLE_VALUE", () => {
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, null, {}, [1]]) {
      expect(() => hash64(v as never)).toThrow();
      try {
        hash64(v as never);
      } catch (err) {
        expect(errorCodeOf(err)).toBe("UNHASHABLE_VALUE");
      }
    }
  });

  it("has no collision among 10^7 integers", () => {
    const n = 10_000_000;
    const all = new BigUint64Array(n);
    for (let i = 0; i < n; i++) {
      const [hi, lo] = hash64(i);
      all[i] = (BigInt(hi) << 32n) | BigInt(lo);
    }
    all.sort();
    let collisions = 0;
    for (let i = 1; i < n; i++) if (all[i] === all[i - 1]) collisions++;
    expect(collisions).toBe(0);
  }, 60_000);
});
