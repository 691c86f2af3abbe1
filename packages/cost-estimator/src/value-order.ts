/**
 * Ordering of stored values as SQLite's BINARY collation orders them (numbers before text,
 * text by UTF-8 bytes, i.e. by code point), the same order as core's `evaluatePredicate`, and
 * truncation of long strings at a code-point boundary.
 * @module
 */
import { compareText } from "@durable/core";

/** A value a KLL, histogram or MCV list holds. */
export type OrderedValue = number | string;

/** Compares two strings by UTF-8 bytes (SQLite BINARY): core's, the order predicates use. */
export { compareText };

/** Compares two ordered values as SQLite does (numbers first). */
export function compareValues(a: OrderedValue, b: OrderedValue): number {
  if (typeof a === "number") {
    if (typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
    return -1;
  }
  if (typeof b === "number") return 1;
  return compareText(a, b);
}

/** UTF-8 length of `s`. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** `s` cut to at most `maxBytes` UTF-8 bytes, never inside a code point. */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (s.length <= maxBytes / 3) return s;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const w = c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? 4 : 3;
    if (n + w > maxBytes) return s.slice(0, i);
    n += w;
    if (w === 4) i++;
  }
  return s;
}
