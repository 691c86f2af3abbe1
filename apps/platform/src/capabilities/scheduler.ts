/**
 * `scheduler`: the platform's alarm owner. It wraps `@durable/scheduler` (durable cron, one-shot,
 * interval, long-running and DAG jobs on the DO's one alarm), registers the platform's own
 * handlers, and serves `/v1/tenants/:tenant/scheduler/...`.
 * @module
 */
import { createScheduler, type SchedulerCapability, schedulerCapability } from "@durable/scheduler";
import { z } from "zod";
import type { DOPorts } from "../do-base.ts";

/**
 * Creates the scheduler capability of a platform DO, with the `platform.noop` handler (a target
 * for health checks and tests of the schedule API).
 * @param ports the DO's ports (the scheduler is the only user of `ports.alarm`)
 */
export function platformScheduler(ports: DOPorts): SchedulerCapability {
  const scheduler = createScheduler(ports);
  scheduler.handler("platform.noop", z.unknown(), () => {});
  return schedulerCapability(scheduler);
}
