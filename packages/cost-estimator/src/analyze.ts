/**
 * ANALYZE (item 9 of issue 9). Sample mode reads 300 × target rows by random rowid probes
 * (rejection sampling over [min, max] rowid, so gaps cost a retry, never a bias) and rebuilds
 * null fractions, MCVs, histograms, widths and the reservoir. Full mode also rebuilds HLL and KLL
 * over rowid ranges of 50,000 rows, one range per wake-up, its cursor and partial sketches kept
 * in `est_tables`, so an evicted DO resumes where it stopped.
 * @module
 */
import type { Clock, Sql, SqlRow } from "@durable/core";
import { storageTable } from "@durable/tables";
import { ByteReader, ByteWriter } from "./byte-io.ts";
import { HyperLogLog } from "./hll.ts";
import { KllSketch } from "./kll.ts";
import { Rng } from "./random.ts";
import { analyzeColumn } from "./sample-analysis.ts";
import type { StatsStore } from "./stats-store.ts";
import type { TableStats } from "./table-stats.ts";

/** Rows a full ANALYZE reads per wake-up. */
export const FULL_CHUNK_ROWS = 50_000;

/** An ANALYZE as callers see it. */
export interface AnalyzeJob {
  jobId: string;
  table: string;
  full: boolean;
  status: "running" | "done";
  startedAt: number;
  finishedAt?: number;
  rowsRead: number;
  /** Last rowid a full ANALYZE read. */
  cursor?: number;
}

/** Runs ANALYZE over the ports. */
export class Analyzer {
  readonly #sql: Sql;
  readonly #clock: Clock;
  readonly #store: StatsStore;
  readonly #target: number;
  readonly #rng: Rng;

  constructor(sql: Sql, clock: Clock, store: StatsStore, target: number, seed = 42) {
    this.#sql = sql;
    this.#clock = clock;
    this.#store = store;
    this.#target = target;
    this.#rng = new Rng(seed);
  }

  /** Rows sample mode reads: 300 × target. */
  get sampleSize(): number {
    return 300 * this.#target;
  }

  /** A uniform sample of up to `size` rows and the table's exact row count. */
  readSample(table: string, size = this.sampleSize): { rows: SqlRow[]; total: number } {
    const from = storageTable(table);
    const range = this.#sql
      .exec<{ lo: number | null; hi: number | null; n: number }>(
        `SELECT min(rowid) AS lo, max(rowid) AS hi, count(*) AS n FROM ${from}`,
      )
      .one();
    if (range.n === 0 || range.lo === null || range.hi === null) return { rows: [], total: 0 };
    if (range.n <= size) return { rows: this.#sql.exec(`SELECT * FROM ${from}`).toArray(), total: range.n };
    const span = range.hi - range.lo + 1;
    const tried = new Set<number>();
    const rows: SqlRow[] = [];
    // Rejection sampling: a probe that hits a gap is retried; give up after 20 misses per hit wanted.
    for (let attempts = 0; rows.length < size && attempts < 20 * size; ) {
      const batch: number[] = [];
      for (let draws = 0; batch.length < 500 && tried.size < span && draws < 50_000; draws++) {
        const id = range.lo + this.#rng.int(span);
        if (tried.has(id)) continue;
        tried.add(id);
        batch.push(id);
      }
      if (batch.length === 0) break;
      attempts += batch.length;
      const want = size - rows.length;
      const got = this.#sql
        .exec(`SELECT * FROM ${from} WHERE rowid IN (SELECT value FROM json_each(?))`, JSON.stringify(batch))
        .toArray();
      for (const r of got.slice(0, want)) rows.push(r);
    }
    return { rows, total: range.n };
  }

  /** Sample mode: rebuilds everything but HLL and KLL; resets modifications. */
  analyzeSample(t: TableStats): void {
    const { rows, total } = this.readSample(t.name);
    t.rowCount = total;
    for (const col of t.columns.values()) {
      const hllNdv = col.complete && col.hll && col.valueCount > 0 ? col.hll.estimate() : null;
      col.analyzed = analyzeColumn(col, rows, total, hllNdv, this.#target);
      if (!col.complete) {
        // The sketches missed rows written before the estimator: take the sample's null count.
        col.nullCount = Math.round(col.analyzed.nullFrac * total);
        col.valueCount = total - col.nullCount;
      }
      col.version++;
    }
    t.reservoir.reset(this.#shuffle(rows), total);
    t.mods = 0;
    t.analyzedAt = this.#clock.now();
    t.version++;
    t.dirty = false;
    this.#store.saveAnalyzed(t);
    this.#store.saveSketches(t);
  }

  #shuffle(rows: SqlRow[]): SqlRow[] {
    const k = Math.min(rows.length, 1000);
    const copy = rows.slice();
    for (let i = 0; i < k; i++) {
      const j = i + this.#rng.int(copy.length - i);
      [copy[i], copy[j]] = [copy[j] as SqlRow, copy[i] as SqlRow];
    }
    return copy.slice(0, k);
  }

  /**
   * One step of a full ANALYZE: reads the next 50,000 rows after the cursor into the job's
   * sketches. On the last range the rebuilt HLL and KLL replace the columns' and a sample
   * ANALYZE finishes the job.
   * @returns the job after this step
   */
  fullStep(t: TableStats, job: AnalyzeJob): AnalyzeJob {
    const sketches = this.#loadJobSketches(t, job);
    const rows = this.#sql
      .exec(
        `SELECT rowid AS __rowid, * FROM ${storageTable(t.name)} WHERE rowid > ? ORDER BY rowid LIMIT ?`,
        job.cursor ?? -(2 ** 53),
        FULL_CHUNK_ROWS,
      )
      .toArray();
    for (const row of rows) {
      for (const [name, s] of sketches) {
        const v = row[name] ?? null;
        if (v === null) s.nulls++;
        else if (typeof v === "number" || typeof v === "string") {
          s.values++;
          s.hll.add(v);
          s.kll.update(v);
        } else s.values++;
      }
    }
    const last = rows[rows.length - 1];
    const next: AnalyzeJob = {
      ...job,
      rowsRead: job.rowsRead + rows.length,
      ...(last ? { cursor: last.__rowid as number } : {}),
    };
    if (rows.length === FULL_CHUNK_ROWS) {
      this.#store.saveJob(t, JSON.stringify(next), encodeSketches(sketches));
      return next;
    }
    for (const [name, s] of sketches) {
      const col = t.columns.get(name);
      if (!col) continue;
      if (col.hll) {
        col.hll = s.hll;
        col.kll = s.kll;
      }
      col.nullCount = s.nulls;
      col.valueCount = s.values;
      col.complete = true;
      col.version++;
    }
    t.rowCount = next.rowsRead;
    this.analyzeSample(t);
    const done: AnalyzeJob = { ...next, status: "done", finishedAt: this.#clock.now() };
    this.#store.saveJob(t, JSON.stringify(done), null);
    return done;
  }

  #loadJobSketches(t: TableStats, job: AnalyzeJob): Map<string, JobSketch> {
    const stored = job.rowsRead > 0 ? this.#store.jobSketches(t) : null;
    if (stored) return decodeSketches(stored);
    const out = new Map<string, JobSketch>();
    for (const col of t.columns.values()) {
      out.set(col.name, {
        nulls: 0,
        values: 0,
        hll: new HyperLogLog(t.params.hllPrecision),
        kll: new KllSketch(t.params.kllK),
      });
    }
    return out;
  }
}

interface JobSketch {
  nulls: number;
  values: number;
  hll: HyperLogLog;
  kll: KllSketch;
}

function encodeSketches(s: Map<string, JobSketch>): Uint8Array {
  const w = new ByteWriter().u32(s.size);
  for (const [name, j] of s) w.text(name).f64(j.nulls).f64(j.values).chunk(j.hll.toBytes()).chunk(j.kll.toBytes());
  return w.finish();
}

function decodeSketches(bytes: ArrayBuffer): Map<string, JobSketch> {
  const r = new ByteReader(bytes);
  const out = new Map<string, JobSketch>();
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    const name = r.text();
    out.set(name, {
      nulls: r.f64(),
      values: r.f64(),
      hll: HyperLogLog.fromBytes(r.chunk()),
      kll: KllSketch.fromBytes(r.chunk()),
    });
  }
  return out;
}
