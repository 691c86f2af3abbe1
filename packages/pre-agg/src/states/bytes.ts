/**
 * The byte form of states: a format-version byte, a tag naming the state kind, then fields.
 * Numbers are little-endian float64; big integers decimal text; values carry a type byte.
 * @module
 */
import { stateCorrupt } from "../errors.ts";

/** Version of every state blob this package writes (the first byte). */
export const STATE_FORMAT_VERSION = 1;

/** Tags of the state kinds (the second byte). */
export const STATE_TAG = {
  count: 1,
  sum: 2,
  min: 3,
  max: 4,
  avg: 5,
  variance: 6,
  countDistinct: 7,
  quantiles: 8,
} as const;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Appends fields to a growing buffer. */
export class StateWriter {
  #buf = new Uint8Array(32);
  #view = new DataView(this.#buf.buffer);
  #len = 0;

  constructor(tag: number) {
    this.u8(STATE_FORMAT_VERSION).u8(tag);
  }

  #room(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + n));
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.#room(1);
    this.#buf[this.#len++] = v;
    return this;
  }

  f64(v: number): this {
    this.#room(8);
    this.#view.setFloat64(this.#len, v, true);
    this.#len += 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.f64(b.length);
    this.#room(b.length);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
    return this;
  }

  /** A number, bigint, string or null. */
  value(v: number | bigint | string | null): this {
    if (v === null) return this.u8(0);
    if (typeof v === "number") return this.u8(1).f64(v);
    if (typeof v === "bigint") return this.u8(2).bytes(encoder.encode(v.toString()));
    return this.u8(3).bytes(encoder.encode(v));
  }

  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}

/** Reads fields back; every overrun or unknown byte is {@link stateCorrupt}. */
export class StateReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #pos = 0;

  constructor(input: Uint8Array | ArrayBuffer, tag: number) {
    this.#bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
    this.#view = new DataView(this.#bytes.buffer, this.#bytes.byteOffset, this.#bytes.byteLength);
    const version = this.u8();
    if (version !== STATE_FORMAT_VERSION) throw stateCorrupt(`state format version ${version}`);
    const got = this.u8();
    if (got !== tag) throw stateCorrupt(`state tag ${got}, expected ${tag}`);
  }

  u8(): number {
    if (this.#pos + 1 > this.#bytes.length) throw stateCorrupt("state truncated");
    return this.#bytes[this.#pos++] as number;
  }

  f64(): number {
    if (this.#pos + 8 > this.#bytes.length) throw stateCorrupt("state truncated");
    const v = this.#view.getFloat64(this.#pos, true);
    this.#pos += 8;
    return v;
  }

  bytes(): Uint8Array {
    const n = this.f64();
    if (!Number.isInteger(n) || n < 0 || this.#pos + n > this.#bytes.length) throw stateCorrupt("state truncated");
    const out = this.#bytes.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }

  value(): number | bigint | string | null {
    const t = this.u8();
    if (t === 0) return null;
    if (t === 1) return this.f64();
    try {
      if (t === 2) return BigInt(decoder.decode(this.bytes()));
      if (t === 3) return decoder.decode(this.bytes());
    } catch {
      throw stateCorrupt("state value does not decode");
    }
    throw stateCorrupt(`state value type ${t}`);
  }

  /** Asserts nothing is left over. */
  end(): void {
    if (this.#pos !== this.#bytes.length) throw stateCorrupt("trailing bytes after the state");
  }
}
