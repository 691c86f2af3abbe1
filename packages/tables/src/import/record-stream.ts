/**
 * Parsed records of an import body, chunk by chunk: CSV (header first, when there is one) or
 * NDJSON, with the sample that inference reads taken from the front.
 * @module
 */
import { textChunks } from "./body-text.ts";
import { CsvReader, type CsvRecord } from "./csv-reader.ts";
import type { ImportFormat, ImportOptions } from "./import-options.ts";
import { INFER_SAMPLE_ROWS } from "./infer.ts";
import { type JsonRecord, NdjsonReader } from "./ndjson-reader.ts";

/** A parsed record of either format. */
export type AnyRecord = CsvRecord | JsonRecord;

/**
 * Yields the records of `body` in groups (one group per network chunk).
 * @param onBytes told the running byte count
 */
export async function* recordGroups(
  body: ReadableStream<Uint8Array> | null,
  format: ImportFormat,
  options: Pick<ImportOptions, "delimiter">,
  maxBytes: number,
  onBytes: (bytes: number) => void,
): AsyncGenerator<AnyRecord[]> {
  const reader = format === "csv" ? new CsvReader({ delimiter: options.delimiter }) : new NdjsonReader();
  for await (const text of textChunks(body, maxBytes, onBytes)) {
    const group = reader.push(text);
    if (group.length > 0) yield group;
  }
  const last = reader.end();
  if (last.length > 0) yield last;
}

/** The file's column names and per column its sample values (inference's input). */
export interface Sample {
  headers: string[];
  columns: unknown[][];
}

/**
 * The sample of the first records (up to 10,000 data records) for inference.
 * @param header whether the first CSV record names the columns (else `column_1`, …)
 * @param nulls CSV fields read as null
 */
export function sampleOf(
  records: readonly AnyRecord[],
  format: ImportFormat,
  header: boolean,
  nulls: readonly string[],
): Sample {
  if (format === "csv") {
    const csv = records as CsvRecord[];
    const first = csv[0]?.fields ?? [];
    const headers = header ? first : first.map((_, i) => `column_${i + 1}`);
    const data = (header ? csv.slice(1) : csv).slice(0, INFER_SAMPLE_ROWS);
    const nullSet = new Set(nulls);
    return {
      headers,
      columns: headers.map((_, i) =>
        data.map((r) => {
          const v = r.fields[i] as string;
          return nullSet.has(v) ? null : v;
        }),
      ),
    };
  }
  const data = (records as JsonRecord[]).slice(0, INFER_SAMPLE_ROWS);
  const headers: string[] = [];
  const seen = new Set<string>();
  for (const r of data) {
    for (const k in r.value) {
      if (!seen.has(k)) {
        seen.add(k);
        headers.push(k);
      }
    }
  }
  return { headers, columns: headers.map((h) => data.map((r) => r.value[h] ?? null)) };
}
