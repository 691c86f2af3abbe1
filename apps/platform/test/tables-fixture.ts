/**
 * `TestTablesDO`: a DOBase composing the real tables capability through DOBase's write-path
 * seam, plus `tprobe`, a test-only capability whose `onRowsWritten` records every change and
 * throws while a flag is set, and which registers as a table user of the tables named in its
 * flags (`use:<table>`). Production DOs never compose it, so no tenant can trigger a throwing
 * observer.
 */

import type { Capability } from "@durable/core";
import { createTablesCapability, type TableUser } from "@durable/tables";
import type { DOPorts } from "../src/index.ts";
import { DOBase } from "../src/index.ts";

function observerProbe({ sql }: DOPorts): Capability {
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
    onRowsWritten(table, change) {
      // Written inside the write's transaction: rolled back with it when this throws.
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
        path: "/tprobe/calls",
        handle: () => ({ calls: sql.exec("SELECT * FROM tprobe_calls ORDER BY rowid").toArray() }),
      },
    ],
  };
}

/** A table user that depends on every table named by a `use:<table>` flag (as a rollup would). */
function probeUser({ sql }: DOPorts): TableUser {
  return {
    name: "tprobe",
    usesOf: (table) =>
      sql.exec("SELECT 1 FROM tprobe_flags WHERE name = ?", `use:${table}`).toArray().length > 0
        ? [`probe over ${table}`]
        : [],
    onTableDropped: (table) => {
      sql.exec("DELETE FROM tprobe_flags WHERE name = ?", `use:${table}`);
    },
  };
}

/** The tables capability and the observer probe, composed like TenantDO composes its capabilities. */
export class TestTablesDO extends DOBase<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const tables = createTablesCapability(this.ports, { observers: [this.rowsWritten] });
    tables.tables.registerUser(probeUser(this.ports));
    this.use(tables).use(observerProbe(this.ports));
  }
}
