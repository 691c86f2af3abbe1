/**
 * @durable/scheduler: durable cron, one-shot, interval, long-running and DAG jobs on one
 * Durable Object alarm.
 *
 * Every occurrence, retry wait, task continuation, DAG step, trigger redelivery and other
 * capabilities' wake-up is a row of `sched_queue`; the alarm always equals its earliest row.
 * @example
 * const scheduler = createScheduler({ sql, transactionSync, clock, alarm });
 * scheduler.handler("ping", z.object({}), () => {});
 * scheduler.schedule({ key: "ping", handler: "ping", payload: {}, when: { cron: "*\/5 * * * *" } });
 * // in the DO: alarm() { return scheduler.onAlarm(); }
 * @module
 */
export { type SchedulerCapability, schedulerCapability } from "./capability.ts";
export {
  type RetryPolicy,
  type RetryPolicyInput,
  RetryPolicySchema,
  type SchedulerConfig,
  type SchedulerConfigInput,
  SchedulerConfigSchema,
} from "./config.ts";
export { normalizeCron, validateTimezone } from "./cron.ts";
export { NonRetryableError, type SchedulerCode } from "./errors.ts";
export { SCHEDULER_MIGRATIONS } from "./migrations.ts";
export { createScheduler, type DeadLetterApi, type Scheduler, type TaskApi, type WakeFn } from "./scheduler.ts";
export {
  type DagInput,
  DagInputSchema,
  type ListQuery,
  type MissedPolicy,
  type Page,
  type PageQuery,
  type ScheduleInput,
  ScheduleInputSchema,
  type TriggerInput,
  TriggerInputSchema,
  type WhenInput,
} from "./schemas.ts";
export { nextSlot, type WhenSpec } from "./slots.ts";
export { MemoryAlarm, SimulatedCrash } from "./testing.ts";
export type {
  DagRun,
  DeadLetter,
  FaultHooks,
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
  TriggerSink,
} from "./types.ts";
