/**
 * IVF training as wake-up chunks, bounded by work count, not time (a production clock stands
 * still during CPU work): each chunk reads ≤ 5,000 vectors and does ≤ 10⁹ multiply-adds, in one
 * transaction with its progress in `vec_train`. Generation g+1 is built beside g (its own
 * centroid rows, staged list assignments), catches up on writes made meanwhile, and replaces g
 * in one `transactionSync`; queries use g until then.
 *
 * Phases: a seeded sample of min(N, 10,000) and nlist = round(√N) clamped to 16–1,024; k-means++
 * on the sample's first ≤ 5,000 vectors; ≤ 25 Lloyd iterations (or < 0.1% reassigned) over the
 * whole sample, which also gives the int8 quantizer's per-dimension min/max; every vector
 * assigned (keyset by id); a catch-up of vectors written since; the swap.
 * @module
 */
import type { IndexRow } from "../catalog.ts";
import { genKey, type LocalContext } from "../context.ts";
import { VECTOR_LIMITS as L } from "../limits.ts";
import { centroidNorms, IvfModel, QUANTIZER_LIST } from "../search/ivf-model.ts";
import { Quantizer } from "../search/quantizer.ts";
import { drawByD2, forEachBatch, loadVectors, nearestCentroid, READ_BATCH, rowDistSq, seededRandom } from "./kmeans.ts";
import { clearTraining, readTrainState, type TrainState, writeTrainState } from "./train-state.ts";

/** Vectors per chunk for `nlist` lists of `d` dimensions. */
export function chunkVectors(nlist: number, d: number): number {
  return Math.max(1, Math.min(L.trainChunkVectors, Math.floor(L.trainChunkMultiplyAdds / (nlist * d))));
}

/** Whether `index` should (re)train now. */
export function trainingDue(index: IndexRow): boolean {
  if (index.vectorCount < index.config.ivfThreshold) return false;
  return index.generation === 0 || index.vectorCount >= L.retrainFactor * index.trainedCount;
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Runs training chunks of one index. */
export class Trainer {
  readonly #ctx: LocalContext;

  constructor(ctx: LocalContext) {
    this.#ctx = ctx;
  }

  /** Whether a run of `indexId` is in progress. */
  inProgress(indexId: number): boolean {
    return readTrainState(this.#ctx.sql, indexId) !== undefined;
  }

  /**
   * Runs one chunk for `index` (starting a run when none is in progress and one is due).
   * @returns true while more chunks remain
   */
  step(index: IndexRow): boolean {
    return this.#ctx.transactionSync(() => {
      const s = readTrainState(this.#ctx.sql, index.id);
      if (!s) {
        if (!trainingDue(index)) return false;
        this.#start(index);
        return true;
      }
      s.chunks++;
      switch (s.phase) {
        case "init":
          this.#init(index, s);
          break;
        case "lloyd":
          this.#lloyd(index, s);
          break;
        case "assign":
          this.#assign(index, s, false);
          break;
        default:
          if (this.#assign(index, s, true)) {
            this.#swap(index, s);
            return false;
          }
      }
      writeTrainState(this.#ctx.sql, s, this.#ctx.clock.now());
      return true;
    });
  }

  #start(index: IndexRow): void {
    const { sql } = this.#ctx;
    const n = index.vectorCount;
    const size = Math.min(n, L.trainSampleSize);
    const rand = seededRandom(index.id * 7919 + index.generation + 1);
    // Reservoir sampling over the ids (no vector is read here).
    const sample: string[] = [];
    let seen = 0;
    for (const row of sql.exec("SELECT id FROM vec_items WHERE index_id = ? ORDER BY id", index.id).raw()) {
      const id = row[0] as string;
      if (sample.length < size) sample.push(id);
      else {
        const j = Math.floor(rand() * (seen + 1));
        if (j < size) sample[j] = id;
      }
      seen++;
    }
    const nlist = Math.min(sample.length, Math.max(L.minLists, Math.min(L.maxLists, Math.round(Math.sqrt(n)))));
    const s: TrainState = {
      indexId: index.id,
      generation: index.generation + 1,
      phase: "init",
      nlist,
      sample,
      iteration: 0,
      cursor: "0",
      reassigned: 0,
      added: 0,
      minDist: null,
      assign: null,
      qmin: null,
      qmax: null,
      chunks: 1,
      startedCount: seen,
    };
    sql.exec("DELETE FROM vec_centroids WHERE index_id = ? AND generation = ?", index.id, s.generation);
    writeTrainState(sql, s, this.#ctx.clock.now());
  }

  #centroids(index: IndexRow, s: TrainState): Float32Array {
    const d = index.config.dimensions;
    const out = new Float32Array(s.nlist * d);
    for (const r of this.#ctx.sql.exec<{ list_id: number; centroid: ArrayBuffer }>(
      "SELECT list_id, centroid FROM vec_centroids WHERE index_id = ? AND generation = ? AND list_id >= 0",
      index.id,
      s.generation,
    )) {
      out.set(new Float32Array(r.centroid), r.list_id * d);
    }
    return out;
  }

  #putCentroid(index: IndexRow, s: TrainState, list: number, c: Float32Array): void {
    this.#ctx.sql.exec(
      "INSERT OR REPLACE INTO vec_centroids (index_id, generation, list_id, centroid) VALUES (?, ?, ?, ?)",
      index.id,
      s.generation,
      list,
      bytesOf(c),
    );
  }

  /** k-means++ on the first ≤ 5,000 sample vectors, as many centres as the chunk's budget allows. */
  #init(index: IndexRow, s: TrainState): void {
    const { dimensions: d, metric } = index.config;
    const m = Math.min(s.sample.length, L.trainChunkVectors);
    const set = loadVectors(this.#ctx.sql, index.id, s.sample.slice(0, m), d, metric);
    const rows = set.ids.length;
    const minDist = s.minDist && s.minDist.length === rows ? s.minDist : new Float64Array(rows).fill(Infinity);
    const budget = Math.max(1, Math.floor(L.trainChunkMultiplyAdds / (rows * d)));
    for (let k = 0; k < budget && s.added < s.nlist; k++) {
      const rand = seededRandom(index.id * 104729 + s.generation * 31 + s.added);
      const pick = s.added === 0 ? Math.floor(rand() * rows) : drawByD2(minDist, rand);
      const centre = set.data.slice(pick * d, pick * d + d);
      this.#putCentroid(index, s, s.added, centre);
      for (let i = 0; i < rows; i++) {
        const dist = rowDistSq(set.data, i, centre, 0, d);
        if (dist < (minDist[i] as number)) minDist[i] = dist;
      }
      s.added++;
    }
    s.minDist = minDist;
    if (s.added >= s.nlist) {
      s.nlist = s.added;
      s.phase = "lloyd";
      s.minDist = null;
      s.cursor = "0";
      s.assign = new Int32Array(s.sample.length).fill(-1);
      s.qmin = new Float32Array(d).fill(Infinity);
      s.qmax = new Float32Array(d).fill(-Infinity);
    }
  }

  /** One chunk of a Lloyd iteration: assign, accumulate sums; finish the iteration at the end. */
  #lloyd(index: IndexRow, s: TrainState): void {
    const { sql } = this.#ctx;
    const { dimensions: d, metric } = index.config;
    const per = chunkVectors(s.nlist, d);
    const from = Number(s.cursor);
    const ids = s.sample.slice(from, from + per);
    const centroids = this.#centroids(index, s);
    const norms = centroidNorms(centroids, d);
    const sums = new Float64Array(s.nlist * d);
    const counts = new Float64Array(s.nlist);
    for (const r of sql.exec<{ list_id: number; sum: ArrayBuffer; count: number }>(
      "SELECT list_id, sum, count FROM vec_train_acc WHERE index_id = ?",
      index.id,
    )) {
      sums.set(new Float64Array(r.sum), r.list_id * d);
      counts[r.list_id] = r.count;
    }
    const x = new Float32Array(d);
    const dots = new Float64Array(s.nlist);
    const position = new Map(ids.map((id, i) => [id, from + i]));
    const assign = s.assign as Int32Array;
    const qmin = s.qmin as Float32Array;
    const qmax = s.qmax as Float32Array;
    forEachBatch(sql, index.id, ids, d, metric, (batchIds, data) => {
      for (let i = 0; i < batchIds.length; i++) {
        const c = nearestCentroid(data, i, centroids, norms, s.nlist, d, x, dots);
        const at = position.get(batchIds[i] as string) as number;
        if (assign[at] !== c) s.reassigned++;
        assign[at] = c;
        counts[c] = (counts[c] as number) + 1;
        const o = c * d;
        for (let j = 0; j < d; j++) {
          const v = x[j] as number;
          sums[o + j] = (sums[o + j] as number) + v;
          if (s.iteration === 0) {
            if (v < (qmin[j] as number)) qmin[j] = v;
            if (v > (qmax[j] as number)) qmax[j] = v;
          }
        }
      }
    });
    const end = from + ids.length;
    if (end < s.sample.length) {
      for (let c = 0; c < s.nlist; c++) {
        sql.exec(
          "INSERT OR REPLACE INTO vec_train_acc (index_id, list_id, sum, count) VALUES (?, ?, ?, ?)",
          index.id,
          c,
          bytesOf(sums.subarray(c * d, c * d + d)),
          counts[c] as number,
        );
      }
      s.cursor = String(end);
      return;
    }
    // The iteration is complete: move the centres (an empty list keeps its centre).
    for (let c = 0; c < s.nlist; c++) {
      const n = counts[c] as number;
      if (n === 0) continue;
      const next = new Float32Array(d);
      let sq = 0;
      for (let j = 0; j < d; j++) {
        next[j] = (sums[c * d + j] as number) / n;
        sq += (next[j] as number) * (next[j] as number);
      }
      if (metric === "cosine" && sq > 0) {
        const inv = 1 / Math.sqrt(sq);
        for (let j = 0; j < d; j++) next[j] = (next[j] as number) * inv;
      }
      this.#putCentroid(index, s, c, next);
    }
    sql.exec("DELETE FROM vec_train_acc WHERE index_id = ?", index.id);
    s.iteration++;
    const converged = s.iteration > 1 && s.reassigned < L.convergedShare * s.sample.length;
    s.reassigned = 0;
    s.cursor = "0";
    if (converged || s.iteration >= L.maxLloydIterations) {
      const q = Quantizer.fromRange(qmin, qmax);
      sql.exec(
        "INSERT OR REPLACE INTO vec_centroids (index_id, generation, list_id, centroid, qmin, qscale) VALUES (?, ?, ?, NULL, ?, ?)",
        index.id,
        s.generation,
        QUANTIZER_LIST,
        bytesOf(q.min),
        bytesOf(q.scale),
      );
      s.phase = "assign";
      s.cursor = "";
      s.assign = null;
      s.qmin = null;
      s.qmax = null;
    }
  }

  /**
   * Stages list and code under g+1 for a chunk of vectors: in id order (assign), or those
   * without a staged row (catch-up: written since their turn).
   * @returns true when nothing is left to stage
   */
  #assign(index: IndexRow, s: TrainState, catchup: boolean): boolean {
    const { sql } = this.#ctx;
    const { dimensions: d, metric } = index.config;
    const model = IvfModel.load(sql, index.id, s.generation, metric, d);
    if (!model) throw new Error(`generation ${s.generation} of index ${index.id} has no centroids`);
    const per = chunkVectors(s.nlist, d);
    const scratch = new Float32Array(d);
    let n = 0;
    for (let got = READ_BATCH; n < per && got > 0; ) {
      const limit = Math.min(READ_BATCH, per - n);
      const rows = catchup
        ? sql.exec(
            `SELECT id, vector, norm FROM vec_items i WHERE index_id = ? AND length(vector) = ? AND NOT EXISTS
               (SELECT 1 FROM vec_train_assign a WHERE a.index_id = i.index_id AND a.id = i.id) LIMIT ?`,
            index.id,
            d * 4,
            limit,
          )
        : sql.exec(
            "SELECT id, vector, norm FROM vec_items WHERE index_id = ? AND id > ? ORDER BY id LIMIT ?",
            index.id,
            s.cursor,
            limit,
          );
      got = 0;
      for (const row of rows.toArray()) {
        got++;
        const buf = row.vector as ArrayBuffer;
        if (!catchup) s.cursor = row.id as string;
        if (buf.byteLength !== d * 4) continue;
        const placed = model.assign(new Float32Array(buf), row.norm as number, scratch);
        sql.exec(
          "INSERT OR REPLACE INTO vec_train_assign (index_id, id, list_id, code) VALUES (?, ?, ?, ?)",
          index.id,
          row.id as string,
          placed.listId,
          placed.code,
        );
      }
      n += got;
      if (got < limit) break;
    }
    if (!catchup && n < per) s.phase = "catchup";
    return n < per;
  }

  /** Replaces generation g by g+1 (inside the chunk's transaction). */
  #swap(index: IndexRow, s: TrainState): void {
    const { sql, catalog, cache } = this.#ctx;
    sql.exec(
      `UPDATE vec_items SET list_id = a.list_id, code = a.code FROM vec_train_assign a
       WHERE vec_items.index_id = ? AND a.index_id = vec_items.index_id AND a.id = vec_items.id`,
      index.id,
    );
    // A corrupt row has no staged place under g+1: it leaves the lists (and stays counted).
    sql.exec(
      "UPDATE vec_items SET list_id = NULL, code = NULL WHERE index_id = ? AND length(vector) != ?",
      index.id,
      index.config.dimensions * 4,
    );
    sql.exec("DELETE FROM vec_centroids WHERE index_id = ? AND generation < ?", index.id, s.generation);
    catalog.promote(index.id, s.generation, s.startedCount);
    clearTraining(sql, index.id);
    cache.deletePrefix(genKey(this.#ctx, index.id, index.generation));
  }
}
