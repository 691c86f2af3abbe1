/**
 * `ckpt_meta`: the checkpoint's small counters and flags (last epoch, recoveries, the outbox's
 * sequence, a participant's incarnation and pause flag), one key-value table for all of them.
 * @module
 */
import type { Sql } from "@durable/core";

/** Reads and writes `ckpt_meta` (in the caller's transaction, if any). */
export class CheckpointMeta {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  /** The value of `key`, or undefined. */
  get(key: string): string | undefined {
    return this.#sql.exec<{ v: string }>("SELECT v FROM ckpt_meta WHERE k = ?", key).toArray()[0]?.v;
  }

  /** The value of `key` as a number (0 when unset). */
  number(key: string): number {
    return Number(this.get(key) ?? 0);
  }

  /** Sets `key` (a number is stored as its text); null deletes it. */
  set(key: string, value: string | number | null): void {
    if (value === null) this.#sql.exec("DELETE FROM ckpt_meta WHERE k = ?", key);
    else {
      this.#sql.exec(
        "INSERT INTO ckpt_meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
        key,
        String(value),
      );
    }
  }
}
