/**
 * Test fixtures: a Node SQLite (better-sqlite3 adapter), tables, and an estimator subscribed to
 * the tables' events, with recorded wake-ups that a test fires by hand.
 */
import { ManualClock, type Sql, type SqlBinding, scopedWake } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import { RecordingWakes } from "@durable/core/testing";
import { Tables } from "@durable/tables";
import { CostEstimator, type EstimatorConfigInput } from "../src/index.ts";

export interface Fixture {
  sql: Sql;
  db: ReturnType<typeof openSqlite>;
  tables: Tables;
  estimator: CostEstimator;
  wakes: RecordingWakes;
  clock: ManualClock;
  /** SQL statements run so far. */
  statements(): number;
  /** A new estimator over the same database (a DO evicted and started again). */
  restart(): CostEstimator;
  /** Delivers the estimator's due wake-ups (repeating until none is due). */
  fireWakes(): number;
}

export function fixture(config?: EstimatorConfigInput): Fixture {
  const db = openSqlite();
  let count = 0;
  const sql: Sql = {
    exec: (q: string, ...b: SqlBinding[]) => {
      count++;
      return db.sql.exec(q, ...b);
    },
  };
  const clock = new ManualClock(Date.UTC(2026, 11, 4));
  const tables = Tables.open({ sql, transactionSync: db.transactionSync, clock });
  const wakes = new RecordingWakes();
  const make = () =>
    CostEstimator.open({
      sql,
      transactionSync: db.transactionSync,
      clock,
      wake: scopedWake(() => wakes, "estimator"),
      tables,
      ...(config ? { config } : {}),
    });
  let unsubscribe: (() => void) | undefined;
  const f: Fixture = {
    sql,
    db,
    tables,
    estimator: make(),
    wakes,
    clock,
    statements: () => count,
    restart() {
      f.estimator = make();
      return f.estimator;
    },
    fireWakes() {
      let n = 0;
      for (let due = wakes.takeDue(clock.now()); due.length > 0; due = wakes.takeDue(clock.now())) {
        for (const w of due) {
          f.estimator.onWake({ owner: w.owner, key: w.key, dueAt: w.atMs, payload: w.payload });
          n++;
        }
      }
      return n;
    },
  };
  const subscribe = () => {
    unsubscribe?.();
    unsubscribe = tables.subscribe({
      name: "estimator",
      usesOf: () => [],
      onRowsChanged: (t, c) => f.estimator.onRowsWritten(t, c),
      onSchemaChanged: (def) => f.estimator.onSchemaChanged(def.name),
      onTableDropped: (t) => f.estimator.onTableDropped(t),
      onTableReplaced: (t) => f.estimator.onTableReplaced(t),
    });
  };
  subscribe();
  return f;
}

/** A small deterministic PRNG for fixtures. */
export function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** Zipf(s) sampler over ranks 1..n. */
export function zipf(n: number, s: number, rand: () => number): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += 1 / (i + 1) ** s;
    cdf[i] = total;
  }
  return () => {
    const u = rand() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}

/** A 2,000-row `orders` table: skewed status, correlated region/city, nullable discount, timestamps. */
export function ordersFixture(f: Fixture, n = 2000): void {
  f.tables.createTable({
    name: "orders",
    columns: [
      { name: "id", type: "integer" },
      { name: "status", type: "text" },
      { name: "region", type: "text" },
      { name: "city", type: "text" },
      { name: "amount", type: "real" },
      { name: "discount", type: "integer" },
      { name: "paid", type: "boolean" },
      { name: "at", type: "timestamp" },
    ],
    primaryKey: "id",
    indexes: [{ name: "by_status", columns: ["status"] }],
  });
  const rand = prng(11);
  const statusOf = zipf(6, 1.3, rand);
  const statuses = ["new", "paid", "shipped", "done", "refunded", "lost"];
  const rows = [];
  for (let i = 1; i <= n; i++) {
    const region = ["eu", "us", "apac"][i % 3] as string;
    rows.push({
      id: i,
      status: statuses[statusOf() - 1],
      region,
      city: `${region}-${Math.floor(rand() * 5)}`,
      amount: Math.round(rand() * 100_000) / 100,
      discount: rand() < 0.1 ? null : Math.floor(rand() * 50),
      paid: rand() < 0.7,
      at: new Date(Date.UTC(2026, 0, 1) + Math.floor(rand() * 90) * 86_400_000).toISOString(),
    });
  }
  for (let i = 0; i < rows.length; i += 500) f.tables.insert("orders", rows.slice(i, i + 500));
}
