/**
 * How each column value becomes an Arrow value: the forms each catalog type takes (the JSON
 * answer's, plus bytes for blobs and epoch ms for timestamps), and the Arrow type of a computed
 * column, inferred from its values. No apache-arrow here: plain values in, plain values out.
 * @module
 */
import type { TabularType } from "../tabular.ts";

/** The Arrow layouts the encoder writes. */
export type ArrowKind = "int64" | "float64" | "bool" | "timestamp" | "utf8" | "binary";

/** Returned by a converter for a value its column type cannot hold. */
export const MISFIT: unique symbol = Symbol("misfit");

/** Converts one non-null value to its Arrow form, or {@link MISFIT}. */
export type Converter = (value: unknown) => bigint | number | boolean | string | Uint8Array | typeof MISFIT;

const INT64_LIMIT = 2 ** 63;
const BIGINT_MIN = -(2n ** 63n);
const BIGINT_MAX = 2n ** 63n - 1n;
/** What `Date.prototype.toISOString` writes (years beyond 0–9999 with a sign and six digits). */
const ISO_INSTANT = /^(?:[+-]\d{6}|\d{4})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;

/** An Int64 value: an integral number in range (no bigint allocated per value) or a bigint. */
function int64(value: unknown): number | bigint | typeof MISFIT {
  if (typeof value === "number") {
    return Number.isInteger(value) && value >= -INT64_LIMIT && value < INT64_LIMIT ? value : MISFIT;
  }
  if (typeof value === "bigint") return value >= BIGINT_MIN && value <= BIGINT_MAX ? value : MISFIT;
  return MISFIT;
}

function float64(value: unknown): number | typeof MISFIT {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  return MISFIT;
}

function bool(value: unknown): boolean | typeof MISFIT {
  if (typeof value === "boolean") return value;
  if (value === 0 || value === 1) return value === 1;
  return MISFIT;
}

function timestamp(value: unknown): number | bigint | typeof MISFIT {
  if (typeof value === "string") {
    const ms = ISO_INSTANT.test(value) ? Date.parse(value) : Number.NaN;
    return Number.isFinite(ms) ? ms : MISFIT;
  }
  if (value instanceof Date) {
    const ms = value.getTime();
    return Number.isFinite(ms) ? ms : MISFIT;
  }
  return int64(value);
}

function text(value: unknown): string | typeof MISFIT {
  return typeof value === "string" ? value : MISFIT;
}

function jsonText(value: unknown): string | typeof MISFIT {
  try {
    const out: unknown = JSON.stringify(value);
    return typeof out === "string" ? out : MISFIT;
  } catch {
    // A bigint or a cycle: no JSON text.
    return MISFIT;
  }
}

function bytes(value: unknown): Uint8Array | typeof MISFIT {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (typeof value === "string") return fromBase64(value) ?? MISFIT;
  return MISFIT;
}

/** Standard base64 to bytes (what the JSON answer holds for a blob); undefined when it is not base64. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** Standard base64 of bytes (how a computed column of mixed values shows bytes, as JSON does). */
export function toBase64(data: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < data.length; i += 0x8000) binary += String.fromCharCode(...data.subarray(i, i + 0x8000));
  return btoa(binary);
}

/**
 * A value of a mixed computed column as text: strings as they are, numbers and booleans as
 * JavaScript writes them, bytes as base64, objects and arrays as JSON text.
 */
function anyText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (value instanceof Uint8Array) return toBase64(value);
  if (value instanceof ArrayBuffer) return toBase64(new Uint8Array(value));
  const json = jsonText(value);
  return json === MISFIT ? String(value) : json;
}

/** The layout and converter of a catalog type. */
export const TYPED: Record<TabularType, { kind: ArrowKind; convert: Converter }> = {
  integer: { kind: "int64", convert: int64 },
  real: { kind: "float64", convert: float64 },
  text: { kind: "utf8", convert: text },
  blob: { kind: "binary", convert: bytes },
  boolean: { kind: "bool", convert: bool },
  timestamp: { kind: "timestamp", convert: timestamp },
  json: { kind: "utf8", convert: jsonText },
};

function isIntegral(value: unknown): boolean {
  return typeof value === "bigint" || (typeof value === "number" && Number.isSafeInteger(value));
}

/**
 * The layout of a computed column, from its values: all booleans → Bool; all numbers, every
 * one a safe integer (or bigint) → Int64; all numbers otherwise (integer and real mixed, as one
 * SQLite SUM can give, or NaN/±Infinity) → Float64; all bytes → Binary; anything else, and a
 * column of nulls only, → Utf8 (see {@link anyText}). Never fails.
 */
export function inferKind(values: Iterable<unknown>): { kind: ArrowKind; convert: Converter } {
  let seen = false;
  let allBool = true;
  let allNumber = true;
  let allIntegral = true;
  let allBytes = true;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    seen = true;
    const number = typeof v === "number" || typeof v === "bigint";
    allBool &&= typeof v === "boolean";
    allNumber &&= number;
    allIntegral &&= number && isIntegral(v);
    allBytes &&= v instanceof Uint8Array || v instanceof ArrayBuffer;
    if (!allBool && !allNumber && !allBytes) break;
  }
  if (!seen) return { kind: "utf8", convert: anyText };
  if (allBool) return TYPED.boolean;
  if (allNumber) return allIntegral ? TYPED.integer : TYPED.real;
  if (allBytes) return TYPED.blob;
  return { kind: "utf8", convert: anyText };
}
