/**
 * The drain of push consumers: read events after the offset, filter, push, then commit the
 * offset; on failure retry with backoff (100 ms·2^n, full jitter, ≤ 60 s), each wait a wake-up,
 * and after `maxAttempts` move the batch to `cdc_dlq` and pass it in one transaction. The
 * offset never passes an event that was neither delivered nor dead-lettered.
 * @module
 */
import type { Clock, Sql, TransactionSync, Wake } from "@durable/core";
import type { ChangeLog, ChangeRow, DecodedChange } from "./change-log.ts";
import type { CdcConfig } from "./config.ts";
import type { ConsumerState, Consumers } from "./consumers.ts";
import type { PushSink } from "./sinks/sink.ts";
import { withTimeout } from "./sinks/sink.ts";
import type { ChangeEvent } from "./types.ts";

const PULL_MAX_BYTES = 4 * 1024 * 1024;

/** Full-jitter exponential backoff: a random wait in [0, min(60 s, 100 ms·2^(attempt−1))]. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(60_000, 100 * 2 ** Math.max(0, attempt - 1)));
}

/** What one consumer's drain did. */
export interface ConsumerDrain {
  delivered: number;
  deadLettered: number;
  retried: number;
  more: boolean;
}

/** The ports and parts the delivery needs. */
export interface DeliveryDeps {
  sql: Sql;
  transactionSync: TransactionSync;
  clock: Clock;
  wake: Wake;
  log: ChangeLog;
  consumers: Consumers;
  config: CdcConfig;
  tenant: () => string;
  random?: () => number;
}

/** A batch read for a consumer: matching events and where it ends. */
export interface ReadBatch {
  events: ChangeEvent[];
  lastLsn: number;
  rows: number;
  undecodable: { row: ChangeRow; error: string }[];
  /** The byte cap stopped the read before its last row. */
  full: boolean;
  /** Approximate JSON bytes of `events`. */
  bytes: number;
}

/**
 * Reads up to `limit` rows after `after` for a consumer: decodes, filters, projects.
 * @param maxBytes stops early once the events reach this many bytes
 */
export function readFor(
  deps: DeliveryDeps,
  c: ConsumerState,
  after: number,
  limit: number,
  maxBytes = Number.MAX_SAFE_INTEGER,
  through = Number.MAX_SAFE_INTEGER,
): ReadBatch {
  const filter = deps.consumers.filterOf(c);
  const rows = deps.log.rowsAfter(after, limit);
  const events: ChangeEvent[] = [];
  const undecodable: ReadBatch["undecodable"] = [];
  let lastLsn = after;
  let bytes = 0;
  let count = 0;
  let full = false;
  const now = deps.clock.now();
  for (const row of rows) {
    if (row.lsn > through) break;
    let change: DecodedChange;
    try {
      change = deps.log.decode(row, deps.tenant(), now);
    } catch (err) {
      undecodable.push({ row, error: err instanceof Error ? err.message : String(err) });
      lastLsn = row.lsn;
      count++;
      continue;
    }
    if (filter.matches(change)) {
      if (events.length > 0 && bytes + change.bytes > maxBytes) {
        full = true;
        break;
      }
      events.push(filter.project(change.event));
      bytes += change.bytes;
    }
    lastLsn = row.lsn;
    count++;
  }
  return { events, lastLsn, rows: count, undecodable, full, bytes };
}

/** Puts events (or undecodable rows) into the DLQ of a consumer (inside the caller's transaction). */
export function deadLetter(
  sql: Sql,
  consumer: string,
  items: { lsn: number; event: unknown; reason: string }[],
  attempts: number,
  firstFailureAt: number,
  now: number,
): void {
  for (const item of items) {
    sql.exec(
      `INSERT INTO cdc_dlq (consumer, lsn, event, reason, attempts, first_failure_at, last_failure_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (consumer, lsn) DO UPDATE SET reason = excluded.reason, attempts = excluded.attempts, last_failure_at = excluded.last_failure_at`,
      consumer,
      item.lsn,
      JSON.stringify(item.event),
      item.reason.slice(0, 500),
      attempts,
      firstFailureAt,
      now,
    );
  }
}

function undecodableItems(batch: ReadBatch) {
  return batch.undecodable.map((u) => ({ lsn: u.row.lsn, event: u.row, reason: `DECODE_FAILED: ${u.error}` }));
}

/**
 * Drains one push consumer for at most `drainMaxEvents` events or `drainMaxMs`.
 * @param sink the consumer's sink
 * @param through for a Parquet flush, the planned end of the batch
 */
export async function drainConsumer(
  deps: DeliveryDeps,
  name: string,
  sink: PushSink,
  through?: number,
): Promise<ConsumerDrain> {
  const { clock, config, consumers } = deps;
  const out: ConsumerDrain = { delivered: 0, deadLettered: 0, retried: 0, more: false };
  const started = clock.now();
  for (;;) {
    const c = consumers.get(name);
    if (c.nextRetryAt !== null && c.nextRetryAt > clock.now()) return out;
    if (out.delivered + out.deadLettered >= config.drainMaxEvents || clock.now() - started >= config.drainMaxMs) {
      out.more = deps.log.hasAfter(c.offset);
      return out;
    }
    const limit = Math.min(sink.batchEvents, through === undefined ? config.drainMaxEvents : config.parquetMaxRows);
    const batch = readFor(deps, c, c.offset, limit, Number.MAX_SAFE_INTEGER, through);
    if (batch.rows === 0) return out;
    const range = { fromLsn: c.sentThrough + 1, toLsn: batch.lastLsn };
    if (batch.events.length === 0) {
      deps.transactionSync(() => {
        deadLetter(deps.sql, name, undecodableItems(batch), 1, clock.now(), clock.now());
        consumers.setOffset(name, batch.lastLsn);
      });
      out.deadLettered += batch.undecodable.length;
      continue;
    }
    try {
      await withTimeout(sink.push(batch.events, range), config.sinkTimeoutMs, `consumer ${name}: push`);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const attempts = c.attempts + 1;
      if (attempts >= config.maxAttempts && c.deadLetter === "dlq") {
        const now = clock.now();
        deps.transactionSync(() => {
          const items = batch.events.map((e) => ({ lsn: e.source.lsn, event: e, reason: message }));
          deadLetter(deps.sql, name, [...items, ...undecodableItems(batch)], attempts, c.firstFailureAt ?? now, now);
          consumers.setOffset(name, batch.lastLsn, batch.lastLsn);
          consumers.failed(name, message, null);
        });
        out.deadLettered += batch.events.length + batch.undecodable.length;
        continue;
      }
      const at = clock.now() + backoffMs(attempts, deps.random);
      consumers.failed(name, message, at);
      deps.wake.set(`retry:${name}`, at);
      out.retried++;
      return out;
    }
    deps.transactionSync(() => {
      deadLetter(deps.sql, name, undecodableItems(batch), 1, clock.now(), clock.now());
      consumers.setOffset(name, batch.lastLsn, batch.lastLsn);
      consumers.delivered(name, batch.events.length);
    });
    out.delivered += batch.events.length;
    out.deadLettered += batch.undecodable.length;
    if (through !== undefined && batch.lastLsn >= through) return out;
  }
}

/**
 * A pull page: up to `limit` matching events after the consumer's offset and at most 4 MB;
 * `next` covers the filtered-out events scanned on the way.
 */
export function pullEvents(
  deps: DeliveryDeps,
  c: ConsumerState,
  limit: number,
): { events: ChangeEvent[]; next: number } {
  const events: ChangeEvent[] = [];
  let next = c.offset;
  let budget = PULL_MAX_BYTES;
  for (let rounds = 0; rounds < 10 && events.length < limit; rounds++) {
    const batch = readFor(deps, c, next, 1000, budget);
    if (batch.rows === 0) break;
    if (batch.events.length > limit - events.length) {
      const taken = batch.events.slice(0, limit - events.length);
      events.push(...taken);
      next = taken[taken.length - 1]?.source.lsn ?? next;
      break;
    }
    events.push(...batch.events);
    next = batch.lastLsn;
    budget -= batch.bytes;
    if (batch.full || budget <= 0) break;
  }
  return { events, next };
}
