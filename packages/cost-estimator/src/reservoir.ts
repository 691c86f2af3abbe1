/**
 * A uniform sample of whole rows (item 6 of issue 9) by Li's Algorithm L: after the first k
 * rows it draws how many rows to skip instead of a coin per row, so a large insert costs almost
 * nothing. Whole rows keep the columns' correlation for multi-column predicates. Values over
 * 256 bytes are truncated; the stored form is capped at 256 KB.
 * @module
 */
import type { SqlRow, SqlValue } from "@durable/core";
import { ByteReader, ByteWriter, FORMAT_VERSION, SKETCH_TYPE } from "./byte-io.ts";
import { invalidSketchParams, sketchCorrupt } from "./errors.ts";
import { Rng } from "./random.ts";
import { truncateUtf8 } from "./value-order.ts";

/** Longest value kept in a sampled row, in bytes. */
export const SAMPLE_MAX_VALUE_BYTES = 256;
/** Largest stored sample, in bytes. */
export const SAMPLE_MAX_BYTES = 256 * 1024;

function truncateValue(v: SqlValue, max: number): SqlValue {
  if (typeof v === "string") return truncateUtf8(v, max);
  if (v instanceof ArrayBuffer && v.byteLength > max) return v.slice(0, max);
  return v;
}

/**
 * A reservoir of up to `k` rows.
 * @example
 * const r = new Reservoir(1000);
 * for (const row of rows) r.offer(row);
 */
export class Reservoir {
  readonly k: number;
  #rows: SqlRow[] = [];
  #seen = 0;
  #next = 0;
  #w = 1;
  readonly #rng: Rng;

  /** @throws {INVALID_SKETCH_PARAMS} k < 1 */
  constructor(k = 1000, seed = 7) {
    if (!Number.isInteger(k) || k < 1) throw invalidSketchParams(`reservoir size ${k}`);
    this.k = k;
    this.#rng = new Rng(seed);
  }

  /** Rows offered so far. */
  get seen(): number {
    return this.#seen;
  }

  /** The sampled rows (do not mutate). */
  get rows(): readonly SqlRow[] {
    return this.#rows;
  }

  #u(): number {
    return this.#rng.next() || Number.MIN_VALUE;
  }

  #skip(): void {
    this.#w *= Math.exp(Math.log(this.#u()) / this.k);
    this.#next += Math.floor(Math.log(this.#u()) / Math.log(1 - this.#w)) + 1;
  }

  /** Offers one row; it is copied (values truncated) only when it is kept. */
  offer(row: SqlRow): void {
    const i = this.#seen++;
    if (i < this.k) {
      this.#rows.push(copyRow(row));
      if (i === this.k - 1) {
        this.#next = this.k - 1;
        this.#skip();
      }
      return;
    }
    if (i === this.#next) {
      this.#rows[this.#rng.int(this.k)] = copyRow(row);
      this.#skip();
    }
  }

  /** Replaces the sample with `rows` (an ANALYZE sample) that stand for `seen` rows. */
  reset(rows: readonly SqlRow[], seen: number): void {
    this.#rows = rows.slice(0, this.k).map(copyRow);
    this.#seen = Math.max(seen, this.#rows.length);
    if (this.#seen >= this.k) {
      this.#w = 1;
      this.#next = this.#seen - 1;
      this.#skip();
    }
  }

  /** Header, k, seen, the rows as JSON-safe values (strings cut further until ≤ 256 KB). */
  toBytes(): Uint8Array {
    for (let max = SAMPLE_MAX_VALUE_BYTES; ; max = Math.floor(max / 2)) {
      const w = new ByteWriter().u8(FORMAT_VERSION).u8(SKETCH_TYPE.reservoir).u8(0).u8(0);
      w.u32(this.k).f64(this.#seen).u32(this.#rows.length);
      for (const row of this.#rows) {
        const keys = Object.keys(row);
        w.u32(keys.length);
        for (const key of keys) {
          const v = truncateValue(row[key] ?? null, max);
          w.text(key);
          if (v === null) w.u8(0);
          else if (typeof v === "number") w.u8(1).f64(v);
          else if (typeof v === "string") w.u8(2).text(v);
          else w.u8(3).chunk(new Uint8Array(v));
        }
      }
      if (w.length <= SAMPLE_MAX_BYTES || max <= 8) return w.finish();
    }
  }

  /** @throws {SKETCH_CORRUPT} */
  static fromBytes(bytes: Uint8Array | ArrayBuffer, seed = 7): Reservoir {
    const r = new ByteReader(bytes);
    r.header(SKETCH_TYPE.reservoir);
    const k = r.u32();
    const seen = r.f64();
    const count = r.u32();
    if (k < 1 || count > k || !Number.isFinite(seen)) throw sketchCorrupt("reservoir header");
    const rows: SqlRow[] = [];
    for (let i = 0; i < count; i++) {
      const row: SqlRow = {};
      const cols = r.u32();
      for (let c = 0; c < cols; c++) {
        const key = r.text();
        const tag = r.u8();
        if (tag === 0) row[key] = null;
        else if (tag === 1) row[key] = r.f64();
        else if (tag === 2) row[key] = r.text();
        else if (tag === 3) row[key] = r.chunk().slice().buffer as ArrayBuffer;
        else throw sketchCorrupt(`reservoir value tag ${tag}`);
      }
      rows.push(row);
    }
    r.end();
    const out = new Reservoir(k, seed);
    out.reset(rows, seen);
    return out;
  }
}

function copyRow(row: SqlRow): SqlRow {
  const out: SqlRow = {};
  for (const key in row) out[key] = truncateValue(row[key] ?? null, SAMPLE_MAX_VALUE_BYTES);
  return out;
}
