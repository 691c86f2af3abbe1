/**
 * `sched_runs`: one row per slot (ran, skipped or missed), kept `historyRetentionMs` and at
 * most `historyPerSchedule` rows per schedule (trimmed every 50 runs, so the cap costs O(1) per run).
 * @module
 */
import type { Sql } from "@durable/core";
import { errorText } from "./errors.ts";
import type { Page } from "./schemas.ts";
import type { RunRecord } from "./types.ts";

interface RunRow {
  id: string;
  schedule_id: string;
  seq: number;
  status: RunRecord["status"];
  scheduled_at: number;
  started_at: number | null;
  duration_ms: number | null;
  attempts: number;
  version: number;
  detail: string | null;
  error: string | null;
  [column: string]: string | number | null;
}

/** Reads and writes the run history. */
export class History {
  readonly #sql: Sql;
  readonly #cap: number;

  constructor(sql: Sql, perSchedule: number) {
    this.#sql = sql;
    this.#cap = perSchedule;
  }

  /** Adds a record, or restarts the one with this id (a retry or replay of the same slot). */
  record(
    id: string,
    scheduleId: string,
    fields: {
      status: RunRecord["status"];
      scheduledAt: number;
      startedAt?: number | null;
      attempts?: number;
      version: number;
      detail?: Record<string, unknown> | null;
      now: number;
    },
  ): void {
    this.#sql.exec(
      `INSERT INTO sched_runs (id, schedule_id, status, scheduled_at, started_at, attempts, version, detail, recorded_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, started_at = coalesce(excluded.started_at, started_at),
         attempts = excluded.attempts, error = NULL, recorded_at = excluded.recorded_at`,
      id,
      scheduleId,
      fields.status,
      fields.scheduledAt,
      fields.startedAt ?? null,
      fields.attempts ?? 0,
      fields.version,
      fields.detail ? JSON.stringify(fields.detail) : null,
      fields.now,
    );
  }

  /**
   * Keeps the newest `historyPerSchedule` − 50 records of a schedule. Called every 50 runs, so a
   * schedule never holds more than `historyPerSchedule` run records (amortized O(1) per run).
   */
  trim(scheduleId: string): void {
    this.#sql.exec(
      `DELETE FROM sched_runs WHERE schedule_id = ? AND seq < (
         SELECT seq FROM sched_runs WHERE schedule_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
      scheduleId,
      scheduleId,
      Math.max(0, this.#cap - 51),
    );
  }

  /** Ends a record (creating it when the start was never written: a synchronous run). */
  finish(
    id: string,
    base: {
      scheduleId: string;
      scheduledAt: number;
      version: number;
      startedAt: number;
      detail: Record<string, unknown> | null;
    },
    status: RunRecord["status"],
    now: number,
    attempts: number,
    error?: unknown,
  ): void {
    this.#sql.exec(
      `INSERT INTO sched_runs (id, schedule_id, status, scheduled_at, started_at, duration_ms, attempts, version, detail, error, recorded_at)
       VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
         duration_ms = CASE WHEN started_at IS NULL THEN NULL ELSE excluded.recorded_at - started_at END,
         error = excluded.error, recorded_at = excluded.recorded_at`,
      id,
      base.scheduleId,
      status,
      base.scheduledAt,
      base.startedAt,
      attempts,
      base.version,
      base.detail ? JSON.stringify(base.detail) : null,
      error === undefined ? null : errorText(error),
      now,
    );
  }

  /** Newest first, keyset by sequence. */
  list(scheduleId: string, q: { cursor?: string | undefined; limit: number }): Page<RunRecord> {
    const before = q.cursor === undefined ? Number.MAX_SAFE_INTEGER : Number(q.cursor);
    const rows = this.#sql
      .exec<RunRow>(
        "SELECT * FROM sched_runs WHERE schedule_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
        scheduleId,
        Number.isFinite(before) ? before : 0,
        q.limit + 1,
      )
      .toArray();
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({
        id: r.id,
        scheduleId: r.schedule_id,
        status: r.status,
        scheduledAt: r.scheduled_at,
        startedAt: r.started_at,
        durationMs: r.duration_ms,
        attempts: r.attempts,
        version: r.version,
        detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
        error: r.error,
      })),
      ...(rows.length > q.limit && last ? { cursor: String(last.seq) } : {}),
    };
  }

  /** Deletes up to `limit` records older than `before`. */
  sweep(before: number, limit = 200): number {
    return this.#sql.exec(
      "DELETE FROM sched_runs WHERE id IN (SELECT id FROM sched_runs WHERE recorded_at < ? ORDER BY recorded_at LIMIT ?)",
      before,
      limit,
    ).rowsWritten;
  }
}
