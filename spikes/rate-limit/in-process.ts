/**
 * The in-process contenders of the spike, each over the same better-sqlite3 adapter
 * (`@durable/core/node`, file database, WAL) and the same grouping of 100 decisions per
 * transaction: ours (token bucket through `limitBatch`), the bare UPSERT ceiling, the SQL
 * sliding-log snippet, and the Map-only bucket.
 * @module
 */
import { ManualClock, runMigrations, type Sql, type SqlBinding } from "@durable/core";
import { type NodeSqlite, openSqlite } from "@durable/core/node";
import { createRateLimiter, RATE_LIMIT_MIGRATIONS, type RateLimiter, tokenBucket } from "@durable/rate-limit";
import { ARRIVAL_MS } from "./workload.ts";

export const KEYS = 10_000;
export const LIMIT = 1000;
export const WINDOW_MS = 60_000;
export const BATCH = 100;
/** Epoch ms of request 0 (a realistic magnitude for float precision). */
export const BASE_MS = 1_800_000_000_000;
export const KEY_NAMES = Array.from({ length: KEYS }, (_, i) => `user:${i}`);
const RATE = LIMIT / (WINDOW_MS / 1000);
const BUCKET = { capacity: LIMIT, refillPerSecond: RATE };

/** Time of request n, ms. */
export const timeOf = (n: number) => BASE_MS + n * ARRIVAL_MS;

type Bucket = { tokens: number; at: number } | undefined;

/** One batch's rows, as the limiter writes them (for the ceiling). */
export interface BatchRows {
  keys: string[];
  tokens: number[];
  at: number[];
  idle: number[];
}

/**
 * The exact reference: the pure token bucket over a Map, each batch stamped with the time of
 * its last request (as ours is). Also yields the rows each batch changes.
 */
export class Reference {
  readonly state = new Map<number, Bucket>();

  /** Decides `keys` (starting at request `start`) and returns admissions and changed rows. */
  run(keys: Int32Array, start: number): { admitted: Uint8Array; rows: BatchRows[] } {
    const admitted = new Uint8Array(keys.length);
    const rows: BatchRows[] = [];
    for (let b = 0; b < keys.length; b += BATCH) {
      const end = Math.min(keys.length, b + BATCH);
      const now = timeOf(start + end - 1);
      const changed = new Map<number, { tokens: number; at: number; idle: number }>();
      for (let i = b; i < end; i++) {
        const k = keys[i] as number;
        const r = tokenBucket(this.state.get(k), now, 1, BUCKET);
        if (r.decision.success) {
          admitted[i] = 1;
          this.state.set(k, r.state);
          changed.set(k, { tokens: r.state?.tokens ?? 0, at: now, idle: r.decision.reset });
        }
      }
      const br: BatchRows = { keys: [], tokens: [], at: [], idle: [] };
      for (const [k, v] of changed) {
        br.keys.push(KEY_NAMES[k] as string);
        br.tokens.push(v.tokens);
        br.at.push(v.at);
        br.idle.push(v.idle);
      }
      rows.push(br);
    }
    return { admitted, rows };
  }

  /** Warms the state over `keys` without recording. */
  warm(keys: Int32Array, start: number): void {
    this.run(keys, start);
  }
}

function upsertSql(rows: number): string {
  const values = Array.from({ length: rows }, () => "(?, ?, ?, ?, ?, ?, ?)").join(", ");
  return `INSERT INTO rl_state (key, limit_name, algo, a, b, updated_at, idle_at) VALUES ${values}
ON CONFLICT (key, limit_name) DO UPDATE SET algo = excluded.algo, a = excluded.a, b = excluded.b,
updated_at = excluded.updated_at, idle_at = excluded.idle_at`;
}
const UPSERTS = Array.from({ length: 15 }, (_, n) => (n === 0 ? "" : upsertSql(n)));

/** Bulk-loads bucket states into `rl_state` (setup, not timed). */
export function loadStates(sql: Sql, transactionSync: NodeSqlite["transactionSync"], ref: Reference): void {
  const all: [string, number, number, number][] = [];
  for (const [k, s] of ref.state) {
    if (s === undefined) continue;
    const idle = s.at + Math.ceil(((LIMIT - s.tokens) * 1000) / RATE);
    all.push([KEY_NAMES[k] as string, s.tokens, s.at, idle]);
  }
  transactionSync(() => {
    for (let i = 0; i < all.length; i += 14) {
      const chunk = all.slice(i, i + 14);
      const args: SqlBinding[] = [];
      for (const [key, tokens, at, idle] of chunk) args.push(key, "minute", "tokenBucket", tokens, 0, at, idle);
      sql.exec(UPSERTS[chunk.length] as string, ...args);
    }
  });
}

/** Ours: a limiter whose plan is one token bucket of 1,000 per 60 s. */
export function openOurs(file: string, ref: Reference): { db: NodeSqlite; limiter: RateLimiter; clock: ManualClock } {
  const db = openSqlite(file);
  const clock = new ManualClock(BASE_MS);
  // The host runs migrations (DOBase in a DO); the limiter never does.
  runMigrations(db.sql, db.transactionSync, RATE_LIMIT_MIGRATIONS, BASE_MS);
  const limiter = createRateLimiter(
    { sql: db.sql, transactionSync: db.transactionSync, clock },
    {
      plans: [{ name: "bench", limits: [{ name: "minute", algorithm: "tokenBucket", ...BUCKET }] }],
      defaultPlan: "bench",
      cacheSize: KEYS,
    },
  );
  limiter.start();
  loadStates(db.sql, db.transactionSync, ref);
  // Warm the cache (reads only), as a busy DO's would be.
  for (const key of KEY_NAMES) limiter.peek(key);
  return { db, limiter, clock };
}

/** Runs ours over a segment through `limitBatch`; returns the elapsed ms and admissions. */
export function runOurs(
  o: { limiter: RateLimiter; clock: ManualClock },
  batches: { key: string }[][],
  start: number,
): { ms: number; admitted: Uint8Array } {
  const admitted = new Uint8Array(batches.length * BATCH);
  const t0 = performance.now();
  let n = start;
  let i = 0;
  for (const checks of batches) {
    n += checks.length;
    o.clock.set(timeOf(n - 1));
    const results = o.limiter.limitBatch(checks);
    for (const r of results) admitted[i++] = r.success ? 1 : 0;
  }
  return { ms: performance.now() - t0, admitted };
}

/** The storage ceiling: the same rows upserted in the same transactions, with no algorithm. */
export function openCeiling(file: string, ref: Reference): NodeSqlite {
  const db = openSqlite(file);
  runMigrations(db.sql, db.transactionSync, RATE_LIMIT_MIGRATIONS, BASE_MS);
  loadStates(db.sql, db.transactionSync, ref);
  return db;
}

/** Runs the bare UPSERT loop over the rows each batch changed. */
export function runCeiling(db: NodeSqlite, rows: BatchRows[]): number {
  const t0 = performance.now();
  for (const br of rows) {
    if (br.keys.length === 0) continue;
    db.transactionSync(() => {
      for (let i = 0; i < br.keys.length; i += 14) {
        const end = Math.min(br.keys.length, i + 14);
        const args: SqlBinding[] = [];
        for (let j = i; j < end; j++) {
          args.push(br.keys[j] as string, "minute", "tokenBucket", br.tokens[j] as number, 0, br.at[j] as number);
          args.push(br.idle[j] as number);
        }
        db.sql.exec(UPSERTS[end - i] as string, ...args);
      }
    });
  }
  return performance.now() - t0;
}

/**
 * The common "sliding log in SQL" snippet (baselines.md §1a): per request DELETE rows older
 * than W, COUNT, INSERT if under the limit; 100 decisions per transaction. Integer µs times.
 */
export class SqlLog {
  readonly db: NodeSqlite;
  /** The JS emulation of the same semantics, to check every SQL decision. */
  readonly #emu = new Map<number, { ts: number[]; head: number }>();

  constructor(file: string) {
    this.db = openSqlite(file);
    this.db.sql.exec("CREATE TABLE requests (key TEXT NOT NULL, ts INTEGER NOT NULL)");
    this.db.sql.exec("CREATE INDEX idx_requests_key_ts ON requests (key, ts)");
  }

  #emulate(k: number, nowUs: number): boolean {
    let e = this.#emu.get(k);
    if (e === undefined) {
      e = { ts: [], head: 0 };
      this.#emu.set(k, e);
    }
    const cutoff = nowUs - WINDOW_MS * 1000;
    while (e.head < e.ts.length && (e.ts[e.head] as number) < cutoff) e.head++;
    if (e.head > 4096) {
      e.ts = e.ts.slice(e.head);
      e.head = 0;
    }
    if (e.ts.length - e.head < LIMIT) {
      e.ts.push(nowUs);
      return true;
    }
    return false;
  }

  /** Warms the emulation, then bulk-loads its live rows (setup, not timed). */
  warm(keys: Int32Array, start: number): number {
    for (let i = 0; i < keys.length; i++) this.#emulate(keys[i] as number, (start + i) * 3);
    const insert = this.db.db.prepare("INSERT INTO requests (key, ts) VALUES (?, ?)");
    let rows = 0;
    this.db.db.transaction(() => {
      for (const [k, e] of this.#emu) {
        const name = KEY_NAMES[k] as string;
        for (let i = e.head; i < e.ts.length; i++) {
          insert.run(name, e.ts[i]);
          rows++;
        }
      }
    })();
    return rows;
  }

  /** Decides a segment through SQL; returns elapsed ms and the number of mismatches. */
  run(keys: Int32Array, start: number): { ms: number; mismatches: number; admitted: number } {
    const { sql, transactionSync } = this.db;
    const decided = new Uint8Array(keys.length);
    const wUs = WINDOW_MS * 1000;
    const t0 = performance.now();
    for (let b = 0; b < keys.length; b += BATCH) {
      const end = Math.min(keys.length, b + BATCH);
      transactionSync(() => {
        for (let i = b; i < end; i++) {
          const key = KEY_NAMES[keys[i] as number] as string;
          const now = (start + i) * 3;
          sql.exec("DELETE FROM requests WHERE key = ? AND ts < ?", key, now - wUs);
          const { n } = sql
            .exec<{ n: number }>("SELECT COUNT(*) AS n FROM requests WHERE key = ? AND ts >= ?", key, now - wUs)
            .one();
          if (n < LIMIT) {
            sql.exec("INSERT INTO requests (key, ts) VALUES (?, ?)", key, now);
            decided[i] = 1;
          }
        }
      });
    }
    const ms = performance.now() - t0;
    let mismatches = 0;
    let admitted = 0;
    for (let i = 0; i < keys.length; i++) {
      const expected = this.#emulate(keys[i] as number, (start + i) * 3);
      if (expected !== (decided[i] === 1)) mismatches++;
      admitted += decided[i] as number;
    }
    return { ms, mismatches, admitted };
  }
}

/** The Map-only token bucket (baselines.md §1b): the in-memory ceiling, no persistence. */
export function runMapBucket(
  keys: Int32Array,
  start: number,
  map: Map<string, { tokens: number; last: number }>,
): number {
  const perMs = RATE / 1000;
  const t0 = performance.now();
  let admitted = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = KEY_NAMES[keys[i] as number] as string;
    const now = timeOf(start + i);
    let b = map.get(key);
    if (b === undefined) {
      b = { tokens: LIMIT, last: now };
      map.set(key, b);
    }
    b.tokens = Math.min(LIMIT, b.tokens + (now - b.last) * perMs);
    b.last = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      admitted++;
    }
  }
  const ms = performance.now() - t0;
  if (admitted < 0) throw new Error("unreachable");
  return ms;
}
