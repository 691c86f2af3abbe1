/**
 * The scheduler: registry of handlers, tasks and wake owners; the public API; and the alarm
 * pass that executes due queue rows with dedup markers, retries, dead letters and chunking.
 * @module
 */
import {
  checksum,
  describeZodError,
  newId,
  parseOrThrow,
  runMigrations,
  type Wake,
  type WakeEvent,
} from "@durable/core";
import type { z } from "zod";
import {
  type RetryPolicy,
  type RetryPolicyInput,
  resolveConfig,
  retryDelay,
  type SchedulerConfig,
  type SchedulerConfigInput,
} from "./config.ts";
import { Dags } from "./dags.ts";
import { errorText, NonRetryableError, schedError } from "./errors.ts";
import { History } from "./history.ts";
import { SCHEDULER_MIGRATIONS } from "./migrations.ts";
import { Queue, type QueueRow } from "./queue.ts";
import type { RunSpec } from "./run-spec.ts";
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
  DeadLetter,
  HandlerContext,
  HandlerFn,
  PassReport,
  RunRecord,
  Schedule,
  SchedulerPorts,
  StepContext,
  StepResult,
  TaskBudget,
  TaskDefinition,
  TaskState,
} from "./types.ts";

const MAX_PAYLOAD_BYTES = 64 * 1024;
const CLAIM_TTL_MS = 30 * 86_400_000;
const encoder = new TextEncoder();

/** A wake handler of one owner. */
export type WakeFn = (event: WakeEvent) => void | Promise<void>;

type Registered =
  | { kind: "handler"; schema: z.ZodType; fn: HandlerFn<unknown>; retry?: RetryPolicyInput }
  | {
      kind: "task";
      schema: z.ZodType;
      task: TaskDefinition<unknown, unknown>;
      budget: TaskBudget;
      retry?: RetryPolicyInput;
    };

/** Dead letters: runs that failed for good. */
export interface DeadLetterApi {
  list(q?: PageQuery): Page<DeadLetter>;
  get(id: string): DeadLetter | null;
  /** Runs it again with the same idempotency key. @throws {NOT_FOUND} @throws {SCHEDULE_CONFLICT} */
  replay(id: string): void;
  /** @throws {NOT_FOUND} */
  delete(id: string): void;
}

/** Long-running task progress. */
export interface TaskApi {
  get(id: string): TaskState | null;
  /** Stops the task between two steps. @throws {NOT_FOUND} */
  cancel(id: string): void;
}

/** The scheduler of one Durable Object. */
export interface Scheduler {
  handler<S extends z.ZodType>(
    name: string,
    schema: S,
    fn: HandlerFn<z.output<S>>,
    o?: { retry?: RetryPolicyInput },
  ): void;
  task<S extends z.ZodType, C>(name: string, schema: S, t: TaskDefinition<z.output<S>, C>, o?: TaskBudget): void;
  schedule(s: ScheduleInput): { schedule: Schedule; created: boolean };
  get(id: string): Schedule | null;
  list(q?: ListQuery): Page<Schedule>;
  runs(id: string, q?: PageQuery): Page<RunRecord>;
  cancel(id: string): void;
  pause(id: string): void;
  resume(id: string): void;
  readonly deadLetters: DeadLetterApi;
  readonly tasks: TaskApi;
  defineDag(d: DagInput): { version: number; created: boolean };
  runDag(id: string, o: { key: string; version?: number | "latest" }): DagRun;
  getDagRun(dagId: string, runId: string): DagRun | null;
  addTrigger(t: TriggerInput): void;
  readonly wake: Wake;
  onWake(owner: string, fn: WakeFn): void;
  start(): Promise<void>;
  onAlarm(): Promise<PassReport>;
  /** Resolves when the alarm calls queued by mutations finished. */
  settle(): Promise<void>;
  readonly config: SchedulerConfig;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
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

interface TaskRow {
  id: string;
  name: string;
  idem_key: string;
  schedule_id: string | null;
  status: TaskState["status"];
  cursor: string;
  steps: number;
  chunks: number;
  progress: number | null;
  error: string | null;
  updated_at: number;
  [column: string]: string | number | null;
}

class DurableScheduler implements Scheduler {
  readonly config: SchedulerConfig;
  readonly #ports: SchedulerPorts;
  readonly #queue: Queue;
  readonly #history: History;
  readonly #schedules: Schedules;
  readonly #dags: Dags;
  readonly #handlers = new Map<string, Registered>();
  readonly #wakeFns = new Map<string, WakeFn>();
  readonly #startId = newId();
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
    const payload = (h: string, p: unknown, path: string) => this.#checkPayload(h, p, path);
    this.#dags = new Dags(ports.sql, ports.clock, this.#queue, payload);
    this.#schedules = new Schedules(ports.sql, ports.clock, this.#queue, this.#history, config, {
      payload,
      dagExists: (id) => this.#dags.exists(id),
    });
    this.wake = {
      set: (owner, key, atMs, payload) => this.#wakeSet(owner, key, atMs, payload),
      cancel: (owner, key) => this.#mutate(() => this.#queue.deleteRef("wake", JSON.stringify([owner, key]))),
    };
    this.deadLetters = {
      list: (q) => this.#deadLetterList(q),
      get: (id) => this.#deadLetterGet(id),
      replay: (id) => this.#mutate(() => this.#replay(id)),
      delete: (id) =>
        this.#mutate(() => {
          if (this.#ports.sql.exec("DELETE FROM sched_dead_letters WHERE id = ?", id).rowsWritten === 0) {
            throw schedError("NOT_FOUND", `dead letter ${id} not found`, 404);
          }
        }),
    };
    this.tasks = {
      get: (id) => this.#taskGet(id),
      cancel: (id) =>
        this.#mutate(() => {
          const row = this.#taskGet(id);
          if (!row) throw schedError("NOT_FOUND", `task ${id} not found`, 404);
          this.#ports.sql.exec("UPDATE sched_tasks SET status = 'cancelled' WHERE id = ? AND status = 'running'", id);
        }),
    };
  }

  // ---- registration -------------------------------------------------------------------

  #register(name: string, reg: Registered): void {
    if (!/^[A-Za-z0-9:._-]{1,128}$/.test(name)) throw schedError("INVALID_SCHEDULE", `bad handler name "${name}"`);
    if (this.#handlers.has(name)) throw schedError("HANDLER_EXISTS", `handler ${name} is already registered`, 409);
    this.#handlers.set(name, reg);
  }

  handler<S extends z.ZodType>(
    name: string,
    schema: S,
    fn: HandlerFn<z.output<S>>,
    o: { retry?: RetryPolicyInput } = {},
  ): void {
    this.#register(name, {
      kind: "handler",
      schema,
      fn: fn as HandlerFn<unknown>,
      ...(o.retry ? { retry: o.retry } : {}),
    });
  }

  task<S extends z.ZodType, C>(name: string, schema: S, t: TaskDefinition<z.output<S>, C>, o: TaskBudget = {}): void {
    this.#register(name, {
      kind: "task",
      schema,
      task: t as TaskDefinition<unknown, unknown>,
      budget: o,
      ...(o.retry ? { retry: o.retry } : {}),
    });
  }

  onWake(owner: string, fn: WakeFn): void {
    this.#wakeFns.set(owner, fn);
  }

  #checkPayload(handler: string, payload: unknown, path: string): string {
    const reg = this.#handlers.get(handler);
    if (!reg) throw schedError("UNKNOWN_HANDLER", `no handler named "${handler}"`);
    const text = JSON.stringify(payload ?? null);
    if (encoder.encode(text).length > MAX_PAYLOAD_BYTES) {
      throw schedError("PAYLOAD_TOO_LARGE", `${path} is over 64 KB`, 413);
    }
    const parsed = reg.schema.safeParse(payload);
    if (!parsed.success) throw schedError("INVALID_PAYLOAD", describeZodError(parsed.error, path));
    return JSON.stringify(parsed.data ?? null);
  }

  // ---- lifecycle ----------------------------------------------------------------------

  #init(): void {
    if (this.#ready) return;
    const { sql, transactionSync, clock } = this.#ports;
    runMigrations(sql, transactionSync, SCHEDULER_MIGRATIONS, clock.now());
    transactionSync(() => this.#queue.requeueLeases(this.#startId, clock.now()));
    this.#ready = true;
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
    this.#mutate(() => this.#dags.addTrigger(t, this.#ports.triggerSink !== undefined));
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
        for (const row of fresh) {
          if (units >= max) break;
          seen.add(row.id);
          report.due++;
          try {
            units += await this.#process(row, report, seen, max - units);
          } catch (err) {
            if (err instanceof SimulatedCrash) throw err;
            report.errors++;
            this.#isolate(row);
            units++;
          }
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
          await this.#execRun(run, report);
          used++;
        }
        return Math.max(used, 1);
      }
      case "run":
        await this.#execRun(row, report);
        return 1;
      case "wake":
        await this.#execWake(row, report);
        return 1;
      case "outbox":
        await this.#deliver(row.ref, report);
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

  // ---- runs ---------------------------------------------------------------------------

  #context(spec: RunSpec, key: string, attempt: number): HandlerContext {
    return {
      scheduleId: spec.scheduleId,
      key: spec.scheduleKey,
      scheduledTime: spec.slot,
      idempotencyKey: key,
      attempt,
      version: spec.version,
      ...(spec.missed ? { missed: true as const } : {}),
      ...(spec.coalesced ? { coalesced: spec.coalesced } : {}),
      ...(spec.dag ? { dag: spec.dag } : {}),
    };
  }

  /**
   * Claims the key for this instance (or finds it done: then ends the row as a duplicate) and
   * records the start. Runs inside the caller's transaction: for a synchronous handler that is
   * the handler's own transaction, so claim, writes and done marker commit together; an async
   * handler's claim commits before its first await.
   */
  #claimIn(row: QueueRow, spec: RunSpec, recordStart = true): boolean {
    const { sql, clock } = this.#ports;
    const now = clock.now();
    const claimed =
      sql
        .exec(
          `INSERT INTO sched_dedup (key, state, start_id, attempt, expires_at) VALUES (?, 'claimed', ?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET state = 'claimed', start_id = excluded.start_id, attempt = excluded.attempt,
             expires_at = excluded.expires_at WHERE sched_dedup.state != 'done'
           RETURNING state`,
          row.ref,
          this.#startId,
          row.attempt,
          now + CLAIM_TTL_MS,
        )
        .toArray().length > 0;
    if (!claimed) {
      this.#endRun(row, spec, "duplicate");
      return false;
    }
    if (recordStart) this.#recordStart(row, spec, now);
    return true;
  }

  #claim(row: QueueRow, spec: RunSpec): boolean {
    return this.#ports.transactionSync(() => this.#claimIn(row, spec));
  }

  #runBase(spec: RunSpec, now: number) {
    return {
      scheduleId: spec.scheduleId,
      scheduledAt: spec.slot,
      version: spec.version,
      startedAt: now,
      detail: spec.coalesced ? { coalesced: spec.coalesced } : spec.missed ? { missed: true } : null,
    };
  }

  /** The history row (or DAG task status) of a started attempt; an idempotent upsert. */
  #recordStart(row: QueueRow, spec: RunSpec, now: number): void {
    if (spec.dag) {
      this.#dags.taskStarted(spec.dag, row.attempt, now);
      return;
    }
    this.#history.record(row.ref, spec.scheduleId, {
      status: "running",
      scheduledAt: spec.slot,
      startedAt: now,
      attempts: row.attempt,
      version: spec.version,
      detail: spec.coalesced ? { coalesced: spec.coalesced } : spec.missed ? { missed: true } : null,
      now,
    });
  }

  /**
   * Ends a run inside the caller's transaction: done marker (or claim removed), queue row
   * deleted, history, overlap bookkeeping and DAG progress.
   * @returns outbox ids to deliver after commit
   */
  #endRun(
    row: QueueRow,
    spec: RunSpec,
    outcome: "succeeded" | "failed" | "cancelled" | "duplicate",
    error?: unknown,
  ): string[] {
    const { sql, clock } = this.#ports;
    const now = clock.now();
    this.#queue.delete(row.id);
    if (outcome === "succeeded") {
      sql.exec(
        `INSERT INTO sched_dedup (key, state, start_id, attempt, expires_at) VALUES (?, 'done', ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET state = 'done', attempt = excluded.attempt, expires_at = excluded.expires_at`,
        row.ref,
        this.#startId,
        row.attempt,
        now + this.config.dedupTtlMs,
      );
    } else if (outcome !== "duplicate") {
      sql.exec("DELETE FROM sched_dedup WHERE key = ? AND state != 'done'", row.ref);
    }
    let outbox: string[] = [];
    if (outcome !== "duplicate") {
      if (spec.dag) {
        outbox = this.#dags.taskEnded(spec.dag, outcome === "succeeded", error === undefined ? null : errorText(error));
      } else {
        this.#history.finish(row.ref, this.#runBase(spec, now), outcome, now, row.attempt, error);
      }
    }
    if (spec.inflight && spec.origin === "schedule") this.#schedules.runEnded(spec.scheduleId, now);
    return outbox;
  }

  async #execRun(row: QueueRow, report: PassReport): Promise<void> {
    const spec = JSON.parse(row.data ?? "{}") as RunSpec;
    const { transactionSync, faults } = this.#ports;
    const reg = spec.action === "handler" ? this.#handlers.get(spec.handler) : undefined;
    if (spec.action === "handler" && reg?.kind === "handler") {
      // The common path: claim, handler and done marker in one transaction when the handler is synchronous.
      const ctx = this.#context(spec, row.ref, row.attempt);
      try {
        const payload = JSON.parse(spec.payload) as unknown;
        let pending: PromiseLike<unknown> | null = null;
        let outbox: string[] = [];
        let duplicate = false;
        transactionSync(() => {
          // The start record is written only if the handler turns out async (a sync run writes its
          // final history row once, in #endRun, with the done marker).
          if (!this.#claimIn(row, spec, false)) {
            duplicate = true;
            return;
          }
          const result = reg.fn(payload, ctx);
          if (isThenable(result)) {
            pending = result;
            this.#recordStart(row, spec, this.#ports.clock.now());
            return;
          }
          faults?.beforeDone?.(row.ref);
          outbox = this.#endRun(row, spec, "succeeded");
        });
        if (duplicate) {
          report.duplicates++;
          return;
        }
        report.ran++;
        if (pending) {
          await pending;
          transactionSync(() => {
            faults?.beforeDone?.(row.ref);
            outbox = this.#endRun(row, spec, "succeeded");
          });
        }
        report.succeeded++;
        await this.#deliverAll(outbox, report);
      } catch (err) {
        if (err instanceof SimulatedCrash) throw err;
        await this.#failRun(row, spec, reg.retry, err, report);
      }
      return;
    }
    if (!this.#claim(row, spec)) {
      report.duplicates++;
      return;
    }
    report.ran++;
    const ctx = this.#context(spec, row.ref, row.attempt);
    if (spec.action === "dagStart") {
      try {
        const key = row.ref.length <= 128 ? row.ref : `sched:${checksum(row.ref)}`;
        transactionSync(() => {
          this.#dags.run(spec.handler, { key: key.replace(/[^A-Za-z0-9:._-]/g, "_") });
          faults?.beforeDone?.(row.ref);
          this.#endRun(row, spec, "succeeded");
        });
        report.succeeded++;
      } catch (err) {
        if (err instanceof SimulatedCrash) throw err;
        await this.#failRun(row, spec, undefined, err, report);
      }
      return;
    }
    if (!reg) {
      await this.#deadLetter(row, spec, "HANDLER_MISSING", `no handler named "${spec.handler}" in this deploy`, report);
      return;
    }
    await this.#runChunk(row, spec, reg as Extract<Registered, { kind: "task" }>, ctx, report);
  }

  #policy(spec: RunSpec, regRetry: RetryPolicyInput | undefined): RetryPolicy {
    return { ...this.config.retry, ...regRetry, ...spec.retry } as RetryPolicy;
  }

  async #failRun(
    row: QueueRow,
    spec: RunSpec,
    regRetry: RetryPolicyInput | undefined,
    err: unknown,
    report: PassReport,
  ): Promise<void> {
    const policy = this.#policy(spec, regRetry);
    if (!(err instanceof NonRetryableError) && row.attempt < policy.maxAttempts) {
      const { clock, sql, transactionSync } = this.#ports;
      const delay = retryDelay(policy, row.attempt + 1, (this.#ports.random ?? Math.random)());
      transactionSync(() => {
        // A synchronous failure rolled back its own claim and start record: record the attempt again.
        this.#recordStart(row, spec, clock.now());
        this.#queue.reschedule(row.id, clock.now() + delay, row.attempt + 1);
        sql.exec("UPDATE sched_dedup SET state = 'retry' WHERE key = ? AND state = 'claimed'", row.ref);
        if (spec.dag) {
          sql.exec(
            "UPDATE sched_dag_task_runs SET status = 'queued', error = ? WHERE run_id = ? AND task_id = ?",
            errorText(err),
            spec.dag.runId,
            spec.dag.taskId,
          );
        } else {
          this.#history.finish(row.ref, this.#runBase(spec, clock.now()), "retrying", clock.now(), row.attempt, err);
        }
      });
      report.retried++;
      return;
    }
    await this.#deadLetter(
      row,
      spec,
      err instanceof NonRetryableError ? "NON_RETRYABLE" : "RETRIES_EXHAUSTED",
      err,
      report,
    );
  }

  async #deadLetter(row: QueueRow, spec: RunSpec, code: string, err: unknown, report: PassReport): Promise<void> {
    const { sql, clock, transactionSync } = this.#ports;
    let outbox: string[] = [];
    transactionSync(() => {
      this.#recordStart(row, spec, clock.now());
      if (!spec.dag) {
        sql.exec(
          `INSERT INTO sched_dead_letters (id, schedule_id, key, handler, payload, attempts, last_error, code, spec, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          newId(),
          spec.scheduleId,
          row.ref,
          spec.handler,
          spec.payload,
          row.attempt,
          errorText(err),
          code,
          row.data ?? "{}",
          clock.now(),
        );
      }
      outbox = this.#endRun(row, spec, "failed", err);
    });
    report.deadLettered++;
    await this.#deliverAll(outbox, report);
  }

  // ---- long-running tasks -------------------------------------------------------------

  #taskRow(where: "id" | "idem_key", value: string): TaskRow | null {
    return this.#ports.sql.exec<TaskRow>(`SELECT * FROM sched_tasks WHERE ${where} = ?`, value).toArray()[0] ?? null;
  }

  #taskGet(id: string): TaskState | null {
    this.#init();
    const r = this.#taskRow("id", id);
    return r
      ? {
          id: r.id,
          name: r.name,
          idempotencyKey: r.idem_key,
          scheduleId: r.schedule_id,
          status: r.status,
          steps: r.steps,
          chunks: r.chunks,
          progress: r.progress,
          error: r.error,
          cursor: JSON.parse(r.cursor) as unknown,
          updatedAt: r.updated_at,
        }
      : null;
  }

  #cursorText(cursor: unknown): string {
    const text = JSON.stringify(cursor ?? null);
    if (encoder.encode(text).length > MAX_PAYLOAD_BYTES) throw new NonRetryableError("task cursor is over 64 KB");
    return text;
  }

  async #runChunk(
    row: QueueRow,
    spec: RunSpec,
    reg: Extract<Registered, { kind: "task" }>,
    ctx: HandlerContext,
    report: PassReport,
  ): Promise<void> {
    const { sql, clock, transactionSync, faults } = this.#ports;
    const cpuBudget = reg.budget.cpuBudgetMs ?? this.config.taskCpuBudgetMs;
    const maxSteps = Math.min(reg.budget.maxStepsPerChunk ?? this.config.maxStepsPerChunk, 10_000);
    try {
      let task = this.#taskRow("idem_key", row.ref);
      if (!task) {
        let cursor = reg.task.init(JSON.parse(spec.payload) as unknown, ctx);
        if (isThenable(cursor)) cursor = await cursor;
        const text = this.#cursorText(cursor);
        const now = clock.now();
        const id = newId();
        transactionSync(() => {
          sql.exec(
            `INSERT INTO sched_tasks (id, name, idem_key, schedule_id, status, cursor, created_at, updated_at)
             VALUES (?, ?, ?, ?, 'running', ?, ?, ?)`,
            id,
            spec.handler,
            row.ref,
            spec.dag ? null : spec.scheduleId,
            text,
            now,
            now,
          );
          sql.exec("UPDATE sched_runs SET detail = ? WHERE id = ?", JSON.stringify({ taskId: id }), row.ref);
        });
        task = this.#taskRow("id", id) as TaskRow;
      }
      const taskId = task.id;
      let cursor = JSON.parse(task.cursor) as unknown;
      let total = task.steps;
      const started = clock.now();
      let steps = 0;
      for (;;) {
        const status = this.#taskRow("id", taskId)?.status;
        const scheduleGone = spec.origin === "schedule" && this.#schedules.status(spec.scheduleId) === "cancelled";
        if (status === "cancelled" || scheduleGone) {
          transactionSync(() => {
            sql.exec("UPDATE sched_tasks SET status = 'cancelled', updated_at = ? WHERE id = ?", clock.now(), taskId);
            this.#endRun(row, spec, "cancelled");
          });
          return;
        }
        const stepCtx: StepContext = { ...ctx, taskId, step: total };
        let pending: PromiseLike<StepResult<unknown>> | null = null;
        let result: StepResult<unknown> | null = null;
        const save = (r: StepResult<unknown>) => {
          const now = clock.now();
          sql.exec(
            "UPDATE sched_tasks SET cursor = ?, steps = steps + 1, progress = ?, status = ?, updated_at = ? WHERE id = ?",
            this.#cursorText(r.cursor),
            r.progress ?? (r.done ? 1 : null),
            r.done ? "succeeded" : "running",
            now,
            taskId,
          );
          if (r.done) {
            faults?.beforeDone?.(row.ref);
            this.#endRun(row, spec, "succeeded");
          }
        };
        transactionSync(() => {
          const r = reg.task.step(cursor, stepCtx);
          if (isThenable(r)) {
            pending = r;
            return;
          }
          save(r);
          result = r;
        });
        if (pending) {
          const r = await (pending as PromiseLike<StepResult<unknown>>);
          transactionSync(() => save(r));
          result = r;
        }
        const done = result as unknown as StepResult<unknown>;
        total++;
        steps++;
        cursor = done.cursor;
        faults?.afterStep?.(taskId, total);
        if (done.done) {
          report.succeeded++;
          return;
        }
        if (steps >= maxSteps || clock.now() - started >= cpuBudget) break;
      }
      transactionSync(() => {
        sql.exec("UPDATE sched_tasks SET chunks = chunks + 1 WHERE id = ?", taskId);
        this.#queue.reschedule(row.id, clock.now(), row.attempt);
      });
      report.continued++;
    } catch (err) {
      if (err instanceof SimulatedCrash) throw err;
      if (err instanceof NonRetryableError || row.attempt >= this.#policy(spec, reg.retry).maxAttempts) {
        sql.exec("UPDATE sched_tasks SET status = 'failed', error = ? WHERE idem_key = ?", errorText(err), row.ref);
      } else {
        sql.exec("UPDATE sched_tasks SET error = ? WHERE idem_key = ?", errorText(err), row.ref);
      }
      await this.#failRun(row, spec, reg.retry, err, report);
    }
  }

  // ---- wakes and deliveries -----------------------------------------------------------

  async #execWake(row: QueueRow, report: PassReport): Promise<void> {
    const { clock, transactionSync, sql } = this.#ports;
    const data = JSON.parse(row.data ?? "{}") as { owner: string; key: string; payload: unknown };
    const fn = this.#wakeFns.get(data.owner);
    const spec: RunSpec = {
      origin: "replay",
      action: "handler",
      scheduleId: `wake:${data.owner}`,
      scheduleKey: data.key,
      slot: row.due_at,
      version: 0,
      handler: `wake:${data.owner}`,
      payload: JSON.stringify(data.payload),
      inflight: false,
    };
    const letter = (code: string, err: unknown) =>
      transactionSync(() => {
        sql.exec(
          `INSERT INTO sched_dead_letters (id, schedule_id, key, handler, payload, attempts, last_error, code, spec, created_at)
           VALUES (?, NULL, ?, ?, ?, ?, ?, ?, ?, ?)`,
          newId(),
          row.ref,
          spec.handler,
          spec.payload,
          row.attempt,
          errorText(err),
          code,
          JSON.stringify({ wake: data }),
          clock.now(),
        );
        this.#queue.deleteRef("wake", row.ref, row.gen);
      });
    if (!fn) {
      letter("HANDLER_MISSING", `no wake handler for owner "${data.owner}"`);
      report.deadLettered++;
      return;
    }
    transactionSync(() => this.#queue.lease(row.id, clock.now() + this.config.leaseMs, this.#startId));
    try {
      await fn({ owner: data.owner, key: data.key, dueAt: row.due_at, payload: data.payload });
      transactionSync(() => this.#queue.deleteRef("wake", row.ref, row.gen));
      report.wakes++;
    } catch (err) {
      if (err instanceof SimulatedCrash) throw err;
      const policy = this.config.retry;
      if (row.attempt < policy.maxAttempts) {
        const delay = retryDelay(policy, row.attempt + 1, (this.#ports.random ?? Math.random)());
        sql.exec(
          "UPDATE sched_queue SET due_at = ?, attempt = attempt + 1, lease = NULL WHERE id = ? AND gen = ?",
          clock.now() + delay,
          row.id,
          row.gen,
        );
        report.retried++;
      } else {
        letter("RETRIES_EXHAUSTED", err);
        report.deadLettered++;
      }
    }
  }

  async #deliverAll(ids: string[], report: PassReport): Promise<void> {
    for (const id of ids) {
      this.#ports.faults?.afterOutboxPersist?.(id);
      await this.#deliver(id, report);
    }
  }

  async #deliver(id: string, report: PassReport): Promise<void> {
    const { transactionSync } = this.#ports;
    const ob = this.#dags.outbox(id);
    if (!ob || ob.state === "delivered") {
      transactionSync(() => this.#queue.deleteRef("outbox", id));
      return;
    }
    const version = ob.to_version === "latest" ? ("latest" as const) : Number(ob.to_version);
    const key = id.length <= 128 ? id : `trigger:${checksum(id)}`;
    try {
      if (ob.target !== null) {
        const sink = this.#ports.triggerSink;
        if (!sink) throw new Error("no TriggerSink port");
        await sink.send({ target: ob.target, dag: ob.to_dag, version, key });
        transactionSync(() => this.#dags.delivered(id));
      } else {
        transactionSync(() => {
          this.#dags.run(ob.to_dag, { key, version });
          this.#dags.delivered(id);
        });
      }
      report.deliveries++;
    } catch (err) {
      if (err instanceof SimulatedCrash) throw err;
      transactionSync(() => this.#dags.deliveryFailed(id, errorText(err)));
    }
  }

  // ---- dead letters -------------------------------------------------------------------

  #deadLetterRow(id: string) {
    return this.#ports.sql
      .exec<{
        id: string;
        schedule_id: string | null;
        key: string;
        handler: string;
        payload: string;
        attempts: number;
        last_error: string;
        code: string;
        spec: string;
        created_at: number;
      }>("SELECT * FROM sched_dead_letters WHERE id = ?", id)
      .toArray()[0];
  }

  #deadLetterGet(id: string): DeadLetter | null {
    this.#init();
    const r = this.#deadLetterRow(id);
    return r
      ? {
          id: r.id,
          scheduleId: r.schedule_id,
          key: r.key,
          handler: r.handler,
          payload: JSON.parse(r.payload) as unknown,
          attempts: r.attempts,
          lastError: r.last_error,
          code: r.code,
          createdAt: r.created_at,
        }
      : null;
  }

  #deadLetterList(q: PageQuery = {}): Page<DeadLetter> {
    this.#init();
    const page = parseOrThrow(PageQuerySchema, q, "INVALID_SCHEDULE");
    const ids = this.#ports.sql
      .exec<{ id: string }>(
        "SELECT id FROM sched_dead_letters WHERE id > ? ORDER BY id LIMIT ?",
        page.cursor ?? "",
        page.limit + 1,
      )
      .toArray();
    const items = ids.slice(0, page.limit).flatMap((r) => this.#deadLetterGet(r.id) ?? []);
    const last = items[items.length - 1];
    return { items, ...(ids.length > page.limit && last ? { cursor: last.id } : {}) };
  }

  #replay(id: string): void {
    const r = this.#deadLetterRow(id);
    if (!r) throw schedError("NOT_FOUND", `dead letter ${id} not found`, 404);
    const now = this.#ports.clock.now();
    const stored = JSON.parse(r.spec) as RunSpec | { wake: { owner: string; key: string; payload: unknown } };
    if ("wake" in stored) {
      this.#queue.merge("wake", r.key, now, JSON.stringify(stored.wake));
    } else {
      const spec: RunSpec = { ...stored, origin: "replay", inflight: false };
      if (this.#queue.put("run", r.key, now, JSON.stringify(spec)) === null) {
        throw schedError("SCHEDULE_CONFLICT", `a run with key ${r.key} is already queued`, 409);
      }
    }
    this.#ports.sql.exec("DELETE FROM sched_dead_letters WHERE id = ?", id);
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
