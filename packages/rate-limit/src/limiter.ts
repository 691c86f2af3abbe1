/**
 * The rate limiter: decisions over a SQLite-backed LRU cache of key records, multi-limit
 * all-or-nothing checks, batches, peek, reset, plans and runtime overrides, and the sweep. The
 * steps live in `decisions.ts`, `overrides.ts`, `plans.ts` and `sweep.ts`; this class holds the
 * cache and the order of the steps.
 * @module
 */
import { parseOrThrow } from "@durable/core";
import { LruCache } from "./cache.ts";
import {
  checkKeyAt,
  collectWrites,
  costAt,
  decideAll,
  type LogDrop,
  limitsOf,
  peekAll,
  type Resolved,
  writeAll,
} from "./decisions.ts";
import { rlError } from "./errors.ts";
import { assertKey } from "./input.ts";
import { activeOverride, type OverrideView, parseOverride, planOf } from "./overrides.ts";
import { type PlanInfo, PlanRegistry } from "./plans.ts";
import type { RateLimitResult } from "./result.ts";
import {
  type Override,
  type Plan,
  type RateLimitConfig,
  type RateLimitConfigInput,
  RateLimitConfigSchema,
} from "./schemas.ts";
import { type KeyRecord, type LogWrite, RateLimitStore, type StateRow } from "./store.ts";
import { Sweeper } from "./sweep.ts";
import {
  type BatchCheck,
  type CheckOptions,
  MAX_BATCH,
  type OverrideOptions,
  type RateLimiter,
  type RateLimiterPorts,
  type RateLimiterStats,
  SWEEP_CONTINUE_MS,
  SWEEP_INTERVAL_MS,
  SWEEP_WAKE_KEY,
  type SweepReport,
} from "./types.ts";

class SqliteRateLimiter implements RateLimiter {
  readonly #ports: RateLimiterPorts;
  readonly #config: RateLimitConfig;
  readonly #store: RateLimitStore;
  readonly #plans: PlanRegistry;
  readonly #cache: LruCache<string, KeyRecord>;
  readonly #sweeper: Sweeper;
  readonly #planOf: (record: KeyRecord, now: number) => Plan;
  #started = false;
  #loads = 0;

  constructor(ports: RateLimiterPorts, config: RateLimitConfig) {
    this.#ports = ports;
    this.#config = config;
    this.#store = new RateLimitStore(ports.sql, config.tablePrefix);
    this.#plans = new PlanRegistry(this.#store);
    this.#cache = new LruCache(config.cacheSize);
    this.#planOf = (record, now) => planOf(record, now, this.#plans, config.defaultPlan);
    this.#sweeper = new Sweeper(this.#store, ports.transactionSync, this.#planOf);
  }

  get tablePrefix(): string {
    return this.#config.tablePrefix;
  }

  start(): void {
    if (this.#started) return;
    const { transactionSync, clock, wake } = this.#ports;
    const now = clock.now();
    transactionSync(() => this.#plans.load(this.#config.plans, now));
    this.#started = true;
    this.#sweeper.startInline(now);
    wake?.set(SWEEP_WAKE_KEY, now + SWEEP_INTERVAL_MS);
  }

  #now(): number {
    this.start();
    return this.#ports.clock.now();
  }

  /**
   * Without wake-ups, sweeps one page after an admitted check has written (hourly once the
   * table has been covered). Only admissions add rows, and a peek or a rejection writes nothing.
   */
  #sweepInline(now: number): void {
    if (this.#ports.wake === undefined && this.#sweeper.inlineDue(now)) {
      if (this.sweep().more) this.#sweeper.continueSoon(now);
    }
  }

  #entry(key: string, pinned?: Map<string, KeyRecord>): KeyRecord {
    const held = pinned?.get(key);
    if (held !== undefined) return held;
    let entry = this.#cache.get(key);
    if (entry === undefined) {
      entry = this.#store.loadKey(key);
      this.#loads++;
      this.#cache.set(key, entry);
    }
    pinned?.set(key, entry);
    return entry;
  }

  /**
   * Validates one check and finds its key's record and limits. `at` is the check's index in a
   * batch (-1 for a single check); error messages name it, and are built only on error.
   */
  #resolve(
    key: unknown,
    options: CheckOptions | undefined,
    now: number,
    at: number,
    withCost: boolean,
    pinned?: Map<string, KeyRecord>,
  ): Resolved {
    checkKeyAt(key, at);
    const cost = withCost ? costAt(options?.cost, at) : 1;
    const entry = this.#entry(key, pinned);
    const specs = limitsOf(this.#planOf(entry, now), options?.limits, cost, at);
    return { key, entry, specs, cost };
  }

  limit(key: string, options?: CheckOptions): RateLimitResult {
    const now = this.#now();
    const r = this.#resolve(key, options, now, -1, true);
    const { steps, result } = decideAll(r, now);
    if (!result.success) return result;
    const rows: StateRow[] = [];
    const logs: LogWrite[] = [];
    const dropLogs: LogDrop[] = [];
    collectWrites(r, steps, rows, logs, dropLogs);
    if (rows.length === 1 && logs.length === 0 && dropLogs.length === 0) {
      // One statement is atomic by itself: no transaction needed.
      this.#store.writeStates(rows);
    } else {
      this.#ports.transactionSync(() => writeAll(this.#store, rows, logs, dropLogs));
    }
    for (const row of rows) r.entry.states.set(row.limit, row.state);
    this.#sweepInline(now);
    return result;
  }

  limitBatch(checks: readonly BatchCheck[]): RateLimitResult[] {
    if (!Array.isArray(checks)) throw rlError("CONFIG_INVALID", "checks: must be an array");
    if (checks.length > MAX_BATCH) {
      throw rlError("BATCH_TOO_LARGE", `checks: ${checks.length} checks, at most ${MAX_BATCH} per batch`);
    }
    const now = this.#now();
    // Validate everything first: one bad check rejects the batch before anything is decided.
    // A key checked twice shares one record even if a small cache evicts it meanwhile.
    const pinned = new Map<string, KeyRecord>();
    const resolved = checks.map((c, i) => this.#resolve(c?.key, c, now, i, true, pinned));
    const dirty = new Map<string, StateRow>();
    const logs: LogWrite[] = [];
    const dropLogs: LogDrop[] = [];
    const touched = new Set<string>();
    const results: RateLimitResult[] = [];
    for (const r of resolved) {
      const { steps, result } = decideAll(r, now);
      results.push(result);
      if (!result.success) continue;
      const rows: StateRow[] = [];
      collectWrites(r, steps, rows, logs, dropLogs);
      for (const row of rows) {
        // Later decisions in the batch see this one; the row is written once, at the end.
        r.entry.states.set(row.limit, row.state);
        dirty.set(`${row.key}\u0000${row.limit}`, row);
      }
      touched.add(r.key);
    }
    if (dirty.size === 0) return results;
    try {
      this.#ports.transactionSync(() => writeAll(this.#store, [...dirty.values()], logs, dropLogs));
    } catch (err) {
      // The cache ran ahead of storage; forget those keys so they reload what is stored.
      for (const key of touched) this.#cache.delete(key);
      throw err;
    }
    this.#sweepInline(now);
    return results;
  }

  peek(key: string, options?: Pick<CheckOptions, "limits">): RateLimitResult {
    const now = this.#now();
    return peekAll(this.#resolve(key, options, now, -1, false), now);
  }

  reset(key: string, limit?: string): void {
    this.#now();
    assertKey(key);
    this.#ports.transactionSync(() => this.#store.deleteKey(key, limit));
    const entry = this.#cache.get(key);
    if (entry !== undefined) {
      if (limit === undefined) entry.states.clear();
      else entry.states.delete(limit);
    }
  }

  setOverride(key: string, override: Override, options: OverrideOptions = {}): void {
    const now = this.#now();
    assertKey(key);
    const stored = parseOverride(this.#plans, override, options, now);
    this.#store.putOverride(key, stored, now);
    const entry = this.#cache.get(key);
    if (entry !== undefined) entry.override = stored;
  }

  clearOverride(key: string): void {
    this.#now();
    assertKey(key);
    this.#store.deleteOverride(key);
    const entry = this.#cache.get(key);
    if (entry !== undefined) entry.override = null;
  }

  getOverride(key: string): OverrideView | null {
    const now = this.#now();
    assertKey(key);
    const entry = this.#entry(key);
    const o = activeOverride(entry, now);
    return o === null ? null : { ...o, expiresAt: entry.override?.expiresAt ?? null };
  }

  planFor(key: string): Plan {
    const now = this.#now();
    assertKey(key);
    const p = this.#planOf(this.#entry(key), now);
    return { name: p.name, limits: p.limits };
  }

  upsertPlan(plan: Plan): void {
    this.#plans.upsert(plan, this.#now());
  }

  deletePlan(name: string): void {
    this.#plans.delete(name, this.#now());
  }

  listPlans(): PlanInfo[] {
    this.start();
    return this.#plans.list();
  }

  sweep(): SweepReport {
    this.start();
    const { report, stale } = this.#sweeper.pass(this.#ports.clock.now());
    for (const key of stale) this.#cache.delete(key);
    return report;
  }

  onSweepWake(): SweepReport {
    const report = this.sweep();
    const now = this.#ports.clock.now();
    this.#ports.wake?.set(SWEEP_WAKE_KEY, now + (report.more ? SWEEP_CONTINUE_MS : SWEEP_INTERVAL_MS));
    return report;
  }

  stats(): RateLimiterStats {
    return { cached: this.#cache.size, evictions: this.#cache.evictions, loads: this.#loads };
  }
}

/**
 * Builds a limiter over parsed config (the capability parses once, at composition).
 * @internal
 */
export function limiterOf(ports: RateLimiterPorts, config: RateLimitConfig): RateLimiter {
  return new SqliteRateLimiter(ports, config);
}

/**
 * Creates a rate limiter over SQLite ports: the logic of the rate-limit capability, usable on
 * its own in Node tests and spikes. It never runs migrations: the host runs
 * `rateLimitMigrations({ owner, prefix: config.tablePrefix })` (DOBase does for the capability).
 * @param ports sql, transactionSync, clock and (optionally) its own scoped `Wake`
 * @param config the read-only plans, the default plan, the cache size (keys, default 10,000)
 * and `tablePrefix` (default `rl_`; another must start with `rl_`, e.g. `rl_gate_`)
 * @throws {CONFIG_INVALID} a config outside the bounds, naming the zod path
 * @example
 * const limiter = createRateLimiter({ sql, transactionSync, clock: systemClock }, {
 *   plans: [{ name: "free", limits: [{ name: "minute", algorithm: "tokenBucket", capacity: 60, refillPerSecond: 1 }] }],
 *   defaultPlan: "free",
 * });
 * const r = limiter.limit("user:42");
 */
export function createRateLimiter(ports: RateLimiterPorts, config: RateLimitConfigInput): RateLimiter {
  return limiterOf(ports, parseOrThrow(RateLimitConfigSchema, config, "CONFIG_INVALID"));
}
