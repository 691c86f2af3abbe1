/**
 * Tracking and schema changes: the bad-input list of `track`, `addColumn` through the catalog
 * (triggers regenerated in the DDL transaction, a new CDC schema version), drift repaired at
 * start and at every drain (a missing trigger, a column added outside the catalog), and drops
 * with and without `force`. Old events stay readable with their old schema.
 */
import { errorCodeOf } from "@durable/core";
import { describe, expect, it } from "vitest";
import type { ChangeEvent } from "../src/index.ts";
import { codeOf, ORDERS, readAll, setup } from "./helpers.ts";

describe("tracking", () => {
  it("refuses bad names, unknown tables, other options, and snapshots over the cap (no triggers left)", async () => {
    const { tables, cdc, sql } = await setup({ config: { maxSnapshotRows: 3 } });
    tables.createTable(ORDERS);
    expect(codeOf(() => cdc.track("Bad-Name"))).toBe("INVALID_TABLE");
    expect(codeOf(() => cdc.track("cdc_changes"))).toBe("INVALID_TABLE");
    expect(codeOf(() => cdc.track("t_orders"))).toBe("INVALID_TABLE");
    expect(codeOf(() => cdc.track("nope"))).toBe("TABLE_NOT_FOUND");
    expect(codeOf(() => cdc.track("orders", { excludeColumns: ["id"] }))).toBe("INVALID_INPUT");
    tables.insert("orders", [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }]);
    expect(codeOf(() => cdc.track("orders"))).toBe("SNAPSHOT_TOO_LARGE");
    expect(sql.exec("SELECT count(*) AS n FROM sqlite_master WHERE type = 'trigger'").one().n).toBe(0);
    expect(cdc.track("orders", { snapshot: false })).toMatchObject({ created: true, snapshotEndLsn: 0 });
    expect(cdc.track("orders", { snapshot: false }).created).toBe(false);
    expect(codeOf(() => cdc.track("orders", { snapshot: true }))).toBe("ALREADY_TRACKED");
    expect(readAll(cdc)).toHaveLength(0);
  });

  it("addColumn bumps the CDC schema version in the DDL transaction; old events keep theirs", async () => {
    const { tables, cdc } = await setup();
    tables.createTable(ORDERS);
    cdc.track("orders");
    tables.insert("orders", [{ id: 1, customer: "a" }]);
    tables.addIndex("orders", { columns: ["customer"] });
    tables.insert("orders", [{ id: 2 }]);
    tables.addColumn("orders", { name: "note", type: "text" });
    tables.insert("orders", [{ id: 3, note: "hi" }]);
    const events = readAll(cdc) as ChangeEvent[];
    expect(events.map((e) => e.source.schemaVersion)).toEqual([1, 1, 2]);
    expect(events[0]?.after).not.toHaveProperty("note");
    expect(events[2]?.after).toMatchObject({ id: 3, note: "hi" });
    expect(cdc.schema("orders", 2).columns.map((c) => c.name)).toContain("note");
    expect(codeOf(() => cdc.schema("orders", 9))).toBe("SCHEMA_NOT_FOUND");
    expect(cdc.metrics().schemaDriftTotal).toBe(0);
  });

  it("repairs drift at the next drain: a dropped trigger, a column added outside the catalog", async () => {
    const { tables, cdc, sql } = await setup();
    tables.createTable(ORDERS);
    cdc.track("orders");
    sql.exec('DROP TRIGGER "cdc_trg_orders_u"');
    tables.insert("orders", [{ id: 1 }]);
    await cdc.drain();
    expect(cdc.metrics().schemaDriftTotal).toBe(1);
    tables.update("orders", 1, { amount: 3 });
    sql.exec('ALTER TABLE "t_orders" ADD COLUMN extra TEXT');
    await cdc.drain();
    expect(cdc.metrics().schemaDriftTotal).toBe(2);
    sql.exec(`UPDATE "t_orders" SET extra = 'raw' WHERE id = 1`);
    const events = readAll(cdc) as ChangeEvent[];
    expect(events.map((e) => e.op)).toEqual(["c", "u", "u"]);
    expect(events[2]?.after).toMatchObject({ extra: "raw" });
    expect(events[2]?.source.schemaVersion).toBe(2);
  });

  it("a tracked table cannot be dropped without force; with force its events stay readable", async () => {
    const { tables, cdc, sql } = await setup();
    tables.createTable(ORDERS);
    cdc.track("orders");
    tables.insert("orders", [{ id: 1 }]);
    let code: string | undefined;
    try {
      tables.dropTable("orders");
    } catch (err) {
      code = errorCodeOf(err);
      expect((err as Error).message).toMatch(/cdc: tracking/);
    }
    expect(code).toBe("TABLE_IN_USE");
    tables.dropTable("orders", true);
    expect(sql.exec("SELECT count(*) AS n FROM sqlite_master WHERE type = 'trigger'").one().n).toBe(0);
    expect(readAll(cdc)).toHaveLength(1);
    expect(cdc.tracked()[0]).toMatchObject({ table: "orders", tracking: false });
    // Untracked: a table of that name is free, and writes to it are not captured until tracked.
    tables.createTable(ORDERS);
    tables.insert("orders", [{ id: 2 }]);
    expect(readAll(cdc)).toHaveLength(1);
  });

  it("untrack drops the triggers, keeps events, and unknown tables are NOT_TRACKED", async () => {
    const { tables, cdc } = await setup();
    tables.createTable(ORDERS);
    cdc.track("orders");
    tables.insert("orders", [{ id: 1 }]);
    cdc.untrack("orders");
    tables.insert("orders", [{ id: 2 }]);
    expect(readAll(cdc)).toHaveLength(1);
    expect(codeOf(() => cdc.untrack("orders"))).toBe("NOT_TRACKED");
    tables.dropTable("orders");
  });
});
