/**
 * Every SQL statement of the limiter, over the `Sql` port, for one table prefix (`rl_` by
 * default; a second limiter in the same DO uses e.g. `rl_gate_`). The statements are built once
 * per store, so the hot path formats no SQL. Multi-row writes are chunked to stay within DO
 * SQLite's 100 bound parameters per statement.
 * @module
 */
import type { Sql, SqlBinding } from "@durable/core";
import type { Algorithm, LogEntry, StoredState } from "./algorithms/index.ts";
import type { LimitSpec, Override } from "./schemas.ts";

/** One row of `rl_state` to write. */
export interface StateRow {
  key: string;
  limit: string;
  state: StoredState;
  /** When the row will equal "full" (the decision's `reset`). */
  idleAt: number;
}

/** Sliding-log rows to append for one key and limit, and the expired ones to delete. */
export interface LogWrite {
  key: string;
  limit: string;
  append: LogEntry;
  /** Delete entries with ts ≤ this (they left the window). */
  expiredUpTo: number;
  /** False when the cache knows no stored entry has expired (saves a DELETE). */
  hasExpired: boolean;
}

/** A stored override, with its expiry. */
export interface StoredOverride {
  override: Override;
  expiresAt: number | null;
}

/** A stored plan. */
export interface StoredPlan {
  name: string;
  limits: LimitSpec[];
  source: "config" | "runtime";
}

/** What the limiter knows about one key: its limits' states and its override. */
export interface KeyRecord {
  states: Map<string, StoredState>;
  override: StoredOverride | null;
}

const STATE_COLUMNS = 7;
const STATE_ROWS_PER_STATEMENT = Math.floor(100 / STATE_COLUMNS);
const LOG_COLUMNS = 4;
const LOG_ROWS_PER_STATEMENT = Math.floor(100 / LOG_COLUMNS);

function upsertStateSql(p: string, rows: number): string {
  const values = Array.from({ length: rows }, () => "(?, ?, ?, ?, ?, ?, ?)").join(", ");
  return `INSERT INTO ${p}state (key, limit_name, algo, a, b, updated_at, idle_at) VALUES ${values}
ON CONFLICT (key, limit_name) DO UPDATE SET algo = excluded.algo, a = excluded.a, b = excluded.b,
updated_at = excluded.updated_at, idle_at = excluded.idle_at`;
}

function insertLogSql(p: string, rows: number): string {
  const values = Array.from({ length: rows }, () => "(?, ?, ?, ?)").join(", ");
  return `INSERT INTO ${p}log (key, limit_name, ts, cost) VALUES ${values}`;
}

/** Every statement of the store, over the tables of prefix `p` (validated by the config schema). */
function statementsOf(p: string) {
  return {
    upsertState: Array.from({ length: STATE_ROWS_PER_STATEMENT + 1 }, (_, n) => (n === 0 ? "" : upsertStateSql(p, n))),
    insertLog: Array.from({ length: LOG_ROWS_PER_STATEMENT + 1 }, (_, n) => (n === 0 ? "" : insertLogSql(p, n))),
    loadStates: `SELECT limit_name, algo, a, b, updated_at FROM ${p}state WHERE key = ?`,
    loadLogs: `SELECT limit_name, ts, cost FROM ${p}log WHERE key = ? ORDER BY limit_name, ts`,
    loadOverride: `SELECT plan, limits, expires_at FROM ${p}overrides WHERE key = ?`,
    deleteExpiredLog: `DELETE FROM ${p}log WHERE key = ? AND limit_name = ? AND ts <= ?`,
    deleteStates: `DELETE FROM ${p}state WHERE key = ?`,
    deleteLogs: `DELETE FROM ${p}log WHERE key = ?`,
    deleteState: `DELETE FROM ${p}state WHERE key = ? AND limit_name = ?`,
    deleteLog: `DELETE FROM ${p}log WHERE key = ? AND limit_name = ?`,
    scanIdle: `SELECT key, limit_name, algo, a, b, updated_at, idle_at FROM ${p}state
WHERE (key, limit_name) > (?, ?) ORDER BY key, limit_name LIMIT ?`,
    listPlans: `SELECT name, limits, source FROM ${p}plans ORDER BY name`,
    getPlan: `SELECT limits, source FROM ${p}plans WHERE name = ?`,
    putPlan: `INSERT INTO ${p}plans (name, limits, source, updated_at) VALUES (?, ?, ?, ?)
ON CONFLICT (name) DO UPDATE SET limits = excluded.limits, source = excluded.source, updated_at = excluded.updated_at`,
    deletePlan: `DELETE FROM ${p}plans WHERE name = ?`,
    planInUse: `SELECT 1 AS x FROM ${p}overrides WHERE plan = ? AND (expires_at IS NULL OR expires_at > ?) LIMIT 1`,
    putOverride: `INSERT INTO ${p}overrides (key, plan, limits, expires_at, updated_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (key) DO UPDATE SET plan = excluded.plan, limits = excluded.limits,
expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
    deleteOverride: `DELETE FROM ${p}overrides WHERE key = ?`,
    expiredOverrides: `SELECT key FROM ${p}overrides WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT ?`,
  };
}

/** The SQL side of the limiter. */
export class RateLimitStore {
  readonly #sql: Sql;
  readonly #q: ReturnType<typeof statementsOf>;

  /**
   * @param sql the Sql port
   * @param prefix the table prefix (`rl_`, or another starting with `rl_`), already validated
   */
  constructor(sql: Sql, prefix = "rl_") {
    this.#sql = sql;
    this.#q = statementsOf(prefix);
  }

  /** Loads a key's states (with sliding-log entries) and its override: 2–3 reads. */
  loadKey(key: string): KeyRecord {
    const states = new Map<string, StoredState>();
    let hasLog = false;
    for (const r of this.#sql.exec<{ limit_name: string; algo: string; a: number; b: number; updated_at: number }>(
      this.#q.loadStates,
      key,
    )) {
      const algo = r.algo as Algorithm;
      if (algo === "slidingLog") hasLog = true;
      states.set(r.limit_name, { algo, a: r.a, b: r.b, at: r.updated_at });
    }
    if (hasLog) {
      for (const r of this.#sql.exec<{ limit_name: string; ts: number; cost: number }>(this.#q.loadLogs, key)) {
        const s = states.get(r.limit_name);
        if (s?.algo !== "slidingLog") continue;
        if (s.log === undefined) s.log = [];
        s.log.push({ ts: r.ts, cost: r.cost });
      }
    }
    return { states, override: this.loadOverride(key) };
  }

  /** A key's override row, if any (expired ones included; the caller decides). */
  loadOverride(key: string): StoredOverride | null {
    const row = this.#sql
      .exec<{ plan: string | null; limits: string | null; expires_at: number | null }>(this.#q.loadOverride, key)
      .toArray()[0];
    if (row === undefined) return null;
    const override: Override =
      row.plan !== null ? { plan: row.plan } : { limits: JSON.parse(row.limits ?? "[]") as LimitSpec[] };
    return { override, expiresAt: row.expires_at };
  }

  /** Upserts state rows, at most 14 per statement. */
  writeStates(rows: readonly StateRow[]): void {
    for (let i = 0; i < rows.length; i += STATE_ROWS_PER_STATEMENT) {
      const chunk = rows.slice(i, i + STATE_ROWS_PER_STATEMENT);
      const args: SqlBinding[] = [];
      for (const r of chunk) args.push(r.key, r.limit, r.state.algo, r.state.a, r.state.b, r.state.at, r.idleAt);
      this.#sql.exec(this.#q.upsertState[chunk.length] as string, ...args);
    }
  }

  /** Appends sliding-log entries and deletes the ones that left the window. */
  writeLogs(writes: readonly LogWrite[]): void {
    for (const w of writes) {
      if (w.hasExpired) {
        this.#sql.exec(this.#q.deleteExpiredLog, w.key, w.limit, w.expiredUpTo);
      }
    }
    for (let i = 0; i < writes.length; i += LOG_ROWS_PER_STATEMENT) {
      const chunk = writes.slice(i, i + LOG_ROWS_PER_STATEMENT);
      const args: SqlBinding[] = [];
      for (const w of chunk) args.push(w.key, w.limit, w.append.ts, w.append.cost);
      this.#sql.exec(this.#q.insertLog[chunk.length] as string, ...args);
    }
  }

  /** Deletes a key's state (one limit, or all) and its log entries. */
  deleteKey(key: string, limit?: string): void {
    if (limit === undefined) {
      this.#sql.exec(this.#q.deleteStates, key);
      this.#sql.exec(this.#q.deleteLogs, key);
    } else {
      this.#sql.exec(this.#q.deleteState, key, limit);
      this.#sql.exec(this.#q.deleteLog, key, limit);
    }
  }

  /** Deletes every log entry of a key and limit (its state row was swept or replaced). */
  deleteLog(key: string, limit: string): void {
    this.#sql.exec(this.#q.deleteLog, key, limit);
  }

  /**
   * One page of `rl_state` in primary-key order after `(afterKey, afterLimit)`, keeping only
   * rows idle by `now`. Returns the position to continue from (null at the end of the table).
   */
  scanIdle(
    afterKey: string,
    afterLimit: string,
    now: number,
    pageSize: number,
  ): { rows: { key: string; limit: string; state: StoredState }[]; next: [string, string] | null } {
    const page = this.#sql
      .exec<{
        key: string;
        limit_name: string;
        algo: string;
        a: number;
        b: number;
        updated_at: number;
        idle_at: number;
      }>(this.#q.scanIdle, afterKey, afterLimit, pageSize)
      .toArray();
    const last = page[page.length - 1];
    return {
      rows: page
        .filter((r) => r.idle_at <= now)
        .map((r) => ({
          key: r.key,
          limit: r.limit_name,
          state: { algo: r.algo as Algorithm, a: r.a, b: r.b, at: r.updated_at },
        })),
      next: page.length === pageSize && last ? [last.key, last.limit_name] : null,
    };
  }

  /** Every stored plan. */
  listPlans(): StoredPlan[] {
    return this.#sql
      .exec<{ name: string; limits: string; source: string }>(this.#q.listPlans)
      .toArray()
      .map((r) => ({
        name: r.name,
        limits: JSON.parse(r.limits) as LimitSpec[],
        source: r.source === "config" ? "config" : "runtime",
      }));
  }

  /** Writes a plan; returns false when the stored one was identical (nothing written). */
  putPlan(plan: StoredPlan, now: number): boolean {
    const limits = JSON.stringify(plan.limits);
    const cur = this.#sql.exec<{ limits: string; source: string }>(this.#q.getPlan, plan.name).toArray()[0];
    if (cur !== undefined && cur.limits === limits && cur.source === plan.source) return false;
    this.#sql.exec(this.#q.putPlan, plan.name, limits, plan.source, now);
    return true;
  }

  /** Deletes a plan row. */
  deletePlan(name: string): void {
    this.#sql.exec(this.#q.deletePlan, name);
  }

  /** True when an override that has not expired by `now` names the plan. */
  planInUse(name: string, now: number): boolean {
    return this.#sql.exec(this.#q.planInUse, name, now).toArray().length > 0;
  }

  /** Writes a key's override. */
  putOverride(key: string, o: StoredOverride, now: number): void {
    const plan = "plan" in o.override ? o.override.plan : null;
    const limits = "limits" in o.override ? JSON.stringify(o.override.limits) : null;
    this.#sql.exec(this.#q.putOverride, key, plan, limits, o.expiresAt, now);
  }

  /** Deletes a key's override. */
  deleteOverride(key: string): void {
    this.#sql.exec(this.#q.deleteOverride, key);
  }

  /** Deletes overrides expired by `now`; returns their keys. */
  deleteExpiredOverrides(now: number, max: number): string[] {
    const keys = this.#sql
      .exec<{ key: string }>(this.#q.expiredOverrides, now, max)
      .toArray()
      .map((r) => r.key);
    for (const key of keys) this.#sql.exec(this.#q.deleteOverride, key);
    return keys;
  }
}
