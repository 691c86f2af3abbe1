/**
 * The statistics of one column (item 7 of issue 9): null count, width, and, for comparable
 * types, an HLL, a KLL and SpaceSaving counters kept by the write hook, plus what the last
 * ANALYZE found (null fraction, ndv, exact-sample MCVs, histogram). `blob` and `json` keep only
 * null count and width. The stored form fits in 64 KB: strings are cut and MCVs dropped until
 * it does.
 * @module
 */
import type { SqlValue } from "@durable/core";
import { ByteReader, ByteWriter, FORMAT_VERSION, SKETCH_TYPE } from "./byte-io.ts";
import { sketchCorrupt } from "./errors.ts";
import { EquiDepthHistogram } from "./histogram.ts";
import { HyperLogLog } from "./hll.ts";
import { KllSketch } from "./kll.ts";
import { SpaceSaving } from "./space-saving.ts";
import type { OrderedValue } from "./value-order.ts";
import { truncateUtf8, utf8Length } from "./value-order.ts";

/** Most sample values kept for the Good–Turing bound of equalities. */
export const MAX_SEEN = 4000;

/** Largest stored column, in bytes. */
export const MAX_COLUMN_BYTES = 64 * 1024;

/** How a catalog column type is summarized. */
export type ColumnKind = "number" | "text" | "opaque";

/** The kind of each catalog column type (STRICT: one storage class per column). */
export function kindOf(type: string): ColumnKind {
  if (type === "text") return "text";
  if (type === "blob" || type === "json") return "opaque";
  return "number";
}

/** One most common value and its frequency among all rows. */
export interface Mcv {
  value: OrderedValue;
  freq: number;
}

/** What ANALYZE found for a column. */
export interface AnalyzedColumn {
  nullFrac: number;
  ndv: number;
  mcvs: Mcv[];
  histogram: EquiDepthHistogram | null;
  avgWidth: number;
  /** Rows of the sample it came from (its σ). */
  sampleRows: number;
  /**
   * The sample's other values (not MCVs) when it holds few enough: sorted high halves of their
   * hashes with their sample counts, and the sample's distinct and once-seen value counts. An
   * equality on a value the sample never saw is then bounded by Good–Turing instead of taking
   * the average frequency.
   */
  seen: { hashes: Uint32Array; counts: Uint32Array; distinct: number; once: number } | null;
}

/** Sketch parameters of a column. */
export interface ColumnSketchParams {
  hllPrecision: number;
  kllK: number;
  mcvCounters: number;
}

/** Statistics of one column, in memory. */
export class ColumnStats {
  readonly name: string;
  readonly type: string;
  readonly kind: ColumnKind;
  nullCount = 0;
  /** Non-null values the sketches saw. */
  valueCount = 0;
  widthSum = 0;
  hll: HyperLogLog | null;
  kll: KllSketch | null;
  mcv: SpaceSaving | null;
  analyzed: AnalyzedColumn | null = null;
  /** Bumped on every change; derived views cache against it. */
  version = 0;
  /**
   * Whether the sketches saw every value of the column (it was empty when the estimator first
   * saw it, or a full ANALYZE rebuilt them): only then do their counts win over ANALYZE's.
   */
  complete = false;

  constructor(name: string, type: string, params: ColumnSketchParams) {
    this.name = name;
    this.type = type;
    this.kind = kindOf(type);
    const comparable = this.kind !== "opaque";
    this.hll = comparable ? new HyperLogLog(params.hllPrecision) : null;
    this.kll = comparable ? new KllSketch(params.kllK) : null;
    this.mcv = comparable ? new SpaceSaving(params.mcvCounters) : null;
  }

  /** Adds one stored value whose hash is in `hash` (unused for NULL and opaque columns). */
  observe(value: SqlValue, hash: Uint32Array): void {
    this.version++;
    if (value === null) {
      this.nullCount++;
      return;
    }
    this.valueCount++;
    if (typeof value === "number") this.widthSum += 8;
    else if (typeof value === "string") this.widthSum += value.length < 128 ? value.length : utf8Length(value);
    else this.widthSum += value.byteLength;
    if (this.hll === null || (typeof value !== "number" && typeof value !== "string")) return;
    this.hll.addHash(hash[0] as number, hash[1] as number);
    (this.kll as KllSketch).update(value);
    (this.mcv as SpaceSaving).add(value);
  }

  /** Removes one stored value from what can forget it (null and MCV counts, width). */
  forget(value: SqlValue): void {
    this.version++;
    if (value === null) {
      this.nullCount = Math.max(0, this.nullCount - 1);
      return;
    }
    this.valueCount = Math.max(0, this.valueCount - 1);
    if (typeof value === "number" || typeof value === "string") this.mcv?.remove(value);
  }

  /**
   * Header (version, type, kind, flags), counters, the sketches, then the ANALYZE result; cut
   * down step by step until it fits in 64 KB.
   */
  toBytes(): Uint8Array {
    for (let level = 0; ; level++) {
      const bytes = this.#encode(level);
      if (bytes.length <= MAX_COLUMN_BYTES || level >= 6) return bytes;
    }
  }

  #encode(level: number): Uint8Array {
    const w = new ByteWriter()
      .u8(FORMAT_VERSION)
      .u8(SKETCH_TYPE.column)
      .u8(this.complete ? 1 : 0)
      .u8(this.analyzed ? 1 : 0);
    w.text(this.name).text(this.type).f64(this.nullCount).f64(this.valueCount).f64(this.widthSum);
    if (this.hll && this.kll && this.mcv) {
      w.u8(1).chunk(this.hll.toBytes());
      w.chunk(level >= 2 ? shrinkKll(this.kll, level >= 5 ? 12 : 24) : this.kll.toBytes());
      w.chunk(level >= 4 ? new SpaceSaving(this.mcv.capacity).toBytes() : this.mcv.toBytes());
    } else w.u8(0);
    const a = this.analyzed;
    if (a) {
      w.f64(a.nullFrac).f64(a.ndv).f64(a.avgWidth).f64(a.sampleRows);
      const mcvs = level >= 3 ? a.mcvs.slice(0, Math.max(0, a.mcvs.length >> (level - 2))) : a.mcvs;
      w.u32(mcvs.length);
      for (const m of mcvs) w.item(level >= 1 ? cut(m.value, 32) : m.value).f64(m.freq);
      const hist = a.histogram && level >= 1 ? a.histogram.truncated(level >= 4 ? 8 : 16) : a.histogram;
      if (hist) w.u8(1).chunk(hist.toBytes());
      else w.u8(0);
      const seen = level >= 3 ? null : a.seen;
      if (seen) {
        w.u8(1).u32(seen.hashes.length).f64(seen.distinct).f64(seen.once);
        for (let i = 0; i < seen.hashes.length; i++) w.u32(seen.hashes[i] as number).u32(seen.counts[i] as number);
      } else w.u8(0);
    }
    return w.finish();
  }

  /** @throws {SKETCH_CORRUPT} */
  static fromBytes(bytes: Uint8Array | ArrayBuffer, params: ColumnSketchParams): ColumnStats {
    const r = new ByteReader(bytes);
    const [complete, analyzed] = r.header(SKETCH_TYPE.column);
    const out = new ColumnStats(r.text(), r.text(), params);
    out.complete = complete === 1;
    out.nullCount = r.f64();
    out.valueCount = r.f64();
    out.widthSum = r.f64();
    if (![out.nullCount, out.valueCount, out.widthSum].every((v) => Number.isFinite(v) && v >= 0)) {
      throw sketchCorrupt("column counters");
    }
    if (r.u8() === 1) {
      out.hll = HyperLogLog.fromBytes(r.chunk());
      out.kll = KllSketch.fromBytes(r.chunk());
      out.mcv = SpaceSaving.fromBytes(r.chunk());
    }
    if (analyzed === 1) {
      const a: AnalyzedColumn = {
        nullFrac: r.f64(),
        ndv: r.f64(),
        avgWidth: r.f64(),
        sampleRows: r.f64(),
        mcvs: [],
        histogram: null,
        seen: null,
      };
      const n = r.u32();
      if (n > 10_000) throw sketchCorrupt("too many MCVs");
      for (let i = 0; i < n; i++) a.mcvs.push({ value: r.item(), freq: r.f64() });
      if (r.u8() === 1) a.histogram = EquiDepthHistogram.fromBytes(r.chunk());
      if (r.u8() === 1) {
        const n = r.u32();
        if (n > MAX_SEEN) throw sketchCorrupt("too many seen values");
        const distinct = r.f64();
        const once = r.f64();
        const hashes = new Uint32Array(n);
        const counts = new Uint32Array(n);
        for (let i = 0; i < n; i++) {
          hashes[i] = r.u32();
          counts[i] = r.u32();
          if (i > 0 && (hashes[i] as number) <= (hashes[i - 1] as number))
            throw sketchCorrupt("seen values out of order");
        }
        a.seen = { hashes, counts, distinct, once };
      }
      const ok = [a.nullFrac, a.ndv, a.avgWidth, a.sampleRows].every((v) => Number.isFinite(v) && v >= 0);
      if (!ok || a.nullFrac > 1 || a.mcvs.some((m) => !(m.freq >= 0 && m.freq <= 1))) {
        throw sketchCorrupt("column ANALYZE result");
      }
      out.analyzed = a;
    }
    r.end();
    return out;
  }
}

function cut(v: OrderedValue, max: number): OrderedValue {
  return typeof v === "string" ? truncateUtf8(v, max) : v;
}

/** A KLL whose string items are cut to `max` bytes (rank order is kept up to the cut). */
function shrinkKll(kll: KllSketch, max: number): Uint8Array {
  const bytes = kll.toBytes();
  if (bytes.length < 16 * 1024) return bytes;
  return kll.toBytes(max);
}
