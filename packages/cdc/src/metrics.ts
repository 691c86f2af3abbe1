/**
 * Metrics of the capability and of each consumer (item 14 of the issue): lag in events and
 * milliseconds, backlog, DLQ size, delivery and retry totals, the last delivery and error.
 * @module
 */
import type { Clock, Sql } from "@durable/core";
import type { ChangeLog } from "./change-log.ts";
import type { Consumers } from "./consumers.ts";
import type { DlqApi } from "./dlq.ts";
import type { CdcMetrics } from "./types.ts";

/** What the metrics are computed from. */
export interface MetricsSources {
  sql: Sql;
  clock: Clock;
  log: ChangeLog;
  consumers: Consumers;
  dlq: DlqApi;
  /** Newest LSN − minimum committed offset (0 without consumers). */
  backlog: number;
  parquetBytesWritten: number;
}

/** The metrics now. */
export function cdcMetrics(m: MetricsSources): CdcMetrics {
  const newestLsn = m.log.newestLsn();
  const now = m.clock.now();
  return {
    newestLsn,
    oldestRetainedLsn: m.log.oldestRetainedLsn(),
    backlogEvents: m.backlog,
    schemaDriftTotal: m.sql.exec<{ n: number }>("SELECT schema_drift_total AS n FROM cdc_state WHERE id = 1").one().n,
    parquetBytesWritten: m.parquetBytesWritten,
    consumers: m.consumers.list().map((c) => {
      const firstTs = m.log.firstTsAfter(c.offset);
      return {
        consumer: c.name,
        lagEvents: m.log.countAfter(c.offset),
        lagMs: firstTs === null ? 0 : Math.max(0, now - firstTs),
        backlogEvents: Math.max(0, newestLsn - c.offset),
        dlqSize: m.dlq.size(c.name),
        deliveredTotal: c.deliveredTotal,
        retriesTotal: c.retriesTotal,
        lastDeliveredAt: c.lastDeliveredAt,
        lastError: c.lastError,
      };
    }),
  };
}
