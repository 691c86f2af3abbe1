/** Shared fixtures: a limiter over a fresh better-sqlite3 database, with a row-write counter. */
import { ManualClock, runMigrations, type Sql, type SqlBinding, type SqlRow, type Wake } from "@durable/core";
import { openSqlite } from "@durable/core/node";
import {
  createRateLimiter,
  RATE_LIMIT_MIGRATIONS,
  type RateLimitConfigInput,
  type RateLimiter,
  rateLimitMigrations,
} from "../src/index.ts";

export const T0 = Date.parse("2026-01-01T00:00:00Z");

/** Sums `rowsWritten` over every statement, so a test can assert "0 rows written". */
export function countingSql(sql: Sql): { sql: Sql; written: () => number; statements: string[] } {
  let written = 0;
  const statements: string[] = [];
  return {
    sql: {
      exec<T extends SqlRow = SqlRow>(query: string, ...bindings: SqlBinding[]) {
        const cursor = sql.exec<T>(query, ...bindings);
        written += cursor.rowsWritten;
        statements.push(query);
        return cursor;
      },
    },
    written: () => written,
    statements,
  };
}

/** A scoped Wake port (one capability's) that records what was asked, by key. */
export class RecordingWake implements Wake {
  readonly pending = new Map<string, number>();
  set(key: string, atMs: number): void {
    const cur = this.pending.get(key);
    if (cur === undefined || atMs < cur) this.pending.set(key, atMs);
  }
  cancel(key: string): void {
    this.pending.delete(key);
  }
}

/**
 * A fresh in-memory database with the limiter's tables: the host (DOBase) runs migrations, so
 * Node tests do it here. `prefix` other than `rl_` gets its own migration set.
 */
export function openDb(prefix = "rl_") {
  const db = openSqlite();
  const set = prefix === "rl_" ? RATE_LIMIT_MIGRATIONS : rateLimitMigrations({ owner: `rl-${prefix}`, prefix });
  runMigrations(db.sql, db.transactionSync, set, T0);
  return db;
}

export const MINUTE_DAY: RateLimitConfigInput = {
  plans: [
    {
      name: "free",
      limits: [
        { name: "minute", algorithm: "tokenBucket", capacity: 5, refillPerSecond: 5 / 60 },
        { name: "day", algorithm: "slidingWindow", limit: 8, windowMs: 86_400_000 },
      ],
    },
    {
      name: "pro",
      limits: [
        { name: "minute", algorithm: "tokenBucket", capacity: 50, refillPerSecond: 50 / 60 },
        { name: "day", algorithm: "slidingWindow", limit: 1000, windowMs: 86_400_000 },
      ],
    },
    {
      name: "log",
      limits: [{ name: "strict", algorithm: "slidingLog", limit: 3, windowMs: 10_000 }],
    },
  ],
  defaultPlan: "free",
};

/** A fresh database, clock and limiter. */
export function setup(config: RateLimitConfigInput = MINUTE_DAY, opts: { wake?: Wake } = {}) {
  const db = openDb(config.tablePrefix);
  const counter = countingSql(db.sql);
  const clock = new ManualClock(T0);
  const ports = { sql: counter.sql, transactionSync: db.transactionSync, clock, ...opts };
  const limiter = createRateLimiter(ports, config);
  limiter.start();
  const reopen = (cfg: RateLimitConfigInput = config): RateLimiter => createRateLimiter(ports, cfg);
  return { db, clock, limiter, counter, reopen, ports };
}

/** The stable code of a thrown error, or "no error". */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
  return "no error";
}
