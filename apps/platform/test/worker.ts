/**
 * The test entry: the real Worker and DO classes, plus `TestProbeDO`, a DOBase with fixture
 * capabilities for what production code must never offer (a route that throws, alarm probes).
 */

import type { AlarmOwner, AlarmOwnerDefinition, AlarmOwnerPorts } from "@durable/core";
import { metaCapability } from "../src/capabilities/meta.ts";
import { DOBase } from "../src/index.ts";

export { default, TenantDO } from "../src/index.ts";
export { TestCdcDO } from "./cdc-fixture.ts";
export { TestBadPlansDO, TestLimiterDO, TestThrowingLimiterDO } from "./rate-limit-fixtures.ts";
export { TestTablesDO } from "./tables-fixture.ts";

/** An alarm owner that records each alarm (DOBase calls only the owner's `onAlarm`). */
function probeCapability({ sql, alarm, clock, tenant }: AlarmOwnerPorts): AlarmOwner {
  let tenantAtStart: string | null | undefined;
  return {
    name: "probe",
    onStart: () => {
      tenantAtStart = tenant();
    },
    wakes: {
      set: () => {
        throw new Error("the probe delivers no wake-ups");
      },
      cancel: () => {},
    },
    registerWake: () => {},
    migrations: {
      owner: "probe",
      prefix: "probe_",
      migrations: [{ version: 1, name: "alarms", sql: "CREATE TABLE probe_alarms (at INTEGER NOT NULL) STRICT" }],
    },
    onAlarm: () => {
      sql.exec("INSERT INTO probe_alarms (at) VALUES (?)", clock.now());
    },
    routes: [
      {
        method: "POST",
        path: "/probe/throw",
        handle: () => {
          throw new Error("secret internal detail");
        },
      },
      {
        method: "POST",
        path: "/probe/alarm",
        handle: async () => {
          await alarm.set(clock.now() + 60_000);
          return { set: true };
        },
      },
      {
        method: "GET",
        path: "/probe/start-tenant",
        handle: () => ({ tenantAtStart: tenantAtStart ?? null }),
      },
      {
        method: "GET",
        path: "/probe/alarms",
        handle: () => ({ fired: sql.exec("SELECT count(*) AS n FROM probe_alarms").one().n }),
      },
    ],
  };
}

const probeDefinition: AlarmOwnerDefinition<AlarmOwner> = { name: "probe", ownsAlarm: true, create: probeCapability };

/** A DOBase with the probe fixture (its alarm owner) and the meta capability. */
export class TestProbeDO extends DOBase<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.use(probeDefinition);
    this.use(metaCapability());
  }

  /** Tries to add a capability after start (must throw). */
  async lateUse(): Promise<string> {
    await this.ready();
    try {
      this.use(metaCapability());
      return "accepted";
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }
}

export { TestSchedulerDO } from "./scheduler-fixture.ts";
