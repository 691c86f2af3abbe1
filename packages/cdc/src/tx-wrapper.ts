/**
 * The transaction wrapper: every outermost write or DDL transaction of the tables (and CDC's
 * own) runs through it. It numbers the transaction (`cdc_state.tx_id` = the first LSN the
 * transaction would get, so a raw write outside it, which takes its own LSN as its txId, never
 * collides), turns the triggers' errors into typed ones, and asks for a drain after a commit
 * that captured changes.
 * @module
 */
import { errorCodeOf, type Sql, type TransactionSync } from "@durable/core";
import { cdcError } from "./errors.ts";

/** Whether the backlog reached its cap (`lsn_limit` is the minimum offset + `maxBacklogEvents`). */
export const FULL_SQL =
  "(lsn_limit IS NOT NULL AND max(coalesce((SELECT max(lsn) FROM cdc_changes), 0), purged_through) >= lsn_limit)";

/** What the wrapper needs from its owner. */
export interface TxHooks {
  /** Whether any table is tracked (no table: the wrapper only passes through). */
  active(): boolean;
  /** Called after an outermost commit that captured changes. */
  captured(): void;
  /** The `Retry-After` of a refused write, in seconds (≥ 1). */
  retryAfterSeconds(): number;
}

/** Numbers transactions for the change log; one instance per DO (its depth is shared). */
export class TxWrapper {
  readonly #sql: Sql;
  readonly #hooks: TxHooks;
  #depth = 0;

  constructor(sql: Sql, hooks: TxHooks) {
    this.#sql = sql;
    this.#hooks = hooks;
  }

  /** Wraps a `TransactionSync` (the DO's, or what the tables already wrapped). */
  wrap(inner: TransactionSync): TransactionSync {
    return <T>(fn: () => T): T => {
      if (this.#depth > 0) return inner(fn);
      if (!this.#hooks.active()) {
        this.#depth++;
        try {
          return inner(fn);
        } finally {
          this.#depth--;
        }
      }
      let start = 0;
      let end = 0;
      this.#depth++;
      try {
        const result = inner(() => {
          start = this.#sql
            .exec<{ n: number }>(
              "UPDATE cdc_state SET tx_id = max(coalesce((SELECT max(lsn) FROM cdc_changes), 0), purged_through) + 1 WHERE id = 1 RETURNING tx_id - 1 AS n",
            )
            .one().n;
          const out = fn();
          end = this.#sql
            .exec<{ n: number }>(
              `UPDATE cdc_state SET tx_id = NULL, full = ${FULL_SQL} WHERE id = 1 RETURNING coalesce((SELECT max(lsn) FROM cdc_changes), 0) AS n`,
            )
            .one().n;
          return out;
        });
        if (end > start) this.#hooks.captured();
        return result;
      } catch (err) {
        throw this.#typed(err);
      } finally {
        this.#depth--;
      }
    };
  }

  #typed(err: unknown): unknown {
    const message = err instanceof Error ? err.message : "";
    if (errorCodeOf(err) === "CDC_BACKLOG_FULL" || message.includes("[CDC_BACKLOG_FULL]")) {
      const seconds = this.#hooks.retryAfterSeconds();
      return cdcError(
        "CDC_BACKLOG_FULL",
        `the change backlog is full; retry in ${seconds} s once consumers caught up`,
        503,
        { "retry-after": String(seconds) },
      );
    }
    if (/cdc_row_too_large|string or blob too big|SQLITE_TOOBIG/i.test(message)) {
      return cdcError(
        "CDC_ROW_TOO_LARGE",
        "a captured row image is over 2 MiB (blobs are captured as hex); track the table with excludeColumns",
        413,
      );
    }
    return err;
  }
}
