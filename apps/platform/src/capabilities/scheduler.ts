/**
 * `scheduler`: the platform's alarm owner. It wraps `@durable/scheduler` (durable cron, one-shot,
 * interval, long-running and DAG jobs on the DO's one alarm), registers the platform's own
 * handlers, and serves `/v1/tenants/:tenant/scheduler/...` and the `scheduler` RPC target.
 * @module
 */
import type { AlarmOwnerDefinition } from "@durable/core";
import { type Scheduler, type SchedulerCapability, schedulerCapability } from "@durable/scheduler";
import * as z from "zod/mini";

/**
 * The scheduler of a platform DO, with the `platform.noop` handler (a target for health checks
 * and tests of the schedule API). Capabilities that offer scheduled work register their own
 * handlers on it (the checkpoint's `checkpoint.local` and `checkpoint.global`).
 * @param setup registers more handlers and tasks (test fixtures)
 */
export function platformScheduler(setup?: (scheduler: Scheduler) => void): AlarmOwnerDefinition<SchedulerCapability> {
  return schedulerCapability({
    setup: (scheduler) => {
      scheduler.handler("platform.noop", z.unknown(), () => {});
      setup?.(scheduler);
    },
  });
}
