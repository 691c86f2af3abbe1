/**
 * The per-column fast path of a CSV import: one converter per column, chosen once, turns a
 * field straight into its stored value (what `fieldValue` and the row codec's zod schema
 * together make of it) without building a row object or running zod per row. A converter
 * decides only what it can decide exactly; anything else (a bad value, a null token in a column
 * that is not nullable, an overflowing number) is {@link UNDECIDED}, and the record then takes
 * the slow path (the row object through `RowCodec.tryEncodeRow`), which accepts or reports it
 * as it always did. So the fast path changes the speed, never an answer.
 * @module
 */
import { type SqlBinding, safeParse } from "@durable/core";
import { parseIsoTimestamp, valueSchema } from "../column-types.ts";
import type { ColumnDef } from "../table-spec.ts";
import { FALSE_WORDS, fieldValue, INTEGER_TEXT, REAL_TEXT, TRUE_WORDS } from "./text-values.ts";

/** A converter's answer when only the slow path can tell. */
export const UNDECIDED: unique symbol = Symbol("undecided");

/** Field text → stored value, or {@link UNDECIDED}. */
export type FieldConverter = (text: string) => SqlBinding | typeof UNDECIDED;

/** Distinct timestamp texts remembered per column (dates repeat; the cache is then cleared). */
const TIMESTAMP_CACHE = 10_000;

function timestampConverter(): FieldConverter {
  const cache = new Map<string, number | typeof UNDECIDED>();
  return (text) => {
    if (INTEGER_TEXT.test(text)) {
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : UNDECIDED;
    }
    let ms = cache.get(text);
    if (ms === undefined) {
      ms = parseIsoTimestamp(text) ?? UNDECIDED;
      if (cache.size >= TIMESTAMP_CACHE) cache.clear();
      cache.set(text, ms);
    }
    return ms;
  };
}

function valueConverter(col: ColumnDef): FieldConverter {
  switch (col.type) {
    case "integer":
      return (text) => {
        if (!INTEGER_TEXT.test(text)) return UNDECIDED;
        const n = Number(text);
        return Number.isSafeInteger(n) ? n : UNDECIDED;
      };
    case "real":
      return (text) => {
        if (!REAL_TEXT.test(text)) return UNDECIDED;
        const n = Number(text);
        return Number.isFinite(n) ? n : UNDECIDED;
      };
    case "text":
      return (text) => text;
    case "boolean":
      return (text) => {
        const lower = text.toLowerCase();
        return TRUE_WORDS.has(lower) ? 1 : FALSE_WORDS.has(lower) ? 0 : UNDECIDED;
      };
    case "timestamp":
      return timestampConverter();
    default: {
      // json and blob: rare in CSV and subtle (a `null` JSON text, base64), so the column's own
      // zod schema decides, value by value, exactly as the row schema would.
      const schema = valueSchema(col.type);
      return (text) => {
        const value = fieldValue(col.type, text);
        if (value === null) return UNDECIDED;
        const parsed = safeParse(schema, value);
        return parsed.success ? parsed.data : UNDECIDED;
      };
    }
  }
}

/**
 * The converter of one column's values (null tokens are the caller's: see {@link nullTest}).
 */
export function columnConverter(col: ColumnDef): FieldConverter {
  return valueConverter(col);
}

/**
 * Whether a field is a null token. The default tokens (the empty field only) need no hashing
 * of every field.
 */
export function nullTest(nulls: ReadonlySet<string>): (text: string) => boolean {
  if (nulls.size === 0) return () => false;
  if (nulls.size === 1 && nulls.has("")) return (text) => text.length === 0;
  return (text) => nulls.has(text);
}
