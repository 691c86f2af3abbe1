/**
 * `CostEstimator`: row-count and cost estimates for predicates, GROUP BY and joins over a
 * tenant's tables, kept current by the tables write path (items 7–17 of issue 9). Logic over
 * the core ports; the capability (capability.ts) only wires it to a DO.
 * @module
 */
import {
  type Clock,
  newId,
  type RowChange,
  runMigrations,
  type Sql,
  type SqlRow,
  systemClock,
  type TransactionSync,
  type Wake,
  type WakeEvent,
} from "@durable/core";
import type { Tables } from "@durable/tables";
import { type AnalyzeJob, Analyzer } from "./analyze.ts";
import { columnView } from "./column-view.ts";
import { type EstimatorConfig, type EstimatorConfigInput, resolveConfig } from "./config.ts";
import {
  type CostConstants,
  DEFAULT_COST_CONSTANTS,
  loadConstants,
  measureSqlite,
  parseConstants,
  storeConstants,
} from "./cost-model.ts";
import { type Estimate, toEstimate } from "./estimate.ts";
import { FeedbackStore } from "./feedback.ts";
import { hashHex } from "./hash.ts";
import { normalizeRows, parseFeedback } from "./inputs.ts";
import { ESTIMATOR_MIGRATIONS } from "./migrations.ts";
import type { PartitionStatsProvider } from "./partition-stats.ts";
import { runPipeline } from "./pipeline.ts";
import { PipelineSources } from "./pipeline-sources.ts";
import { type BoundRequest, bindRequest, canonicalRequest, parseEstimateRequest } from "./request.ts";
import { StatsCache } from "./stats-cache.ts";
import { StatsStore } from "./stats-store.ts";
import { summarize, type TableStatsSummary } from "./summary.ts";
import type { TableStats } from "./table-stats.ts";

/** What the estimator runs on. */
export interface CostEstimatorOptions {
  sql: Sql;
  transactionSync: TransactionSync;
  clock?: Clock;
  /** This capability's own wake-ups (`flush`, `analyze:<table>`). */
  wake: Wake;
  tables: Tables;
  partitions?: PartitionStatsProvider;
  config?: EstimatorConfigInput;
}

/**
 * The cost estimator of one tenant DO.
 * @example
 * const estimator = CostEstimator.open({ sql, transactionSync, wake, tables });
 * tables.subscribe({ name: "estimator", onRowsChanged: (t, c) => estimator.onRowsWritten(t, c) });
 * estimator.estimate({ table: "flights", where: { col: "origin", op: "=", value: "SFO" } }).rows;
 */
export class CostEstimator {
  readonly config: EstimatorConfig;
  readonly #sql: Sql;
  readonly #tx: TransactionSync;
  readonly #clock: Clock;
  readonly #wake: Wake;
  readonly #tables: Tables;
  readonly #store: StatsStore;
  readonly #cache: StatsCache;
  readonly #analyzer: Analyzer;
  readonly #feedback: FeedbackStore;
  readonly #analyzeAsked = new Set<string>();
  readonly #sources: PipelineSources;
  #constants: CostConstants | null = null;
  #flushAsked = false;
  #started = false;

  /** In a DO the host ran {@link ESTIMATOR_MIGRATIONS} first; elsewhere use {@link CostEstimator.open}. */
  constructor(o: CostEstimatorOptions) {
    this.config = resolveConfig(o.config);
    this.#sql = o.sql;
    this.#tx = o.transactionSync;
    this.#clock = o.clock ?? systemClock;
    this.#wake = o.wake;
    this.#tables = o.tables;
    const params = {
      hllPrecision: this.config.hllPrecision,
      kllK: this.config.kllK,
      mcvCounters: this.config.mcvCounters,
      sampleRows: this.config.sampleRows,
    };
    this.#store = new StatsStore(o.sql, params);
    this.#cache = new StatsCache(o.sql, o.tables, this.#store, params, { needsAnalyze: (t) => this.#askAnalyze(t) });
    this.#analyzer = new Analyzer(o.sql, this.#clock, this.#store, this.config.statisticsTarget);
    this.#feedback = new FeedbackStore(o.sql, this.#clock, this.config.feedbackCapacity);
    this.#sources = new PipelineSources(o.tables, this.#cache, o.partitions, this.config.statisticsTarget);
  }

  /** Runs the estimator's migrations, then returns one (Node tests, spikes, scripts). */
  static open(o: CostEstimatorOptions): CostEstimator {
    runMigrations(o.sql, o.transactionSync, ESTIMATOR_MIGRATIONS, (o.clock ?? systemClock).now());
    return new CostEstimator(o);
  }

  /** Loads feedback and constants (once; every entry point calls it). */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#feedback.load();
    this.#constants = loadConstants(this.#sql, { ...DEFAULT_COST_CONSTANTS, ...this.config.constants });
  }

  #askAnalyze(table: string): void {
    if (this.#analyzeAsked.has(table)) return;
    this.#analyzeAsked.add(table);
    this.#wake.set(`analyze:${table}`, this.#clock.now());
  }

  #changed(t: TableStats): void {
    if (!this.#flushAsked) {
      this.#flushAsked = true;
      this.#wake.set("flush", this.#clock.now() + this.config.flushIntervalMs);
    }
    // PostgreSQL's autovacuum rule: 50 + 10% of the rows.
    if (t.mods > 50 + 0.1 * t.rowCount) this.#askAnalyze(t.name);
  }

  /**
   * The write hook: inside the write's transaction it adds the row count and modifications to
   * `est_tables` (one statement); the returned step applies the rows to the sketches once the
   * write committed. A write that rolls back changes nothing.
   */
  onRowsWritten(table: string, change: RowChange): () => void {
    this.start();
    const delta = change.inserted.length - change.deleted.length;
    const mods = change.inserted.length + change.updated.length + change.deleted.length;
    const t = this.#cache.get(table, delta);
    this.#store.addCounters(table, t.createdAt, t.rowCount, delta, mods);
    return () => {
      t.rowCount += delta;
      t.mods += mods;
      t.forgetRows(change.deleted);
      if (change.updated.length > 0) {
        t.forgetRows(change.updated.map((u) => u[0]));
        t.observeRows(change.updated.map((u) => u[1]));
      }
      t.observeRows(change.inserted);
      this.#changed(t);
    };
  }

  /**
   * Adds rows written outside @durable/tables: row count, null counts and every sketch.
   * @throws {UNHASHABLE_VALUE} 400 for NaN, ±Infinity, an object or an array; nothing is applied
   * @throws {TABLE_NOT_FOUND} 404
   */
  observe(table: string, rows: readonly Record<string, unknown>[]): void {
    this.#apply(table, normalizeRows(rows), 1);
  }

  /** Removes rows deleted outside @durable/tables from the row count, null and MCV counts. */
  forget(table: string, rows: readonly Record<string, unknown>[]): void {
    this.#apply(table, normalizeRows(rows), -1);
  }

  #apply(table: string, rows: SqlRow[], sign: 1 | -1): void {
    this.start();
    const t = this.#cache.get(table);
    this.#tx(() => this.#store.addCounters(table, t.createdAt, t.rowCount, sign * rows.length, rows.length));
    t.rowCount += sign * rows.length;
    t.mods += rows.length;
    if (sign > 0) t.observeRows(rows);
    else t.forgetRows(rows);
    this.#changed(t);
  }

  /**
   * Starts an ANALYZE: sample mode runs now; full mode runs one 50,000-row range per wake-up.
   * @returns the job (the running one when a full ANALYZE is under way)
   * @throws {TABLE_NOT_FOUND} 404
   */
  analyze(table: string, o: { full?: boolean } = {}): AnalyzeJob {
    this.start();
    const t = this.#cache.get(table);
    const running = this.#cache.jobs.get(table);
    if (running?.status === "running") return running;
    const job: AnalyzeJob = {
      jobId: newId(),
      table,
      full: o.full === true,
      status: "running",
      startedAt: this.#clock.now(),
      rowsRead: 0,
    };
    if (job.full) {
      this.#store.saveJob(t, JSON.stringify(job), null);
      this.#cache.jobs.set(table, job);
      this.#wake.set(`analyze:${table}`, this.#clock.now());
      return job;
    }
    this.#tx(() => this.#analyzer.analyzeSample(t));
    const done: AnalyzeJob = {
      ...job,
      status: "done",
      finishedAt: this.#clock.now(),
      rowsRead: Math.min(t.rowCount, this.#analyzer.sampleSize),
    };
    this.#cache.jobs.set(table, done);
    return done;
  }

  /** A wake-up of this capability: `flush`, or `analyze:<table>`. */
  onWake(event: WakeEvent): void {
    this.start();
    if (event.key === "flush") {
      this.flush();
      return;
    }
    if (!event.key.startsWith("analyze:")) return;
    const table = event.key.slice("analyze:".length);
    this.#analyzeAsked.delete(table);
    if (!this.#tables.catalog.find(table)) return;
    const t = this.#cache.get(table);
    const job = this.#cache.jobs.get(table);
    if (job?.status === "running" && job.full) {
      const next = this.#tx(() => this.#analyzer.fullStep(t, job));
      this.#cache.jobs.set(table, next);
      if (next.status === "running") this.#wake.set(`analyze:${table}`, this.#clock.now());
      return;
    }
    this.analyze(table);
  }

  /** Writes changed sketches, samples and feedback behind (the `flush` wake-up). */
  flush(): void {
    this.start();
    this.#flushAsked = false;
    this.#tx(() => {
      for (const t of this.#cache.loaded()) {
        if (!t.dirty) continue;
        this.#store.saveSketches(t);
        t.dirty = false;
      }
      this.#feedback.flush();
    });
  }

  #bind(r: unknown): BoundRequest {
    this.start();
    return bindRequest(parseEstimateRequest(r), (name) => this.#sources.binding(name));
  }

  /**
   * Estimates rows and cost of a filter, GROUP BY or join.
   * @throws {TABLE_NOT_FOUND} 404 · {UNKNOWN_COLUMN} 400 · {INVALID_PREDICATE} 400
   */
  estimate(r: unknown): Estimate {
    const b = this.#bind(r);
    const p = runPipeline(
      b,
      b.tables.map((n) => this.#sources.table(n, false)),
      this.constants(),
      true,
    );
    const fingerprint = hashHex(canonicalRequest(b));
    return toEstimate(p, fingerprint, this.#feedback.factor(fingerprint));
  }

  /** The same request with PostgreSQL's fixed defaults only (the true row counts kept): the baseline. */
  heuristicEstimate(r: unknown): Estimate {
    const b = this.#bind(r);
    const p = runPipeline(
      b,
      b.tables.map((n) => this.#sources.table(n, true)),
      this.constants(),
      true,
    );
    return toEstimate(p, hashHex(canonicalRequest(b)), { factor: 1, n: 0 });
  }

  /**
   * Records what a query really returned.
   * @param estimated the uncorrected estimate (`Estimate.uncorrectedRows`)
   * @throws {INVALID_FEEDBACK} 400 for a bad fingerprint or a negative, fractional or non-finite count
   */
  recordActual(fingerprint: string, estimated: number, actual: number): void {
    this.start();
    const f = parseFeedback({ fingerprint, estimatedRows: estimated, actualRows: actual });
    this.#feedback.record(f.fingerprint, f.estimatedRows, f.actualRows);
    if (!this.#flushAsked) {
      this.#flushAsked = true;
      this.#wake.set("flush", this.#clock.now() + this.config.flushIntervalMs);
    }
  }

  /** The cost constants in µs (pre-agg prices rollups with them). */
  constants(): CostConstants {
    this.start();
    return { ...(this.#constants as CostConstants) };
  }

  /** Sets constants. @throws {INVALID_CALIBRATION} 400 (the old ones are kept) */
  setConstants(input: unknown): CostConstants {
    this.start();
    const values = parseConstants(input);
    this.#tx(() => storeConstants(this.#sql, values, this.#clock.now()));
    this.#constants = { ...(this.#constants as CostConstants), ...values };
    return this.constants();
  }

  /** Measures the SQLite constants here and stores them. */
  calibrate(): CostConstants {
    this.start();
    const measured = measureSqlite(this.#sql, this.#tx, this.#clock);
    this.#tx(() => storeConstants(this.#sql, measured, this.#clock.now()));
    this.#constants = { ...(this.#constants as CostConstants), ...measured };
    return this.constants();
  }

  /** Row count and, per column, ndv, nullFrac, top MCVs, histogram bounds, bytes, analyzedAt. */
  stats(table: string): TableStatsSummary {
    this.start();
    const t = this.#cache.get(table);
    return summarize(t, (c) => columnView(t, c, this.config.statisticsTarget), this.#cache.jobs.get(table));
  }

  /** The table's statistics are gone with it (inside the drop's transaction). */
  onTableDropped(table: string): () => void {
    this.#store.deleteTable(table);
    return () => this.#cache.evict(table);
  }

  /** A column was added: its empty statistics now, an ANALYZE soon. */
  onSchemaChanged(table: string): () => void {
    return () => {
      if (!this.#tables.catalog.find(table)) return;
      this.#cache.get(table);
      this.#askAnalyze(table);
    };
  }

  /** The rows changed wholesale (a restore): forget everything and ANALYZE. */
  onTableReplaced(table: string): () => void {
    this.#store.deleteTable(table);
    return () => {
      this.#cache.evict(table);
      if (this.#tables.catalog.find(table)) this.#cache.get(table);
      this.#askAnalyze(table);
    };
  }
}
