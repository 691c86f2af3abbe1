/**
 * Executes `run` rows: claims idempotency keys, runs handlers (a synchronous one inside the
 * transaction of its done marker), schedules retries and writes dead letters. Wake-ups are run
 * by `wakes.ts`, trigger outbox rows delivered by `deliveries.ts`, task chunks by `tasks.ts`.
 * @module
 */
import { checksum } from "@durable/core";
import { type RetryPolicy, type RetryPolicyInput, retryDelay, type SchedulerConfig } from "./config.ts";
import type { Dags } from "./dags.ts";
import { insertDeadLetter } from "./dead-letters.ts";
import type { Claims } from "./dedup.ts";
import type { Deliveries } from "./deliveries.ts";
import { errorText, NonRetryableError } from "./errors.ts";
import { isCrash } from "./faults.ts";
import type { History } from "./history.ts";
import type { Queue, QueueRow } from "./queue.ts";
import type { Registered, Registry } from "./registry.ts";
import { isThenable, type RunSpec } from "./run-spec.ts";
import type { Schedules } from "./schedules.ts";
import { TaskRunner } from "./tasks.ts";
import type { HandlerContext, PassReport, SchedulerPorts } from "./types.ts";

const CLAIM_TTL_MS = 30 * 86_400_000;

/** What the runner works with. */
export interface RunnerDeps {
  ports: SchedulerPorts;
  config: SchedulerConfig;
  queue: Queue;
  history: History;
  schedules: Schedules;
  dags: Dags;
  registry: Registry;
  claims: Claims;
  deliveries: Deliveries;
  startId: string;
}

/** Runs `run` rows (handlers, task chunks, DAG starts). */
export class Runner {
  readonly config: SchedulerConfig;
  readonly #ports: SchedulerPorts;
  readonly #queue: Queue;
  readonly #history: History;
  readonly #schedules: Schedules;
  readonly #dags: Dags;
  readonly #registry: Registry;
  readonly #claims: Claims;
  readonly #deliveries: Deliveries;
  readonly #startId: string;
  readonly #tasks: TaskRunner;

  constructor(deps: RunnerDeps) {
    this.config = deps.config;
    this.#ports = deps.ports;
    this.#queue = deps.queue;
    this.#history = deps.history;
    this.#schedules = deps.schedules;
    this.#dags = deps.dags;
    this.#registry = deps.registry;
    this.#claims = deps.claims;
    this.#deliveries = deps.deliveries;
    this.#startId = deps.startId;
    this.#tasks = new TaskRunner(deps.ports, deps.config, deps.queue, deps.schedules, this);
  }

  /** This instance's start id (tags its claims). */
  get startId(): string {
    return this.#startId;
  }

  /** The long-running task runner (progress and cancel). */
  get tasks(): TaskRunner {
    return this.#tasks;
  }

  context(spec: RunSpec, key: string, attempt: number): HandlerContext {
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
    const now = this.#ports.clock.now();
    const claimed = this.#claims.claim(row.ref, this.#startId, row.attempt, now + CLAIM_TTL_MS);
    if (!claimed) {
      this.endRun(row, spec, "duplicate");
      return false;
    }
    if (recordStart) this.#recordStart(row, spec, now);
    return true;
  }

  claim(row: QueueRow, spec: RunSpec): boolean {
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
  endRun(
    row: QueueRow,
    spec: RunSpec,
    outcome: "succeeded" | "failed" | "cancelled" | "duplicate",
    error?: unknown,
  ): string[] {
    const now = this.#ports.clock.now();
    this.#queue.delete(row.id);
    if (outcome === "succeeded") {
      this.#claims.done(row.ref, this.#startId, row.attempt, now + this.config.dedupTtlMs);
    } else if (outcome !== "duplicate") {
      this.#claims.release(row.ref);
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

  /**
   * A schedule's run that was queued but never started (first attempt, no claim) while its
   * schedule got paused or cancelled: paused slots never run, and only a run in flight finishes.
   * Ends it as `skipped` (inside a transaction) and returns true.
   */
  #skipUnstarted(row: QueueRow, spec: RunSpec): boolean {
    if (spec.origin !== "schedule" || !spec.inflight || row.attempt !== 1) return false;
    const status = this.#schedules.status(spec.scheduleId);
    if (status !== "paused" && status !== "cancelled") return false;
    if (this.#claims.has(row.ref)) return false;
    const now = this.#ports.clock.now();
    this.#queue.delete(row.id);
    this.#history.record(row.ref, spec.scheduleId, {
      status: "skipped",
      scheduledAt: spec.slot,
      version: spec.version,
      detail: { reason: status },
      now,
    });
    this.#schedules.runEnded(spec.scheduleId, now);
    return true;
  }

  async execRun(row: QueueRow, report: PassReport): Promise<void> {
    const spec = JSON.parse(row.data ?? "{}") as RunSpec;
    const { transactionSync, faults } = this.#ports;
    if (transactionSync(() => this.#skipUnstarted(row, spec))) return;
    const reg = spec.action === "handler" ? this.#registry.get(spec.handler) : undefined;
    if (spec.action === "handler" && reg?.kind === "handler") {
      // The common path: claim, handler and done marker in one transaction when the handler is synchronous.
      const ctx = this.context(spec, row.ref, row.attempt);
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
          outbox = this.endRun(row, spec, "succeeded");
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
            outbox = this.endRun(row, spec, "succeeded");
          });
        }
        report.succeeded++;
        await this.#deliveries.deliverAll(outbox, report);
      } catch (err) {
        if (isCrash(err)) throw err;
        await this.failRun(row, spec, reg.retry, err, report);
      }
      return;
    }
    if (!this.claim(row, spec)) {
      report.duplicates++;
      return;
    }
    report.ran++;
    const ctx = this.context(spec, row.ref, row.attempt);
    if (spec.action === "dagStart") {
      try {
        const key = row.ref.length <= 128 ? row.ref : `sched:${checksum(row.ref)}`;
        transactionSync(() => {
          this.#dags.run(spec.handler, { key: key.replace(/[^A-Za-z0-9:._-]/g, "_") });
          faults?.beforeDone?.(row.ref);
          this.endRun(row, spec, "succeeded");
        });
        report.succeeded++;
      } catch (err) {
        if (isCrash(err)) throw err;
        await this.failRun(row, spec, undefined, err, report);
      }
      return;
    }
    if (!reg) {
      await this.#deadLetter(row, spec, "HANDLER_MISSING", `no handler named "${spec.handler}" in this deploy`, report);
      return;
    }
    await this.#tasks.runChunk(row, spec, reg as Extract<Registered, { kind: "task" }>, ctx, report);
  }

  policy(spec: RunSpec, regRetry: RetryPolicyInput | undefined): RetryPolicy {
    return { ...this.config.retry, ...regRetry, ...spec.retry } as RetryPolicy;
  }

  async failRun(
    row: QueueRow,
    spec: RunSpec,
    regRetry: RetryPolicyInput | undefined,
    err: unknown,
    report: PassReport,
  ): Promise<void> {
    const policy = this.policy(spec, regRetry);
    if (!(err instanceof NonRetryableError) && row.attempt < policy.maxAttempts) {
      const { clock, transactionSync } = this.#ports;
      const delay = retryDelay(policy, row.attempt + 1, (this.#ports.random ?? Math.random)());
      transactionSync(() => {
        // A synchronous failure rolled back its own claim and start record: record the attempt again.
        this.#recordStart(row, spec, clock.now());
        this.#queue.reschedule(row.id, clock.now() + delay, row.attempt + 1);
        this.#claims.waitRetry(row.ref);
        if (spec.dag) {
          this.#dags.taskRetrying(spec.dag, errorText(err));
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
        insertDeadLetter(sql, {
          scheduleId: spec.scheduleId,
          key: row.ref,
          handler: spec.handler,
          payload: spec.payload,
          attempts: row.attempt,
          error: err,
          code,
          spec: row.data ?? "{}",
          at: clock.now(),
        });
      }
      outbox = this.endRun(row, spec, "failed", err);
    });
    report.deadLettered++;
    await this.#deliveries.deliverAll(outbox, report);
  }
}
