/**
 * The rate limiter: decisions over a SQLite-backed LRU cache of key states, multi-limit
 * all-or-nothing checks, batches, peek, reset, plans and runtime overrides, and the sweep.
 * @module
 */
import { parseOrThrow, runMigrations } from "@durable/core";
import { capacityOf, type Decision, decide, type LimitStep, type StoredState } from "./algorithms/index.ts";
import {
  type BatchCheck,
  type CheckOptions,
  INLINE_PLAN_NAME,
  MAX_BATCH,
  type OverrideOptions,
  RATE_LIMIT_OWNER,
  type RateLimiter,
  type RateLimiterPorts,
  type RateLimiterStats,
  SWEEP_CONTINUE_MS,
  SWEEP_INTERVAL_MS,
  SWEEP_PAGE,
  SWEEP_WAKE_KEY,
  type SweepReport,
} from "./api.ts";
import { LruCache } from "./cache.ts";
import { rlError } from "./errors.ts";
import { assertKey, checkCost, keyProblem } from "./input.ts";
import { RATE_LIMIT_MIGRATIONS } from "./migrations.ts";
import { type PlanInfo, PlanRegistry } from "./plans.ts";
import { combine, type RateLimitResult } from "./result.ts";
import {
  type LimitSpec,
  type Override,
  OverrideSchema,
  type Plan,
  type RateLimitConfig,
  type RateLimitConfigInput,
  RateLimitConfigSchema,
} from "./schemas.ts";
import { type KeyRecord, type LogWrite, RateLimitStore, type StateRow, type StoredOverride } from "./store.ts";

type KeyEntry = KeyRecord;

interface LogDrop {
  key: string;
  limit: string;
}

interface Resolved {
  key: string;
  entry: KeyEntry;
  specs: LimitSpec[];
  cost: number;
}

/** The prefix of an error message about check `at` of a batch (-1: a single check). */
const pathOf = (at: number): string => (at < 0 ? "" : `checks[${at}].`);

class SqliteRateLimiter implements RateLimiter {
  readonly #ports: RateLimiterPorts;
  readonly #config: RateLimitConfig;
  readonly #store: RateLimitStore;
  readonly #plans: PlanRegistry;
  readonly #cache: LruCache<string, KeyEntry>;
  #started = false;
  #loads = 0;
  #nextInlineSweep = 0;
  #sweepFrom: [string, string] = ["", ""];

  constructor(ports: RateLimiterPorts, config: RateLimitConfig) {
    this.#ports = ports;
    this.#config = config;
    this.#store = new RateLimitStore(ports.sql);
    this.#plans = new PlanRegistry(this.#store);
    this.#cache = new LruCache(config.cacheSize);
  }

  start(): void {
    if (this.#started) return;
    const { sql, transactionSync, clock, wake } = this.#ports;
    const now = clock.now();
    runMigrations(sql, transactionSync, RATE_LIMIT_MIGRATIONS, now);
    transactionSync(() => this.#plans.load(this.#config.plans, now));
    this.#started = true;
    this.#nextInlineSweep = now + SWEEP_INTERVAL_MS;
    wake?.set(RATE_LIMIT_OWNER, SWEEP_WAKE_KEY, now + SWEEP_INTERVAL_MS);
  }

  #now(): number {
    this.start();
    return this.#ports.clock.now();
  }

  /**
   * Without a scheduler, sweeps one page after an admitted check has written (hourly once the
   * table has been covered). Only admissions add rows, and a peek or a rejection writes nothing.
   */
  #sweepInline(now: number): void {
    if (this.#ports.wake === undefined && now >= this.#nextInlineSweep) {
      this.#nextInlineSweep = now + SWEEP_INTERVAL_MS;
      if (this.sweep().more) this.#nextInlineSweep = now + SWEEP_CONTINUE_MS;
    }
  }

  #entry(key: string, pinned?: Map<string, KeyEntry>): KeyEntry {
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

  #activeOverride(entry: KeyEntry, now: number): Override | null {
    const o = entry.override;
    if (o === null || (o.expiresAt !== null && o.expiresAt <= now)) return null;
    return o.override;
  }

  #planOf(entry: KeyEntry, now: number): Plan {
    const o = this.#activeOverride(entry, now);
    if (o !== null) {
      if ("limits" in o) return { name: INLINE_PLAN_NAME, limits: o.limits };
      const p = this.#plans.get(o.plan);
      if (p !== undefined) return p;
    }
    return this.#plans.get(this.#config.defaultPlan) as Plan;
  }

  /**
   * Validates one check and finds its key's entry and limits. `at` is the check's index in a
   * batch (-1 for a single check); error messages name it, and are built only on error.
   */
  #resolve(
    key: unknown,
    options: CheckOptions | undefined,
    now: number,
    at: number,
    withCost: boolean,
    pinned?: Map<string, KeyEntry>,
  ): Resolved {
    const problem = keyProblem(key);
    if (problem !== undefined) throw rlError("INVALID_KEY", `${pathOf(at)}key: ${problem}`);
    const given = withCost ? options?.cost : undefined;
    const cost =
      given === undefined
        ? 1
        : Number.isSafeInteger(given) && given > 0
          ? given
          : checkCost(given, `${pathOf(at)}cost`);
    const entry = this.#entry(key as string, pinned);
    const plan = this.#planOf(entry, now);
    let specs = plan.limits;
    const names = options?.limits;
    if (names !== undefined) {
      if (!Array.isArray(names) || names.length === 0) {
        throw rlError("UNKNOWN_LIMIT", `${pathOf(at)}limits: name at least one limit of plan ${plan.name}`);
      }
      specs = [];
      for (let i = 0; i < names.length; i++) {
        const n = names[i];
        const spec = plan.limits.find((l) => l.name === n);
        if (spec === undefined) {
          throw rlError(
            "UNKNOWN_LIMIT",
            `${pathOf(at)}limits[${i}]: plan ${plan.name} has no limit ${JSON.stringify(n)}`,
          );
        }
        // A name given twice is one limit: deciding it twice would write its row (and a log entry) twice.
        if (!specs.includes(spec)) specs.push(spec);
      }
    }
    for (const spec of specs) {
      const cap = capacityOf(spec);
      if (cap > 0 && cost > cap) {
        throw rlError("INVALID_COST", `${pathOf(at)}cost: ${cost} exceeds the capacity ${cap} of limit ${spec.name}`);
      }
    }
    return { key: key as string, entry, specs, cost };
  }

  /** Decides every limit of a resolved check; on rejection, admitting limits report unconsumed values. */
  #decideAll(r: Resolved, now: number): { steps: LimitStep[]; result: RateLimitResult } {
    const { specs, entry, cost } = r;
    const steps: LimitStep[] = [];
    let decisions: Decision[] = [];
    let admitted = true;
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i] as LimitSpec;
      const step = decide(spec, entry.states.get(spec.name), now, cost);
      steps.push(step);
      decisions.push(step.decision);
      if (!step.decision.success) admitted = false;
    }
    if (!admitted) {
      // Nothing is consumed, so a limit that would have admitted reports what it has now.
      decisions = decisions.map((d, i) => {
        if (!d.success) return d;
        const spec = r.specs[i] as LimitSpec;
        return { ...decide(spec, r.entry.states.get(spec.name), now, 0).decision, success: true };
      });
    }
    return { steps, result: combine(r.specs, decisions) };
  }

  limit(key: string, options?: CheckOptions): RateLimitResult {
    const now = this.#now();
    const r = this.#resolve(key, options, now, -1, true);
    const { steps, result } = this.#decideAll(r, now);
    if (!result.success) return result;
    const rows: StateRow[] = [];
    const logs: LogWrite[] = [];
    const dropLogs: LogDrop[] = [];
    this.#collect(r, steps, rows, logs, dropLogs);
    if (rows.length === 1 && logs.length === 0 && dropLogs.length === 0) {
      // One statement is atomic by itself: no transaction needed.
      this.#store.writeStates(rows);
    } else {
      this.#ports.transactionSync(() => this.#write(rows, logs, dropLogs));
    }
    for (const row of rows) r.entry.states.set(row.limit, row.state);
    this.#sweepInline(now);
    return result;
  }

  /** Turns admitted steps into rows to write (and applies nothing yet). */
  #collect(r: Resolved, steps: LimitStep[], rows: StateRow[], logs: LogWrite[], dropLogs: LogDrop[]): void {
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i] as LimitStep;
      const spec = r.specs[i] as LimitSpec;
      if (step.next === undefined) continue;
      const prev = r.entry.states.get(spec.name);
      rows.push({ key: r.key, limit: spec.name, state: step.next, idleAt: step.decision.reset });
      if (step.logExpiredBefore !== undefined) {
        const oldest = prev?.algo === "slidingLog" ? prev.log?.[0] : undefined;
        logs.push({
          key: r.key,
          limit: spec.name,
          append: step.next.log?.[step.next.log.length - 1] ?? { ts: step.next.at, cost: r.cost },
          expiredUpTo: step.logExpiredBefore,
          hasExpired: oldest !== undefined && oldest.ts <= step.logExpiredBefore,
        });
      } else if (prev?.algo === "slidingLog") {
        dropLogs.push({ key: r.key, limit: spec.name });
      }
    }
  }

  #write(rows: StateRow[], logs: LogWrite[], dropLogs: LogDrop[]): void {
    // A limit that stopped being a sliding log leaves no entries behind to revive later.
    for (const d of dropLogs) this.#store.deleteLog(d.key, d.limit);
    this.#store.writeStates(rows);
    this.#store.writeLogs(logs);
  }

  limitBatch(checks: readonly BatchCheck[]): RateLimitResult[] {
    if (!Array.isArray(checks)) throw rlError("INVALID_CONFIG", "checks: must be an array");
    if (checks.length > MAX_BATCH) {
      throw rlError("BATCH_TOO_LARGE", `checks: ${checks.length} checks, at most ${MAX_BATCH} per batch`);
    }
    const now = this.#now();
    // Validate everything first: one bad check rejects the batch before anything is decided.
    // A key checked twice shares one entry even if a small cache evicts it meanwhile.
    const pinned = new Map<string, KeyEntry>();
    const resolved = checks.map((c, i) => this.#resolve(c?.key, c, now, i, true, pinned));
    const dirty = new Map<string, StateRow>();
    const logs: LogWrite[] = [];
    const dropLogs: LogDrop[] = [];
    const touched = new Set<string>();
    const results: RateLimitResult[] = [];
    for (const r of resolved) {
      const { steps, result } = this.#decideAll(r, now);
      results.push(result);
      if (!result.success) continue;
      const rows: StateRow[] = [];
      this.#collect(r, steps, rows, logs, dropLogs);
      for (const row of rows) {
        // Later decisions in the batch see this one; the row is written once, at the end.
        r.entry.states.set(row.limit, row.state);
        dirty.set(`${row.key}\u0000${row.limit}`, row);
      }
      touched.add(r.key);
    }
    if (dirty.size === 0) return results;
    try {
      this.#ports.transactionSync(() => this.#write([...dirty.values()], logs, dropLogs));
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
    const r = this.#resolve(key, options, now, -1, false);
    const current = r.specs.map((spec) => decide(spec, r.entry.states.get(spec.name), now, 0).decision);
    const next = r.specs.map((spec) => decide(spec, r.entry.states.get(spec.name), now, 1).decision);
    const decisions: Decision[] = current.map((c, i) => {
      const n = next[i] as Decision;
      return { ...c, success: n.success, retryAfter: n.retryAfter };
    });
    return combine(r.specs, decisions);
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
    const o = parseOrThrow(OverrideSchema, override, "INVALID_CONFIG");
    if ("plan" in o && this.#plans.get(o.plan) === undefined) {
      throw rlError("UNKNOWN_PLAN", `plan: no plan named ${JSON.stringify(o.plan)}`);
    }
    const expiresAt = options.expiresAt ?? null;
    if (expiresAt !== null && (!Number.isSafeInteger(expiresAt) || expiresAt <= now)) {
      throw rlError("INVALID_CONFIG", "expiresAt: must be an integer epoch ms in the future");
    }
    const stored: StoredOverride = { override: o, expiresAt };
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

  getOverride(key: string): (Override & { expiresAt: number | null }) | null {
    const now = this.#now();
    assertKey(key);
    const entry = this.#entry(key);
    const o = this.#activeOverride(entry, now);
    return o === null ? null : { ...o, expiresAt: entry.override?.expiresAt ?? null };
  }

  planFor(key: string): Plan {
    const now = this.#now();
    assertKey(key);
    const p = this.#planOf(this.#entry(key), now);
    return { name: p.name, limits: p.limits };
  }

  upsertPlan(plan: Plan): void {
    const now = this.#now();
    this.#plans.upsert(plan, now);
  }

  deletePlan(name: string): void {
    const now = this.#now();
    this.#plans.delete(name, now);
  }

  listPlans(): PlanInfo[] {
    this.start();
    return this.#plans.list();
  }

  sweep(): SweepReport {
    this.start();
    const now = this.#ports.clock.now();
    const [afterKey, afterLimit] = this.#sweepFrom;
    const page = this.#store.scanIdle(afterKey, afterLimit, now, SWEEP_PAGE);
    this.#sweepFrom = page.next ?? ["", ""];
    const candidates = page.rows;
    const records = new Map<string, KeyRecord>();
    const deletions: { key: string; limit: string; log: boolean }[] = [];
    const refresh: StateRow[] = [];
    for (const c of candidates) {
      let record = records.get(c.key);
      if (record === undefined) {
        record = this.#store.loadKey(c.key);
        records.set(c.key, record);
      }
      const spec = this.#planOf(record, now).limits.find((l) => l.name === c.limit);
      const state: StoredState = record.states.get(c.limit) ?? c.state;
      if (spec !== undefined && spec.algorithm === state.algo) {
        // Full under the limit that applies now? (The plan may have changed since the write.)
        const { decision } = decide(spec, state, now, 0);
        if (decision.reset > now) {
          refresh.push({ key: c.key, limit: c.limit, state, idleAt: decision.reset });
          continue;
        }
      }
      deletions.push({ key: c.key, limit: c.limit, log: state.algo === "slidingLog" });
    }
    let overrides: string[] = [];
    this.#ports.transactionSync(() => {
      for (const d of deletions) this.#store.deleteKey(d.key, d.limit);
      this.#store.writeStates(refresh);
      overrides = this.#store.deleteExpiredOverrides(now, SWEEP_PAGE);
    });
    for (const key of records.keys()) this.#cache.delete(key);
    for (const key of overrides) this.#cache.delete(key);
    return {
      deleted: deletions.length,
      overrides: overrides.length,
      more: page.next !== null || overrides.length === SWEEP_PAGE,
    };
  }

  onSweepWake(): SweepReport {
    const report = this.sweep();
    const now = this.#ports.clock.now();
    this.#ports.wake?.set(
      RATE_LIMIT_OWNER,
      SWEEP_WAKE_KEY,
      now + (report.more ? SWEEP_CONTINUE_MS : SWEEP_INTERVAL_MS),
    );
    return report;
  }

  stats(): RateLimiterStats {
    return { cached: this.#cache.size, evictions: this.#cache.evictions, loads: this.#loads };
  }
}

/**
 * Creates a rate limiter over SQLite ports (a DO's `ctx.storage.sql`, or the better-sqlite3
 * adapter in Node). It touches storage lazily: the first call runs its migrations.
 * @param ports sql, transactionSync, clock and (optionally) the scheduler's `Wake`
 * @param config the read-only plans, the default plan and the cache size (keys, default 10,000)
 * @throws {INVALID_CONFIG} a config outside the bounds, naming the zod path
 * @example
 * const limiter = createRateLimiter({ sql, transactionSync, clock: systemClock }, {
 *   plans: [{ name: "free", limits: [{ name: "minute", algorithm: "tokenBucket", capacity: 60, refillPerSecond: 1 }] }],
 *   defaultPlan: "free",
 * });
 * const r = limiter.limit("user:42");
 */
export function createRateLimiter(ports: RateLimiterPorts, config: RateLimitConfigInput): RateLimiter {
  return new SqliteRateLimiter(ports, parseOrThrow(RateLimitConfigSchema, config, "INVALID_CONFIG"));
}
