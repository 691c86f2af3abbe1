/**
 * The arithmetic of training, as pure functions over typed arrays: a seeded RNG, reading sample
 * vectors (unit length under cosine), nearest centroid by one dot product per centroid, and the
 * k-means++ D² choice. The trainer (`trainer.ts`) drives them chunk by chunk.
 * @module
 */
import type { Sql } from "@durable/core";
import type { Metric } from "../config.ts";
import { dotAll } from "../search/kernels.ts";

/** A seeded 32-bit generator (mulberry32): same seed, same sequence, in Node and workerd. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Vectors read for training, packed. */
export interface Loaded {
  ids: string[];
  data: Float32Array;
}

/** Ids read per statement: keeps the rows a statement returns (and their copies) small. */
export const READ_BATCH = 500;

/**
 * Reads the vectors of `ids` (in that order; missing or corrupt ones left out), normalized
 * under cosine, 500 ids per statement.
 */
export function loadVectors(sql: Sql, indexId: number, ids: readonly string[], d: number, metric: Metric): Loaded {
  const out: string[] = [];
  const data = new Float32Array(ids.length * d);
  forEachBatch(sql, indexId, ids, d, metric, (batchIds, batch) => {
    data.set(batch, out.length * d);
    out.push(...batchIds);
  });
  return { ids: out, data: out.length === ids.length ? data : data.slice(0, out.length * d) };
}

/**
 * Calls `fn` with the vectors of `ids`, 500 at a time (packed, in order, normalized under
 * cosine), so a chunk never holds more than one batch of rows from SQL.
 */
export function forEachBatch(
  sql: Sql,
  indexId: number,
  ids: readonly string[],
  d: number,
  metric: Metric,
  fn: (ids: string[], data: Float32Array) => void,
): void {
  for (let start = 0; start < ids.length; start += READ_BATCH) {
    const wanted = ids.slice(start, start + READ_BATCH);
    const byId = new Map<string, ArrayBuffer>();
    for (const row of sql
      .exec(
        "SELECT id, vector FROM vec_items WHERE index_id = ? AND id IN (SELECT value FROM json_each(?))",
        indexId,
        JSON.stringify(wanted),
      )
      .raw()) {
      const buf = row[1] as ArrayBuffer | null;
      if (buf && buf.byteLength === d * 4) byId.set(row[0] as string, buf);
    }
    const got: string[] = [];
    const data = new Float32Array(byId.size * d);
    for (const id of wanted) {
      const buf = byId.get(id);
      if (!buf) continue;
      data.set(new Float32Array(buf), got.length * d);
      got.push(id);
    }
    if (metric === "cosine") normalizeRows(data, d);
    fn(got, data);
  }
}

/** Scales every row of `data` to unit length (zero rows stay zero). */
export function normalizeRows(data: Float32Array, d: number): void {
  for (let o = 0; o < data.length; o += d) {
    let s = 0;
    for (let i = 0; i < d; i++) s += (data[o + i] as number) * (data[o + i] as number);
    if (s === 0) continue;
    const inv = 1 / Math.sqrt(s);
    for (let i = 0; i < d; i++) data[o + i] = (data[o + i] as number) * inv;
  }
}

/** Squared L2 distance between row `a` of `x` and row `b` of `y`. */
export function rowDistSq(x: Float32Array, a: number, y: Float32Array, b: number, d: number): number {
  let s = 0;
  const oa = a * d;
  const ob = b * d;
  for (let i = 0; i < d; i++) {
    const t = (x[oa + i] as number) - (y[ob + i] as number);
    s += t * t;
  }
  return s;
}

/**
 * The nearest of `nlist` centroids to row `row` of `data`, by L2 (one dot product each:
 * ‖c‖² − 2 x·c orders like ‖x − c‖²).
 */
export function nearestCentroid(
  data: Float32Array,
  row: number,
  centroids: Float32Array,
  cNormSq: Float64Array,
  nlist: number,
  d: number,
  x: Float32Array,
  dots: Float64Array,
): number {
  const o = row * d;
  for (let i = 0; i < d; i++) x[i] = data[o + i] as number;
  dotAll(x, centroids, nlist, d, dots);
  let best = 0;
  let bestKey = Number.POSITIVE_INFINITY;
  for (let c = 0; c < nlist; c++) {
    const k = (cNormSq[c] as number) - 2 * (dots[c] as number);
    if (k < bestKey) {
      bestKey = k;
      best = c;
    }
  }
  return best;
}

/** k-means++: the index of the next centre, drawn with probability ∝ D². */
export function drawByD2(minDist: Float64Array, rand: () => number): number {
  let total = 0;
  for (let i = 0; i < minDist.length; i++) total += minDist[i] as number;
  if (total <= 0) return Math.floor(rand() * minDist.length);
  let r = rand() * total;
  for (let i = 0; i < minDist.length; i++) {
    r -= minDist[i] as number;
    if (r <= 0) return i;
  }
  return minDist.length - 1;
}
