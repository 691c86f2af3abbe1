/**
 * The scheduler's API over its modules: every mutation runs in one transaction and then re-arms
 * the alarm; passes (`pass.ts`) are serialized per instance. It never runs migrations: its host
 * does (DOBase, the Node TestHost, or the tests' own `runMigrations`), before the first call.
 * @module
 */
import { type AnySchema, newId, parseOrThrow, type WakeRouter } from "@durable/core";
import type * as z from "zod/mini";
import {
  RetryOverrideSchema,
  type RetryPolicyInput,
  resolveConfig,
  type SchedulerConfig,
  type SchedulerConfigInput,
  TaskBudgetSchema,
} from "./config.ts";
import { DagLists, type DagRunSummary, type DagSummary } from "./dag-lists.ts";
import { Dags } from "./dags.ts";
import { type DeadLetterApi, DeadLetters } from "./dead-letters.ts";
import { Claims } from "./dedup.ts";
import { Deliveries } from "./deliveries.ts";
import { schedError } from "./errors.ts";
import { History } from "./history.ts";
import { AlarmPass } from "./pass.ts";
import { Queue } from "./queue.ts";
import { Registry } from "./registry.ts";
import { Runner } from "./runner.ts";
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
import { type WakeFn, Wakes } from "./wakes.ts";

export type { DeadLetterApi } from "./dead-letters.ts";
export type { WakeFn } from "./wakes.ts";

/** Long-running task progress. */
export interface TaskApi {
  /** Progress of a task, or null. */
  get(id: string): TaskState | null;
  /** Stops the task between two steps. @throws {NOT_FOUND} */
  cancel(id: string): void;
}

/** The scheduler of one Durable Object: the only code that sets its alarm. */
export interface Scheduler {
  /**
   * Registers a handler by name (in the constructor, on every deploy). Schedules naming it are
   * checked against `schema` (any zod 4 schema, from `zod` or `zod/mini`) at creation, never at
   * fire time; a failure reads in zod's English messages.
   * @throws {HANDLER_EXISTS} @throws {INVALID_SCHEDULE} for a bad name
   */
  handler<S extends AnySchema>(
    name: string,
    schema: S,
    fn: HandlerFn<z.output<S>>,
    o?: { retry?: RetryPolicyInput },
  ): void;
  /** Registers a long-running task by name (scheduled like a handler, run in chunks). */
  task<S extends AnySchema, C>(name: string, schema: S, t: TaskDefinition<z.output<S>, C>, o?: TaskBudget): void;
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
  /** Every DAG's latest definition, keyset by id. @throws {INVALID_SCHEDULE} */
  listDags(q?: PageQuery): Page<DagSummary>;
  /** A DAG's runs, newest first. @throws {NOT_FOUND} @throws {INVALID_SCHEDULE} */
  dagRuns(id: string, q?: PageQuery): Page<DagRunSummary>;
  /** Starts `to` when a run of `from` ends. @throws {DAG_CYCLE} @throws {NOT_FOUND} */
  addTrigger(t: TriggerInput): void;
  /**
   * Wake-ups of every owner (the alarm owner's `WakeRouter`; DOBase scopes it into each
   * capability's own `wake`). One row per owner + key; a repeat keeps the earlier time.
   * @throws {INVALID_SCHEDULE} no owner or key, or a time that is not finite
   * @throws {PAYLOAD_TOO_LARGE} a payload over 64 KB
   */
  readonly wakes: WakeRouter;
  /** Registers the wake handler of `owner` (DOBase registers each capability's `onWake`). */
  onWake(owner: string, fn: WakeFn): void;
  /**
   * Re-queues work of a dead instance and sets the alarm if rows have none. Its tables must
   * exist: the host ran `SCHEDULER_MIGRATIONS` before.
   */
  start(): Promise<void>;
  /**
   * After its tables were rewritten underneath it (a checkpoint restore): re-queues every
   * restored lease and claim as `start()` does for a dead instance (a restore rewinds time, so
   * this instance's own leases count as dead too), and re-arms the alarm from the tables.
   */
  reload(): Promise<void>;
  /** One pass: at most `maxPerPass` due rows, each isolated; re-arms in a `finally`. */
  onAlarm(): Promise<PassReport>;
  /** Resolves when the alarm calls queued by mutations finished. */
  settle(): Promise<void>;
  readonly config: SchedulerConfig;
}

class DurableScheduler implements Scheduler {
  readonly config: SchedulerConfig;
  readonly #ports: SchedulerPorts;
  readonly #queue: Queue;
  readonly #history: History;
  readonly #schedules: Schedules;
  readonly #dags: Dags;
  readonly #dagLists: DagLists;
  readonly #registry = new Registry();
  readonly #wakes: Wakes;
  readonly #pass: AlarmPass;
  readonly #deadLetters: DeadLetters;
  readonly #tasks: Runner["tasks"];
  readonly #startId = newId();
  #ready = false;
  #chain: Promise<unknown> = Promise.resolve();
  readonly wakes: WakeRouter;
  readonly deadLetters: DeadLetterApi;
  readonly tasks: TaskApi;

  constructor(ports: SchedulerPorts, config: SchedulerConfig) {
    this.#ports = ports;
    this.config = config;
    this.#queue = new Queue(ports.sql, ports.alarm);
    this.#history = new History(ports.sql, config.historyPerSchedule);
    const payload = (h: string, p: unknown, path: string) => this.#registry.checkPayload(h, p, path);
    this.#dags = new Dags(ports.sql, ports.clock, this.#queue, payload);
    this.#dagLists = new DagLists(ports.sql);
    this.#schedules = new Schedules(ports.sql, ports.clock, this.#queue, this.#history, config, {
      payload,
      dagExists: (id) => this.#dags.exists(id),
    });
    const claims = new Claims(ports.sql);
    const deliveries = new Deliveries(ports, this.#queue, this.#dags);
    const runner = new Runner({
      ports,
      config,
      queue: this.#queue,
      history: this.#history,
      schedules: this.#schedules,
      dags: this.#dags,
      registry: this.#registry,
      claims,
      deliveries,
      startId: this.#startId,
    });
    this.#tasks = runner.tasks;
    this.#wakes = new Wakes(ports, config, this.#queue, this.#startId);
    this.#pass = new AlarmPass({
      ports,
      config,
      queue: this.#queue,
      history: this.#history,
      claims,
      schedules: this.#schedules,
      runner,
      wakes: this.#wakes,
      deliveries,
    });
    this.#deadLetters = new DeadLetters(ports.sql, ports.clock, this.#queue);
    this.wakes = {
      set: (owner, key, atMs, payload) => {
        const data = this.#wakes.check(owner, key, atMs, payload);
        this.#mutate(() => this.#wakes.set(owner, key, atMs, data));
      },
      cancel: (owner, key) => this.#mutate(() => this.#wakes.cancel(owner, key)),
    };
    this.deadLetters = {
      list: (q) => this.#read(() => this.#deadLetters.list(q)),
      get: (id) => this.#read(() => this.#deadLetters.get(id)),
      replay: (id) => this.#mutate(() => this.#deadLetters.replay(id)),
      delete: (id) => this.#mutate(() => this.#deadLetters.delete(id)),
    };
    this.tasks = {
      get: (id) => this.#read(() => this.#tasks.get(id)),
      cancel: (id) => this.#mutate(() => this.#tasks.cancel(id)),
    };
  }

  // ---- registration -------------------------------------------------------------------

  handler<S extends AnySchema>(
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

  task<S extends AnySchema, C>(name: string, schema: S, t: TaskDefinition<z.output<S>, C>, o: TaskBudget = {}): void {
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
    this.#wakes.register(owner, fn);
  }

  // ---- lifecycle ----------------------------------------------------------------------

  /** Once per instance, before its first call: work a dead instance left claimed becomes due. */
  #init(): void {
    if (this.#ready) return;
    const { transactionSync, clock } = this.#ports;
    transactionSync(() => this.#queue.requeueLeases(this.#startId, clock.now()));
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

  async reload(): Promise<void> {
    const { transactionSync, clock } = this.#ports;
    await this.#queue.settle();
    // A fresh id: leases and claims restored from a checkpoint belong to no running handler.
    transactionSync(() => this.#queue.requeueLeases(newId(), clock.now()));
    this.#ready = true;
    this.#queue.forget();
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

  listDags(q: PageQuery = {}): Page<DagSummary> {
    this.#init();
    return this.#dagLists.dags(q);
  }

  dagRuns(id: string, q: PageQuery = {}): Page<DagRunSummary> {
    this.#init();
    return this.#dagLists.runs(id, q);
  }

  addTrigger(t: TriggerInput): void {
    this.#mutate(() => this.#dags.triggers.addTrigger(t, this.#ports.triggerSink !== undefined));
  }

  // ---- the pass -----------------------------------------------------------------------

  onAlarm(): Promise<PassReport> {
    const pass = this.#chain.then(() => {
      this.#init();
      return this.#pass.run();
    });
    this.#chain = pass.catch(() => undefined);
    return pass;
  }
}

/**
 * Creates the scheduler of one Durable Object (or of one SQLite database in Node): the logic
 * without the platform glue; `schedulerCapability()` wraps it for DOBase. Its tables must exist
 * before the first call (`SCHEDULER_MIGRATIONS`, run by the host).
 * @param ports SQL, transactions, clock and the alarm (the only code that sets it); the
 *   `AlarmOwnerPorts` DOBase hands to the alarm owner fit as they are
 * @param config the defaults of the issue, each overridable
 * @throws {CONFIG_INVALID} for a bad configuration
 * @example
 * runMigrations(sql, transactionSync, SCHEDULER_MIGRATIONS, Date.now()); // the host's job
 * const scheduler = createScheduler({ sql, transactionSync, clock: systemClock, alarm });
 * scheduler.handler("report.daily", z.object({ to: z.string() }), async (p, ctx) => send(p.to, ctx.idempotencyKey));
 * scheduler.schedule({ key: "daily", handler: "report.daily", payload: { to: "ops" }, when: { cron: "0 9 * * *", timezone: "Europe/Berlin" } });
 */
export function createScheduler(ports: SchedulerPorts, config: SchedulerConfigInput = {}): Scheduler {
  return new DurableScheduler(ports, resolveConfig(config));
}
