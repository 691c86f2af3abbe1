/**
 * Keys bound as JSON lists: one binding carries up to 1,000 keys, so lookups and deletes of a
 * 10,000-row batch stay far under DO SQLite's 100 bindings and 2 MiB per value.
 * @module
 */
import type { SqlBinding } from "@durable/core";
import { quoteIdent } from "./names.ts";
import type { TableDef } from "./table-spec.ts";

/** Keys looked up per statement (bound as one JSON array). */
const KEYS_PER_LOOKUP = 1000;
/** Most UTF-8 bytes of one bound JSON key list: DO SQLite refuses a bound value over ~2 MiB. */
const KEY_LIST_BYTES = 1024 * 1024;

/** A group of keys bound as one JSON array, or one key too long for a list, bound column by column. */
export type KeyGroup = { json: string } | { key: SqlBinding[] };

/** Splits keys into JSON lists of ≤ 1,000 keys and ≤ 1 MiB each; a key longer than that stands alone. */
export function keyGroups(keys: readonly SqlBinding[][]): KeyGroup[] {
  const groups: KeyGroup[] = [];
  let parts: string[] = [];
  let bytes = 2;
  const flush = () => {
    if (parts.length > 0) groups.push({ json: `[${parts.join(",")}]` });
    parts = [];
    bytes = 2;
  };
  for (const key of keys) {
    const text = JSON.stringify(key);
    // An upper bound for short keys (3 bytes per UTF-16 unit), exact for long ones.
    const size = text.length * 3 <= 1024 ? text.length * 3 : new TextEncoder().encode(text).length;
    if (size + 2 > KEY_LIST_BYTES) {
      groups.push({ key });
      continue;
    }
    if (parts.length >= KEYS_PER_LOOKUP || bytes + size + 1 > KEY_LIST_BYTES) flush();
    parts.push(text);
    bytes += size + 1;
  }
  flush();
  return groups;
}

/** `key IN <one JSON array of keys>`: one binding for up to 1,000 keys. */
export function keyInList(def: TableDef): string {
  const cols = def.primaryKey.map(quoteIdent);
  if (cols.length === 1) return `${cols[0]} IN (SELECT json_extract(value, '$[0]') FROM json_each(?))`;
  const picks = cols.map((_, i) => `json_extract(value, '$[${i}]')`).join(", ");
  return `(${cols.join(", ")}) IN (SELECT ${picks} FROM json_each(?))`;
}
