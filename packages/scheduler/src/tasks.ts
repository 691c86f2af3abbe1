/**
 * Long-running tasks: chunks of steps with the cursor saved after each step (with a synchronous
 * step's writes), a continuation row due now between chunks, progress and cancel.
 * @module
 */
import { newId } from "@durable/core";
import type { RetryPolicy, RetryPolicyInput, SchedulerConfig } from "./config.ts";
import { errorText, NonRetryableError, schedError } from "./errors.ts";
import { isCrash } from "./faults.ts";
import type { Queue, QueueRow } from "./queue.ts";
import { MAX_PAYLOAD_BYTES, type Registered } from "./registry.ts";
import { isThenable, type RunSpec } from "./run-spec.ts";
import type { Schedules } from "./schedules.ts";
import type { HandlerContext, PassReport, SchedulerPorts, StepContext, StepResult, TaskState } from "./types.ts";

const encoder = new TextEncoder();

/** How a task run ends: the runner's bookkeeping. */
export interface RunEnds {
  endRun(
    row: QueueRow,
    spec: RunSpec,
    outcome: "succeeded" | "failed" | "cancelled" | "duplicate",
    error?: unknown,
  ): string[];
  failRun(
    row: QueueRow,
    spec: RunSpec,
    regRetry: RetryPolicyInput | undefined,
    err: unknown,
    report: PassReport,
  ): Promise<void>;
  policy(spec: RunSpec, regRetry: RetryPolicyInput | undefined): RetryPolicy;
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

/** Runs task chunks over `sched_tasks`. */
export class TaskRunner {
  readonly config: SchedulerConfig;
  readonly #ports: SchedulerPorts;
  readonly #queue: Queue;
  readonly #schedules: Schedules;
  readonly #runs: RunEnds;

  constructor(ports: SchedulerPorts, config: SchedulerConfig, queue: Queue, schedules: Schedules, runs: RunEnds) {
    this.#ports = ports;
    this.config = config;
    this.#queue = queue;
    this.#schedules = schedules;
    this.#runs = runs;
  }

  /** Stops a running task between two steps. @throws {NOT_FOUND} */
  cancel(id: string): void {
    if (!this.get(id)) throw schedError("NOT_FOUND", `task ${id} not found`, 404);
    this.#ports.sql.exec("UPDATE sched_tasks SET status = 'cancelled' WHERE id = ? AND status = 'running'", id);
  }

  #taskRow(where: "id" | "idem_key", value: string): TaskRow | null {
    return this.#ports.sql.exec<TaskRow>(`SELECT * FROM sched_tasks WHERE ${where} = ?`, value).toArray()[0] ?? null;
  }

  get(id: string): TaskState | null {
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

  async runChunk(
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
            this.#runs.endRun(row, spec, "cancelled");
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
            this.#runs.endRun(row, spec, "succeeded");
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
      if (isCrash(err)) throw err;
      if (err instanceof NonRetryableError || row.attempt >= this.#runs.policy(spec, reg.retry).maxAttempts) {
        sql.exec("UPDATE sched_tasks SET status = 'failed', error = ? WHERE idem_key = ?", errorText(err), row.ref);
      } else {
        sql.exec("UPDATE sched_tasks SET error = ? WHERE idem_key = ?", errorText(err), row.ref);
      }
      await this.#runs.failRun(row, spec, reg.retry, err, report);
    }
  }
}
