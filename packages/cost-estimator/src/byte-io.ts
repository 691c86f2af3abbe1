/**
 * Growable little-endian byte writer and a bounds-checked reader for sketch formats. Every
 * sketch starts with the same 4-byte header: format version, sketch type, and two
 * type-specific bytes. A reader that runs past the end throws SKETCH_CORRUPT, never a RangeError.
 * @module
 */
import { sketchCorrupt } from "./errors.ts";

/** Version of every sketch format written by this package. */
export const FORMAT_VERSION = 1;

/** Sketch type bytes. */
export const SKETCH_TYPE = { hll: 1, kll: 2, histogram: 3, spaceSaving: 4, reservoir: 5, column: 6 } as const;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Appends little-endian values to a growing buffer. */
export class ByteWriter {
  #buf = new Uint8Array(256);
  #view = new DataView(this.#buf.buffer);
  #len = 0;

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

  u32(v: number): this {
    this.#room(4);
    this.#view.setUint32(this.#len, v, true);
    this.#len += 4;
    return this;
  }

  f64(v: number): this {
    this.#room(8);
    this.#view.setFloat64(this.#len, v, true);
    this.#len += 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.#room(b.length);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
    return this;
  }

  /** A length-prefixed (u32) byte string. */
  chunk(b: Uint8Array): this {
    return this.u32(b.length).bytes(b);
  }

  /** A length-prefixed UTF-8 string. */
  text(s: string): this {
    return this.chunk(encoder.encode(s));
  }

  /** A number or string item (tag byte, then f64 or text). */
  item(v: number | string): this {
    return typeof v === "number" ? this.u8(0).f64(v) : this.u8(1).text(v);
  }

  get length(): number {
    return this.#len;
  }

  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}

/** Reads what a {@link ByteWriter} wrote; every overrun is SKETCH_CORRUPT. */
export class ByteReader {
  readonly #buf: Uint8Array;
  readonly #view: DataView;
  #pos = 0;

  constructor(bytes: Uint8Array | ArrayBuffer) {
    this.#buf = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
    this.#view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength);
  }

  #need(n: number): void {
    if (this.#pos + n > this.#buf.length) throw sketchCorrupt("sketch bytes end early");
  }

  u8(): number {
    this.#need(1);
    return this.#buf[this.#pos++] as number;
  }

  u32(): number {
    this.#need(4);
    const v = this.#view.getUint32(this.#pos, true);
    this.#pos += 4;
    return v;
  }

  f64(): number {
    this.#need(8);
    const v = this.#view.getFloat64(this.#pos, true);
    this.#pos += 8;
    return v;
  }

  bytes(n: number): Uint8Array {
    this.#need(n);
    const out = this.#buf.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }

  chunk(): Uint8Array {
    return this.bytes(this.u32());
  }

  text(): string {
    try {
      return decoder.decode(this.chunk());
    } catch (err) {
      if (err instanceof TypeError) throw sketchCorrupt("sketch text is not UTF-8");
      throw err;
    }
  }

  item(): number | string {
    const tag = this.u8();
    if (tag === 0) return this.f64();
    if (tag === 1) return this.text();
    throw sketchCorrupt(`unknown item tag ${tag}`);
  }

  /** Checks the 4-byte header; returns its two type-specific bytes. */
  header(type: number): [number, number] {
    const version = this.u8();
    const got = this.u8();
    if (version !== FORMAT_VERSION) throw sketchCorrupt(`unknown sketch format version ${version}`);
    if (got !== type) throw sketchCorrupt(`sketch type ${got}, expected ${type}`);
    return [this.u8(), this.u8()];
  }

  /** Throws unless every byte was read. */
  end(): void {
    if (this.#pos !== this.#buf.length) throw sketchCorrupt("trailing bytes after the sketch");
  }
}
