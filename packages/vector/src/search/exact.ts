/**
 * Exact (flat) search, tuned: rows come through `raw()` and are copied in blocks of 1,024 into
 * one reused Float32Array; norms were computed at write; the kernels are 4-way unrolled; the
 * top-k is a bounded heap; the filter is part of the scan's WHERE, so a row that fails it never
 * reaches the heap. A BLOB of the wrong length is skipped and counted.
 * @module
 */
import type { Sql } from "@durable/core";
import type { Metric } from "../config.ts";
import type { CompiledFilter } from "../filter.ts";
import { dot4At, dotAt, rankKey, scoreAt } from "./kernels.ts";
import { TopK } from "./top-k.ts";

/** Rows copied per block. */
export const BLOCK_ROWS = 1024;

/** What a scan needs. */
export interface ScanSpec {
  indexId: number;
  metric: Metric;
  dimensions: number;
  query: Float32Array;
  queryNorm: number;
  namespace: string | undefined;
  filter: CompiledFilter;
}

/** The outcome: the heap and the rows skipped as corrupt. */
export interface ScanResult {
  top: TopK;
  corrupt: number;
}

/**
 * Scores one block of `n` rows into `top`, four rows per pass over the query (`dot4At`: each
 * query value loaded once for four rows). Every metric is a dot product plus precomputed norms:
 * euclidean is √(‖q‖² + ‖x‖² − 2 q·x).
 */
export function scoreBlock(
  spec: Pick<ScanSpec, "metric" | "dimensions" | "query" | "queryNorm">,
  block: Float32Array,
  norms: Float64Array,
  ids: string[],
  n: number,
  top: TopK,
): void {
  const { metric, dimensions: d, query, queryNorm } = spec;
  const four = new Float64Array(4);
  const qq = queryNorm * queryNorm;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    dot4At(query, block, j, d, four);
    for (let r = 0; r < 4; r++) {
      const key = keyOf(metric, four[r] as number, queryNorm, qq, norms[j + r] as number);
      if (top.accepts(key)) top.offer(key, ids[j + r] as string);
    }
  }
  for (; j < n; j++) {
    const key = keyOf(metric, dotAt(query, block, j * d, d), queryNorm, qq, norms[j] as number);
    if (top.accepts(key)) top.offer(key, ids[j] as string);
  }
}

/** The rank key (lower is better) of a row from its dot product with the query and its norm. */
function keyOf(metric: Metric, dot: number, queryNorm: number, qq: number, norm: number): number {
  if (metric === "cosine") return -(dot / (queryNorm * norm));
  if (metric === "dot-product") return -dot;
  const sq = qq + norm * norm - 2 * dot;
  return sq > 0 ? Math.sqrt(sq) : 0;
}

/**
 * Scans every row of the index (or namespace) that passes the filter.
 * @param k the heap size (topK, or a rerank width)
 */
export function exactScan(sql: Sql, spec: ScanSpec, k: number): ScanResult {
  const d = spec.dimensions;
  const block = new Float32Array(BLOCK_ROWS * d);
  const norms = new Float64Array(BLOCK_ROWS);
  const ids = new Array<string>(BLOCK_ROWS).fill("");
  const top = new TopK(k);
  const where = spec.namespace === undefined ? "" : " AND ns = ?";
  const bindings = spec.namespace === undefined ? [] : [spec.namespace];
  const cursor = sql.exec(
    `SELECT id, vector, norm FROM vec_items WHERE index_id = ?${where} AND (${spec.filter.sql})`,
    spec.indexId,
    ...bindings,
    ...spec.filter.bindings,
  );
  let n = 0;
  let corrupt = 0;
  const bytes = d * 4;
  for (const row of cursor.raw()) {
    const buf = row[1] as ArrayBuffer | null;
    if (!buf || buf.byteLength !== bytes) {
      corrupt++;
      continue;
    }
    block.set(new Float32Array(buf), n * d);
    norms[n] = row[2] as number;
    ids[n] = row[0] as string;
    if (++n === BLOCK_ROWS) {
      scoreBlock(spec, block, norms, ids, n, top);
      n = 0;
    }
  }
  if (n > 0) scoreBlock(spec, block, norms, ids, n, top);
  return { top, corrupt };
}

/**
 * Scores the given ids exactly (IVF's rerank, or a filter that matched few rows).
 * @returns the heap of the best `k`
 */
export function scoreIds(sql: Sql, spec: Omit<ScanSpec, "namespace" | "filter">, ids: string[], k: number): TopK {
  const d = spec.dimensions;
  const top = new TopK(k);
  const block = new Float32Array(d);
  for (let start = 0; start < ids.length; start += 5000) {
    const cursor = sql.exec(
      "SELECT id, vector, norm FROM vec_items WHERE index_id = ? AND id IN (SELECT value FROM json_each(?))",
      spec.indexId,
      JSON.stringify(ids.slice(start, start + 5000)),
    );
    for (const row of cursor.raw()) {
      const buf = row[1] as ArrayBuffer | null;
      if (!buf || buf.byteLength !== d * 4) continue;
      block.set(new Float32Array(buf));
      const score = scoreAt(spec.metric, spec.query, spec.queryNorm, block, 0, d, row[2] as number);
      top.offer(rankKey(spec.metric, score), row[0] as string);
    }
  }
  return top;
}
