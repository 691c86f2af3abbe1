/**
 * The scheduler's RPC API: what DOBase serves as the capability's own Workers RPC target, so
 * another Worker calls `stub.<capability accessor>("scheduler").schedule(...)`. It mirrors the
 * HTTP routes (`routes.ts` is a thin layer over it): plain data in and out, mutations resolve
 * once the alarm they set is written, and every failure is a `PlatformError` whose `[CODE]`
 * survives RPC (`errorCodeOf` reads it on the caller's side). Methods are flat (no nested
 * objects), so a host that wraps each method of a target wraps them all.
 * @module
 */
import { parseOrThrow } from "@durable/core";
import * as z from "zod/mini";
import type { DagRunSummary, DagSummary } from "./dag-lists.ts";
import { schedError } from "./errors.ts";
import type { Scheduler } from "./scheduler.ts";
import {
  type DagInput,
  KeySchema,
  type ListQuery,
  type Page,
  type PageQuery,
  type ScheduleInput,
  type TriggerInput,
} from "./schemas.ts";
import type { DagRun, DeadLetter, RunRecord, Schedule, TaskState } from "./types.ts";

/** The options of {@link SchedulerApi.runDag} (and the body of `POST /dags/:id/runs`). */
export const RunDagOptionsSchema = z.strictObject({
  key: KeySchema,
  version: z.optional(z.number().check(z.int(), z.gte(1))),
});

/** Options of {@link SchedulerApi.runDag}. */
export type RunDagOptions = z.input<typeof RunDagOptionsSchema>;

/** The RPC surface of the scheduler capability. Every method is async and throws `[CODE]` errors. */
export interface SchedulerApi {
  /**
   * Creates a schedule, or returns the one with the same key and definition.
   * @throws {INVALID_SCHEDULE|INVALID_CRON|INVALID_TIMEZONE|UNKNOWN_HANDLER|INVALID_PAYLOAD}
   * @throws {PAYLOAD_TOO_LARGE} @throws {SCHEDULE_CONFLICT|SCHEDULE_LIMIT}
   */
  schedule(input: ScheduleInput): Promise<{ schedule: Schedule; created: boolean }>;
  /** Schedules by status, kind and handler; keyset pages of at most 100. @throws {INVALID_SCHEDULE} */
  list(query?: ListQuery): Promise<Page<Schedule>>;
  /** A schedule. @throws {NOT_FOUND} */
  get(id: string): Promise<Schedule>;
  /** Cancels a schedule (a run in flight finishes). @returns the schedule @throws {NOT_FOUND} */
  cancel(id: string): Promise<Schedule>;
  /** Pauses a schedule. @returns the schedule @throws {NOT_FOUND} @throws {SCHEDULE_CONFLICT} */
  pause(id: string): Promise<Schedule>;
  /** Resumes a schedule from now. @returns the schedule @throws {NOT_FOUND} @throws {SCHEDULE_CONFLICT} */
  resume(id: string): Promise<Schedule>;
  /** A schedule's history, newest first. @throws {NOT_FOUND} @throws {INVALID_SCHEDULE} */
  runs(id: string, query?: PageQuery): Promise<Page<RunRecord>>;
  /** Dead letters, keyset pages. @throws {INVALID_SCHEDULE} */
  listDeadLetters(query?: PageQuery): Promise<Page<DeadLetter>>;
  /** Runs a dead letter again with its key. @throws {NOT_FOUND} @throws {SCHEDULE_CONFLICT} */
  replayDeadLetter(id: string): Promise<{ replayed: true }>;
  /** Deletes a dead letter. @throws {NOT_FOUND} */
  deleteDeadLetter(id: string): Promise<{ deleted: true }>;
  /** Stores a DAG definition (identical → `created: false`). @throws {DAG_INVALID|DAG_CYCLE} */
  defineDag(dag: DagInput): Promise<{ version: number; created: boolean }>;
  /** Starts a DAG run, or returns the run with this key. @throws {NOT_FOUND} @throws {DAG_INVALID} */
  runDag(dagId: string, options: RunDagOptions): Promise<DagRun>;
  /** A DAG run with its tasks. @throws {NOT_FOUND} */
  getDagRun(dagId: string, runId: string): Promise<DagRun>;
  /** Every DAG's latest definition with its tasks' dependencies, keyset by id. @throws {INVALID_SCHEDULE} */
  listDags(query?: PageQuery): Promise<Page<DagSummary>>;
  /** A DAG's runs, newest first, keyset pages. @throws {NOT_FOUND} @throws {INVALID_SCHEDULE} */
  listDagRuns(dagId: string, query?: PageQuery): Promise<Page<DagRunSummary>>;
  /** Starts `to` when a run of `from` ends. @throws {DAG_CYCLE} @throws {NOT_FOUND} */
  addTrigger(trigger: TriggerInput): Promise<{ ok: true }>;
  /** A long-running task's progress. @throws {NOT_FOUND} */
  getTask(id: string): Promise<TaskState>;
  /** Stops a task between two steps. @returns its progress @throws {NOT_FOUND} */
  cancelTask(id: string): Promise<TaskState>;
}

const IdSchema = z.string().check(z.minLength(1), z.maxLength(128));

/** An id argument (a path segment over HTTP); anything else is not found. @throws {NOT_FOUND} */
export function checkId(value: unknown, name = "id"): string {
  return parseOrThrow(IdSchema, value, "NOT_FOUND", name);
}

function found<T>(value: T | null, what: string): T {
  if (value === null) throw schedError("NOT_FOUND", `${what} not found`, 404);
  return value;
}

/**
 * The body of a mutation must be a JSON object.
 * @throws {INVALID_SCHEDULE}
 */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw schedError("INVALID_SCHEDULE", "the body must be a JSON object");
  }
  return body as Record<string, unknown>;
}

/**
 * The RPC API over a scheduler.
 * @param scheduler from `createScheduler`
 */
export function schedulerApi(scheduler: Scheduler): SchedulerApi {
  // A mutation's answer (read right after it) waits for the alarm it set, as its route does.
  const settled = async <T>(value: T): Promise<T> => {
    await scheduler.settle();
    return value;
  };
  return {
    async schedule(input) {
      const result = scheduler.schedule(bodyObject(input) as ScheduleInput);
      return settled(result);
    },
    async list(query = {}) {
      return scheduler.list(query);
    },
    async get(id) {
      return found(scheduler.get(checkId(id)), `schedule ${id}`);
    },
    async cancel(id) {
      scheduler.cancel(checkId(id));
      return settled(found(scheduler.get(id), `schedule ${id}`));
    },
    async pause(id) {
      scheduler.pause(checkId(id));
      return settled(found(scheduler.get(id), `schedule ${id}`));
    },
    async resume(id) {
      scheduler.resume(checkId(id));
      return settled(found(scheduler.get(id), `schedule ${id}`));
    },
    async runs(id, query = {}) {
      return scheduler.runs(checkId(id), query);
    },
    async listDeadLetters(query = {}) {
      return scheduler.deadLetters.list(query);
    },
    async replayDeadLetter(id) {
      scheduler.deadLetters.replay(checkId(id));
      return settled({ replayed: true as const });
    },
    async deleteDeadLetter(id) {
      scheduler.deadLetters.delete(checkId(id));
      return settled({ deleted: true as const });
    },
    async defineDag(dag) {
      const result = scheduler.defineDag(bodyObject(dag) as DagInput);
      return settled(result);
    },
    async runDag(dagId, options) {
      const o = parseOrThrow(RunDagOptionsSchema, options, "DAG_INVALID");
      const run = scheduler.runDag(checkId(dagId), o.version ? { key: o.key, version: o.version } : { key: o.key });
      return settled(run);
    },
    async getDagRun(dagId, runId) {
      return found(scheduler.getDagRun(checkId(dagId), checkId(runId, "runId")), `dag run ${runId}`);
    },
    async listDags(query = {}) {
      return scheduler.listDags(query);
    },
    async listDagRuns(dagId, query = {}) {
      return scheduler.dagRuns(checkId(dagId), query);
    },
    async addTrigger(trigger) {
      scheduler.addTrigger(bodyObject(trigger) as TriggerInput);
      return settled({ ok: true as const });
    },
    async getTask(id) {
      return found(scheduler.tasks.get(checkId(id)), `task ${id}`);
    },
    async cancelTask(id) {
      scheduler.tasks.cancel(checkId(id));
      return settled(found(scheduler.tasks.get(id), `task ${id}`));
    },
  };
}
