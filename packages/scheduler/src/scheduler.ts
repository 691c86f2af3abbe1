/**
 * The scheduler's public API and its alarm pass: mutations re-arm the alarm; a pass takes at
 * most `maxPerPass` due rows from the queue index, isolates each one, and re-arms in a `finally`.
 * @module
 */
import { newId, parseOrThrow, runMigrations, type Wake } from "@durable/core";
import type { z } from "zod";
import {
  RetryOverrideSchema,
  type RetryPolicyInput,
  resolveConfig,
  type SchedulerConfig,
  type SchedulerConfigInput,
  TaskBudgetSchema,
} from "./config.ts";
import { Dags } from "./dags.ts";
import { type DeadLetterApi, DeadLetters } from "./dead-letters.ts";
import { schedError } from "./errors.ts";
import { History } from "./history.ts";
import { SCHEDULER_MIGRATIONS } from "./migrations.ts";
import { Queue, type QueueRow } from "./queue.ts";
import { MAX_PAYLOAD_BYTES, Registry } from "./registry.ts";
import { Runner, type WakeFn } from "./runner.ts";
import { Schedules } from "./schedules.ts";
import {
  type DagInput,
  type ListQuery,
  type Page,
  type PageQuery,
  PageQuerySchema,
  type ScheduleInput,
  type TriggerInput,
} from "./schemas.ts";
import { SimulatedCrash } from "./testing.ts";
import type {
  DagRun,
  HandlerFn,
  PassReport,
  RunRecord,
  Schedule,
  SchedulerPorts,
  TaskBudget,
  TaskDefinition,
  TaskState,
} from "./types.ts";

export type { DeadLetterApi } from "./dead-letters.ts";
export type { WakeFn } from "./runner.ts";

/** Long-running task progress. */
export interface TaskApi {
  /** Progress of a task, or null. */
  get(id: string): TaskState | null;
  /** Stops the task between two steps. @throws {NOT_FOUND} */
  cancel(id: string): void;
}

/** The scheduler of one Durable Object. */
/** The scheduler of one Durable Object: the only code that sets its alarm. */
export interface Scheduler {
  /**
   * Registers a handler by name (in the constructor, on every deploy). Schedules naming it are
   * checked against `schema` at creation, never at fire time.
   * @throws {HANDLER_EXISTS} @throws {INVALID_SCHEDULE} for a bad name
   */
  handler<S extends z.ZodType>(
    name: string,
    schema: S,
    fn: HandlerFn<z.output<S>>,
    o?: { retry?: RetryPolicyInput },
  ): void;
  /** Registers a long-running task by name (scheduled like a handler, run in chunks). */
  task<S extends z.ZodType, C>(name: string, schema: S, t: TaskDefinition<z.output<S>, C>, o?: TaskBudget): void;
  /**
   * Creates a schedule, or returns the one with the same key and definition (0 rows written).
   * @throws {INVALID_SCHEDULE|INVALID_CRON|INVALID_TIMEZONE|UNKNOWN_HANDLER|INVALID_PAYLOAD} 400
   * @throws {PAYLOAD_TOO_LARGE} 413 @throws {SCHEDULE_CONFLICT|SCHEDULE_LIMIT} 409
   */
  schedule(s: ScheduleInput): { schedule: Schedule; created: boolean };
  /** A schedule, or null. */
  get(id: string): Schedule | null;
  /** Schedules by status, kind and handler; keyset pages of at most 100. */
  list(q?: ListQuery): Page<Schedule>;
  /** A schedule's history, newest first. @throws {NOT_FOUND} */
  runs(id: string, q?: PageQuery): Page<RunRecord>;
  /** Stops future slots; a run in flight finishes. @throws {NOT_FOUND} */
  cancel(id: string): void;
  /** Paused slots never run or catch up. @throws {NOT_FOUND} @throws {SCHEDULE_CONFLICT} */
  pause(id: string): void;
  /** Resumes from now. @throws {NOT_FOUND} @throws {SCHEDULE_CONFLICT} */
  resume(id: string): void;
  readonly deadLetters: DeadLetterApi;
  readonly tasks: TaskApi;
  /** Stores a DAG definition (identical → no-op, changed → version n+1). @throws {DAG_INVALID|DAG_CYCLE} */
  defineDag(d: DagInput): { version: number; created: boolean };
  /** Starts a DAG run, or returns the run with this key. @throws {NOT_FOUND} */
  runDag(id: string, o: { key: string; version?: number | "latest" }): DagRun;
  /** A DAG run with its tasks, or null. */
  getDagRun(dagId: string, runId: string): DagRun | null;
  /** Starts `to` when a run of `from` ends. @throws {DAG_CYCLE} @throws {NOT_FOUND} */
  addTrigger(t: TriggerInput): void;
  /** The port other capabilities use to be called back later. */
  readonly wake: Wake;
  /** Registers the wake handler of `owner`. */
  onWake(owner: string, fn: WakeFn): void;
  /** Migrations, re-queues work of a dead instance, and sets the alarm if rows have none. */
  start(): Promise<void>;
  /** One pass: at most `maxPerPass` due rows, each isolated; re-arms in a `finally`. */
  onAlarm(): Promise<PassReport>;
  /** Resolves when the alarm calls queued by mutations finished. */
  settle(): Promise<void>;
  readonly config: SchedulerConfig;
}

/** A run row of a DAG task (its ref is `dag:<runId>:<taskId>`). */
function isDagRow(row: QueueRow | undefined): boolean {
  return row?.kind === "run" && row.ref.startsWith("dag:");
}

function emptyReport(): PassReport {
  return {
    due: 0,
    ran: 0,
    succeeded: 0,
    retried: 0,
    deadLettered: 0,
    duplicates: 0,
    wakes: 0,
    deliveries: 0,
    continued: 0,
    errors: 0,
    early: false,
    more: false,
    nextAlarm: null,
  };
}

class DurableScheduler implements Scheduler {
  readonly config: SchedulerConfig;
  readonly #ports: SchedulerPorts;
  readonly #queue: Queue;
  readonly #history: History;
  readonly #schedules: Schedules;
  readonly #dags: Dags;
  readonly #registry = new Registry();
  readonly #wakeFns = new Map<string, WakeFn>();
  readonly #runner: Runner;
  readonly #deadLetters: DeadLetters;
  #ready = false;
  #chain: Promise<unknown> = Promise.resolve();
  readonly wake: Wake;
  readonly deadLetters: DeadLetterApi;
  readonly tasks: TaskApi;

  constructor(ports: SchedulerPorts, config: SchedulerConfig) {
    this.#ports = ports;
    this.config = config;
    this.#queue = new Queue(ports.sql, ports.alarm);
    this.#history = new History(ports.sql, config.historyPerSchedule);
    const payload = (h: string, p: unknown, path: string) => this.#registry.checkPayload(h, p, path);
    this.#dags = new Dags(ports.sql, ports.clock, this.#queue, payload);
    this.#schedules = new Schedules(ports.sql, ports.clock, this.#queue, this.#history, config, {
      payload,
      dagExists: (id) => this.#dags.exists(id),
    });
    this.#runner = new Runner({
      ports,
      config,
      queue: this.#queue,
      history: this.#history,
      schedules: this.#schedules,
      dags: this.#dags,
      registry: this.#registry,
      wakeFns: this.#wakeFns,
      startId: newId(),
    });
    this.#deadLetters = new DeadLetters(ports.sql, ports.clock, this.#queue);
    this.wake = {
      set: (owner, key, atMs, payload) => this.#wakeSet(owner, key, atMs, payload),
      cancel: (owner, key) => this.#mutate(() => this.#queue.deleteRef("wake", JSON.stringify([owner, key]))),
    };
    this.deadLetters = {
      list: (q) => this.#read(() => this.#deadLetters.list(q)),
      get: (id) => this.#read(() => this.#deadLetters.get(id)),
      replay: (id) => this.#mutate(() => this.#deadLetters.replay(id)),
      delete: (id) => this.#mutate(() => this.#deadLetters.delete(id)),
    };
    this.tasks = {
      get: (id) => this.#read(() => this.#runner.tasks.get(id)),
      cancel: (id) => this.#mutate(() => this.#runner.tasks.cancel(id)),
    };
  }

  // ---- registration -------------------------------------------------------------------

  handler<S extends z.ZodType>(
    name: string,
    schema: S,
    fn: HandlerFn<z.output<S>>,
    o: { retry?: RetryPolicyInput } = {},
  ): void {
    const retry = o.retry ? parseOrThrow(RetryOverrideSchema, o.retry, "CONFIG_INVALID", "retry") : undefined;
    this.#registry.register(name, {
      kind: "handler",
      schema,
      fn: fn as HandlerFn<unknown>,
      ...(retry ? { retry } : {}),
    });
  }

  task<S extends z.ZodType, C>(name: string, schema: S, t: TaskDefinition<z.output<S>, C>, o: TaskBudget = {}): void {
    const budget = parseOrThrow(TaskBudgetSchema, o, "CONFIG_INVALID") as TaskBudget;
    this.#registry.register(name, {
      kind: "task",
      schema,
      task: t as TaskDefinition<unknown, unknown>,
      budget,
      ...(budget.retry ? { retry: budget.retry } : {}),
    });
  }

  onWake(owner: string, fn: WakeFn): void {
    this.#wakeFns.set(owner, fn);
  }

  // ---- lifecycle ----------------------------------------------------------------------

  #init(): void {
    if (this.#ready) return;
    const { sql, transactionSync, clock } = this.#ports;
    runMigrations(sql, transactionSync, SCHEDULER_MIGRATIONS, clock.now());
    transactionSync(() => this.#queue.requeueLeases(this.#runner.startId, clock.now()));
    this.#ready = true;
  }

  #read<T>(fn: () => T): T {
    this.#init();
    return fn();
  }

  #mutate<T>(fn: () => T): T {
    this.#init();
    const result = this.#ports.transactionSync(fn);
    this.#queue.arm();
    return result;
  }

  async start(): Promise<void> {
    this.#init();
    await this.#queue.rearm();
  }

  settle(): Promise<void> {
    return this.#queue.settle();
  }

  // ---- schedules ----------------------------------------------------------------------

  schedule(s: ScheduleInput): { schedule: Schedule; created: boolean } {
    return this.#mutate(() => this.#schedules.create(s));
  }

  get(id: string): Schedule | null {
    this.#init();
    return this.#schedules.get(id);
  }

  list(q?: ListQuery): Page<Schedule> {
    this.#init();
    return this.#schedules.list(q);
  }

  runs(id: string, q: PageQuery = {}): Page<RunRecord> {
    this.#init();
    if (!this.#schedules.get(id)) throw schedError("NOT_FOUND", `schedule ${id} not found`, 404);
    return this.#history.list(id, parseOrThrow(PageQuerySchema, q, "INVALID_SCHEDULE"));
  }

  cancel(id: string): void {
    this.#mutate(() => this.#schedules.cancel(id));
  }

  pause(id: string): void {
    this.#mutate(() => this.#schedules.pause(id));
  }

  resume(id: string): void {
    this.#mutate(() => this.#schedules.resume(id));
  }

  // ---- DAGs ---------------------------------------------------------------------------

  defineDag(d: DagInput): { version: number; created: boolean } {
    return this.#mutate(() => this.#dags.define(d));
  }

  runDag(id: string, o: { key: string; version?: number | "latest" }): DagRun {
    return this.#mutate(() => this.#dags.run(id, o));
  }

  getDagRun(dagId: string, runId: string): DagRun | null {
    this.#init();
    return this.#dags.get(dagId, runId);
  }

  addTrigger(t: TriggerInput): void {
    this.#mutate(() => this.#dags.triggers.addTrigger(t, this.#ports.triggerSink !== undefined));
  }

  // ---- wake ---------------------------------------------------------------------------

  #wakeSet(owner: string, key: string, atMs: number, payload?: unknown): void {
    if (!owner || owner.length > 128 || !key || key.length > 512 || !Number.isFinite(atMs)) {
      throw schedError("INVALID_SCHEDULE", "wake needs an owner, a key and a finite time");
    }
    const data = JSON.stringify({ owner, key, payload: payload ?? null });
    if (data.length > MAX_PAYLOAD_BYTES) throw schedError("PAYLOAD_TOO_LARGE", "wake payload over 64 KB", 413);
    this.#mutate(() => this.#queue.merge("wake", JSON.stringify([owner, key]), Math.floor(atMs), data));
  }

  // ---- the pass -----------------------------------------------------------------------

  onAlarm(): Promise<PassReport> {
    const pass = this.#chain.then(() => this.#pass());
    this.#chain = pass.catch(() => undefined);
    return pass;
  }

  async #pass(): Promise<PassReport> {
    this.#init();
    this.#queue.forget();
    const { clock } = this.#ports;
    const max = this.config.maxPerPass;
    const report = emptyReport();
    const seen = new Set<number>();
    let units = 0;
    try {
      if (!this.#queue.hasDue(clock.now())) report.early = this.#queue.earliest() !== null;
      while (units < max) {
        const rows = this.#queue.due(clock.now(), Math.min(max - units + seen.size, max * 4));
        const fresh = rows.filter((r) => !seen.has(r.id));
        if (fresh.length === 0) break;
        for (let i = 0; i < fresh.length && units < max; ) {
          // Consecutive DAG task rows run concurrently (their DAG already caps how many are
          // queued at once); everything else runs one row after another, in due order.
          let group = 1;
          while (group < max - units && isDagRow(fresh[i + group]) && isDagRow(fresh[i])) group++;
          const rows = fresh.slice(i, i + group);
          i += group;
          for (const row of rows) seen.add(row.id);
          report.due += rows.length;
          const results = await Promise.allSettled(rows.map((row) => this.#process(row, report, seen, max - units)));
          results.forEach((result, k) => {
            if (result.status === "fulfilled") {
              units += result.value;
              return;
            }
            if (result.reason instanceof SimulatedCrash) throw result.reason;
            report.errors++;
            this.#isolate(rows[k] as QueueRow);
            units++;
          });
        }
      }
      try {
        this.#sweep();
      } catch (err) {
        if (err instanceof SimulatedCrash) throw err;
        report.errors++;
      }
    } finally {
      report.nextAlarm = await this.#queue.rearm();
      report.more = this.#queue.hasDue(clock.now());
    }
    return report;
  }

  async #process(row: QueueRow, report: PassReport, seen: Set<number>, budget: number): Promise<number> {
    switch (row.kind) {
      case "occ": {
        const now = this.#ports.clock.now();
        const runs = this.#ports.transactionSync(() => this.#schedules.fire(row.id, row.ref, now));
        let used = 0;
        for (const run of runs) {
          if (used >= budget) break;
          if (run.due_at > this.#ports.clock.now()) continue;
          seen.add(run.id);
          await this.#runner.execRun(run, report);
          used++;
        }
        return Math.max(used, 1);
      }
      case "run":
        await this.#runner.execRun(row, report);
        return 1;
      case "wake":
        await this.#runner.execWake(row, report);
        return 1;
      case "outbox":
        await this.#runner.deliver(row.ref, report);
        return 1;
    }
  }

  /** A row whose processing threw outside any handler moves back with a growing delay. */
  #isolate(row: QueueRow): void {
    const delay = Math.min(60_000, 1_000 * 2 ** Math.min(row.attempt, 6));
    this.#ports.sql.exec(
      "UPDATE sched_queue SET due_at = ?, attempt = attempt + 1, lease = NULL WHERE id = ?",
      this.#ports.clock.now() + delay,
      row.id,
    );
  }

  #sweep(): void {
    const { sql, clock } = this.#ports;
    const now = clock.now();
    sql.exec(
      "DELETE FROM sched_dedup WHERE key IN (SELECT key FROM sched_dedup WHERE expires_at < ? ORDER BY expires_at LIMIT 200)",
      now,
    );
    this.#history.sweep(now - this.config.historyRetentionMs);
  }
}

/**
 * Creates the scheduler of one Durable Object (or of one SQLite database in Node).
 * @param ports SQL, transactions, clock and the alarm (the only code that sets it)
 * @param config the defaults of the issue, each overridable
 * @throws {CONFIG_INVALID} for a bad configuration
 * @example
 * const scheduler = createScheduler({ sql, transactionSync, clock: systemClock, alarm });
 * scheduler.handler("report.daily", z.object({ to: z.string() }), async (p, ctx) => send(p.to, ctx.idempotencyKey));
 * scheduler.schedule({ key: "daily", handler: "report.daily", payload: { to: "ops" }, when: { cron: "0 9 * * *", timezone: "Europe/Berlin" } });
 */
export function createScheduler(ports: SchedulerPorts, config: SchedulerConfigInput = {}): Scheduler {
  return new DurableScheduler(ports, resolveConfig(config));
}
