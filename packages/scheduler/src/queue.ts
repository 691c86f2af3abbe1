/**
 * `sched_queue`: every pending piece of work is one row with a due time, and the DO alarm is
 * always set to the earliest row (deleted when there is none). This is the only module that
 * touches the alarm.
 * @module
 */
import type { AlarmPort, Sql } from "@durable/core";

/** What a queue row stands for. */
export type QueueKind = "occ" | "run" | "wake" | "outbox";

/** One row of `sched_queue`. */
export interface QueueRow {
  id: number;
  due_at: number;
  kind: QueueKind;
  ref: string;
  attempt: number;
  lease: string | null;
  gen: number;
  data: string | null;
  [column: string]: string | number | null;
}

/** The queue table and the alarm that mirrors its earliest row. */
export class Queue {
  readonly #sql: Sql;
  readonly #alarm: AlarmPort;
  /** What this instance last asked the alarm to be (undefined: unknown). */
  #armedAt: number | null | undefined;
  #pending: Promise<void> = Promise.resolve();
  #armErrors = 0;

  constructor(sql: Sql, alarm: AlarmPort) {
    this.#sql = sql;
    this.#alarm = alarm;
  }

  /** Inserts a row unless one with the same kind and ref exists; returns its id or null. */
  put(kind: QueueKind, ref: string, dueAt: number, data: string | null = null, attempt = 1): number | null {
    const rows = this.#sql
      .exec<{ id: number }>(
        "INSERT INTO sched_queue (due_at, kind, ref, attempt, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, ref) DO NOTHING RETURNING id",
        dueAt,
        kind,
        ref,
        attempt,
        data,
      )
      .toArray();
    return rows[0]?.id ?? null;
  }

  /**
   * One row per kind + ref; a repeat keeps the earlier time (a leased row takes the new one).
   * Bumps `gen` so a handler running the old request does not delete the new one.
   */
  merge(kind: QueueKind, ref: string, dueAt: number, data: string | null): void {
    this.#sql.exec(
      `INSERT INTO sched_queue (due_at, kind, ref, data) VALUES (?, ?, ?, ?)
       ON CONFLICT (kind, ref) DO UPDATE SET
         due_at = CASE WHEN lease IS NOT NULL THEN excluded.due_at ELSE min(due_at, excluded.due_at) END,
         lease = NULL, attempt = 1, data = excluded.data, gen = gen + 1`,
      dueAt,
      kind,
      ref,
      data,
    );
  }

  /** Rows due at `now`, earliest first. */
  due(now: number, limit: number): QueueRow[] {
    return this.#sql
      .exec<QueueRow>("SELECT * FROM sched_queue WHERE due_at <= ? ORDER BY due_at, id LIMIT ?", now, limit)
      .toArray();
  }

  /** A row by id. */
  get(id: number): QueueRow | null {
    return this.#sql.exec<QueueRow>("SELECT * FROM sched_queue WHERE id = ?", id).toArray()[0] ?? null;
  }

  /** A row by kind and ref. */
  byRef(kind: QueueKind, ref: string): QueueRow | null {
    return (
      this.#sql.exec<QueueRow>("SELECT * FROM sched_queue WHERE kind = ? AND ref = ?", kind, ref).toArray()[0] ?? null
    );
  }

  /** Marks a row as being worked on by `startId` until `until`. */
  lease(id: number, until: number, startId: string): void {
    this.#sql.exec("UPDATE sched_queue SET due_at = ?, lease = ? WHERE id = ?", until, startId, id);
  }

  /** Moves a row to a new time and attempt, releasing its lease. */
  reschedule(id: number, dueAt: number, attempt: number): void {
    this.#sql.exec("UPDATE sched_queue SET due_at = ?, attempt = ?, lease = NULL WHERE id = ?", dueAt, attempt, id);
  }

  /**
   * Moves a row back to `dueAt` with one more attempt, releasing its lease (a failed wake-up, or
   * a row whose processing threw outside any handler). `gen` guards against moving a newer request.
   */
  retryAt(id: number, dueAt: number, gen?: number): void {
    if (gen === undefined) {
      this.#sql.exec("UPDATE sched_queue SET due_at = ?, attempt = attempt + 1, lease = NULL WHERE id = ?", dueAt, id);
    } else {
      this.#sql.exec(
        "UPDATE sched_queue SET due_at = ?, attempt = attempt + 1, lease = NULL WHERE id = ? AND gen = ?",
        dueAt,
        id,
        gen,
      );
    }
  }

  /** Moves the row of kind + ref (no lease change). */
  moveRef(kind: QueueKind, ref: string, dueAt: number): void {
    this.#sql.exec("UPDATE sched_queue SET due_at = ? WHERE kind = ? AND ref = ?", dueAt, kind, ref);
  }

  delete(id: number): void {
    this.#sql.exec("DELETE FROM sched_queue WHERE id = ?", id);
  }

  /** Deletes the row of kind + ref; `gen` guards against deleting a newer request. */
  deleteRef(kind: QueueKind, ref: string, gen?: number): boolean {
    const cursor =
      gen === undefined
        ? this.#sql.exec("DELETE FROM sched_queue WHERE kind = ? AND ref = ?", kind, ref)
        : this.#sql.exec("DELETE FROM sched_queue WHERE kind = ? AND ref = ? AND gen = ?", kind, ref, gen);
    return cursor.rowsWritten > 0;
  }

  /** The earliest due time, or null when the queue is empty. */
  earliest(): number | null {
    const row = this.#sql.exec<{ t: number | null }>("SELECT min(due_at) AS t FROM sched_queue").one();
    return row.t;
  }

  /** True when a row is due at `now`. */
  hasDue(now: number): boolean {
    return this.#sql.exec("SELECT 1 FROM sched_queue WHERE due_at <= ? LIMIT 1", now).toArray().length > 0;
  }

  /**
   * Work an earlier instance started and never finished becomes due now, with the same key and
   * attempt: leased wake-ups, and run rows whose claim in `sched_dedup` carries another start id.
   */
  requeueLeases(startId: string, now: number): number {
    const wakes = this.#sql.exec(
      "UPDATE sched_queue SET due_at = ?, lease = NULL WHERE lease IS NOT NULL AND lease != ?",
      now,
      startId,
    ).rowsWritten;
    const runs = this.#sql.exec(
      `UPDATE sched_queue SET due_at = ? WHERE kind = 'run' AND due_at > ? AND ref IN (
         SELECT key FROM sched_dedup WHERE state = 'claimed' AND start_id != ?)`,
      now,
      now,
      startId,
    ).rowsWritten;
    return wakes + runs;
  }

  /**
   * After a mutation: sets the alarm to the earliest row (or deletes it) when that differs from
   * what this instance last set. The port call is queued; {@link settle} awaits it.
   */
  arm(): void {
    const at = this.earliest();
    if (at === this.#armedAt) return;
    this.#armedAt = at;
    this.#pending = this.#pending
      .then(() => (at === null ? this.#alarm.delete() : this.#alarm.set(at)))
      .catch(() => {
        this.#armErrors++;
        this.#armedAt = undefined;
      });
  }

  /** Re-arms from the table whatever this instance believes (after a pass, on start). */
  async rearm(): Promise<number | null> {
    await this.#pending;
    const at = this.earliest();
    const current = await this.#alarm.get();
    if (at === null) {
      if (current !== null) await this.#alarm.delete();
    } else if (current !== at) {
      await this.#alarm.set(at);
    }
    this.#armedAt = at;
    return at;
  }

  /** Forgets the cached alarm (a fired alarm is gone). */
  forget(): void {
    this.#armedAt = undefined;
  }

  /** Resolves when every queued alarm call finished. */
  settle(): Promise<void> {
    return this.#pending;
  }

  /** Alarm port calls that failed (they are retried by the next re-arm). */
  get armErrors(): number {
    return this.#armErrors;
  }
}
