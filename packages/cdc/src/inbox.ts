/**
 * `CdcInbox`: exactly-once effects on the receiving side. `apply` commits the effects of new
 * events and the LSNs it applied in one `transactionSync`, so a crash either keeps both or
 * neither. Per source tenant it keeps a contiguous watermark plus the exact LSN intervals
 * above it (tables `cdc_inbox_*`): an old LSN replayed from a DLQ long after is still
 * recognised. No time window, no Bloom filter.
 * @module
 */
import type { StoragePorts } from "@durable/core";
import { cdcError } from "./errors.ts";
import type { ChangeEvent } from "./types.ts";

/** What `apply` did. */
export interface ApplyResult {
  applied: number;
  duplicates: number;
  /** The highest LSN below which every LSN of the first event's tenant is known applied. */
  appliedLsn: number;
}

const NAME = /^[a-z0-9_]{1,64}$/;

/**
 * An idempotent inbox over the DO's SQLite.
 * @example
 * const inbox = new CdcInbox({ sql, transactionSync }, "orders_mirror");
 * inbox.apply(batch.events, (e) => sql.exec("INSERT INTO totals …", …));
 */
export class CdcInbox {
  readonly #ports: StoragePorts;
  readonly #name: string;

  /**
   * @param ports SQL and transactions of the receiving DO
   * @param name the inbox (several may live in one DO)
   * @throws {INVALID_INPUT} for a bad name
   */
  constructor(ports: StoragePorts, name: string) {
    if (!NAME.test(name)) throw cdcError("INVALID_INPUT", "inbox name must match [a-z0-9_]{1,64}");
    this.#ports = ports;
    this.#name = name;
    ports.sql.exec(
      "CREATE TABLE IF NOT EXISTS cdc_inbox_marks (inbox TEXT NOT NULL, source TEXT NOT NULL, watermark INTEGER NOT NULL, PRIMARY KEY (inbox, source)) STRICT",
    );
    ports.sql.exec(
      "CREATE TABLE IF NOT EXISTS cdc_inbox_ranges (inbox TEXT NOT NULL, source TEXT NOT NULL, from_lsn INTEGER NOT NULL, to_lsn INTEGER NOT NULL, PRIMARY KEY (inbox, source, from_lsn)) STRICT",
    );
  }

  #watermark(source: string): number {
    return (
      this.#ports.sql
        .exec<{ w: number }>(
          "SELECT watermark AS w FROM cdc_inbox_marks WHERE inbox = ? AND source = ?",
          this.#name,
          source,
        )
        .toArray()[0]?.w ?? 0
    );
  }

  /** Whether `(source, lsn)` was applied. */
  seen(source: string, lsn: number): boolean {
    if (lsn <= this.#watermark(source)) return true;
    return (
      this.#ports.sql
        .exec(
          "SELECT 1 FROM cdc_inbox_ranges WHERE inbox = ? AND source = ? AND from_lsn <= ? AND to_lsn >= ? LIMIT 1",
          this.#name,
          source,
          lsn,
          lsn,
        )
        .toArray().length > 0
    );
  }

  /** Marks `[from, to]` of `source` as done, merging intervals and moving the watermark. */
  #cover(source: string, from: number, to: number): void {
    const { sql } = this.#ports;
    let lo = from;
    let hi = to;
    const overlapping = sql
      .exec<{ f: number; t: number }>(
        "SELECT from_lsn AS f, to_lsn AS t FROM cdc_inbox_ranges WHERE inbox = ? AND source = ? AND from_lsn <= ? AND to_lsn >= ?",
        this.#name,
        source,
        hi + 1,
        lo - 1,
      )
      .toArray();
    for (const r of overlapping) {
      lo = Math.min(lo, r.f);
      hi = Math.max(hi, r.t);
    }
    sql.exec(
      "DELETE FROM cdc_inbox_ranges WHERE inbox = ? AND source = ? AND from_lsn <= ? AND to_lsn >= ?",
      this.#name,
      source,
      hi + 1,
      lo - 1,
    );
    const mark = this.#watermark(source);
    if (lo <= mark + 1) {
      sql.exec(
        "INSERT INTO cdc_inbox_marks (inbox, source, watermark) VALUES (?, ?, ?) ON CONFLICT (inbox, source) DO UPDATE SET watermark = max(watermark, excluded.watermark)",
        this.#name,
        source,
        Math.max(mark, hi),
      );
    } else {
      sql.exec(
        "INSERT INTO cdc_inbox_ranges (inbox, source, from_lsn, to_lsn) VALUES (?, ?, ?, ?)",
        this.#name,
        source,
        lo,
        hi,
      );
    }
  }

  /**
   * Applies new events once: `fn` runs for each event not applied before, in the given order,
   * and its writes commit together with the inbox's record of the LSNs.
   * @param events events of one or more source tenants
   * @param fn the effect; throwing rolls the whole call back (nothing is recorded)
   * @param range optional: the batch covers every LSN of `range` for the first event's tenant
   * (a DO-to-DO batch), so gaps of filtered-out LSNs do not hold the watermark back
   */
  apply(
    events: ChangeEvent[],
    fn: (e: ChangeEvent) => void,
    range?: { tenant: string; fromLsn: number; toLsn: number },
  ): ApplyResult {
    return this.#ports.transactionSync(() => {
      let applied = 0;
      let duplicates = 0;
      for (const e of events) {
        const { tenant, lsn } = e.source;
        if (this.seen(tenant, lsn)) {
          duplicates++;
          continue;
        }
        fn(e);
        this.#cover(tenant, lsn, lsn);
        applied++;
      }
      if (range && range.toLsn >= range.fromLsn) this.#cover(range.tenant, range.fromLsn, range.toLsn);
      const source = range?.tenant ?? events[0]?.source.tenant ?? "";
      return { applied, duplicates, appliedLsn: this.#watermark(source) };
    });
  }

  /** The watermark and the intervals above it, for `source` (tests, metrics). */
  state(source: string): { watermark: number; ranges: [number, number][] } {
    const ranges = this.#ports.sql
      .exec<{ f: number; t: number }>(
        "SELECT from_lsn AS f, to_lsn AS t FROM cdc_inbox_ranges WHERE inbox = ? AND source = ? ORDER BY from_lsn",
        this.#name,
        source,
      )
      .toArray()
      .map((r) => [r.f, r.t] as [number, number]);
    return { watermark: this.#watermark(source), ranges };
  }
}
