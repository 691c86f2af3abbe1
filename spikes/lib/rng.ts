/**
 * Seeded randomness for the spike (SFC32) and a Zipf sampler.
 * @module
 */
import { Rng as SketchRng } from "../../packages/cost-estimator/src/random.ts";

/**
 * SFC32 (the estimator's generator, whose uint32 stream it shares) with the spikes' own draws:
 * `next()` keeps 32 bits per number, as every recorded spike run was generated with.
 */
export class Rng extends SketchRng {
  constructor(seed: number) {
    super(seed);
  }

  /** Uniform in [0, 1). */
  override next(): number {
    return this.u32() / 2 ** 32;
  }

  /** A random element. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
}

/** Zipf(s) over ranks 1..n. */
export function zipfSampler(n: number, s: number, rng: Rng): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += 1 / (i + 1) ** s;
    cdf[i] = total;
  }
  return () => {
    const u = rng.next() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}
