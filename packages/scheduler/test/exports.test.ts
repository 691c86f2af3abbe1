/**
 * The package's surface: the main entry exports the factory, the capability, schemas, error codes
 * and types, and no internals or test helpers; `@durable/scheduler/testing` has the helpers. It
 * reads the runtime values only (types vanish at run time; tsc checks those).
 */
import * as main from "@durable/scheduler";
import * as testing from "@durable/scheduler/testing";
import { describe, expect, it } from "vitest";

describe("exports", () => {
  it("the main entry has only the public runtime values", () => {
    expect(Object.keys(main).sort()).toEqual(
      [
        "DagInputSchema",
        "ListQuerySchema",
        "NonRetryableError",
        "PageQuerySchema",
        "RetryPolicySchema",
        "RunDagOptionsSchema",
        "SCHEDULER_MIGRATIONS",
        "SCHEDULER_NAME",
        "SCHEDULER_STATUS",
        "ScheduleInputSchema",
        "SchedulerConfigSchema",
        "TriggerInputSchema",
        "createScheduler",
        "isSchedulerCode",
        "schedulerCapability",
      ].sort(),
    );
  });

  it("the testing subpath has the helpers, and the codes are stable", () => {
    expect(Object.keys(testing).sort()).toEqual(["MemoryAlarm", "SimulatedCrash", "nextSlot", "normalizeCron"]);
    expect(main.isSchedulerCode("CONFIG_INVALID")).toBe(true);
    expect(main.isSchedulerCode("INVALID_CONFIG")).toBe(false);
    expect(main.SCHEDULER_STATUS.NOT_FOUND).toBe(404);
  });
});
