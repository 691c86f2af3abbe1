/**
 * The spike's data: `flights` (every 15th row of `data/flights-3m.parquet` from the npm package
 * `vega-datasets`, read with hyparquet + hyparquet-compressors for ZSTD: 200,000 real US flights
 * of January–June 2001) and `events` (synthetic, fixed seed: Zipf origins over the flights'
 * origins, Zipf users, a nullable score, correlated plan/price).
 * @module
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { Rng, zipfSampler } from "../lib/rng.ts";
import { FLIGHTS_TABLE } from "../tables/flights.ts";

/** The `flights` table: the same definition as spikes/tables and the demo. */
export { FLIGHTS_TABLE };

/** The `events` table. */
export const EVENTS_TABLE = {
  name: "events",
  columns: [
    { name: "id", type: "integer" },
    { name: "origin", type: "text" },
    { name: "user_id", type: "integer" },
    { name: "score", type: "real" },
    { name: "plan", type: "text" },
    { name: "price", type: "real" },
  ],
  primaryKey: "id",
};

/** Path of `flights-3m.parquet` (the package's exports map hides `data/`: go next to `build/`). */
export function parquetPath(): string {
  const entry = createRequire(import.meta.url).resolve("vega-datasets");
  return join(dirname(entry), "..", "data", "flights-3m.parquet");
}

/** Every `step`-th flight, dates as epoch ms (the file's timestamps are UTC-less: read as UTC). */
export async function loadFlights(step = 15): Promise<Record<string, number | string>[]> {
  const buf = readFileSync(parquetPath());
  const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  const rows = (await parquetReadObjects({ file, compressors })) as Record<string, unknown>[];
  const out: Record<string, number | string>[] = [];
  for (let i = 0; i < rows.length; i += step) {
    const r = rows[i] as Record<string, unknown>;
    out.push({
      id: out.length + 1,
      date: (r.date as Date).getTime(),
      delay: Number(r.delay),
      distance: Number(r.distance),
      origin: String(r.origin),
      destination: String(r.destination),
    });
  }
  return out;
}

const PLANS = ["free", "starter", "pro", "team", "enterprise"] as const;
const PLAN_PRICE = [0, 9, 29, 99, 499];

/** `n` synthetic events over the given origins (fixed seed). */
export function makeEvents(
  n: number,
  origins: readonly string[],
  seed = 20261204,
): Record<string, number | string | null>[] {
  const rng = new Rng(seed);
  const origin = zipfSampler(origins.length, 1.1, rng);
  const user = zipfSampler(100_000, 1.1, rng);
  const plan = zipfSampler(PLANS.length, 1.3, rng);
  const out: Record<string, number | string | null>[] = [];
  for (let i = 1; i <= n; i++) {
    const p = plan() - 1;
    out.push({
      id: i,
      origin: origins[origin() - 1] as string,
      user_id: user(),
      score: rng.next() < 0.05 ? null : Math.round(rng.next() * 1000) / 10,
      plan: PLANS[p] as string,
      // Correlated with plan: the plan's list price, discounted by up to 30%.
      price: Math.round((PLAN_PRICE[p] as number) * (0.7 + 0.3 * rng.next()) * 100) / 100,
    });
  }
  return out;
}
