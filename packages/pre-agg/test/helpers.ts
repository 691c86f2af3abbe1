/**
 * Test fixtures: Node SQLite (better-sqlite3 adapter), tables, pre-agg subscribed to the
 * tables' events through its capability factory, an in-memory BlobStore, recorded wake-ups.
 */
import { ManualClock, MemoryBlobStore, runMigrations, type Sql, scopedWake } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { RecordingWakes } from "@durable/core/testing";
import { Tables } from "@durable/tables";
import { createPreAggCapability, PREAGG_MIGRATIONS, type PreAgg } from "../src/index.ts";

export interface Fixture {
  sql: Sql;
  tables: Tables;
  preAgg: PreAgg;
  wakes: RecordingWakes;
  clock: ManualClock;
  blobs: MemoryBlobStore;
  /** Delivers due pre-agg wake-ups until none is due. */
  fireWakes(): Promise<number>;
}

export const T0 = Date.UTC(2001, 0, 1);

export function fixture(
  o: {
    blobs?: MemoryBlobStore;
    limits?: { maxHotPartitionRows?: number; maxRawScanRows?: number };
    db?: ReturnType<typeof openSqlite>;
  } = {},
): Fixture & { db: ReturnType<typeof openSqlite> } {
  const db = o.db ?? openSqlite();
  const clock = new ManualClock(Date.UTC(2026, 11, 4));
  const tables = (o.db ? (x: ConstructorParameters<typeof Tables>[0]) => new Tables(x) : Tables.open)({
    sql: db.sql,
    transactionSync: db.transactionSync,
    clock,
  });
  if (!o.db) runMigrations(db.sql, db.transactionSync, PREAGG_MIGRATIONS, clock.now());
  const wakes = new RecordingWakes();
  const blobs = o.blobs ?? new MemoryBlobStore();
  const cap = createPreAggCapability({
    ports: {
      sql: db.sql,
      transactionSync: db.transactionSync,
      clock,
      wake: scopedWake(() => wakes, "pre-agg"),
      blobs,
      background: { waitUntil: () => {} } as never,
      tenant: () => "acme",
    },
    tables,
    ...(o.limits ? { limits: o.limits } : {}),
  });
  cap.preAgg.start();
  return {
    db,
    sql: db.sql,
    tables,
    preAgg: cap.preAgg,
    wakes,
    clock,
    blobs,
    async fireWakes() {
      let n = 0;
      for (let round = 0; round < 100; round++) {
        const due = wakes.takeDue(clock.now()).filter((w) => w.key !== "compact");
        if (due.length === 0) break;
        for (const w of due) {
          await cap.preAgg.onWake({ owner: w.owner, key: w.key, dueAt: w.atMs, payload: w.payload });
          n++;
        }
      }
      return n;
    },
  };
}

/** A flights table with `rows` rows: id, ts (hourly steps), origin, dest, delay (some NULL), dist. */
export function flights(
  f: Fixture,
  rows: { id: number; ts: number; origin: string; dest: string; delay: number | null; dist: number }[],
) {
  f.tables.createTable({
    name: "flights",
    columns: [
      { name: "id", type: "integer" },
      { name: "ts", type: "timestamp", nullable: false },
      { name: "origin", type: "text", nullable: false },
      { name: "dest", type: "text" },
      { name: "delay", type: "integer" },
      { name: "dist", type: "real", nullable: false },
    ],
    primaryKey: "id",
  });
  if (rows.length) f.tables.insert("flights", rows);
}

/** Deterministic rows. */
export function sampleRows(n: number, seed = 1) {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const origins = ["ORD", "SFO", "JFK", "ATL"];
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    ts: T0 + Math.floor(rnd() * 60 * 24 * 3600_000),
    origin: origins[Math.floor(rnd() * origins.length)] as string,
    dest: origins[Math.floor(rnd() * origins.length)] as string,
    delay: rnd() < 0.1 ? null : Math.floor(rnd() * 200) - 30,
    dist: Math.round(rnd() * 300000) / 100,
  }));
}

export const BY_ORIGIN_DAY = {
  name: "by_origin_day",
  source: "flights",
  measures: [
    { name: "n", agg: "count" },
    { name: "delay_sum", agg: "sum", column: "delay" },
    { name: "delay_avg", agg: "avg", column: "delay" },
    { name: "delay_min", agg: "min", column: "delay" },
    { name: "delay_max", agg: "max", column: "delay" },
    { name: "delay_var", agg: "variance", column: "delay" },
    { name: "dist_sum", agg: "sum", column: "dist" },
    { name: "dests", agg: "countDistinct", column: "dest" },
    { name: "delay_q", agg: "quantiles", column: "delay" },
  ],
  dimensions: ["origin"],
  timeDimension: { column: "ts", grain: "day" },
};
