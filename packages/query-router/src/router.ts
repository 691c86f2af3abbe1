/**
 * `QueryRouter`: answers an analytics query from the cheapest source within its staleness
 * budget (cache → a built rollup within budget → live: local SQL or a fan-out) and says why.
 * Stale-while-revalidate by RFC 5861's rules, single-flight per fingerprint, a refresh cap,
 * stale-if-error, versions that follow the write path. Plain class over the ports; the
 * capability is a thin shell around it.
 * @module
 */
import { errorCodeOf, isPlatformError, type RowChange, type WakeEvent } from "@durable/core";
import type { Computed, Routed } from "./answer.ts";
import { BreakerRegistry } from "./circuit-breaker.ts";
import { parseConfig, type QueryRouterConfig, type QueryRouterConfigInput } from "./config.ts";
import { type Decision, decide } from "./decide.ts";
import { FanOut } from "./fan-out.ts";
import { budgetOf, parseRouting, type RoutingOptions } from "./freshness.ts";
import { joinQuery } from "./join-route.ts";
import { MetricsRecorder, type RouterMetrics } from "./metrics.ts";
import type { Plan } from "./plan.ts";
import { PreparedQueries, prepareQuery, requestText } from "./prepared.ts";
import { PurgeSchedule } from "./purge.ts";
import { RefreshGate, SingleFlight } from "./refresh.ts";
import { ResultCache, serializeAnswer } from "./result-cache.ts";
import { type Prepared, type QueryRouterDeps, type RollupPort, sourceError, splitJoin } from "./router-support.ts";
import { type RouterSettings, SettingsStore } from "./settings.ts";
import { fanOutEstimate, shardTargets } from "./shards.ts";
import { computeAnswer, estimateLive, nextTurn } from "./sources.ts";
import { isNoOp, type TableVersions, WritePathVersions } from "./table-versions.ts";
import { TargetEndpoint } from "./target-side.ts";

/** The router of one tenant DO. */
export class QueryRouter {
  readonly config: QueryRouterConfig;
  readonly #d: QueryRouterDeps;
  readonly #cache: ResultCache;
  readonly #own: WritePathVersions;
  readonly #versions: TableVersions;
  readonly #settings: SettingsStore;
  readonly #flights = new SingleFlight<Computed>();
  readonly #gate: RefreshGate;
  readonly #metrics: MetricsRecorder;
  readonly #breakers: BreakerRegistry;
  readonly fanOut: FanOut;
  #realtimeSeq = 0;
  #target: TargetEndpoint | undefined;
  readonly #prepared = new PreparedQueries<Prepared>();
  readonly #purge: PurgeSchedule;

  constructor(deps: QueryRouterDeps, config?: QueryRouterConfigInput) {
    this.config = parseConfig(config);
    this.#d = deps;
    const now = () => deps.clock.now();
    const c = this.config;
    this.#cache = new ResultCache({
      sql: deps.sql,
      transactionSync: deps.transactionSync,
      now,
      limits: { memoryEntries: c.memoryEntries, memoryBytes: c.memoryBytes, sqliteBytes: c.sqliteBytes },
    });
    this.#purge = new PurgeSchedule(deps.wake, deps.clock, this.#cache, c);
    this.#own = new WritePathVersions(deps.sql);
    this.#versions = deps.versions ?? this.#own;
    this.#settings = new SettingsStore(deps.sql);
    this.#gate = new RefreshGate({ max: c.maxConcurrentRefreshes, backoffMs: c.refreshErrorBackoffMs, now });
    this.#metrics = new MetricsRecorder(c.latencySamples);
    this.#breakers = new BreakerRegistry(deps.clock, { failures: c.breakerFailures, openMs: c.breakerOpenMs });
    this.fanOut = new FanOut({
      breakers: this.#breakers,
      now,
      defaults: { concurrency: c.fanOutConcurrency, timeoutMs: c.fanOutTimeoutMs, deadlineMs: c.fanOutDeadlineMs },
    });
  }

  /** Loads versions, cache totals and settings; arms the hourly purge. Call once after migrations. */
  start(): void {
    this.#own.load();
    this.#cache.load();
    this.#settings.load();
    this.#purge.start();
  }

  /** The hourly purge of `qr_results` rows older than 7 days (see {@link PurgeSchedule}). */
  onWake(event: WakeEvent): void {
    if (event.key === "purge") this.#purge.run();
  }

  /**
   * The write-path hook: bumps `table`'s version in the write's transaction, once per call (a
   * no-op upsert bumps nothing); memory follows after commit, so a rolled-back write bumps nothing.
   */
  onRowsWritten(table: string, change: RowChange): undefined | (() => void) {
    if (isNoOp(change)) return undefined;
    return this.#own.bump(table);
  }

  /** A schema change, forced drop or replacement of `table`: bump it and delete its cached answers, in that transaction. */
  onTableChanged(table: string): () => void {
    const bumped = this.#own.bump(table);
    const dropped = this.#cache.deleteTable(table);
    return () => {
      this.#prepared.clear();
      bumped();
      dropped();
    };
  }

  /** Declares `table` as spread over `count` shard DOs (`<tenant>:shard-<i>`). */
  setShards(table: string, count: number): void {
    this.#settings.setShards(table, count);
    this.#prepared.clear();
  }

  /** The tenant's settings. */
  settings(): RouterSettings {
    return this.#settings.settings;
  }

  /** Changes the tenant's default freshness or its platform-aggregation consent. */
  updateSettings(input: unknown): RouterSettings {
    return this.#settings.update(input);
  }

  /** Deletes every cached answer. */
  clearCache(): void {
    this.#cache.clear();
  }

  /** Forgets the in-memory cache level (what an eviction does). */
  forgetMemory(): void {
    this.#cache.forgetMemory();
  }

  /** How many computations ran (single-flight tests count them). */
  get computations(): number {
    return this.#flights.computations;
  }

  #prepare(input: unknown): Prepared {
    const tenant = this.#d.tenant() ?? "local";
    const text = requestText(input);
    const key = text === undefined ? undefined : `${tenant}\u0000${text}`;
    const known = key === undefined ? undefined : this.#prepared.get(key);
    if (known) return known;
    const p = prepareQuery(input, tenant, this.#d.tables, (t) => this.#settings.shardsOf(t));
    if (key !== undefined) this.#prepared.set(key, p);
    return p;
  }

  /**
   * The decision for `p`. A servable cache entry skips the matcher unless the whole plan is
   * wanted (explain): a hit stays a map lookup.
   */
  #decide(p: Prepared, budgetMs: number, full: boolean, useCache = true, forQuery = true): Decision {
    const realtime = budgetMs === 0;
    const now = this.#d.clock.now();
    // explain only peeks; a query reads (a corrupt row is then deleted and counted).
    const entry =
      realtime || !useCache
        ? undefined
        : full && !forQuery
          ? this.#cache.peek(p.key, p.canonical)
          : this.#cache.get(p.key, p.canonical);
    const servable = entry !== undefined && now - entry.asOf <= budgetMs;
    let rollups: ReturnType<RollupPort["explain"]> | undefined;
    if (!realtime && p.shards === undefined && (full || !servable)) {
      try {
        rollups = this.#d.rollups.explain(p.q);
      } catch (err) {
        // The matcher's own trouble never fails a query: live answers it.
        if (isPlatformError(err) && err.status < 500) throw err;
        rollups = undefined;
      }
    }
    const live = full && p.shards === undefined ? estimateLive(this.#d.estimator, p.q) : {};
    return decide({
      fingerprint: p.key,
      budgetMs,
      now,
      sharded: p.shards !== undefined,
      entry,
      currentVersion: (t) => this.#versions.current(t),
      rollups,
      live,
    });
  }

  /**
   * Lists every candidate source with its estimate, verdict and reason; runs nothing.
   * @throws the same 4xx as {@link query}
   */
  async explain(input: unknown, routing: unknown = {}): Promise<Plan> {
    const { join, rest } = splitJoin(routing);
    const r = parseRouting(rest);
    if (join !== undefined) return (await this.#join(input, join, r, true)).meta.plan as Plan;
    const p = this.#prepare(input);
    const budget = budgetOf(r, this.#settings.settings.defaultFreshness);
    const { plan } = this.#decide(p, budget, true, true, false);
    const live = plan.candidates.find((c) => c.source === "fanout");
    if (live && p.shards !== undefined && this.#d.fanOut) {
      const deadlineMs = r.deadlineMs ?? this.config.fanOutDeadlineMs;
      const targets = shardTargets(p.tenant, p.shards);
      const e = await fanOutEstimate(this.fanOut, this.#d.fanOut, targets, p.q, { deadlineMs });
      Object.assign(live, { estimatedRows: e.rows, costUs: e.cost, method: e.method });
    }
    return plan;
  }

  /**
   * Answers `q` within its budget.
   * @throws 4xx for bad input (see the error codes) · {SOURCE_UNAVAILABLE} 503 past budget when
   *   the source fails (never a stale answer) · {FANOUT_FAILED} · {DEADLINE_EXCEEDED} 503
   */
  async query(input: unknown, routing: RoutingOptions | unknown = {}): Promise<Routed> {
    const started = performance.now();
    const { join, rest } = splitJoin(routing);
    const r = parseRouting(rest);
    if (join !== undefined) return this.#join(input, join, r, false);
    const p = this.#prepare(input);
    const budgetMs = budgetOf(r, this.#settings.settings.defaultFreshness);
    const requestAt = this.#d.clock.now();
    const decision = this.#decide(p, budgetMs, r.explain === true);
    const plan = r.explain === true ? decision.plan : undefined;
    for (const name of decision.tooOldRollups) this.#d.rollups.requestRefresh(name);
    if (decision.cache) {
      const { entry, ageMs, band, behind } = decision.cache;
      const stale = band === "revalidate" || behind;
      const revalidating = stale && this.#refresh(p, r, budgetMs);
      const refreshError = this.#gate.errorOf(p.key);
      const routed: Routed = {
        rows: entry.rows,
        columns: entry.columns,
        meta: {
          source: "cache",
          ageMs,
          budgetMs,
          stale,
          revalidating,
          ...(refreshError ? { refreshError } : {}),
          ...(entry.rollup ? { rollup: entry.rollup } : {}),
          ...(plan ? { plan } : {}),
        },
      };
      this.#metrics.served("cache", performance.now() - started, ageMs, budgetMs);
      return routed;
    }
    const key = budgetMs === 0 ? `${p.key}#rt${this.#realtimeSeq++}` : p.key;
    let computed: Computed;
    try {
      const flight = this.#flights.run(key, () => this.#computeAndStore(p, r, decision, plan));
      if (flight.joined) this.#gate.counts.joined++;
      computed = await flight.promise;
      if (flight.joined && requestAt - computed.asOf > budgetMs) {
        computed = await this.#computeAndStore(p, r, decision, plan);
      }
    } catch (err) {
      this.#metrics.errors++;
      throw sourceError(err);
    }
    this.#gate.clearError(p.key);
    const ageMs = Math.max(0, requestAt - computed.asOf);
    if (plan) plan.chosen = computed.source;
    this.#metrics.served(computed.source, performance.now() - started, ageMs, budgetMs);
    return {
      rows: computed.rows,
      columns: computed.columns,
      meta: {
        source: computed.source,
        ageMs,
        budgetMs,
        stale: false,
        revalidating: false,
        ...(computed.rollup ? { rollup: computed.rollup } : {}),
        ...(computed.partial ? { partial: computed.partial } : {}),
        ...(plan ? { plan } : {}),
      },
    };
  }

  #join(input: unknown, joinInput: unknown, r: RoutingOptions, explainOnly: boolean): Promise<Routed> {
    return joinQuery(
      {
        tables: this.#d.tables,
        sql: this.#d.sql,
        estimator: this.#d.estimator,
        fanOut: this.fanOut,
        transport: this.#d.fanOut,
        tenant: this.#d.tenant() ?? "local",
        shardsOf: (t) => this.#settings.shardsOf(t),
        maxGroups: this.config.maxGroups,
        deadlineMs: r.deadlineMs ?? this.config.fanOutDeadlineMs,
        budgetMs: budgetOf(r, this.#settings.settings.defaultFreshness),
        served: (source, ms, budget) => this.#metrics.served(source, ms, 0, budget),
      },
      input,
      joinInput,
      r.explain === true,
      explainOnly,
    );
  }

  /** Starts (or joins) a background refresh of a served entry; false when capped or backing off. */
  #refresh(p: Prepared, r: RoutingOptions, budgetMs: number): boolean {
    if (this.#flights.running(p.key)) return true;
    if (!this.#gate.tryStart(p.key)) return false;
    // The refresh starts on a later turn of the event loop: a local recompute is synchronous
    // SQL, and running it inside this request would make the served answer wait for it.
    const { promise } = this.#flights.run(p.key, async () => {
      await nextTurn();
      return this.#computeAndStore(p, r, this.#decide(p, budgetMs, false, false), undefined);
    });
    this.#d.background.waitUntil(
      promise.then(
        () => this.#gate.finish(p.key),
        (err: unknown) => this.#gate.finish(p.key, errorCodeOf(err) ?? "INTERNAL"),
      ),
    );
    return true;
  }

  async #computeAndStore(
    p: Prepared,
    r: RoutingOptions,
    decision: Decision,
    plan: Plan | undefined,
  ): Promise<Computed> {
    const computed = await this.#compute(p, r, decision, plan);
    if (r.cacheResult === false) {
      plan?.notes.push("CACHE_DISABLED");
      return computed;
    }
    if (computed.partial) {
      plan?.notes.push("PARTIAL_NOT_CACHED");
      return computed;
    }
    const { text, bytes } = serializeAnswer(computed);
    if (bytes > this.config.maxCachedResultBytes) {
      plan?.notes.push("RESULT_TOO_LARGE_TO_CACHE");
      return computed;
    }
    this.#cache.put(
      {
        key: p.key,
        canonical: p.canonical,
        rows: computed.rows,
        columns: computed.columns,
        source: computed.source,
        ...(computed.rollup ? { rollup: computed.rollup } : {}),
        asOf: computed.asOf,
        versions: computed.versions,
        bytes,
      },
      text,
    );
    this.#purge.stored();
    return computed;
  }

  #compute(p: Prepared, r: RoutingOptions, decision: Decision, plan: Plan | undefined): Promise<Computed> {
    return computeAnswer(
      {
        tables: this.#d.tables,
        sql: this.#d.sql,
        clock: this.#d.clock,
        rollups: this.#d.rollups,
        fanOut: this.fanOut,
        transport: this.#d.fanOut,
        version: (t) => this.#versions.current(t),
        maxGroups: this.config.maxGroups,
        deadlineMs: r.deadlineMs ?? this.config.fanOutDeadlineMs,
      },
      p,
      r.allowPartial === true,
      decision,
      plan,
    );
  }

  /** What this DO answers as a fan-out target (shard, consenting tenant, join side). */
  get target(): TargetEndpoint {
    this.#target ??= new TargetEndpoint({
      tables: this.#d.tables,
      sql: this.#d.sql,
      clock: this.#d.clock,
      maxGroups: this.config.maxGroups,
      consented: () => this.#settings.settings.platformAggregation,
      tenant: () => this.#d.tenant(),
      estimate: (q) => estimateLive(this.#d.estimator, q),
    });
    return this.#target;
  }

  /** Per-source counts and latency, hit rate, refreshes, violations, cache and breakers. */
  metrics(): RouterMetrics {
    return this.#metrics.snapshot(
      this.#cache.stats(),
      { ...this.#gate.counts, active: this.#gate.active },
      this.#breakers.summary(),
    );
  }
}
