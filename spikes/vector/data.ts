/**
 * The spike's data, generated the same way in every process: seed 42, 768 dimensions, 1,000
 * equal-weight Gaussian components with centres from N(0, I), points at centre + N(0, 0.3²·I).
 * Point i depends only on (seed, i), so a child process can regenerate any point without the
 * others; queries are points of the same mixture with indexes no vector uses.
 * @module
 */
import { seededRandom } from "@durable/vector";

export const SEED = 42;
export const DIMENSIONS = 768;
export const COMPONENTS = 1000;
export const SIGMA = 0.3;
/** Query j is mixture point QUERY_BASE + j (never indexed). */
export const QUERY_BASE = 10_000_000;

function gaussian(rand: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = Math.max(rand(), 1e-12);
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** The mixture: centres once, points on demand. */
export class Mixture {
  readonly d: number;
  readonly centres: Float32Array;

  constructor(seed = SEED, d = DIMENSIONS, components = COMPONENTS) {
    this.d = d;
    const g = gaussian(seededRandom(seed));
    this.centres = Float32Array.from({ length: components * d }, g);
  }

  /** Point `i` into `out` (offset `at`). */
  point(i: number, out: Float32Array = new Float32Array(this.d), at = 0): Float32Array {
    const rand = seededRandom((SEED * 2654435761 + i * 40503) >>> 0);
    const g = gaussian(rand);
    const k = Math.floor(rand() * (this.centres.length / this.d));
    const o = k * this.d;
    for (let j = 0; j < this.d; j++) out[at + j] = (this.centres[o + j] as number) + SIGMA * g();
    return out;
  }

  /** Query `j` (a point of the mixture that is not indexed). */
  query(j: number): Float32Array {
    return this.point(QUERY_BASE + j);
  }
}

/** The id of point i. */
export const idOf = (i: number) => `v${i}`;
