/**
 * Proves the composition rules DOBase and TestHost share: ports are scoped (a capability's
 * `wake` is bound to its name, so it can neither set nor cancel another's), only the alarm
 * owner gets the raw alarm and it must come first, `requires` must be composed before (the
 * error names both), names are unique, the set locks at start, migrations run only at start
 * and before `onStart` in order, and a wake-up reaches only its owner's `onWake`.
 * Does not prove the DO runtime (apps/platform's workerd tests do).
 */
import { describe, expect, it } from "vitest";
import {
  type AlarmOwner,
  type AlarmOwnerDefinition,
  type Capability,
  type CapabilityDefinition,
  type CapabilityPorts,
  Composition,
  MemoryBlobStore,
} from "../src/index.ts";
import { openSqlite } from "../src/node/index.ts";
import { TestHost } from "../src/testing/index.ts";

function host() {
  const db = openSqlite();
  return new TestHost({ sql: db.sql, transactionSync: db.transactionSync, tenant: "acme" });
}

/** A capability that keeps its ports and records its wake-ups and start. */
function recorder(
  name: string,
  log: string[],
  requires?: string[],
): CapabilityDefinition<Capability & { ports: CapabilityPorts }> {
  return {
    name,
    ...(requires ? { requires } : {}),
    create: (ports) => ({
      name,
      ports,
      migrations: {
        owner: name,
        prefix: `${name}_`,
        migrations: [{ version: 1, name: "t", sql: `CREATE TABLE ${name}_t (x INTEGER) STRICT` }],
      },
      onStart: () => {
        log.push(
          `start ${name} (${ports.sql.exec("SELECT count(*) AS n FROM sqlite_master WHERE name LIKE '%_t'").one().n} tables)`,
        );
      },
      onWake: (e) => {
        log.push(`wake ${name} ${e.key}`);
      },
    }),
  };
}

describe("Composition", () => {
  it("scopes each capability's wake to its own name", async () => {
    const log: string[] = [];
    const h = host();
    const a = h.use(recorder("alpha", log));
    const b = h.use(recorder("beta", log));
    await h.start();
    a.ports.wake.set("flush", 1);
    b.ports.wake.set("flush", 2);
    // beta cancelling "flush" cancels only its own.
    b.ports.wake.cancel("flush");
    expect(h.wakes.pending().map((w) => `${w.owner}/${w.key}`)).toEqual(["alpha/flush"]);
    await h.fireDueWakes();
    expect(log.filter((l) => l.startsWith("wake"))).toEqual(["wake alpha flush"]);
    expect(a.ports.tenant()).toBe("acme");
  });

  it("runs every migration at start, before any onStart, in registration order", async () => {
    const log: string[] = [];
    const h = host();
    h.use(recorder("one", log));
    h.use(recorder("two", log));
    expect(log).toEqual([]);
    await h.start();
    expect(log).toEqual(["start one (2 tables)", "start two (2 tables)"]);
  });

  it("refuses a capability composed before what it requires, naming both", () => {
    const h = host();
    expect(() => h.use(recorder("estimator", [], ["tables"]))).toThrow(
      "capability estimator requires tables: compose tables before estimator",
    );
    h.use(recorder("tables", []));
    const est = h.use({
      name: "estimator",
      requires: ["tables"],
      create: (_ports, required) => {
        expect(required.get("tables").name).toBe("tables");
        expect(() => required.get("other")).toThrow("capability estimator did not declare that it requires other");
        return { name: "estimator" };
      },
    });
    expect(est.name).toBe("estimator");
  });

  it("refuses a name twice, a definition that builds another name, and use() after start", async () => {
    const h = host();
    h.use(recorder("a", []));
    expect(() => h.use(recorder("a", []))).toThrow("capability a is registered twice");
    expect(() => h.use({ name: "b", create: () => ({ name: "c" }) })).toThrow(
      "definition b built a capability named c",
    );
    await h.start();
    expect(() => h.use(recorder("late", []))).toThrow("use(late) after start");
  });

  it("gives the raw alarm only to the alarm owner, which must come first and be the only one", async () => {
    const seen: string[] = [];
    const owner = (name: string): AlarmOwnerDefinition<AlarmOwner> => ({
      name,
      ownsAlarm: true,
      create: (ports) => {
        seen.push(`${name} has alarm: ${typeof ports.alarm.set}`);
        return {
          name,
          wakes: { set: () => {}, cancel: () => {} },
          registerWake: (o) => seen.push(`register ${o}`),
          onAlarm: () => {},
        };
      },
    });
    const h = host();
    h.use(recorder("x", []));
    expect(() => h.use(owner("sched"))).toThrow("the alarm owner sched must be composed first (before x)");
    const h2 = host();
    h2.use(owner("sched"));
    expect(() => h2.use(owner("other"))).toThrow("alarm owner sched is already set");
    const plain = h2.use(recorder("y", []));
    expect("alarm" in plain.ports).toBe(false);
    await h2.start();
    expect(seen).toEqual(["sched has alarm: function", "register y"]);
  });

  it("without an alarm owner or recorder, a wake-up says what is missing", () => {
    const db = openSqlite();
    const c = new Composition({
      sql: db.sql,
      transactionSync: db.transactionSync,
      clock: { now: () => 0 },
      blobs: new MemoryBlobStore(),
      background: { waitUntil: () => {} },
      tenant: () => null,
    });
    const cap = c.use(recorder("lonely", []));
    expect(() => cap.ports.wake.set("k", 1)).toThrow(/no alarm owner/);
  });
});
