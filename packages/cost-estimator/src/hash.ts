/**
 * `hash64`: the one hash of every sketch. js-xxhash ships only XXH32, and 32 bits saturate an
 * HLL near 10^8 values, so two XXH32 runs with different seeds give the two halves of a 64-bit
 * hash. The input is a one-byte type tag followed by the value as stored, so that `1` (number)
 * and `"1"` (text) never share a hash, while an integer, `-0` and a safe bigint hash like the
 * equal number.
 * @module
 */
import { xxHash32 } from "js-xxhash";
import { unhashable } from "./errors.ts";

/** Seed of the second half (the golden-ratio constant). */
export const SECOND_SEED = 0x9e3779b9;

const TAG_TEXT = 1;
const TAG_NUMBER = 2;
const TAG_BOOLEAN = 3;
const TAG_BYTES = 4;
const TAG_BIGINT = 5;

const encoder = new TextEncoder();
let scratch = new Uint8Array(256);
/** Cached views of `scratch` by length, so hashing a short string allocates nothing. */
const views: Uint8Array[] = [];
function view(n: number): Uint8Array {
  if (n > 512) return scratch.subarray(0, n);
  let v = views[n];
  if (v === undefined || v.buffer !== scratch.buffer) {
    v = scratch.subarray(0, n);
    views[n] = v;
  }
  return v;
}
const numberBytes = new Uint8Array(9);
const numberView = new DataView(numberBytes.buffer);
numberBytes[0] = TAG_NUMBER;
const booleanBytes = [new Uint8Array([TAG_BOOLEAN, 0]), new Uint8Array([TAG_BOOLEAN, 1])] as const;

/** A value the sketches can hash: what SQLite stores, plus booleans and bigints. */
export type HashableValue = string | number | boolean | bigint | Uint8Array | ArrayBuffer;

/** The input bytes of `value` (a view into a shared buffer: use before the next call). */
function inputBytes(value: unknown): Uint8Array {
  switch (typeof value) {
    case "number": {
      if (!Number.isFinite(value)) throw unhashable(`${value} cannot be hashed`);
      numberView.setFloat64(1, value === 0 ? 0 : value, true);
      return numberBytes;
    }
    case "string": {
      if (value.length * 3 + 1 > scratch.length) {
        scratch = new Uint8Array(value.length * 3 + 64);
        views.length = 0;
      }
      scratch[0] = TAG_TEXT;
      let n = 1;
      for (let i = 0; i < value.length; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) {
          // Not ASCII: let the platform encoder handle surrogates and multi-byte forms.
          n = 1 + encoder.encodeInto(value, scratch.subarray(1)).written;
          break;
        }
        scratch[n++] = c;
      }
      return view(n);
    }
    case "boolean":
      return booleanBytes[value ? 1 : 0];
    case "bigint": {
      if (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) {
        return inputBytes(Number(value));
      }
      const text = value.toString();
      const out = new Uint8Array(text.length + 1);
      out[0] = TAG_BIGINT;
      encoder.encodeInto(text, out.subarray(1));
      return out;
    }
    default: {
      if (value instanceof ArrayBuffer || value instanceof Uint8Array) {
        const bytes = value instanceof ArrayBuffer ? new Uint8Array(value) : value;
        const out = new Uint8Array(bytes.byteLength + 1);
        out[0] = TAG_BYTES;
        out.set(bytes, 1);
        return out;
      }
      throw unhashable(`a ${value === null ? "null" : Array.isArray(value) ? "array" : typeof value} cannot be hashed`);
    }
  }
}

/**
 * Hashes `value` into `out[0]` (high half, seed 0) and `out[1]` (low half, seed 0x9E3779B9)
 * without allocating (numbers, strings, booleans). The hot path of the write hook.
 * @throws {UNHASHABLE_VALUE} NaN, ±Infinity, null, objects, arrays
 */
export function hashInto(value: unknown, out: Uint32Array): void {
  const bytes = inputBytes(value);
  out[0] = xxHash32(bytes, 0);
  out[1] = xxHash32(bytes, SECOND_SEED);
}

/**
 * The 64-bit hash of a stored value as two uint32 halves `[high, low]`.
 * @param value a string, finite number, boolean, bigint or bytes (NULL is counted, never hashed)
 * @returns `[XXH32(seed 0), XXH32(seed 0x9E3779B9)]` of the tagged bytes
 * @throws {UNHASHABLE_VALUE} 400 for NaN, ±Infinity, null, objects and arrays
 * @example
 * const [hi, lo] = hash64("SFO");
 */
export function hash64(value: HashableValue): [high: number, low: number] {
  const out = new Uint32Array(2);
  hashInto(value, out);
  return [out[0] as number, out[1] as number];
}

/** Whether `value` is hashable (what `observe` checks before it applies a batch). */
export function isHashable(value: unknown): boolean {
  if (typeof value === "number") return Number.isFinite(value);
  return (
    typeof value === "string" ||
    typeof value === "boolean" ||
    typeof value === "bigint" ||
    value instanceof ArrayBuffer ||
    value instanceof Uint8Array
  );
}

/** The 64-bit hash of `text` as 16 hex digits (fingerprints). */
export function hashHex(text: string): string {
  const [hi, lo] = hash64(text);
  return hi.toString(16).padStart(8, "0") + lo.toString(16).padStart(8, "0");
}
