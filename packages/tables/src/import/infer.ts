/**
 * Schema inference (DuckDB's `read_csv` sniffing, made predictable): from the header and a
 * sample of up to 10,000 records, each column gets the narrowest type every non-null sample
 * value reads as, in the order integer → real → boolean → timestamp → text. A column whose
 * values have leading zeros (`00501`) stays text; a column where a null was seen is nullable.
 * The key is the column named by `key=`, else a generated integer `rid` (1, 2, … in file order).
 * @module
 */
import { type ColumnType, parseIsoTimestamp } from "../column-types.ts";
import { invalidSchema } from "../errors.ts";
import { mapColumnNames } from "./column-names.ts";
import { FALSE_WORDS, hasLeadingZero, INTEGER_TEXT, REAL_TEXT, TRUE_WORDS } from "./text-values.ts";

/** Most records inference reads. */
export const INFER_SAMPLE_ROWS = 10_000;

/** The name of the generated key column. */
export const GENERATED_KEY = "rid";

/** A proposed table and how the file's names map to it. */
export interface InferredSpec {
  spec: {
    name: string;
    columns: { name: string; type: ColumnType; nullable: boolean }[];
    primaryKey: string[];
  };
  /** File column name → table column name, in file order. */
  mapping: { from: string; to: string; type: ColumnType }[];
  /** Whether the key is the generated `rid` (numbered in file order on import). */
  generatedKey: boolean;
  sampledRows: number;
}

type Candidate = "integer" | "real" | "boolean" | "timestamp";
const ORDER: Candidate[] = ["integer", "real", "boolean", "timestamp"];

function fits(type: Candidate, text: string): boolean {
  switch (type) {
    case "integer":
      return INTEGER_TEXT.test(text) && !hasLeadingZero(text) && Number.isSafeInteger(Number(text));
    case "real":
      return REAL_TEXT.test(text) && !hasLeadingZero(text.split(".")[0] ?? "") && Number.isFinite(Number(text));
    case "boolean": {
      const lower = text.toLowerCase();
      // 0/1 alone read as integers: a boolean needs words.
      return (TRUE_WORDS.has(lower) || FALSE_WORDS.has(lower)) && !/^[01]$/.test(text);
    }
    case "timestamp":
      return /^\d{4}-\d{2}-\d{2}/.test(text) && parseIsoTimestamp(text) !== undefined;
  }
}

/** The type of a CSV column from its non-null sample texts. */
function textType(values: readonly string[]): ColumnType {
  if (values.length === 0) return "text";
  let candidates = ORDER.slice();
  for (const v of values) {
    candidates = candidates.filter((c) => fits(c, v));
    if (candidates.length === 0) return "text";
  }
  return candidates[0] ?? "text";
}

/** The type of an NDJSON column from its non-null sample values (mixed kinds are json). */
function jsonType(values: readonly unknown[]): ColumnType {
  const kinds = new Set<ColumnType>();
  for (const v of values) {
    if (typeof v === "number") kinds.add(Number.isSafeInteger(v) ? "integer" : "real");
    else if (typeof v === "boolean") kinds.add("boolean");
    else if (typeof v === "string") kinds.add(fits("timestamp", v) ? "timestamp" : "text");
    else kinds.add("json");
  }
  if (kinds.size === 0) return "text";
  if (kinds.size === 1) return [...kinds][0] as ColumnType;
  if ([...kinds].every((k) => k === "integer" || k === "real")) return "real";
  if ([...kinds].every((k) => k === "timestamp" || k === "text")) return "text";
  return "json";
}

/**
 * Proposes a table from file columns and their sample values (null where a field was null).
 * @param table the table name
 * @param headers the file's column names
 * @param columnValues per file column, its sample values in file order
 * @param kind how the values were read: CSV text or NDJSON values
 * @param key a file column (or its mapped name) to use as primary key, or undefined for `rid`
 * @throws {INVALID_SCHEMA} 400 when `key` names no column, or holds nulls or repeats
 */
export function inferSpec(
  table: string,
  headers: readonly string[],
  columnValues: readonly (readonly unknown[])[],
  kind: "csv" | "ndjson",
  key?: string,
): InferredSpec {
  const names = mapColumnNames(headers);
  const columns = names.map((name, i) => {
    const all = (columnValues[i] ?? []).slice(0, INFER_SAMPLE_ROWS);
    const present = all.filter((v) => v !== null && v !== undefined);
    const type = kind === "csv" ? textType(present as string[]) : jsonType(present);
    return { name, type, nullable: present.length < all.length };
  });
  const sampledRows = Math.max(0, ...columnValues.map((v) => Math.min(v.length, INFER_SAMPLE_ROWS)));
  let primaryKey: string[];
  let generatedKey = false;
  if (key !== undefined) {
    const i = headers.indexOf(key) >= 0 ? headers.indexOf(key) : names.indexOf(key);
    const col = columns[i];
    if (!col) throw invalidSchema(`key: no column ${key} in the file`);
    if (col.type === "json") throw invalidSchema(`key: column ${key} holds json values`);
    const seen = new Set<unknown>();
    for (const v of (columnValues[i] ?? []).slice(0, INFER_SAMPLE_ROWS)) {
      if (v === null || v === undefined) throw invalidSchema(`key: column ${key} holds nulls`);
      if (seen.has(v)) throw invalidSchema(`key: column ${key} repeats the value ${JSON.stringify(v)}`);
      seen.add(v);
    }
    col.nullable = false;
    primaryKey = [col.name];
  } else {
    let rid = GENERATED_KEY;
    for (let n = 2; names.includes(rid); n++) rid = `${GENERATED_KEY}_${n}`;
    columns.unshift({ name: rid, type: "integer", nullable: false });
    primaryKey = [rid];
    generatedKey = true;
  }
  const offset = generatedKey ? 1 : 0;
  return {
    spec: { name: table, columns, primaryKey },
    mapping: headers.map((from, i) => ({ from, to: names[i] as string, type: columns[i + offset]?.type ?? "text" })),
    generatedKey,
    sampledRows,
  };
}
