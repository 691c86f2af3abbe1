/**
 * The workload of baselines.md §1: 10,000 keys `user:0..9999`, Zipf(1.1) by inverse CDF from
 * an sfc32 PRNG seeded (1,2,3,4), request n arriving at n × 3 µs (2× the limit on average).
 * @module
 */

/** sfc32: a small, fast, seedable PRNG (the one the baseline used). */
export function sfc32(a: number, b: number, c: number, d: number): () => number {
  return () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** Draws key indices 0..k-1 with probability ∝ (i+1)^-s. */
export function zipfSampler(k: number, s: number, rand: () => number): () => number {
  const cdf = new Float64Array(k);
  let sum = 0;
  for (let i = 0; i < k; i++) {
    sum += (i + 1) ** -s;
    cdf[i] = sum;
  }
  for (let i = 0; i < k; i++) cdf[i] = (cdf[i] as number) / sum;
  return () => {
    const u = rand();
    let lo = 0;
    let hi = k - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** The stream of key indices, generated in segments (generation is never timed). */
export class Stream {
  readonly #next: () => number;
  /** Requests drawn so far (request n arrives at n × 3 µs). */
  position = 0;

  constructor(keys: number) {
    this.#next = zipfSampler(keys, 1.1, sfc32(1, 2, 3, 4));
  }

  /** The next `n` key indices. */
  take(n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.#next();
    this.position += n;
    return out;
  }
}

/** Arrival interval in ms (3 µs). */
export const ARRIVAL_MS = 0.003;
