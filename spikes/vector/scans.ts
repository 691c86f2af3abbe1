/**
 * In-memory scan benchmarks over one 10k × 768 Float32Array: the exact search's block scorer
 * (what `exactScan` runs per block of 1,024), a plain sum over the same memory (the bandwidth
 * limit of JS here), and int8 codes scored as IVF lists score them.
 * @module
 */
import { BLOCK_ROWS, dotAt, dotInt8At, Quantizer, scoreBlock, TopK } from "@durable/vector";
import { median } from "../lib/stats.ts";

/** Median ms of `runs` calls of `fn`. */
function timed(runs: number, fn: () => void): number {
  fn();
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

/** A plain sum of every float (four accumulators): what reading the array costs in JS here. */
export function plainSum(a: Float32Array): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const len = a.length - (a.length % 4);
  for (let i = 0; i < len; i += 4) {
    s0 += a[i] as number;
    s1 += a[i + 1] as number;
    s2 += a[i + 2] as number;
    s3 += a[i + 3] as number;
  }
  return s0 + s1 + s2 + s3;
}

/** The scan measurements over `data` (n × d). */
export function scanBench(data: Float32Array, n: number, d: number, query: Float32Array, runs = 20) {
  const bytes = n * d * 4;
  const norms = new Float64Array(BLOCK_ROWS);
  const ids = Array.from({ length: BLOCK_ROWS }, (_, i) => `v${i}`);
  let qn = 0;
  for (const x of query) qn += x * x;
  qn = Math.sqrt(qn);
  for (let b = 0; b < BLOCK_ROWS; b++) norms[b] = 1;
  const spec = { metric: "cosine" as const, dimensions: d, query, queryNorm: qn };
  const exactMs = timed(runs, () => {
    const top = new TopK(10);
    for (let start = 0; start < n; start += BLOCK_ROWS) {
      const rows = Math.min(BLOCK_ROWS, n - start);
      scoreBlock(spec, data.subarray(start * d, (start + rows) * d), norms, ids, rows, top);
    }
  });
  let sink = 0;
  const sumMs = timed(runs, () => {
    sink += plainSum(data);
  });
  // int8 vs float32 for the same top-10 scan (the README's "int8 is for memory, not speed").
  const min = new Float32Array(d).fill(Number.POSITIVE_INFINITY);
  const max = new Float32Array(d).fill(Number.NEGATIVE_INFINITY);
  for (let i = 0; i < n * d; i++) {
    const j = i % d;
    const v = data[i] as number;
    if (v < (min[j] as number)) min[j] = v;
    if (v > (max[j] as number)) max[j] = v;
  }
  const quant = Quantizer.fromRange(min, max);
  const codes = new Int8Array(n * d);
  for (let r = 0; r < n; r++) quant.encode(data, r * d, codes, r * d);
  const qs = new Float32Array(d);
  const constant = quant.prepare(query, qs);
  const int8Ms = timed(runs, () => {
    const top = new TopK(10);
    for (let r = 0; r < n; r++) {
      const key = -(dotInt8At(qs, codes, r * d, d) + constant);
      if (top.accepts(key)) top.offer(key, ids[r % BLOCK_ROWS] as string);
    }
  });
  const f32Ms = timed(runs, () => {
    const top = new TopK(10);
    for (let r = 0; r < n; r++) {
      const key = -dotAt(query, data, r * d, d);
      if (top.accepts(key)) top.offer(key, ids[r % BLOCK_ROWS] as string);
    }
  });
  return {
    exactMs,
    sumMs,
    int8Ms,
    f32Ms,
    exact_scan_gbps: bytes / (exactMs / 1000) / 1e9,
    sum_gbps: bytes / (sumMs / 1000) / 1e9,
    sink,
  };
}
