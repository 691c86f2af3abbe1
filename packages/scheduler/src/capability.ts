/**
 * `schedulerCapability`: the scheduler as the platform's alarm owner. DOBase composes it first;
 * its `create` builds the scheduler over the ports it alone receives (the raw alarm among them),
 * runs the host's `setup` (handlers and tasks by name), and returns the capability: `onAlarm`
 * runs a pass, `wakes` and `registerWake` carry every other capability's wake-ups, `onStart`
 * self-heals (its migrations are run by the host before), `routes` serve
 * `/v1/tenants/:tenant/scheduler/...` and `api` is its Workers RPC target.
 * @module
 */
import type {
  AlarmOwner,
  AlarmOwnerDefinition,
  AlarmOwnerPorts,
  MigrationSet,
  Route,
  WakeEvent,
  WakeRouter,
} from "@durable/core";
import { type SchedulerApi, schedulerApi } from "./api.ts";
import { resolveConfig, type SchedulerConfigInput } from "./config.ts";
import { SCHEDULER_MIGRATIONS } from "./migrations.ts";
import { schedulerRoutes } from "./routes.ts";
import { createScheduler, type Scheduler } from "./scheduler.ts";
import type { TriggerSink } from "./types.ts";

/** The capability's name: its RPC target, routes prefix and migrations owner. */
export const SCHEDULER_NAME = "scheduler";

/** The scheduler as a composed capability: the alarm owner of its DO. */
export interface SchedulerCapability extends AlarmOwner {
  readonly name: typeof SCHEDULER_NAME;
  /** The scheduler itself, for code in the same DO (handlers, tasks, schedules). */
  readonly scheduler: Scheduler;
  /** `sched_*` tables; the host runs them before `onStart`. */
  readonly migrations: MigrationSet;
  /** Wake-ups of every owner: DOBase scopes it into each capability's own `wake`. */
  readonly wakes: WakeRouter;
  /** The RPC API (DOBase serves it as this capability's RPC target). */
  readonly api: SchedulerApi;
  /** `/scheduler/...` routes below `/v1/tenants/:tenant`. */
  readonly routes: readonly Route[];
  /** Registers another capability's wake handler under its name (DOBase does, at start). */
  registerWake(owner: string, fn: (event: WakeEvent) => void | Promise<void>): void;
  /** Re-queues work of a dead instance and sets the alarm if rows have none. */
  onStart(): Promise<void>;
  /** One pass over the due rows (DOBase's `alarm()` calls only this). */
  onAlarm(): Promise<void>;
}

/** Options of {@link schedulerCapability}: the scheduler's config, and the host's setup. */
export type SchedulerCapabilityOptions = SchedulerConfigInput & {
  /**
   * Registers handlers and tasks right after the scheduler is built (in the DO's constructor,
   * on every deploy): names must be known before the first alarm and the first schedule.
   */
  setup?: (scheduler: Scheduler) => void;
  /** Delivers cross-DAG triggers whose `target` is another DO. */
  triggerSink?: TriggerSink;
};

/**
 * Defines the scheduler capability. `DOBase.use()` (or `TestHost.use()`) builds it first, with
 * the alarm owner's ports; the configuration is validated here, at composition.
 * @param options the scheduler's config (`maxSchedules`, `maxPerPass`, retries, ...), `setup`
 *   and `triggerSink`
 * @returns the definition (`name: "scheduler"`, `ownsAlarm: true`); its capability exposes
 *   `scheduler`, `wakes`, `api` and `routes`
 * @throws {CONFIG_INVALID} a bad config, naming the path
 * @example
 * const scheduler = this.use(schedulerCapability({
 *   setup: (s) => s.handler("platform.noop", z.unknown(), () => {}),
 * })).scheduler;
 */
export function schedulerCapability(
  options: SchedulerCapabilityOptions = {},
): AlarmOwnerDefinition<SchedulerCapability> {
  const { setup, triggerSink, ...input } = options;
  const config = resolveConfig(input);
  return {
    name: SCHEDULER_NAME,
    ownsAlarm: true,
    create(ports: AlarmOwnerPorts): SchedulerCapability {
      const { sql, transactionSync, clock, alarm } = ports;
      const scheduler = createScheduler(
        { sql, transactionSync, clock, alarm, ...(triggerSink ? { triggerSink } : {}) },
        config,
      );
      setup?.(scheduler);
      const api = schedulerApi(scheduler);
      return {
        name: SCHEDULER_NAME,
        scheduler,
        migrations: SCHEDULER_MIGRATIONS,
        wakes: scheduler.wakes,
        api,
        routes: schedulerRoutes(api),
        registerWake: (owner, fn) => scheduler.onWake(owner, fn),
        onStart: () => scheduler.start(),
        onAlarm: async () => {
          await scheduler.onAlarm();
        },
      };
    },
  };
}
