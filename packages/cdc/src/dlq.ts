/**
 * The dead-letter queue of each consumer (`cdc_dlq`): listed, replayed in LSN order through the
 * consumer's sink (delivered rows deleted), deleted by LSNs or age.
 * @module
 */
import type { Clock, Sql } from "@durable/core";
import { cdcError } from "./errors.ts";
import type { PushSink } from "./sinks/sink.ts";
import type { ChangeEvent } from "./types.ts";

/** A DLQ entry. */
export interface DlqEntry {
  consumer: string;
  lsn: number;
  /** The event (or, for DECODE_FAILED, the raw change row). */
  event: unknown;
  reason: string;
  attempts: number;
  firstFailureAt: number;
  lastFailureAt: number;
}

/** The DLQ operations. */
export interface DlqApi {
  list(consumer: string, limit?: number): DlqEntry[];
  /** Replays in LSN order; stops at the first failure. @returns how many were delivered */
  replay(consumer: string, lsns?: number[]): Promise<{ replayed: number; remaining: number }>;
  delete(consumer: string, by: { lsns?: number[]; olderThanMs?: number }): { deleted: number };
  size(consumer: string): number;
}

interface Row extends Record<string, string | number> {
  consumer: string;
  lsn: number;
  event: string;
  reason: string;
  attempts: number;
  first_failure_at: number;
  last_failure_at: number;
}

const toEntry = (r: Row): DlqEntry => ({
  consumer: r.consumer,
  lsn: r.lsn,
  event: JSON.parse(r.event),
  reason: r.reason,
  attempts: r.attempts,
  firstFailureAt: r.first_failure_at,
  lastFailureAt: r.last_failure_at,
});

/**
 * The DLQ over SQLite.
 * @param sinkOf the push sink of a consumer (throws for a pull consumer)
 * @param exists throws CONSUMER_NOT_FOUND for an unknown consumer
 */
export function createDlq(
  sql: Sql,
  clock: Clock,
  sinkOf: (consumer: string) => PushSink | null,
  exists: (consumer: string) => void,
): DlqApi {
  const size = (consumer: string) =>
    sql.exec<{ n: number }>("SELECT count(*) AS n FROM cdc_dlq WHERE consumer = ?", consumer).one().n;
  return {
    size,
    list(consumer, limit = 100) {
      exists(consumer);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw cdcError("INVALID_INPUT", "limit must be 1–1000");
      return sql
        .exec<Row>("SELECT * FROM cdc_dlq WHERE consumer = ? ORDER BY lsn LIMIT ?", consumer, limit)
        .toArray()
        .map(toEntry);
    },
    async replay(consumer, lsns) {
      exists(consumer);
      const rows = sql
        .exec<Row>(
          lsns
            ? "SELECT * FROM cdc_dlq WHERE consumer = ? AND lsn IN (SELECT value FROM json_each(?)) ORDER BY lsn"
            : "SELECT * FROM cdc_dlq WHERE consumer = ? ORDER BY lsn",
          consumer,
          ...(lsns ? [JSON.stringify(lsns)] : []),
        )
        .toArray();
      let replayed = 0;
      const sink = sinkOf(consumer);
      for (const row of rows) {
        const entry = toEntry(row);
        if (row.reason.startsWith("DECODE_FAILED")) continue;
        const event = entry.event as ChangeEvent;
        try {
          if (sink) await sink.push([{ ...event, ts_ms: clock.now() }], { fromLsn: row.lsn, toLsn: row.lsn });
        } catch (err) {
          sql.exec(
            "UPDATE cdc_dlq SET attempts = attempts + 1, last_failure_at = ?, reason = ? WHERE consumer = ? AND lsn = ?",
            clock.now(),
            (err instanceof Error ? err.message : String(err)).slice(0, 500),
            consumer,
            row.lsn,
          );
          break;
        }
        sql.exec("DELETE FROM cdc_dlq WHERE consumer = ? AND lsn = ?", consumer, row.lsn);
        replayed++;
      }
      return { replayed, remaining: size(consumer) };
    },
    delete(consumer, by) {
      exists(consumer);
      let deleted = 0;
      if (by.lsns) {
        deleted += sql.exec(
          "DELETE FROM cdc_dlq WHERE consumer = ? AND lsn IN (SELECT value FROM json_each(?))",
          consumer,
          JSON.stringify(by.lsns),
        ).rowsWritten;
      }
      if (by.olderThanMs !== undefined) {
        deleted += sql.exec(
          "DELETE FROM cdc_dlq WHERE consumer = ? AND last_failure_at < ?",
          consumer,
          clock.now() - by.olderThanMs,
        ).rowsWritten;
      }
      return { deleted };
    },
  };
}
