/**
 * The in-memory cache of every table's statistics over the store: a table is loaded (or
 * started, counting its rows once) on first use and replaced when the catalog shows a new
 * version (`createdAt`) of its name, so a recreated table inherits nothing.
 * @module
 */
import type { Sql } from "@durable/core";
import { storageTable, type TableDef, type Tables } from "@durable/tables";
import type { AnalyzeJob } from "./analyze.ts";
import type { StatsParams, StatsStore } from "./stats-store.ts";
import { TableStats } from "./table-stats.ts";

/** What the cache asks its owner to do. */
export interface StatsCacheEvents {
  /** Statistics are missing or were dropped: ANALYZE this table. */
  needsAnalyze(table: string): void;
}

/** Statistics of every table this DO has, loaded lazily. */
export class StatsCache {
  readonly #sql: Sql;
  readonly #tables: Tables;
  readonly #store: StatsStore;
  readonly #params: StatsParams;
  readonly #events: StatsCacheEvents;
  readonly #cache = new Map<string, TableStats>();
  readonly jobs = new Map<string, AnalyzeJob>();

  constructor(sql: Sql, tables: Tables, store: StatsStore, params: StatsParams, events: StatsCacheEvents) {
    this.#sql = sql;
    this.#tables = tables;
    this.#store = store;
    this.#params = params;
    this.#events = events;
  }

  /** The catalog definition. @throws {TABLE_NOT_FOUND} 404 */
  def(table: string): TableDef {
    return this.#tables.catalog.get(table);
  }

  /** Every table in memory. */
  loaded(): IterableIterator<TableStats> {
    return this.#cache.values();
  }

  /**
   * The statistics of the current version of `table`.
   * @param pendingDelta rows the caller's own uncommitted write added (inside the write hook), so
   *   that a first count does not count them twice
   * @throws {TABLE_NOT_FOUND} 404
   */
  get(table: string, pendingDelta = 0): TableStats {
    const def = this.def(table);
    const hit = this.#cache.get(table);
    if (hit && hit.createdAt === def.createdAt) {
      if (hit.columns.size !== def.columns.length) for (const c of def.columns) hit.addColumn(c);
      return hit;
    }
    if (hit) this.#cache.delete(table);
    const loaded = this.#store.load(table, def.createdAt, def.columns, () => this.#events.needsAnalyze(table));
    let stats: TableStats;
    if (loaded) {
      stats = loaded.stats;
      this.jobs.delete(table);
      if (loaded.job) {
        const job = JSON.parse(loaded.job) as AnalyzeJob;
        this.jobs.set(table, job);
      }
    } else {
      this.#store.deleteOtherVersions(table, def.createdAt);
      const n =
        this.#sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${storageTable(table)}`).one().n - pendingDelta;
      stats = new TableStats(table, def.createdAt, def.columns, this.#params, Math.max(0, n));
      this.#store.addCounters(table, def.createdAt, stats.rowCount, 0, 0);
      this.jobs.delete(table);
      // Rows written before the estimator saw the table have no statistics yet.
      if (n > 0) this.#events.needsAnalyze(table);
    }
    this.#cache.set(table, stats);
    return stats;
  }

  /** Forgets `table` in memory (its rows in the store are the caller's). */
  evict(table: string): void {
    this.#cache.delete(table);
    this.jobs.delete(table);
  }
}
