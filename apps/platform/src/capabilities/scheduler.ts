/**
 * `scheduler`: the platform's alarm owner. It wraps `@durable/scheduler` (durable cron, one-shot,
 * interval, long-running and DAG jobs on the DO's one alarm), registers the platform's own
 * handlers, and serves `/v1/tenants/:tenant/scheduler/...` and the `scheduler` RPC target.
 * @module
 */
import type { AlarmOwnerDefinition } from "@durable/core";
import { type Scheduler, type SchedulerCapability, schedulerCapability } from "@durable/scheduler";
import { z } from "zod";
import type { CheckpointRef } from "./checkpoint.ts";

/**
 * The scheduler of a platform DO, with the `platform.noop` handler (a target for health checks
 * and tests of the schedule API).
 * @param setup registers more handlers and tasks (test fixtures)
 * @param checkpoint the DO's checkpoint, composed later: registers `checkpoint.local` (payload `{}`) and
 *   `checkpoint.global` (payload `{timeoutMs?}`)
 */
export function platformScheduler(
  setup?: (scheduler: Scheduler) => void,
  checkpoint?: CheckpointRef,
): AlarmOwnerDefinition<SchedulerCapability> {
  return schedulerCapability({
    setup: (scheduler) => {
      scheduler.handler("platform.noop", z.unknown(), () => {});
      if (checkpoint) {
        scheduler.handler("checkpoint.local", z.object({}).strict().optional(), async () => {
          const cp = checkpoint();
          if (!cp) throw new Error("checkpoint.local: this DO composes no checkpoint");
          await cp.local();
        });
        // A global checkpoint of the tenant's DO and its registered `<tenant>:<label>` participants.
        const GlobalSchema = z
          .object({ timeoutMs: z.number().int().min(1000).max(600_000).optional() })
          .strict()
          .optional();
        scheduler.handler("checkpoint.global", GlobalSchema, async (p) => {
          const cp = checkpoint();
          if (!cp) throw new Error("checkpoint.global: this DO composes no checkpoint");
          await cp.coordinator.trigger(p?.timeoutMs === undefined ? {} : { timeoutMs: p.timeoutMs });
        });
      }
      setup?.(scheduler);
    },
  });
}
