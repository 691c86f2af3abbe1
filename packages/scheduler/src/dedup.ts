/**
 * `sched_dedup`: the claim and done marker of each idempotency key. A run claims its key with
 * the instance's start id; a key already done is never run again while its marker lives.
 * @module
 */
import type { Sql } from "@durable/core";

/** Claims and done markers, one row per idempotency key. */
export class Claims {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  /**
   * Claims `key` for `startId` unless it is done.
   * @returns false when the key is already done (the run is a duplicate)
   */
  claim(key: string, startId: string, attempt: number, expiresAt: number): boolean {
    return (
      this.#sql
        .exec(
          `INSERT INTO sched_dedup (key, state, start_id, attempt, expires_at) VALUES (?, 'claimed', ?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET state = 'claimed', start_id = excluded.start_id, attempt = excluded.attempt,
             expires_at = excluded.expires_at WHERE sched_dedup.state != 'done'
           RETURNING state`,
          key,
          startId,
          attempt,
          expiresAt,
        )
        .toArray().length > 0
    );
  }

  /** Writes the done marker of `key` (kept until `expiresAt`). */
  done(key: string, startId: string, attempt: number, expiresAt: number): void {
    this.#sql.exec(
      `INSERT INTO sched_dedup (key, state, start_id, attempt, expires_at) VALUES (?, 'done', ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET state = 'done', attempt = excluded.attempt, expires_at = excluded.expires_at`,
      key,
      startId,
      attempt,
      expiresAt,
    );
  }

  /** Drops the claim of a run that ended without success (a done marker stays). */
  release(key: string): void {
    this.#sql.exec("DELETE FROM sched_dedup WHERE key = ? AND state != 'done'", key);
  }

  /** A claimed key waits for its retry (so a new instance does not re-queue it as abandoned). */
  waitRetry(key: string): void {
    this.#sql.exec("UPDATE sched_dedup SET state = 'retry' WHERE key = ? AND state = 'claimed'", key);
  }

  /** True when `key` has a claim or a done marker. */
  has(key: string): boolean {
    return this.#sql.exec("SELECT 1 FROM sched_dedup WHERE key = ?", key).toArray().length > 0;
  }

  /** Deletes up to 200 expired markers (bounded work per pass). */
  sweep(now: number): void {
    this.#sql.exec(
      "DELETE FROM sched_dedup WHERE key IN (SELECT key FROM sched_dedup WHERE expires_at < ? ORDER BY expires_at LIMIT 200)",
      now,
    );
  }
}
