/**
 * The in-process half of spike `tables`: the write path on the Node adapter (better-sqlite3
 * with DO SQLite's limits), against a raw multi-row INSERT on the same adapter.
 * @module
 */
import { runMigrations, SQL_LIMITS, type Sql, type SqlBinding, systemClock } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { CostEstimator } from "@durable/cost-estimator";
import { PREAGG_MIGRATIONS, PreAgg } from "@durable/pre-agg";
import { QUERY_ROUTER_MIGRATIONS, QueryRouter } from "@durable/query-router";
import { Tables } from "@durable/tables";
import { median, round, summarize } from "../lib/stats.ts";
import { ROLLUPS } from "../pre-agg/rollups.ts";
import { FLIGHTS_TABLE, type Flight } from "./flights.ts";

const COLUMNS = ["id", "date", "delay", "distance", "origin", "destination"] as const;
const RAW_DDL =
  "CREATE TABLE t_flights (id INTEGER NOT NULL, date INTEGER NOT NULL, delay INTEGER, distance INTEGER, origin TEXT, destination TEXT, PRIMARY KEY (id)) STRICT; CREATE INDEX t_raw_by_origin ON t_flights (origin)";

/** The SQLite ceiling: the same multi-row statements, no validation, no observers. */
function rawInsert(sql: Sql, tx: <T>(fn: () => T) => T, batch: Flight[]): void {
  const per = Math.floor(SQL_LIMITS.maxBindings / COLUMNS.length);
  const tuple = `(${COLUMNS.map(() => "?").join(", ")})`;
  const head = `INSERT INTO t_flights (${COLUMNS.join(", ")}) VALUES `;
  tx(() => {
    for (let i = 0; i < batch.length; i += per) {
      const chunk = batch.slice(i, i + per);
      const bindings: SqlBinding[] = [];
      for (const f of chunk) bindings.push(f.id, f.date, f.delay, f.distance, f.origin, f.destination);
      sql.exec(head + new Array(chunk.length).fill(tuple).join(", "), ...bindings);
    }
  });
}

type Variant = "raw" | "bare" | "observed";

/** Rows/s of loading `flights` in batches of `batch` with one variant, on a fresh database. */
function loadOnce(variant: Variant, flights: Flight[], batch: number): { rowsPerS: number; batchMs: number[] } {
  const db = openSqlite();
  const batchMs: number[] = [];
  let run: (b: Flight[]) => void;
  let rowsSeen = 0;
  if (variant === "raw") {
    db.sql.exec(RAW_DDL);
    run = (b) => rawInsert(db.sql, db.transactionSync, b);
  } else {
    const tables = Tables.open({ sql: db.sql, transactionSync: db.transactionSync });
    tables.createTable(FLIGHTS_TABLE);
    if (variant === "observed") {
      // Every observer that exists: the test observer (what a light observer such as the
      // router's version bump does, touching every changed row once) and the estimator.
      const versions = new Map<string, number>();
      tables.subscribe({
        name: "spike-observer",
        onRowsChanged: (table, change) => {
          versions.set(table, (versions.get(table) ?? 0) + 1);
          for (const row of change.inserted) if (row.id !== null) rowsSeen++;
        },
      });
      // The estimator's hook: counters in the write's transaction, sketches after commit.
      const estimator = CostEstimator.open({
        sql: db.sql,
        transactionSync: db.transactionSync,
        wake: { set: () => {}, cancel: () => {} },
        tables,
      });
      tables.subscribe({ name: "estimator", onRowsChanged: (table, change) => estimator.onRowsWritten(table, change) });
      // Pre-agg's hook with the three rollups of spikes/pre-agg (built while the table is empty).
      runMigrations(db.sql, db.transactionSync, PREAGG_MIGRATIONS, systemClock.now());
      const preAgg = new PreAgg({
        sql: db.sql,
        transactionSync: db.transactionSync,
        clock: systemClock,
        wake: { set: () => {}, cancel: () => {} },
        tables,
        tenant: () => "spike",
      });
      tables.subscribe({ name: "pre-agg", onRowsChanged: (table, change) => preAgg.onRowsWritten(table, change) });
      for (const def of ROLLUPS) {
        preAgg.createRollup(def);
        // The backfill of an empty table finishes synchronously (no await before its commit).
        void preAgg.onWake({ owner: "pre-agg", key: `backfill:${def.name}`, dueAt: 0, payload: null });
        if (preAgg.rollup(def.name).status !== "built") throw new Error(`rollup ${def.name} did not build`);
      }
      // The query router's hook: one version bump per write call, in the write's transaction.
      runMigrations(db.sql, db.transactionSync, QUERY_ROUTER_MIGRATIONS, systemClock.now());
      const router = new QueryRouter({
        sql: db.sql,
        transactionSync: db.transactionSync,
        clock: systemClock,
        wake: { set: () => {}, cancel: () => {} },
        background: { waitUntil: () => {} },
        tenant: () => "spike",
        tables,
        rollups: preAgg,
        estimator,
      });
      router.start();
      tables.subscribe({ name: "query", onRowsChanged: (table, change) => router.onRowsWritten(table, change) });
    }
    run = (b) => tables.insert("flights", b);
  }
  const start = performance.now();
  for (let i = 0; i < flights.length; i += batch) {
    const t0 = performance.now();
    run(flights.slice(i, i + batch));
    batchMs.push(performance.now() - t0);
  }
  const total = performance.now() - start;
  db.close();
  if (variant === "observed" && rowsSeen !== flights.length) {
    throw new Error(`the observer saw ${rowsSeen} rows, expected ${flights.length}`);
  }
  return { rowsPerS: (flights.length / total) * 1000, batchMs };
}

/** Results of the in-process comparison. */
export interface InProcessResult {
  raw: number;
  bare: number;
  observed: number;
  rows: Record<string, string | number>[];
  scanPageMs: ReturnType<typeof summarize>;
}

/**
 * Runs `rounds` rounds of raw, bare and observed loads (rotating the order each round) and a
 * scan of 1,000-row pages.
 */
export function runInProcess(flights: Flight[], rounds: number, batch = 1000): InProcessResult {
  const variants: Variant[] = ["raw", "bare", "observed"];
  const rates: Record<Variant, number[]> = { raw: [], bare: [], observed: [] };
  const batches: Record<Variant, number[]> = { raw: [], bare: [], observed: [] };
  loadOnce("bare", flights.slice(0, 2000), batch); // warm the JIT and zod's compiled parsers
  for (let r = 0; r < rounds; r++) {
    const order = [...variants.slice(r % 3), ...variants.slice(0, r % 3)];
    for (const v of order) {
      const res = loadOnce(v, flights, batch);
      rates[v].push(res.rowsPerS);
      batches[v].push(...res.batchMs);
    }
  }
  const db = openSqlite();
  const tables = Tables.open({ sql: db.sql, transactionSync: db.transactionSync });
  tables.createTable(FLIGHTS_TABLE);
  for (let i = 0; i < flights.length; i += batch) tables.insert("flights", flights.slice(i, i + batch));
  const pageMs: number[] = [];
  for (let r = 0; r < Math.max(2, rounds); r++) {
    let cursor: string | null = null;
    do {
      const t0 = performance.now();
      const page = tables.scan("flights", {
        limit: 1000,
        orderBy: r % 2 ? "delay" : undefined,
        ...(cursor ? { cursor } : {}),
      });
      pageMs.push(performance.now() - t0);
      cursor = page.cursor;
    } while (cursor);
  }
  db.close();
  const rows = variants.map((v) => {
    const s = summarize(batches[v]);
    return {
      variant: v,
      "rows/s (median of rounds)": Math.round(median(rates[v])),
      "batch p50 ms": round(s.p50),
      "batch p95 ms": round(s.p95),
      "batch p99 ms": round(s.p99),
    };
  });
  return {
    raw: median(rates.raw),
    bare: median(rates.bare),
    observed: median(rates.observed),
    rows,
    scanPageMs: summarize(pageMs),
  };
}
