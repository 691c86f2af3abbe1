/**
 * @durable/scheduler: durable cron, one-shot, interval, long-running and DAG jobs on one
 * Durable Object alarm.
 *
 * Every occurrence, retry wait, task continuation, DAG step, trigger redelivery and other
 * capabilities' wake-up is a row of `sched_queue`; the alarm always equals its earliest row.
 * `createScheduler(ports, config)` is the logic; `schedulerCapability(options)` is its
 * definition for DOBase (the alarm owner, with routes and an RPC API). Test helpers live in
 * `@durable/scheduler/testing`.
 * @example
 * // In DOBase:
 * const { scheduler } = this.use(schedulerCapability({
 *   setup: (s) => s.handler("ping", z.object({}), () => {}),
 * }));
 * // Anywhere else (the host runs SCHEDULER_MIGRATIONS first):
 * const scheduler = createScheduler({ sql, transactionSync, clock, alarm });
 * scheduler.schedule({ key: "ping", handler: "ping", payload: {}, when: { cron: "*\/5 * * * *" } });
 * @module
 */
export { type RunDagOptions, RunDagOptionsSchema, type SchedulerApi } from "./api.ts";
export {
  SCHEDULER_NAME,
  type SchedulerCapability,
  type SchedulerCapabilityOptions,
  schedulerCapability,
} from "./capability.ts";
export {
  type RetryPolicy,
  type RetryPolicyInput,
  RetryPolicySchema,
  type SchedulerConfig,
  type SchedulerConfigInput,
  SchedulerConfigSchema,
} from "./config.ts";
export type { DagRunSummary, DagSummary } from "./dag-lists.ts";
export { isSchedulerCode, NonRetryableError, SCHEDULER_STATUS, type SchedulerCode } from "./errors.ts";
export { SCHEDULER_MIGRATIONS } from "./migrations.ts";
export { createScheduler, type DeadLetterApi, type Scheduler, type TaskApi, type WakeFn } from "./scheduler.ts";
export {
  type DagInput,
  DagInputSchema,
  type ListQuery,
  ListQuerySchema,
  type MissedPolicy,
  type Page,
  type PageQuery,
  PageQuerySchema,
  type ScheduleInput,
  ScheduleInputSchema,
  type TriggerInput,
  TriggerInputSchema,
  type WhenInput,
} from "./schemas.ts";
export type { WhenSpec } from "./slots.ts";
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
