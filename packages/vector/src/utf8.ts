/**
 * UTF-8 helpers: Vectorize counts ids, namespaces, names and metadata in bytes, and indexes
 * only the first 64 bytes of a string (cut on a character boundary), compared byte by byte.
 * @module
 */

const encoder = new TextEncoder();

/** The UTF-8 length of `s` in bytes, without encoding it. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * The longest prefix of `s` whose UTF-8 encoding fits in `maxBytes`, cut on a code point
 * boundary (as Vectorize indexes string metadata).
 */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (s.length * 3 <= maxBytes) return s;
  let n = 0;
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (n + size > maxBytes) break;
    n += size;
    i += pair ? 2 : 1;
  }
  return s.slice(0, i);
}

/**
 * Compares two strings in UTF-8 byte order (code point order), the order of SQLite's BINARY
 * collation, which the local backend's filters use.
 * @returns negative, zero or positive
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (U+D800–DFFF) encode code points above U+FFFF: they sort after U+E000–FFFF.
    const rx = x >= 0xd800 && x <= 0xdfff ? x + 0x2000 : x >= 0xe000 ? x - 0x800 : x;
    const ry = y >= 0xd800 && y <= 0xdfff ? y + 0x2000 : y >= 0xe000 ? y - 0x800 : y;
    return rx < ry ? -1 : 1;
  }
  return a.length - b.length;
}

/** The UTF-8 bytes of `s`. */
export function utf8Bytes(s: string): Uint8Array {
  return encoder.encode(s);
}
