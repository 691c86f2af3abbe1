/**
 * The peer: a naive scheduler that keeps every schedule in one table without a due index and
 * scans all of them on every alarm (what a first implementation usually does). Same slot math
 * (croner 11, intervals), same handler work, so only the pass design differs.
 * @module
 */
import type { Clock, Sql, TransactionSync } from "@durable/core";
import { nextSlot, type WhenSpec } from "@durable/scheduler/testing";

/** A full-scan scheduler over `naive_schedules`. */
export class NaiveScheduler {
  readonly #sql: Sql;
  readonly #tx: TransactionSync;
  readonly #clock: Clock;
  readonly #handler: (id: string, slot: number) => void;

  constructor(sql: Sql, tx: TransactionSync, clock: Clock, handler: (id: string, slot: number) => void) {
    this.#sql = sql;
    this.#tx = tx;
    this.#clock = clock;
    this.#handler = handler;
    sql.exec(
      "CREATE TABLE IF NOT EXISTS naive_schedules (id TEXT PRIMARY KEY, spec TEXT NOT NULL, next_run_at INTEGER) STRICT",
    );
  }

  /** Adds a schedule. */
  add(id: string, spec: WhenSpec): void {
    const now = this.#clock.now();
    this.#sql.exec(
      "INSERT INTO naive_schedules (id, spec, next_run_at) VALUES (?, ?, ?)",
      id,
      JSON.stringify(spec),
      nextSlot(spec, now - 1),
    );
  }

  /** One alarm: scans every schedule, runs the due ones (at most `max`). */
  pass(max = 100): number {
    const now = this.#clock.now();
    let ran = 0;
    const rows = this.#sql
      .exec<{ id: string; spec: string; next_run_at: number | null }>(
        "SELECT id, spec, next_run_at FROM naive_schedules",
      )
      .toArray();
    for (const row of rows) {
      if (ran >= max) break;
      if (row.next_run_at === null || row.next_run_at > now) continue;
      const spec = JSON.parse(row.spec) as WhenSpec;
      this.#tx(() => {
        this.#handler(row.id, row.next_run_at as number);
        this.#sql.exec(
          "UPDATE naive_schedules SET next_run_at = ? WHERE id = ?",
          nextSlot(spec, row.next_run_at as number),
          row.id,
        );
      });
      ran++;
    }
    return ran;
  }
}
