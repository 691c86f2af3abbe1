/**
 * The HLL metric: mean |est − n|/n at p = 14, read at log-spaced cardinalities from 10² up along
 * independent streams (distinct seeds give distinct values).
 * @module
 */
import { HyperLogLog } from "@durable/cost-estimator";

/** Mean relative error at p = 14 over `streams` streams read at `points` cardinalities up to `max`. */
export function hllRelError(streams: number, points: number, max: number): number {
  const marks = Array.from({ length: points }, (_, i) =>
    Math.round(10 ** (2 + (Math.log10(max) - 2) * (i / (points - 1)))),
  );
  let sum = 0;
  let count = 0;
  for (let s = 0; s < streams; s++) {
    const hll = new HyperLogLog(14);
    let next = 0;
    for (let i = 1; i <= max; i++) {
      // Stream s holds the values s·10^9 + i: disjoint streams, independent hashes.
      hll.add(s * 1e9 + i);
      while (marks[next] === i) {
        sum += Math.abs(hll.estimate() - i) / i;
        count++;
        next++;
      }
    }
  }
  return sum / count;
}
