/**
 * The 100,000-row result of part 3: real flights in the tables spike's `flights` table
 * (spikes/tables/flights.ts: id, date as a timestamp, delay, distance, origin, destination), read
 * as the tables scan route reads them. The tables spike's own file (flights-20k.json) has 20,000
 * rows, so the rows come from the first 100,000 of `vega-datasets`' flights-3m.parquet (the same
 * US flights of 2001, the file spikes/pre-agg reads), inserted through `Tables.insert` into
 * better-sqlite3 and scanned back page by page with `Tables.scan` (1,000 rows, the largest page).
 * Deterministic: no randomness, the file's first rows in order.
 * @module
 */
import { readFileSync } from "node:fs";
import type { TabularColumn } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { type RowInput, Tables } from "@durable/tables";
import { parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { flights3mPath } from "../pre-agg/data.ts";
import { FLIGHTS_TABLE } from "../tables/flights.ts";

/** One page of the scan route's answer: `{ rows, cursor }`. */
export interface ScanAnswer {
  rows: RowInput[];
  cursor: string | null;
}

/** The flights as the scan route returns them. */
export interface FlightsResult {
  /** The catalog columns of `flights` (name and type), as a tabular result carries them. */
  columns: TabularColumn[];
  /** Every page of the scan, in order. */
  pages: ScanAnswer[];
  /** All rows of all pages. */
  rows: RowInput[];
  loadMs: number;
}

/**
 * Reads `n` flights, stores them in a `flights` table and scans them back.
 * @param n rows (at most 3,000,000)
 */
export async function loadFlightsResult(n: number): Promise<FlightsResult> {
  const t0 = performance.now();
  const buf = readFileSync(flights3mPath());
  const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  const raw = (await parquetReadObjects({ file, compressors, rowStart: 0, rowEnd: n })) as Record<string, unknown>[];
  const input = raw.map((r, i) => ({
    id: i + 1,
    date: r.date instanceof Date ? r.date.getTime() : Number(r.date) / 1000,
    delay: Number(r.delay),
    distance: Number(r.distance),
    origin: String(r.origin),
    destination: String(r.destination),
  }));
  const db = openSqlite();
  try {
    const tables = Tables.open({ sql: db.sql, transactionSync: db.transactionSync });
    tables.createTable(FLIGHTS_TABLE);
    for (let i = 0; i < input.length; i += 1000) tables.insert("flights", input.slice(i, i + 1000));
    const pages: ScanAnswer[] = [];
    let cursor: string | undefined;
    do {
      const page = tables.scan("flights", { limit: 1000, cursor });
      pages.push({ rows: page.rows, cursor: page.cursor });
      cursor = page.cursor ?? undefined;
    } while (cursor !== undefined);
    const rows = pages.flatMap((p) => p.rows);
    if (rows.length !== n) throw new Error(`scanned ${rows.length} flights, expected ${n}`);
    const columns = FLIGHTS_TABLE.columns.map((c) => ({ name: c.name, type: c.type }));
    return { columns, pages, rows, loadMs: performance.now() - t0 };
  } finally {
    db.close();
  }
}
