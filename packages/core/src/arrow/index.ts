/**
 * `@durable/core/arrow`: a {@link TabularResult} as an Arrow IPC stream (Apache Arrow JS). Kept
 * out of core's main entry: a host loads it with `await import("@durable/core/arrow")` only
 * when a client asked for Arrow, so a Worker that never does never initialises the library.
 * Types, nulls and paging: docs/arrow.md.
 * @module
 */
import { makeData, RecordBatch, Schema, Struct, Table, tableToIPC } from "apache-arrow";
import { ARROW_STREAM, type TabularResult } from "../tabular.ts";
import { columnData } from "./columns.ts";

export { TYPE_METADATA_KEY } from "./columns.ts";
export { type ArrowKind, inferKind } from "./values.ts";

/**
 * The result as one Arrow table: a field per column (in order), nullable, with the catalog
 * type in field metadata (`durable:type`), and the result's metadata (`cursor`, …) on the schema.
 */
export function arrowTable(result: TabularResult): Table {
  const columns = result.columns.map((c) => columnData(c, result.rows));
  const schema = new Schema(
    columns.map((c) => c.field),
    new Map(Object.entries(result.arrowMetadata())),
  );
  const struct = makeData({
    type: new Struct(schema.fields),
    length: result.rows.length,
    nullCount: 0,
    children: columns.map((c) => c.data),
  });
  return new Table(schema, new RecordBatch(schema, struct));
}

/**
 * The result as an Arrow IPC stream (`application/vnd.apache.arrow.stream`): the schema, then
 * one record batch (none when there are no rows), then the end-of-stream marker.
 * @example
 * const bytes = encodeArrow(result);
 * tableFromIPC(bytes).toArray();
 */
export function encodeArrow(result: TabularResult): Uint8Array {
  const table = arrowTable(result);
  return tableToIPC(result.rows.length === 0 ? new Table(table.schema) : table, "stream");
}

/** `nextLsn` → `x-next-lsn`: the header of a metadata entry. */
export function metadataHeader(key: string): string {
  return `x-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * The HTTP answer of a result in Arrow: 200, `content-type: application/vnd.apache.arrow.stream`,
 * `x-cursor` when there is a next page and an `x-…` header for each other metadata entry.
 * @param headers more headers (they do not override the content type)
 */
export function arrowResponse(result: TabularResult, headers: Record<string, string> | Headers = {}): Response {
  const h = new Headers(headers);
  for (const [key, value] of Object.entries(result.arrowMetadata())) h.set(metadataHeader(key), value);
  h.set("content-type", ARROW_STREAM);
  return new Response(encodeArrow(result), { status: 200, headers: h });
}
