/**
 * The spike's data and workload: a seeded `events` table, four rollups a dashboard would
 * define, 300 dashboard queries (most answerable by a rollup, some only live) and a Zipf(s)
 * sampler over them.
 * @module
 */
import { Rng } from "../lib/rng.ts";

export { Rng };

/** Zipf(s) over ranks 0..n-1 by inverse CDF. */
export class Zipf {
  readonly #cdf: number[];
  constructor(n: number, s: number) {
    const w = Array.from({ length: n }, (_, k) => 1 / (k + 1) ** s);
    const total = w.reduce((a, b) => a + b, 0);
    let acc = 0;
    this.#cdf = w.map((x) => (acc += x / total));
  }
  sample(rng: Rng): number {
    const u = rng.next();
    let lo = 0;
    let hi = this.#cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.#cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export const KINDS = ["click", "view", "buy", "share", "like", "signup", "login", "logout", "search", "error"];
export const REGIONS = ["eu-west", "eu-north", "us-east", "us-west", "ap-south", "ap-east", "sa-east", "af-south"];
export const DEVICES = ["ios", "android", "web", "desktop", "tv"];
/** The first event's time: 2026-06-01T00:00Z; one event per minute. */
export const T0 = Date.UTC(2026, 5, 1);

export const EVENTS_TABLE = {
  name: "events",
  columns: [
    { name: "id", type: "integer", nullable: false },
    { name: "kind", type: "text", nullable: false },
    { name: "region", type: "text", nullable: false },
    { name: "device", type: "text", nullable: false },
    { name: "amount", type: "integer" },
    { name: "price", type: "real" },
    { name: "at", type: "timestamp", nullable: false },
  ],
  primaryKey: "id",
  indexes: [{ columns: ["at"] }],
};

/** `n` seeded events from id `from` (skewed kinds, one per minute). */
export function makeEvents(rng: Rng, from: number, n: number): Record<string, unknown>[] {
  const zk = new Zipf(KINDS.length, 1.2);
  return Array.from({ length: n }, (_, k) => {
    const id = from + k;
    return {
      id,
      kind: KINDS[zk.sample(rng)],
      region: rng.pick(REGIONS),
      device: rng.pick(DEVICES),
      amount: rng.int(500),
      price: Math.round(rng.next() * 10_000) / 100,
      at: T0 + id * 60_000,
    };
  });
}

const MEASURES = [
  { name: "n", agg: "count" },
  { name: "amount_sum", agg: "sum", column: "amount" },
  { name: "amount_avg", agg: "avg", column: "amount" },
  { name: "price_min", agg: "min", column: "price" },
  { name: "price_max", agg: "max", column: "price" },
];

/** The rollups a dashboard over `events` defines. */
export const ROLLUPS = [
  { name: "by_kind_day", dimensions: ["kind"], grain: "day" },
  { name: "by_region_day", dimensions: ["region"], grain: "day" },
  { name: "by_kind_region_week", dimensions: ["kind", "region"], grain: "week" },
  { name: "by_device_month", dimensions: ["device"], grain: "month" },
].map((r) => ({
  name: r.name,
  source: "events",
  measures: MEASURES,
  dimensions: r.dimensions,
  timeDimension: { column: "at", grain: r.grain },
}));

type Q = Record<string, unknown>;

/**
 * 300 distinct dashboard queries; about 1 in 6 has a shape no rollup answers (kind by device:
 * live, over a few days).
 */
export function makeQueries(rng: Rng, n: number, days: number): Q[] {
  const out = new Map<string, Q>();
  const measureSets = [
    [{ agg: "count" }],
    [{ agg: "count" }, { agg: "sum", column: "amount" }],
    [{ agg: "avg", column: "amount" }],
    [
      { agg: "min", column: "price" },
      { agg: "max", column: "price" },
    ],
  ];
  while (out.size < n) {
    const r = rng.int(6);
    const rollup = ROLLUPS[Math.min(r, 3)] as (typeof ROLLUPS)[number];
    const live = r >= 5;
    const dims = live ? ["kind", "device"] : rollup.dimensions;
    const grains = rollup.timeDimension.grain === "day" ? ["day", "week", "month"] : [rollup.timeDimension.grain];
    const grain = rng.pick(grains);
    const fromDay = rng.int(Math.max(1, days - 30));
    const span = 7 + rng.int(23);
    const from = new Date(T0 + fromDay * 86_400_000).toISOString().slice(0, 10);
    const to = new Date(T0 + (fromDay + span) * 86_400_000).toISOString().slice(0, 10);
    // A live shape reads a few days by the time index (what a "last days" panel asks).
    const liveTo = new Date(T0 + (fromDay + 1 + rng.int(3)) * 86_400_000).toISOString().slice(0, 10);
    const q: Q = {
      table: "events",
      measures: rng.pick(measureSets),
      dimensions: dims,
      timeDimension: live
        ? { column: "at", grain: rng.pick(["hour", "day"]), range: { from, to: liveTo } }
        : grain === "day"
          ? { column: "at", grain, range: { from, to } }
          : { column: "at", grain },
    };
    if (rng.next() < 0.4)
      q.where = {
        col: dims[0] as string,
        op: "in",
        values: [rng.pick(dims[0] === "kind" ? KINDS : dims[0] === "region" ? REGIONS : DEVICES)],
      };
    out.set(JSON.stringify(q), q);
  }
  return [...out.values()];
}
