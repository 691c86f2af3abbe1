/**
 * `PreAgg`: rollups over a tenant's catalog tables. Definitions are checked against the
 * catalog, maintained on the tables write path (`onRowsWritten`, inside the write's
 * transaction), built by a backfill on wake-ups, matched and answered (`explain`, `query`),
 * and folded, rebuilt and compacted on wake-ups.
 * @module
 */
import type { RowChange, WakeEvent } from "@durable/core";
import type { CostConstants } from "@durable/cost-estimator";
import type { GroupAccumulator } from "./accumulator.ts";
import { checkAgainstTable, definitionVersion, parseRollupDefinition, ROLLUP_LIMITS } from "./definition.ts";
import { PREAGG } from "./errors.ts";
import { backfillStep, fold, rebuildDirty, tooLarge } from "./jobs.ts";
import { createIndexSql, createTableSql } from "./layout.ts";
import { dropRollupInTx, restartRollupInTx, rollupInfo } from "./lifecycle.ts";
import {
  type ApplyOutcome,
  appendDeltas,
  applyGroups,
  Bucketer,
  groupChange,
  MAX_HOT_PARTITION_ROWS,
} from "./maintainer.ts";
import { matchRollups, overlapping } from "./matcher.ts";
import { costConstants, DEFAULT_HOT_FOR_MS, type PreAggOptions } from "./options.ts";
import { type AnalyticsQuery, parseAnalyticsQuery, parseQueryOptions, type QueryOptions } from "./query-schema.ts";
import { MAX_RAW_SCAN_ROWS, rawAnswer } from "./raw-query.ts";
import { Registry, type Rollup } from "./registry.ts";
import { resolveQuery } from "./resolve.ts";
import { rollupAnswer, UnreadablePartition } from "./rollup-query.ts";
import { type PartitionRow, readPartitions } from "./rollup-rows.ts";
import type { Explanation, QueryResult, RollupInfo } from "./types.ts";

export { DEFAULT_HOT_FOR_MS, type PreAggOptions } from "./options.ts";

import { WarmTier } from "./warm.ts";

/** Rollups of one tenant DO. */
export class PreAgg {
  readonly #o: PreAggOptions;
  readonly #registry: Registry;
  readonly #partitions = new Map<string, PartitionRow[]>();
  readonly warm: WarmTier | undefined;

  constructor(options: PreAggOptions) {
    this.#o = options;
    this.#registry = new Registry(options.sql, options.tables, options.maxHotPartitionRows ?? MAX_HOT_PARTITION_ROWS);
    this.warm = options.blobStore
      ? new WarmTier({ sql: options.sql, blobs: options.blobStore, tenant: options.tenant, clock: options.clock })
      : undefined;
  }

  /** After migrations: resumes what an eviction interrupted (backfills, folds, dirty partitions, compaction). */
  start(): void {
    const now = this.#o.clock.now();
    for (const r of this.#registry.all().values()) {
      if (r.status === "building") this.#o.wake.set(`backfill:${r.name}`, now);
      if (r.def.maintenance === "deferred") this.#o.wake.set(`fold:${r.name}`, now + this.#foldEvery());
      if (this.#partitionsOf(r).some((p) => p.dirty)) this.#o.wake.set(`rebuild:${r.name}`, now);
    }
    if (this.warm) this.#o.wake.set("compact", now + 3_600_000);
  }

  #foldEvery(): number {
    return this.#o.foldEveryMs ?? 60_000;
  }

  #constants(): CostConstants {
    return costConstants(this.#o.costs);
  }

  #partitionsOf(r: Rollup): PartitionRow[] {
    let list = this.#partitions.get(r.name);
    if (!list) {
      list = readPartitions(this.#o.sql, r.name);
      this.#partitions.set(r.name, list);
    }
    return list;
  }

  #forget(name?: string): void {
    if (name === undefined) this.#partitions.clear();
    else this.#partitions.delete(name);
  }

  #get(name: string): Rollup {
    const r = this.#registry.get(name);
    if (!r) throw PREAGG.error("ROLLUP_NOT_FOUND", `no rollup named ${name}`);
    return r;
  }

  /** A deferred rollup's freshness: its oldest unfolded delta's write time; now otherwise. */
  #asOf(r: Rollup): number {
    const now = this.#o.clock.now();
    if (r.def.maintenance !== "deferred") return now;
    const row = this.#o.sql.exec("SELECT min(written_at) AS t FROM preagg_deltas WHERE rollup = ?", r.name).one();
    return (row.t as number | null) ?? now;
  }

  #info(r: Rollup): RollupInfo {
    return rollupInfo(r, this.#partitionsOf(r), this.#asOf(r));
  }

  /**
   * Defines a rollup (status building; the backfill starts on a wake-up). The same definition
   * again answers `created: false`.
   * @throws {INVALID_ROLLUP} 400 · {TABLE_NOT_FOUND} 404 · {ROLLUP_EXISTS} · {ROLLUP_LIMIT} 409
   */
  createRollup(input: unknown): { rollup: RollupInfo; created: boolean } {
    const def = parseRollupDefinition(input);
    const table = this.#o.tables.describeTable(def.source);
    checkAgainstTable(def, table.columns);
    const existing = this.#registry.get(def.name);
    if (existing) {
      if (existing.version === definitionVersion(def)) return { rollup: this.#info(existing), created: false };
      throw PREAGG.error("ROLLUP_EXISTS", `rollup ${def.name} exists with another definition`);
    }
    if (this.#registry.count() >= ROLLUP_LIMITS.maxRollups) {
      throw PREAGG.error("ROLLUP_LIMIT", `at most ${ROLLUP_LIMITS.maxRollups} rollups per tenant`);
    }
    const now = this.#o.clock.now();
    this.#o.transactionSync(() => {
      this.#registry.insert(def, now, table.createdAt);
      const r = this.#get(def.name);
      this.#o.sql.exec(createTableSql(def.name, r.layout));
      const index = createIndexSql(def.name, r.layout);
      if (index) this.#o.sql.exec(index);
    });
    this.#registry.invalidate();
    this.#o.wake.set(`backfill:${def.name}`, now);
    if (def.maintenance === "deferred") this.#o.wake.set(`fold:${def.name}`, now + this.#foldEvery());
    return { rollup: this.#info(this.#get(def.name)), created: true };
  }

  /** Drops a rollup, its table, partitions and deltas (warm files are deleted on a wake-up). @throws {ROLLUP_NOT_FOUND} */
  dropRollup(name: string): void {
    this.#get(name);
    this.#o.transactionSync(() => this.#dropInTx(name));
    this.#afterDrop(name);
  }

  #dropInTx(name: string): void {
    dropRollupInTx(this.#o.sql, name, this.#o.clock.now());
    this.#registry.delete(name);
  }

  #afterDrop(name: string): void {
    this.#registry.invalidate();
    this.#forget(name);
    for (const key of [`backfill:${name}`, `fold:${name}`, `rebuild:${name}`]) this.#o.wake.cancel(key);
    if (this.warm) this.#o.wake.set("compact", this.#o.clock.now());
  }

  /** Every rollup. */
  rollups(): RollupInfo[] {
    return [...this.#registry.all().values()].map((r) => this.#info(r));
  }

  /** One rollup. @throws {ROLLUP_NOT_FOUND} 404 */
  rollup(name: string): RollupInfo {
    return this.#info(this.#get(name));
  }

  /** What depends on `table` (the tables' drop veto). */
  usesOf(table: string): string[] {
    return this.#registry.over(table).map((r) => `rollup ${r.name}`);
  }

  /** `table` is being dropped (forced): its rollups go in the drop's transaction. */
  onTableDropped(table: string): () => void {
    const names = this.#registry.over(table).map((r) => r.name);
    for (const name of names) this.#dropInTx(name);
    return () => {
      for (const name of names) this.#afterDrop(name);
    };
  }

  /** `table`'s rows were replaced wholesale: every rollup over it starts its backfill again. */
  onTableReplaced(table: string): () => void {
    const names = this.#registry.over(table).map((r) => r.name);
    for (const name of names) this.#restartInTx(this.#get(name));
    return () => this.#afterRestart(names);
  }

  #restartInTx(r: Rollup): void {
    restartRollupInTx(this.#o.sql, r.name, this.#o.clock.now());
    this.#registry.invalidate();
  }

  #afterRestart(names: string[]): void {
    this.#registry.invalidate();
    for (const name of names) {
      this.#forget(name);
      this.#o.wake.set(`backfill:${name}`, this.#o.clock.now());
    }
  }

  /**
   * The write-path hook: runs in the write's transaction for every rollup over `table`.
   * @returns the after-commit step (caches and wake-ups), or nothing when no rollup cares
   */
  onRowsWritten(table: string, change: RowChange): undefined | (() => void) {
    const rollups = this.#registry
      .over(table)
      .filter((r) => r.status === "built" || (r.status === "building" && r.cursor !== null));
    if (rollups.length === 0) return undefined;
    const now = this.#o.clock.now();
    const [dirty, disabled, restarted]: [string[], string[], string[]] = [[], [], []];
    for (const r of rollups) {
      const bucketer = new Bucketer(r);
      let acc: GroupAccumulator;
      try {
        acc = groupChange(r, bucketer, change);
      } catch (err) {
        // Rows it cannot group would leave it short, never right: it starts over (raw answers meanwhile).
        const warning = { level: "warn", event: "pre-agg grouping failed: rollup restarts", rollup: r.name };
        console.error(JSON.stringify({ ...warning, error: String(err) }));
        this.#restartInTx(r);
        restarted.push(r.name);
        continue;
      }
      if (acc.groups.size === 0) continue;
      const out: ApplyOutcome =
        r.def.maintenance === "deferred"
          ? appendDeltas(this.#o.sql, r, bucketer, acc, now)
          : applyGroups(this.#o.sql, r, bucketer, acc);
      if (out.dirtied.length) dirty.push(r.name);
      if (out.tooLarge) {
        this.#registry.setStatus(r.name, "disabled", tooLarge(out.tooLarge));
        disabled.push(r.name);
      }
    }
    const touched = rollups.map((r) => r.name);
    return () => {
      for (const name of touched) this.#forget(name);
      if (restarted.length) this.#afterRestart(restarted);
      if (disabled.length) this.#registry.invalidate();
      for (const name of dirty) this.#o.wake.set(`rebuild:${name}`, now);
    };
  }

  /** The matcher's view of `q`. @throws {INVALID_QUERY} · {INVALID_PREDICATE} 400 · {TABLE_NOT_FOUND} 404 */
  explain(q: AnalyticsQuery): Explanation {
    const query = parseAnalyticsQuery(q);
    const rq = resolveQuery(query, this.#o.tables.describeTable(query.table).columns);
    return matchRollups(
      rq,
      [...this.#registry.all().values()],
      (r) => this.#partitionsOf(r),
      (r) => this.#asOf(r),
      this.#constants(),
    );
  }

  /**
   * Answers `q` from the cheapest matching rollup, else from raw rows.
   * @throws {INVALID_QUERY} · {INVALID_PREDICATE} 400 · {TABLE_NOT_FOUND} · {ROLLUP_NOT_FOUND} 404 ·
   *   {NO_MATCHING_ROLLUP} 409 · {RESULT_TOO_LARGE} · {SCAN_TOO_LARGE} 413 · {PARTITION_UNAVAILABLE} 503
   */
  async query(q: AnalyticsQuery, options?: QueryOptions): Promise<QueryResult> {
    const o = parseQueryOptions(options);
    const query = parseAnalyticsQuery(q);
    const rq = resolveQuery(query, this.#o.tables.describeTable(query.table).columns);
    const all = [...this.#registry.all().values()];
    const pool = o.rollup ? [this.#get(o.rollup)] : all;
    const { chosen, candidates } = matchRollups(
      rq,
      pool,
      (r) => this.#partitionsOf(r),
      (r) => this.#asOf(r),
      this.#constants(),
    );
    if (!chosen) {
      if (o.rollupOnly || o.rollup) {
        const why = candidates.map((c) => `${c.rollup}: ${c.reasons.join(", ")}`).join("; ");
        throw PREAGG.error("NO_MATCHING_ROLLUP", `no rollup answers this query${why ? ` (${why})` : ""}`);
      }
      return rawAnswer(this.#o.tables, this.#o.sql, rq, {
        now: this.#o.clock.now(),
        maxScanRows: this.#o.maxRawScanRows ?? MAX_RAW_SCAN_ROWS,
      });
    }
    const r = this.#get(chosen);
    const parts = overlapping(this.#partitionsOf(r), rq);
    if (o.rollupOnly && parts.some((p) => p.dirty)) {
      throw PREAGG.error(
        "PARTITION_UNAVAILABLE",
        `rollup ${r.name} has partitions being rebuilt; retry, or allow raw rows`,
      );
    }
    const lambda = o.lambda === true;
    try {
      return await this.#answer(r, rq, parts, lambda);
    } catch (err) {
      // A hot state that does not decode: its partition turns dirty (raw rows) and the query runs again.
      if (!(err instanceof UnreadablePartition)) throw err;
      this.markDirty(r.name, err.partitionKey, String(err.cause));
      if (o.rollupOnly)
        throw PREAGG.error("PARTITION_UNAVAILABLE", `partition ${err.partitionKey} of ${r.name} is being rebuilt`);
      return this.query(q, options);
    }
  }

  #answer(
    r: Rollup,
    rq: ReturnType<typeof resolveQuery>,
    parts: PartitionRow[],
    lambda: boolean,
  ): Promise<QueryResult> {
    return rollupAnswer(
      {
        sql: this.#o.sql,
        tables: this.#o.tables,
        ...(this.warm ? { warm: this.warm } : {}),
        asOf: lambda ? this.#o.clock.now() : this.#asOf(r),
        lambda,
        onUnreadable: (rollup, p, error) => this.markDirty(rollup.name, p.key, String(error)),
      },
      rq,
      r,
      parts,
    );
  }

  /** Asks for a fold (deferred) or a rebuild of dirty partitions now (the router's "past budget"). @throws {ROLLUP_NOT_FOUND} */
  requestRefresh(name: string): void {
    const r = this.#get(name);
    const now = this.#o.clock.now();
    this.#o.wake.set(r.def.maintenance === "deferred" ? `fold:${name}` : `rebuild:${name}`, now);
  }

  /** Marks a partition dirty (unreadable): answered from raw rows until its rebuild. @throws {ROLLUP_NOT_FOUND} */
  markDirty(name: string, partitionKey: string, why?: string): void {
    this.#get(name);
    this.#o.sql.exec(
      "UPDATE preagg_partitions SET dirty = 1 WHERE rollup = ? AND partition_key = ?",
      name,
      partitionKey,
    );
    if (why)
      console.error(
        JSON.stringify({ level: "warn", event: "pre-agg partition dirty", rollup: name, partition: partitionKey, why }),
      );
    this.#forget(name);
    this.#o.wake.set(`rebuild:${name}`, this.#o.clock.now());
  }

  /**
   * Refreshes a rollup now: folds its deltas and rebuilds its dirty partitions; `full` starts
   * its backfill over (POST /rollups/:name/rebuild).
   * @throws {ROLLUP_NOT_FOUND} 404
   */
  refresh(name: string, o: { full?: boolean } = {}): void {
    const r = this.#get(name);
    if (o.full) {
      this.#o.transactionSync(() => this.#restartInTx(r));
      this.#afterRestart([name]);
      return;
    }
    this.#o.transactionSync(() => {
      if (r.def.maintenance === "deferred") fold(this.#o.sql, r);
      const out = rebuildDirty(this.#o.sql, r, this.#o.clock.now());
      if (out.tooLarge) this.#registry.setStatus(name, "disabled", tooLarge(out.tooLarge));
    });
    this.#registry.invalidate();
    this.#forget(name);
  }

  /** A wake-up of this capability is due. */
  async onWake(event: WakeEvent): Promise<void> {
    const [kind, name] = event.key.split(/:(.*)/s) as [string, string | undefined];
    const now = this.#o.clock.now();
    if (kind === "compact") {
      if (this.warm) {
        const hotFor = this.#o.hotForMs ?? DEFAULT_HOT_FOR_MS;
        this.#o.wake.set("compact", await this.warm.compactAll([...this.#registry.all().values()], now, hotFor));
        this.#forget();
      }
      return;
    }
    const r = name === undefined ? undefined : this.#registry.get(name);
    if (!r) return;
    if (kind === "backfill" && r.status === "building") {
      const step = this.#o.transactionSync(() => backfillStep(this.#o.sql, this.#registry, r, now));
      this.#registry.invalidate();
      this.#forget(r.name);
      if (!step.done) this.#o.wake.set(`backfill:${r.name}`, now);
      // A fresh rollup over old rows compacts its ended partitions right away, not within the hour.
      else if (this.warm) this.#o.wake.set("compact", now);
      if (step.outcome.dirtied.length) this.#o.wake.set(`rebuild:${r.name}`, now);
    } else if (kind === "fold") {
      const out = this.#o.transactionSync(() => fold(this.#o.sql, r));
      this.#forget(r.name);
      if (out.outcome.dirtied.length) this.#o.wake.set(`rebuild:${r.name}`, now);
      this.#o.wake.set(`fold:${r.name}`, now + this.#foldEvery());
    } else if (kind === "rebuild") {
      this.refresh(r.name);
    }
  }
}
