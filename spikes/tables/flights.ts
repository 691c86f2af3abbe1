/**
 * Real flight records from the npm package `vega-datasets` (3.2.1 ships `data/flights-20k.json`:
 * 20,000 US flights of 2001 with date, delay, distance, origin and destination). The package's
 * own JS only builds CDN URLs, so the file is read from its folder next to `build/`.
 * @module
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** One record as the tables API takes it (`id` added: its 1-based position in the file). */
export interface Flight {
  id: number;
  date: number;
  delay: number;
  distance: number;
  origin: string;
  destination: string;
}

interface RawFlight {
  date: string;
  delay: number;
  distance: number;
  origin: string;
  destination: string;
}

/** The `flights` table definition used by the spike and the demo. */
export const FLIGHTS_TABLE = {
  name: "flights",
  columns: [
    { name: "id", type: "integer" },
    { name: "date", type: "timestamp", nullable: false },
    { name: "delay", type: "integer" },
    { name: "distance", type: "integer" },
    { name: "origin", type: "text" },
    { name: "destination", type: "text" },
  ],
  primaryKey: "id",
  indexes: [{ name: "by_origin", columns: ["origin"] }],
} as const;

/** Path of the data file inside the installed package. */
export function flightsPath(): string {
  const entry = createRequire(import.meta.url).resolve("vega-datasets");
  return join(dirname(entry), "..", "data", "flights-20k.json");
}

/**
 * Reads the first `limit` flights (at most 20,000), dates as epoch ms (`2001/01/01 00:47` is
 * read as UTC).
 */
export function loadFlights(limit = 20_000): Flight[] {
  const raw = JSON.parse(readFileSync(flightsPath(), "utf8")) as RawFlight[];
  return raw.slice(0, limit).map((f, i) => {
    const [day = "", time = "00:00"] = f.date.split(" ");
    const [y, m, d] = day.split("/").map(Number);
    const [hh, mm] = time.split(":").map(Number);
    return {
      id: i + 1,
      date: Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1, hh ?? 0, mm ?? 0),
      delay: f.delay,
      distance: f.distance,
      origin: f.origin,
      destination: f.destination,
    };
  });
}
