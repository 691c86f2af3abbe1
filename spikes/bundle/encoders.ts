/**
 * The three encodings of one scan answer compared in part 3: (a) the JSON the tables scan route
 * sends (`JSON.stringify({ rows, cursor })`, as UTF-8 bytes), (b) an Arrow IPC stream from
 * `encodeArrow` of `@durable/core/arrow` (Apache Arrow JS) with the catalog types, and (c) an
 * Arrow IPC stream from `@uwdata/flechette` with the same column types, built from the same rows.
 * @module
 */
import type { TabularColumn, TabularType } from "@durable/core";
import { tabular } from "@durable/core";
import { encodeArrow } from "@durable/core/arrow";
import {
  binary,
  bool,
  type DataType,
  dictionary,
  float64,
  int64,
  TimeUnit,
  tableFromArrays,
  tableToIPC,
  timestamp,
  utf8,
} from "@uwdata/flechette";
import type { ScanAnswer } from "./flights.ts";

const utf8Encoder = new TextEncoder();

/** (a) The scan route's JSON answer as the bytes sent. */
export function encodeJson(answer: ScanAnswer): Uint8Array {
  return utf8Encoder.encode(JSON.stringify({ rows: answer.rows, cursor: answer.cursor }));
}

/** (b) The answer as the platform encodes it for `Accept: application/vnd.apache.arrow.stream`. */
export function encodeApacheArrow(columns: readonly TabularColumn[], answer: ScanAnswer): Uint8Array {
  const result = tabular({
    columns,
    rows: answer.rows,
    cursor: answer.cursor,
    json: () => ({ rows: answer.rows, cursor: answer.cursor }),
  });
  return encodeArrow(result);
}

/** The flechette type of a catalog type: the mapping docs/arrow.md gives for apache-arrow. */
function flechetteType(type: TabularType): DataType {
  switch (type) {
    case "integer":
      return int64();
    case "real":
      return float64();
    case "text":
    case "json":
      return utf8();
    case "blob":
      return binary();
    case "boolean":
      return bool();
    case "timestamp":
      return timestamp(TimeUnit.MILLISECOND, "UTC");
  }
}

/** A JSON answer's value as flechette takes it for `type` (json → its text, 0/1 → boolean). */
function flechetteValue(type: TabularType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (type === "json") return JSON.stringify(v);
  if (type === "boolean") return v === true || v === 1;
  return v;
}

/**
 * (c) The same answer through flechette: rows pivoted to arrays, explicit types, an IPC stream.
 * With `dictionaryText`, text columns become Dictionary<Int32, Utf8> instead of Utf8: not the
 * catalog mapping of the issue, an informative variant (repeated short strings such as airport codes).
 */
export function encodeFlechette(
  columns: readonly TabularColumn[],
  answer: ScanAnswer,
  dictionaryText = false,
): Uint8Array {
  const arrays: Record<string, unknown[]> = {};
  const types: Record<string, DataType> = {};
  for (const c of columns) {
    const type = c.type ?? "text";
    const values = new Array(answer.rows.length);
    for (let i = 0; i < answer.rows.length; i++) values[i] = flechetteValue(type, answer.rows[i]?.[c.name]);
    arrays[c.name] = values;
    types[c.name] = dictionaryText && type === "text" ? dictionary(utf8()) : flechetteType(type);
  }
  const table = tableFromArrays(arrays, { types });
  if (answer.cursor !== null) table.schema.metadata = new Map([["cursor", answer.cursor]]);
  const bytes = tableToIPC(table, { format: "stream" });
  if (!bytes) throw new Error("flechette returned no bytes");
  return bytes;
}
