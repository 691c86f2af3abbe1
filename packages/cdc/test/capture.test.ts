/**
 * Capture by triggers: c/u/d through every write call of the tables, all seven column types,
 * composite and text keys, raw writes outside the wrapper, one txId per write call, LSNs
 * that never go back (also after a purge), and a snapshot plus changes rebuilding the table.
 * Does not cover consumers or sinks (consumers.test.ts, sinks.test.ts).
 */
import { describe, expect, it } from "vitest";
import type { ChangeEvent } from "../src/index.ts";
import { ALL_TYPES, ORDERS, readAll, setup } from "./helpers.ts";

describe("capture", () => {
  it("captures insert, upsert, update and delete with one txId per call, in client form", async () => {
    const { tables, cdc } = await setup();
    tables.createTable(ALL_TYPES);
    expect(cdc.track("things").snapshotEndLsn).toBe(0);
    const bytes = new Uint8Array([0, 1, 254, 255]);
    tables.insert("things", [
      { id: 1, price: 1.5, label: "a'b\"c", data: bytes, ok: true, at: "2024-03-10T09:00:00Z", doc: { x: [1, "y"] } },
      { id: 2 },
    ]);
    tables.upsert("things", [
      { id: 2, label: "two" },
      { id: 3, ok: false },
    ]);
    tables.update("things", 1, { price: 2.25 });
    tables.delete("things", [3]);
    const events = readAll(cdc) as ChangeEvent[];
    expect(events.map((e) => [e.op, e.key.id])).toEqual([
      ["c", 1],
      ["c", 2],
      ["u", 2],
      ["c", 3],
      ["u", 1],
      ["d", 3],
    ]);
    const [c1, c2, u2, c3, u1, d3] = events as [
      ChangeEvent,
      ChangeEvent,
      ChangeEvent,
      ChangeEvent,
      ChangeEvent,
      ChangeEvent,
    ];
    expect(c1.after).toEqual({
      id: 1,
      price: 1.5,
      label: "a'b\"c",
      data: Buffer.from(bytes).toString("base64"),
      ok: true,
      at: Date.UTC(2024, 2, 10, 9),
      doc: { x: [1, "y"] },
    });
    expect(c1.before).toBeNull();
    expect(c2.after).toEqual({ id: 2, price: null, label: null, data: null, ok: null, at: null, doc: null });
    expect(u2.before?.label).toBeNull();
    expect(u2.after?.label).toBe("two");
    expect(u1.before?.price).toBe(1.5);
    expect(u1.after?.price).toBe(2.25);
    expect(d3.after).toBeNull();
    expect(d3.before?.ok).toBe(false);
    expect(c1.source.txId).toBe(c2.source.txId);
    expect(u2.source.txId).toBe(c3.source.txId);
    expect(new Set(events.map((e) => e.source.txId)).size).toBe(4);
    expect(events.map((e) => e.source.lsn)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(c1.id).toBe("acme:1");
    expect(c1.source).toMatchObject({ tenant: "acme", table: "things", schemaVersion: 1 });
    expect(Math.abs(c1.source.ts_ms - Date.now())).toBeLessThan(60_000);
  });

  it("captures composite and text keys", async () => {
    const { tables, cdc } = await setup();
    tables.createTable({
      name: "legs",
      columns: [
        { name: "carrier", type: "text" },
        { name: "day", type: "timestamp" },
        { name: "seats", type: "integer" },
      ],
      primaryKey: ["carrier", "day"],
    });
    cdc.track("legs");
    tables.insert("legs", [{ carrier: "UA", day: "2024-03-10", seats: 3 }]);
    tables.update("legs", ["UA", "2024-03-10"], { seats: 4 });
    tables.delete("legs", [{ carrier: "UA", day: Date.UTC(2024, 2, 10) }]);
    const events = readAll(cdc) as ChangeEvent[];
    expect(events.map((e) => e.op)).toEqual(["c", "u", "d"]);
    for (const e of events) expect(e.key).toEqual({ carrier: "UA", day: Date.UTC(2024, 2, 10) });
  });

  it("captures raw writes outside the wrapper, each with its own txId, and wakes a drain for wrapped ones", async () => {
    const { tables, cdc, sql, host } = await setup();
    tables.createTable(ORDERS);
    cdc.track("orders");
    sql.exec(`INSERT INTO "t_orders" (id, customer) VALUES (1, 'x'), (2, 'y')`);
    sql.exec(`UPDATE "t_orders" SET amount = 5 WHERE id = 1`);
    const raw = readAll(cdc) as ChangeEvent[];
    expect(raw.map((e) => e.op)).toEqual(["c", "c", "u"]);
    expect(raw.map((e) => e.source.txId)).toEqual([1, 2, 3]);
    expect(host.wakes.pending().some((w) => w.key === "drain")).toBe(false);
    tables.insert("orders", [{ id: 3 }, { id: 4 }]);
    const wrapped = (readAll(cdc) as ChangeEvent[]).slice(3);
    expect(wrapped.map((e) => e.source.txId)).toEqual([4, 4]);
    expect(host.wakes.pending().some((w) => w.owner === "cdc" && w.key === "drain")).toBe(true);
  });

  it("a rolled-back write leaves no change row; LSNs keep rising after a purge empties the log", async () => {
    const { tables, cdc, sql } = await setup();
    tables.createTable(ORDERS);
    cdc.track("orders");
    tables.insert("orders", [{ id: 1 }]);
    expect(() => tables.insert("orders", [{ id: 2 }, { id: 1 }])).toThrow();
    expect(readAll(cdc)).toHaveLength(1);
    // A throwing subscriber rolls the change rows back with the write.
    const off = tables.subscribe({
      name: "boom",
      onRowsChanged: () => {
        throw new Error("on purpose");
      },
    });
    expect(() => tables.insert("orders", [{ id: 9 }])).toThrow(/on purpose/);
    off();
    expect(readAll(cdc)).toHaveLength(1);
    cdc.createConsumer({ name: "p", sink: { type: "pull" } });
    cdc.commit("p", 1);
    await cdc.drain();
    expect(sql.exec("SELECT count(*) AS n FROM cdc_changes").one().n).toBe(0);
    tables.insert("orders", [{ id: 2 }]);
    const page = cdc.pull("p");
    expect(page.events.map((e) => e.source.lsn)).toEqual([2]);
  });

  it("a snapshot plus the changes after it rebuild the table", async () => {
    const { tables, cdc } = await setup();
    tables.createTable(ORDERS);
    tables.insert(
      "orders",
      Array.from({ length: 50 }, (_, i) => ({ id: i + 1, customer: `c${i}`, amount: i })),
    );
    const t = cdc.track("orders");
    expect(t.snapshotEndLsn).toBe(50);
    expect(cdc.track("orders")).toMatchObject({ created: false, snapshotEndLsn: 50 });
    tables.update("orders", 7, { amount: 700 });
    tables.delete("orders", [8, 9]);
    tables.upsert("orders", [{ id: 60, customer: "new" }]);
    const events = readAll(cdc) as ChangeEvent[];
    expect(events.slice(0, 50).every((e) => e.op === "r" && e.source.txId === events[0]?.source.txId)).toBe(true);
    const rebuilt = new Map<number, unknown>();
    for (const e of events) {
      if (e.op === "d") rebuilt.delete(e.key.id as number);
      else rebuilt.set(e.key.id as number, e.after);
    }
    const actual = tables.scan("orders", { limit: 1000 }).rows;
    expect([...rebuilt.values()]).toEqual(expect.arrayContaining(actual));
    expect(rebuilt.size).toBe(actual.length);
  });

  it("excludeColumns leaves columns out; an update of only excluded columns is no event", async () => {
    const { tables, cdc } = await setup();
    tables.createTable(ORDERS);
    cdc.track("orders", { excludeColumns: ["customer"] });
    tables.insert("orders", [{ id: 1, customer: "x", amount: 1 }]);
    tables.update("orders", 1, { customer: "y" });
    const events = readAll(cdc) as ChangeEvent[];
    expect(events).toHaveLength(1);
    expect(events[0]?.after).toEqual({ id: 1, amount: 1, status: null });
  });
});

describe("an idle tenant", () => {
  it("asks for no wake-up until a table is tracked", async () => {
    const { host, cdc, tables } = await setup();
    expect(host.wakes.pending()).toEqual([]);
    tables.createTable(ORDERS);
    cdc.track("orders");
    expect(host.wakes.pending().map((w) => w.key)).toEqual(["heartbeat"]);
  });
});
