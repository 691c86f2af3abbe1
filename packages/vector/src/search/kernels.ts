/**
 * The scoring kernels: plain loops over typed arrays, 4-way unrolled (independent sums let V8
 * keep four accumulators in registers), no allocation. Scores follow Vectorize: cosine is
 * similarity (higher is closer), euclidean is the L2 distance and dot-product the negative dot
 * product (lower is closer); {@link rankKey} turns any of them into "lower is better".
 * @module
 */
import type { Metric } from "../config.ts";

/** Dot product of `q` with the `d` floats of `block` starting at `offset`. */
export function dotAt(q: Float32Array, block: Float32Array, offset: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  const end4 = d - (d % 4);
  for (; i < end4; i += 4) {
    const o = offset + i;
    s0 += (q[i] as number) * (block[o] as number);
    s1 += (q[i + 1] as number) * (block[o + 1] as number);
    s2 += (q[i + 2] as number) * (block[o + 2] as number);
    s3 += (q[i + 3] as number) * (block[o + 3] as number);
  }
  for (; i < d; i++) s0 += (q[i] as number) * (block[offset + i] as number);
  return s0 + s1 + s2 + s3;
}

/** Squared L2 distance between `q` and the `d` floats of `block` at `offset`. */
export function l2sqAt(q: Float32Array, block: Float32Array, offset: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  const end4 = d - (d % 4);
  for (; i < end4; i += 4) {
    const o = offset + i;
    const a = (q[i] as number) - (block[o] as number);
    const b = (q[i + 1] as number) - (block[o + 1] as number);
    const c = (q[i + 2] as number) - (block[o + 2] as number);
    const e = (q[i + 3] as number) - (block[o + 3] as number);
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += e * e;
  }
  for (; i < d; i++) {
    const a = (q[i] as number) - (block[offset + i] as number);
    s0 += a * a;
  }
  return s0 + s1 + s2 + s3;
}

/** Dot product of a float query (already scaled per dimension) with int8 codes at `offset`. */
export function dotInt8At(qs: Float32Array, codes: Int8Array, offset: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  const end4 = d - (d % 4);
  for (; i < end4; i += 4) {
    const o = offset + i;
    s0 += (qs[i] as number) * (codes[o] as number);
    s1 += (qs[i + 1] as number) * (codes[o + 1] as number);
    s2 += (qs[i + 2] as number) * (codes[o + 2] as number);
    s3 += (qs[i + 3] as number) * (codes[o + 3] as number);
  }
  for (; i < d; i++) s0 += (qs[i] as number) * (codes[offset + i] as number);
  return s0 + s1 + s2 + s3;
}

/**
 * The Vectorize score of one stored vector.
 * @param qNorm the query's L2 norm (cosine)
 * @param norm the stored vector's L2 norm, precomputed at write (cosine)
 */
export function scoreAt(
  metric: Metric,
  q: Float32Array,
  qNorm: number,
  block: Float32Array,
  offset: number,
  d: number,
  norm: number,
): number {
  if (metric === "euclidean") return Math.sqrt(l2sqAt(q, block, offset, d));
  const dot = dotAt(q, block, offset, d);
  return metric === "cosine" ? dot / (qNorm * norm) : -dot;
}

/** The score as "lower is better" (cosine negated), for one heap order across metrics. */
export function rankKey(metric: Metric, score: number): number {
  return metric === "cosine" ? -score : score;
}

/**
 * Dot products of `q` with four consecutive rows of `block` (rows `row`…`row + 3`): each value
 * of `q` is loaded once for four multiply-adds, which is what makes ranking centroids and
 * assigning vectors to lists cheaper than four separate {@link dotAt} calls.
 */
export function dot4At(q: Float32Array, block: Float32Array, row: number, d: number, out: Float64Array): void {
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  const o0 = row * d;
  const o1 = o0 + d;
  const o2 = o1 + d;
  const o3 = o2 + d;
  for (let i = 0; i < d; i++) {
    const v = q[i] as number;
    a0 += v * (block[o0 + i] as number);
    a1 += v * (block[o1 + i] as number);
    a2 += v * (block[o2 + i] as number);
    a3 += v * (block[o3 + i] as number);
  }
  out[0] = a0;
  out[1] = a1;
  out[2] = a2;
  out[3] = a3;
}

/**
 * Every dot product of `q` with the `n` rows of `rows` into `out` (four rows at a time).
 */
export function dotAll(q: Float32Array, rows: Float32Array, n: number, d: number, out: Float64Array): void {
  const four = new Float64Array(4);
  let r = 0;
  for (; r + 4 <= n; r += 4) {
    dot4At(q, rows, r, d, four);
    out[r] = four[0] as number;
    out[r + 1] = four[1] as number;
    out[r + 2] = four[2] as number;
    out[r + 3] = four[3] as number;
  }
  for (; r < n; r++) out[r] = dotAt(q, rows, r * d, d);
}

/** {@link dotInt8At} for four consecutive code rows (`row`…`row + 3`), the query loaded once. */
export function dot4Int8At(qs: Float32Array, codes: Int8Array, row: number, d: number, out: Float64Array): void {
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  const o0 = row * d;
  const o1 = o0 + d;
  const o2 = o1 + d;
  const o3 = o2 + d;
  for (let i = 0; i < d; i++) {
    const v = qs[i] as number;
    a0 += v * (codes[o0 + i] as number);
    a1 += v * (codes[o1 + i] as number);
    a2 += v * (codes[o2 + i] as number);
    a3 += v * (codes[o3 + i] as number);
  }
  out[0] = a0;
  out[1] = a1;
  out[2] = a2;
  out[3] = a3;
}
