/**
 * The test entry: the real Worker and DO classes, plus `TestProbeDO`, a DOBase with fixture
 * capabilities for what production code must never offer (a route that throws, alarm probes).
 */

import type { Capability } from "@durable/core";
import { metaCapability } from "../src/capabilities/meta.ts";
import { DOBase, type DOPorts } from "../src/index.ts";

export { default, RateLimiterDO, TenantDO } from "../src/index.ts";
export { TestThrowingLimiterDO } from "./rate-limit-fixtures.ts";
export { TestTablesDO } from "./tables-fixture.ts";

function probeCapability({ sql, alarm, clock }: DOPorts): Capability {
  return {
    name: "probe",
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
        path: "/probe/alarms",
        handle: () => ({ fired: sql.exec("SELECT count(*) AS n FROM probe_alarms").one().n }),
      },
    ],
  };
}

/** A DOBase with the meta capability and the probe fixture. */
export class TestProbeDO extends DOBase<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.use(metaCapability(this.ports)).use(probeCapability(this.ports));
  }

  /** Tries to add a capability after start (must throw). */
  async lateUse(): Promise<string> {
    await this.ready();
    try {
      this.use(metaCapability(this.ports));
      return "accepted";
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }
}

export { TestSchedulerDO } from "./scheduler-fixture.ts";
