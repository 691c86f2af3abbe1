/**
 * A small seeded PRNG (SFC32, Chris Doty-Humphrey's small fast counting generator): sketches that
 * flip coins (KLL compaction, reservoir skips, ANALYZE probes) stay reproducible in tests and
 * spikes, and never touch `Math.random`.
 * @module
 */

/** Deterministic uniform numbers. */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed = 0x2545f491) {
    this.#a = 0x9e3779b9;
    this.#b = 0x243f6a88;
    this.#c = 0xb7e15162;
    this.#d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.u32();
  }

  /** A uniform uint32. */
  u32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** A uniform double in [0, 1). */
  next(): number {
    return ((this.u32() >>> 5) * 67_108_864 + (this.u32() >>> 6)) / 9_007_199_254_740_992;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}
