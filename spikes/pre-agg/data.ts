/**
 * The spike's data: `data/flights-3m.parquet` of the npm package `vega-datasets` (3,000,000 US
 * flights, January–June 2001), found next to the package's build folder as spikes/tables finds
 * its file, read column by column with hyparquet (+ hyparquet-compressors for ZSTD).
 * `every` keeps every n-th row (quick: 10); `replicate` appends copies shifted by 26-week steps.
 * @module
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { parquetRead } from "hyparquet";
import { compressors } from "hyparquet-compressors";

/** The flights as columns. */
export interface FlightColumns {
  n: number;
  date: Float64Array;
  delay: Int32Array;
  distance: Int32Array;
  origin: string[];
  destination: string[];
}

/** Path of `flights-3m.parquet` inside the installed package. */
export function flights3mPath(): string {
  const entry = createRequire(import.meta.url).resolve("vega-datasets");
  return join(dirname(entry), "..", "data", "flights-3m.parquet");
}

const WEEK26 = 26 * 7 * 86_400_000;

/** Reads the flights (timestamps as UTC epoch ms). */
export async function loadFlights3m(every = 1, replicate = 1): Promise<FlightColumns> {
  const buf = readFileSync(flights3mPath());
  const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  const cols: Record<string, unknown[]> = { date: [], delay: [], distance: [], origin: [], destination: [] };
  await parquetRead({
    file,
    compressors,
    onChunk: (chunk) => {
      const out = cols[chunk.columnName] as unknown[];
      const data = chunk.columnData as ArrayLike<unknown>;
      for (let i = 0; i < data.length; i++) if ((chunk.rowStart + i) % every === 0) out.push(data[i]);
    },
  });
  const base = cols.date?.length ?? 0;
  const n = base * replicate;
  const out: FlightColumns = {
    n,
    date: new Float64Array(n),
    delay: new Int32Array(n),
    distance: new Int32Array(n),
    origin: new Array(n),
    destination: new Array(n),
  };
  for (let r = 0; r < replicate; r++) {
    for (let i = 0; i < base; i++) {
      const j = r * base + i;
      const d = cols.date?.[i];
      out.date[j] = (d instanceof Date ? d.getTime() : Number(d) / 1000) + r * WEEK26;
      out.delay[j] = Number(cols.delay?.[i]);
      out.distance[j] = Number(cols.distance?.[i]);
      out.origin[j] = String(cols.origin?.[i]);
      out.destination[j] = String(cols.destination?.[i]);
    }
  }
  return out;
}

/** The `flights` table of the spike (date a timestamp, indexed). */
export const FLIGHTS_3M_TABLE = {
  name: "flights",
  columns: [
    { name: "id", type: "integer" },
    { name: "date", type: "timestamp", nullable: false },
    { name: "delay", type: "integer" },
    { name: "distance", type: "integer" },
    { name: "origin", type: "text", nullable: false },
    { name: "destination", type: "text", nullable: false },
  ],
  primaryKey: "id",
  indexes: [{ name: "by_date", columns: ["date"] }],
};

/** Rows `from`..`to` as the tables API takes them. */
export function rowsOf(f: FlightColumns, from: number, to: number) {
  const out = new Array(to - from);
  for (let i = from; i < to; i++) {
    out[i - from] = {
      id: i + 1,
      date: f.date[i],
      delay: f.delay[i],
      distance: f.distance[i],
      origin: f.origin[i],
      destination: f.destination[i],
    };
  }
  return out;
}
