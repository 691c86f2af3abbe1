/**
 * One result column as Arrow `Data`, its buffers written directly (no per-value builder calls):
 * a validity bitmap for nulls, and the values as BigInt64Array, Float64Array, a bit-packed Bool,
 * or offsets plus UTF-8/bytes. A typed column whose values do not fit its type (a bug upstream,
 * never a user's doing) is encoded as a computed one rather than failing the answer.
 * @module
 */
import {
  Binary,
  Bool,
  type Data,
  type DataType,
  Field,
  Float64,
  Int64,
  makeData,
  TimestampMillisecond,
  Utf8,
} from "apache-arrow";
import type { TabularColumn, TabularRow } from "../tabular.ts";
import { type ArrowKind, type Converter, inferKind, MISFIT, TYPED } from "./values.ts";

/** The field metadata key naming a column's catalog type (`computed` for an inferred one). */
export const TYPE_METADATA_KEY = "durable:type";

const encoder = new TextEncoder();

/** A column's values after conversion: null where the row has none. */
type Converted = (bigint | number | boolean | string | Uint8Array | null)[];

/** Converts the column's values, or returns undefined at the first one `convert` refuses. */
function convertAll(values: readonly unknown[], convert: Converter): Converted | undefined {
  const out: Converted = new Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      out[i] = null;
      continue;
    }
    const c = convert(v);
    if (c === MISFIT) return undefined;
    out[i] = c;
  }
  return out;
}

/** Sets bit `i` of an LSB-first Arrow bitmap. */
function setBit(bitmap: Uint8Array, i: number): void {
  bitmap[i >> 3] = (bitmap[i >> 3] as number) | (1 << (i & 7));
}

/** Validity bitmap (bit set = a value) and the null count; no bitmap when nothing is null. */
function validity(values: Converted): { nullBitmap: Uint8Array | undefined; nullCount: number } {
  let nullCount = 0;
  for (const v of values) if (v === null) nullCount++;
  if (nullCount === 0) return { nullBitmap: undefined, nullCount };
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  for (let i = 0; i < values.length; i++) if (values[i] !== null) setBit(bitmap, i);
  return { nullBitmap: bitmap, nullCount };
}

/** Offsets and UTF-8 of strings, encoded into one growing buffer. */
function utf8Buffers(values: Converted): { valueOffsets: Int32Array; data: Uint8Array } {
  const offsets = new Int32Array(values.length + 1);
  let chars = 0;
  for (const v of values) if (typeof v === "string") chars += v.length;
  let data = new Uint8Array(Math.max(16, chars + (chars >> 3)));
  let at = 0;
  for (let i = 0; i < values.length; i++) {
    const s = values[i];
    if (typeof s === "string" && s.length > 0) {
      // ASCII, the common case, byte by byte: cheaper than a TextEncoder call per short string.
      if (at + s.length <= data.length) {
        let k = 0;
        for (; k < s.length; k++) {
          const c = s.charCodeAt(k);
          if (c > 0x7f) break;
          data[at + k] = c;
        }
        if (k === s.length) {
          at += k;
          offsets[i + 1] = at;
          continue;
        }
      }
      let written = encoder.encodeInto(s, data.subarray(at));
      if (written.read < s.length) {
        // At most 3 bytes per UTF-16 unit: grow once to hold it, then encode it again.
        const grown = new Uint8Array(Math.max(data.length * 2, at + s.length * 3));
        grown.set(data.subarray(0, at));
        data = grown;
        written = encoder.encodeInto(s, data.subarray(at));
      }
      at += written.written;
    }
    offsets[i + 1] = at;
  }
  return { valueOffsets: offsets, data: data.subarray(0, at) };
}

/** Offsets and the concatenated bytes of blobs. */
function binaryBuffers(values: Converted): { valueOffsets: Int32Array; data: Uint8Array } {
  const offsets = new Int32Array(values.length + 1);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v instanceof Uint8Array) total += v.byteLength;
    offsets[i + 1] = total;
  }
  const data = new Uint8Array(total);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v instanceof Uint8Array) data.set(v, offsets[i]);
  }
  return { valueOffsets: offsets, data };
}

const TWO_32 = 2 ** 32;

/**
 * Int64 values, little-endian. An integral number is split into its two 32-bit halves (exact
 * for every integral double in range) so that no bigint is allocated per value.
 */
function int64s(values: Converted): BigInt64Array {
  const out = new BigInt64Array(values.length);
  const words = new Uint32Array(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === "number") {
      const hi = Math.floor(v / TWO_32);
      words[2 * i] = v - hi * TWO_32;
      words[2 * i + 1] = hi >>> 0;
    } else if (typeof v === "bigint") out[i] = v;
  }
  return out;
}

function floats(values: Converted): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === "number") out[i] = v;
  }
  return out;
}

function bits(values: Converted): Uint8Array {
  const out = new Uint8Array((values.length + 7) >> 3);
  for (let i = 0; i < values.length; i++) if (values[i] === true) setBit(out, i);
  return out;
}

/** The Arrow `Data` of converted values of one layout. */
function dataOf(kind: ArrowKind, values: Converted): Data {
  const length = values.length;
  const { nullBitmap, nullCount } = validity(values);
  const common = { length, nullCount, ...(nullBitmap ? { nullBitmap } : {}) };
  switch (kind) {
    case "int64":
      return makeData({ type: new Int64(), ...common, data: int64s(values) });
    case "timestamp":
      return makeData({ type: new TimestampMillisecond("UTC"), ...common, data: int64s(values) });
    case "float64":
      return makeData({ type: new Float64(), ...common, data: floats(values) });
    case "bool":
      return makeData({ type: new Bool(), ...common, data: bits(values) });
    case "utf8":
      return makeData({ type: new Utf8(), ...common, ...utf8Buffers(values) });
    case "binary":
      return makeData({ type: new Binary(), ...common, ...binaryBuffers(values) });
  }
}

/**
 * A column of `rows` as an Arrow field and its data. A catalog type is kept when every value
 * fits it; a computed column's layout is inferred ({@link inferKind}); a value that fits no
 * inferred layout makes the column Utf8. Never throws for any value.
 */
export function columnData(column: TabularColumn, rows: readonly TabularRow[]): { field: Field; data: Data } {
  const raw = rows.map((r) => r[column.name]);
  const typed = column.type ? TYPED[column.type] : undefined;
  let chosen = typed;
  let values = typed ? convertAll(raw, typed.convert) : undefined;
  if (!values) {
    chosen = inferKind(raw);
    values = convertAll(raw, chosen.convert);
  }
  if (!values || !chosen) {
    // Only a bigint beyond Int64 gets here: its digits as text.
    chosen = { kind: "utf8", convert: (v) => String(v) };
    values = convertAll(raw, chosen.convert) ?? [];
  }
  const data = dataOf(chosen.kind, values);
  const metadata = new Map([[TYPE_METADATA_KEY, chosen === typed && column.type ? column.type : "computed"]]);
  return { field: new Field(column.name, data.type as DataType, true, metadata), data };
}
