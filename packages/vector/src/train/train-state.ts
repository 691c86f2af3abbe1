/**
 * Training progress (`vec_train`, one row per index being trained), so a DO evicted between
 * two wake-ups resumes where it stopped. Each chunk reads and writes it in the same
 * transaction as its other writes.
 * @module
 */
import type { Sql } from "@durable/core";

/** The phases of building generation g+1 beside g. */
export type TrainPhase = "init" | "lloyd" | "assign" | "catchup";

/** One training run. */
export interface TrainState {
  indexId: number;
  generation: number;
  phase: TrainPhase;
  nlist: number;
  sample: string[];
  iteration: number;
  /** Offset into the sample (init, lloyd) or the last id assigned (assign). */
  cursor: string;
  reassigned: number;
  /** Centres chosen so far by k-means++. */
  added: number;
  minDist: Float64Array | null;
  assign: Int32Array | null;
  qmin: Float32Array | null;
  qmax: Float32Array | null;
  chunks: number;
  startedCount: number;
}

type Raw = {
  index_id: number;
  generation: number;
  phase: string;
  nlist: number;
  sample: string;
  iteration: number;
  cursor: string;
  reassigned: number;
  added: number;
  min_dist: ArrayBuffer | null;
  assign: ArrayBuffer | null;
  qmin: ArrayBuffer | null;
  qmax: ArrayBuffer | null;
  chunks: number;
  started_count: number;
};

const view = <T>(b: ArrayBuffer | null, make: (b: ArrayBuffer) => T): T | null => (b ? make(b) : null);
const bytes = (a: ArrayBufferView | null) => (a ? new Uint8Array(a.buffer, a.byteOffset, a.byteLength) : null);

/** Reads the training row of an index, or undefined. */
export function readTrainState(sql: Sql, indexId: number): TrainState | undefined {
  const r = sql.exec<Raw>("SELECT * FROM vec_train WHERE index_id = ?", indexId).toArray()[0];
  if (!r) return undefined;
  return {
    indexId: r.index_id,
    generation: r.generation,
    phase: r.phase as TrainPhase,
    nlist: r.nlist,
    sample: JSON.parse(r.sample) as string[],
    iteration: r.iteration,
    cursor: r.cursor,
    reassigned: r.reassigned,
    added: r.added,
    minDist: view(r.min_dist, (b) => new Float64Array(b)),
    assign: view(r.assign, (b) => new Int32Array(b)),
    qmin: view(r.qmin, (b) => new Float32Array(b)),
    qmax: view(r.qmax, (b) => new Float32Array(b)),
    chunks: r.chunks,
    startedCount: r.started_count,
  };
}

/** Writes (inserts or replaces) the training row. */
export function writeTrainState(sql: Sql, s: TrainState, nowMs: number): void {
  sql.exec(
    `INSERT OR REPLACE INTO vec_train (index_id, generation, phase, nlist, sample, sample_size, iteration, cursor,
       reassigned, added, min_dist, assign, qmin, qmax, chunks, started_count, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    s.indexId,
    s.generation,
    s.phase,
    s.nlist,
    JSON.stringify(s.sample),
    s.sample.length,
    s.iteration,
    s.cursor,
    s.reassigned,
    s.added,
    bytes(s.minDist),
    bytes(s.assign),
    bytes(s.qmin),
    bytes(s.qmax),
    s.chunks,
    s.startedCount,
    nowMs,
  );
}

/** Removes every trace of a training run of `indexId` (finished, or its index dropped). */
export function clearTraining(sql: Sql, indexId: number): void {
  sql.exec("DELETE FROM vec_train WHERE index_id = ?", indexId);
  sql.exec("DELETE FROM vec_train_acc WHERE index_id = ?", indexId);
  sql.exec("DELETE FROM vec_train_assign WHERE index_id = ?", indexId);
}
