/**
 * One trained IVF generation: its centroids and int8 quantizer, loaded from `vec_centroids`
 * into the shared cache. It assigns a vector to its list (written with the vector, in the same
 * transaction) and ranks lists for a query.
 * @module
 */
import type { Sql } from "@durable/core";
import type { Metric } from "../config.ts";
import type { Sized, VectorCache } from "./cache.ts";
import { dotAll } from "./kernels.ts";
import { Quantizer } from "./quantizer.ts";

/** The row of `vec_centroids` that holds a generation's quantizer. */
export const QUANTIZER_LIST = -1;

/** Centroids and quantizer of one generation. */
export class IvfModel implements Sized {
  readonly nlist: number;
  readonly d: number;
  readonly metric: Metric;
  readonly centroids: Float32Array;
  readonly quantizer: Quantizer;
  readonly bytes: number;
  /** Squared norms of the centroids: L2 order from one dot product per centroid. */
  readonly centroidNormSq: Float64Array;

  constructor(metric: Metric, d: number, centroids: Float32Array, quantizer: Quantizer) {
    this.metric = metric;
    this.d = d;
    this.nlist = centroids.length / d;
    this.centroids = centroids;
    this.quantizer = quantizer;
    this.centroidNormSq = centroidNorms(centroids, d);
    this.bytes = centroids.byteLength + 8 * d + 8 * this.nlist + 256;
  }

  /** Loads generation `generation` of index `indexId`, or null when it has no centroids. */
  static load(sql: Sql, indexId: number, generation: number, metric: Metric, d: number): IvfModel | null {
    const rows = sql
      .exec<{ list_id: number; centroid: ArrayBuffer | null; qmin: ArrayBuffer | null; qscale: ArrayBuffer | null }>(
        "SELECT list_id, centroid, qmin, qscale FROM vec_centroids WHERE index_id = ? AND generation = ? ORDER BY list_id",
        indexId,
        generation,
      )
      .toArray();
    const q = rows.find((r) => r.list_id === QUANTIZER_LIST);
    const lists = rows.filter((r) => r.list_id >= 0);
    if (!q?.qmin || !q.qscale || lists.length === 0) return null;
    const centroids = new Float32Array(lists.length * d);
    for (const r of lists) {
      if (r.centroid && r.centroid.byteLength === d * 4) centroids.set(new Float32Array(r.centroid), r.list_id * d);
    }
    return new IvfModel(metric, d, centroids, new Quantizer(new Float32Array(q.qmin), new Float32Array(q.qscale)));
  }

  /** Through the cache: `key` names the store, index and generation. */
  static cached(cache: VectorCache, key: string, load: () => IvfModel | null): IvfModel | null {
    const hit = cache.get<IvfModel>(key);
    if (hit) return hit;
    const model = load();
    if (model) cache.set(key, model);
    return model;
  }

  /** The vector as lists see it: unit length under cosine. */
  prepare(v: Float32Array, norm: number, out: Float32Array): Float32Array {
    if (this.metric !== "cosine") {
      out.set(v);
      return out;
    }
    const inv = norm > 0 ? 1 / norm : 0;
    for (let i = 0; i < v.length; i++) out[i] = (v[i] as number) * inv;
    return out;
  }

  /** Lower is nearer, per list: L2 to the centroid, or the negative inner product under dot-product. */
  keys(v: Float32Array, out: Float64Array): Float64Array {
    dotAll(v, this.centroids, this.nlist, this.d, out);
    for (let c = 0; c < this.nlist; c++) {
      const dot = out[c] as number;
      // ‖v − c‖² = ‖v‖² + ‖c‖² − 2 v·c, and ‖v‖² is the same for every list.
      out[c] = this.metric === "dot-product" ? -dot : (this.centroidNormSq[c] as number) - 2 * dot;
    }
    return out;
  }

  /** The list of a prepared vector. */
  nearest(v: Float32Array): number {
    const keys = this.keys(v, new Float64Array(this.nlist));
    let best = 0;
    for (let c = 1; c < this.nlist; c++) if ((keys[c] as number) < (keys[best] as number)) best = c;
    return best;
  }

  /** Every list, nearest first. */
  rank(v: Float32Array): Int32Array {
    const keys = this.keys(v, new Float64Array(this.nlist));
    const order = Int32Array.from({ length: this.nlist }, (_, i) => i);
    order.sort((a, b) => (keys[a] as number) - (keys[b] as number) || a - b);
    return order;
  }

  /** List and int8 code of a vector, as written with it. */
  assign(v: Float32Array, norm: number, scratch: Float32Array): { listId: number; code: Uint8Array } {
    const p = this.prepare(v, norm, scratch);
    const code = new Int8Array(this.d);
    this.quantizer.encode(p, 0, code, 0);
    return { listId: this.nearest(p), code: new Uint8Array(code.buffer) };
  }
}

/** Squared L2 norm of each of the `centroids.length / d` centroids. */
export function centroidNorms(centroids: Float32Array, d: number): Float64Array {
  const n = centroids.length / d;
  const out = new Float64Array(n);
  for (let c = 0; c < n; c++) out[c] = selfDot(centroids, c * d, d);
  return out;
}

function selfDot(a: Float32Array, offset: number, d: number): number {
  let s = 0;
  for (let i = 0; i < d; i++) s += (a[offset + i] as number) * (a[offset + i] as number);
  return s;
}
