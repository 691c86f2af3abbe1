/**
 * Public types: handler and task contracts, schedules, runs, reports and the ports.
 * @module
 */
import type { AlarmPort, Clock, Sql, TransactionSync } from "@durable/core";
import type { RetryPolicy } from "./config.ts";
import type { MissedPolicy } from "./schemas.ts";
import type { WhenSpec } from "./slots.ts";

/** What a handler (or task) learns about the run it serves. */
export interface HandlerContext {
  /** The schedule id (a DAG run id for DAG tasks, the dead letter's schedule for replays). */
  scheduleId: string;
  /** The schedule key (the task id within its DAG for DAG tasks). */
  key: string;
  /** The nominal slot, epoch ms. */
  scheduledTime: number;
  /** `<scheduleId>:<scheduledTime>`: the same for every attempt and re-run of this slot. */
  idempotencyKey: string;
  /** 1 for the first try. */
  attempt: number;
  /** The schedule (or DAG) version the run started on. */
  version: number;
  /** Set when this slot was missed and runs by the catch-up policy. */
  missed?: true;
  /** Set when several missed slots were coalesced into this run. */
  coalesced?: { count: number; firstMissedAt: number; lastMissedAt: number };
  /** Set for DAG tasks. */
  dag?: { dagId: string; runId: string; taskId: string };
}

/** A handler: may be synchronous (its SQL writes commit with the done marker) or async. */
export type HandlerFn<P> = (payload: P, ctx: HandlerContext) => void | Promise<void>;

/** What one step of a long-running task returns. */
export interface StepResult<C> {
  cursor: C;
  done: boolean;
  /** 0..1, readable through `tasks.get`. */
  progress?: number;
}

/** Context of a task step. */
export interface StepContext extends HandlerContext {
  taskId: string;
  /** Steps finished before this one, over all chunks. */
  step: number;
}

/** A long-running task: `init` makes the cursor, `step` advances it. */
export interface TaskDefinition<P, C> {
  init(payload: P, ctx: HandlerContext): C | Promise<C>;
  step(cursor: C, ctx: StepContext): StepResult<C> | Promise<StepResult<C>>;
}

/** Per-task overrides of the chunk budget. */
export interface TaskBudget {
  cpuBudgetMs?: number;
  maxStepsPerChunk?: number;
  retry?: Partial<RetryPolicy>;
}

/** A stored schedule. */
export interface Schedule {
  id: string;
  key: string;
  kind: WhenSpec["kind"];
  handler?: string;
  dag?: string;
  payload: unknown;
  when: WhenSpec;
  status: "active" | "paused" | "cancelled" | "completed";
  version: number;
  nextRunAt: number | null;
  lastRunAt: number | null;
  runCount: number;
  inflight: number;
  overlap: "skip" | "buffer-one" | "allow";
  missed: MissedPolicy;
  graceMs: number;
  retry?: Partial<RetryPolicy>;
  createdAt: number;
  updatedAt: number;
}

/** One history row of a schedule. */
export interface RunRecord {
  id: string;
  scheduleId: string;
  status: "running" | "retrying" | "succeeded" | "failed" | "skipped" | "missed" | "cancelled";
  scheduledAt: number;
  startedAt: number | null;
  durationMs: number | null;
  attempts: number;
  version: number;
  /** missed count, coalesced details, task id… */
  detail: Record<string, unknown> | null;
  error: string | null;
}

/** A run that failed for good. */
export interface DeadLetter {
  id: string;
  scheduleId: string | null;
  key: string;
  handler: string;
  payload: unknown;
  attempts: number;
  lastError: string;
  code: string;
  createdAt: number;
}

/** Progress of a long-running task. */
export interface TaskState {
  id: string;
  name: string;
  idempotencyKey: string;
  scheduleId: string | null;
  status: "running" | "succeeded" | "failed" | "cancelled";
  steps: number;
  chunks: number;
  progress: number | null;
  error: string | null;
  cursor: unknown;
  updatedAt: number;
}

/** A DAG run and its tasks. */
export interface DagRun {
  id: string;
  dagId: string;
  version: number;
  key: string;
  status: "running" | "succeeded" | "failed";
  startedAt: number;
  endedAt: number | null;
  tasks?: { id: string; status: string; attempts: number; error: string | null }[];
}

/** What one alarm pass did. */
export interface PassReport {
  /** Queue rows taken from the index. */
  due: number;
  /** Handler and task executions started. */
  ran: number;
  succeeded: number;
  /** Failures that will retry. */
  retried: number;
  deadLettered: number;
  /** Runs skipped because their key was already done. */
  duplicates: number;
  wakes: number;
  deliveries: number;
  /** Task chunks that ended on their budget and continue in the next pass. */
  continued: number;
  /** Rows whose processing threw outside a handler (isolated, retried later). */
  errors: number;
  /** True when the alarm came before any row was due. */
  early: boolean;
  /** True when due rows remain (the alarm is re-armed at now). */
  more: boolean;
  /** The alarm after the pass. */
  nextAlarm: number | null;
}

/** Delivers a cross-DAG trigger to a DAG in another DO (same idempotency key). */
export interface TriggerSink {
  send(message: { target: string; dag: string; version: number | "latest"; key: string }): Promise<void>;
}

/**
 * Fault injection for tests and the spike (@internal): a hook that throws `SimulatedCrash`
 * (from `@durable/scheduler/testing`) stops the pass as if the isolate died at that point; any
 * other throw is handled like a failure at that point.
 */
export interface FaultHooks {
  /** After the handler ran, before its done marker is written (inside that transaction). */
  beforeDone?(idempotencyKey: string): void;
  /** After a task step's cursor was saved. */
  afterStep?(taskId: string, steps: number): void;
  /** After an outbox row was committed, before it is delivered. */
  afterOutboxPersist?(outboxId: string): void;
}

/** The ports a scheduler runs on. */
export interface SchedulerPorts {
  sql: Sql;
  transactionSync: TransactionSync;
  clock: Clock;
  alarm: AlarmPort;
  /** Randomness of the retry jitter (default Math.random). */
  random?: () => number;
  triggerSink?: TriggerSink;
  faults?: FaultHooks;
}
