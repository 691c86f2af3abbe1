/**
 * `TestTablesDO`: a DOBase composing the real tables capability, plus `tprobe`, a test-only
 * capability that requires tables and subscribes to its events: it records every row change
 * (inside the write's transaction, where it also sets a wake-up), throws while a flag is set,
 * counts committed changes in memory from an after-commit step, and it depends on the
 * tables named in its flags (`use:<table>`), so their drop is vetoed. Production DOs never
 * compose it, so no tenant can trigger a throwing observer.
 */

import type { Capability, CapabilityDefinition, CapabilityPorts, Sql } from "@durable/core";
import { TABLES, type TableSubscriber, type TablesCapability, tablesCapability } from "@durable/tables";
import { platformScheduler } from "../src/capabilities/scheduler.ts";
import { DOBase } from "../src/index.ts";

function observerProbe(sql: Sql, memory: { committed: number }): Capability {
  return {
    name: "tprobe",
    migrations: {
      owner: "tprobe",
      prefix: "tprobe_",
      migrations: [
        {
          version: 1,
          name: "probe",
          sql: `CREATE TABLE tprobe_calls (tbl TEXT NOT NULL, inserted INTEGER NOT NULL, updated INTEGER NOT NULL, deleted INTEGER NOT NULL) STRICT;
                CREATE TABLE tprobe_flags (name TEXT PRIMARY KEY) STRICT`,
        },
      ],
    },
    routes: [
      {
        method: "PUT",
        path: "/tprobe/fail",
        handle: (req) => {
          const on = (req.body as { on?: boolean } | undefined)?.on === true;
          if (on) sql.exec("INSERT OR IGNORE INTO tprobe_flags VALUES ('fail')");
          else sql.exec("DELETE FROM tprobe_flags WHERE name = 'fail'");
          return { fail: on };
        },
      },
      {
        method: "PUT",
        path: "/tprobe/use/:table",
        handle: (req) => {
          sql.exec("INSERT OR IGNORE INTO tprobe_flags VALUES (?)", `use:${req.params.table}`);
          return { using: req.params.table };
        },
      },
      {
        method: "GET",
        path: "/tprobe/memory",
        handle: () => ({
          ...memory,
          wakes: sql
            .exec<{ ref: string }>("SELECT ref FROM sched_queue WHERE kind = 'wake' ORDER BY ref")
            .toArray()
            .map((r) => JSON.parse(r.ref) as [string, string])
            .filter(([owner]) => owner === "tprobe")
            .map(([, key]) => ({ key })),
        }),
      },
      {
        method: "GET",
        path: "/tprobe/calls",
        handle: () => ({ calls: sql.exec("SELECT * FROM tprobe_calls ORDER BY rowid").toArray() }),
      },
    ],
  };
}

/**
 * The probe's subscription: records row changes (rolled back with the write when it throws) and
 * depends on every table named by a `use:<table>` flag (as a rollup would).
 */
function probeSubscriber({ sql, wake, clock }: CapabilityPorts, memory: { committed: number }): TableSubscriber {
  return {
    name: "tprobe",
    onRowsChanged(table, change) {
      // A wake-up set inside the write's transaction rolls back with it.
      wake.set(`rows:${table}`, clock.now() + 3_600_000);
      sql.exec(
        "INSERT INTO tprobe_calls VALUES (?, ?, ?, ?)",
        table,
        change.inserted.length,
        change.updated.length,
        change.deleted.length,
      );
      if (sql.exec("SELECT 1 FROM tprobe_flags WHERE name = 'fail'").toArray().length > 0) {
        throw new Error("tprobe observer failed on purpose");
      }
      // After commit only: a rolled-back write never reaches memory.
      return () => {
        memory.committed++;
      };
    },
    usesOf: (table) =>
      sql.exec("SELECT 1 FROM tprobe_flags WHERE name = ?", `use:${table}`).toArray().length > 0
        ? [`probe over ${table}`]
        : [],
    onTableDropped: (table) => {
      sql.exec("DELETE FROM tprobe_flags WHERE name = ?", `use:${table}`);
    },
  };
}

/** The probe's definition: it requires tables and subscribes to their events in `create`. */
function tprobeCapability(): CapabilityDefinition<Capability> {
  return {
    name: "tprobe",
    requires: [TABLES],
    create(ports, required) {
      const memory = { committed: 0 };
      required.get<TablesCapability>(TABLES).tables.subscribe(probeSubscriber(ports, memory));
      return observerProbe(ports.sql, memory);
    },
  };
}

/** The tables capability and the observer probe, composed like TenantDO composes its capabilities. */
export class TestTablesDO extends DOBase<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.use(platformScheduler());
    this.use(tablesCapability());
    this.use(tprobeCapability());
  }
}
