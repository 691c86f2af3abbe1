/**
 * A small seeded PRNG (xorshift128+ folded to doubles): sketches that flip coins (KLL
 * compaction, reservoir skips, ANALYZE probes) stay reproducible in tests and spikes, and never
 * touch `Math.random`.
 * @module
 */

/** Deterministic uniform doubles in [0, 1). */
export class Rng {
  #a: number;
  #b: number;

  constructor(seed = 0x2545f491) {
    this.#a = seed >>> 0 || 1;
    this.#b = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) >>> 0 || 2;
  }

  /** A uniform uint32. */
  u32(): number {
    let s1 = this.#a;
    const s0 = this.#b;
    this.#a = s0;
    s1 ^= s1 << 23;
    s1 ^= s1 >>> 17;
    s1 ^= s0 ^ (s0 >>> 26);
    this.#b = s1 >>> 0;
    return (this.#b + s0) >>> 0;
  }

  /** A uniform double in [0, 1). */
  next(): number {
    return (this.u32() * 2 ** 21 + (this.u32() >>> 11)) / 2 ** 53;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}
