/**
 * `CdcInbox` and the invariants, with fast-check: duplicates and reordering apply once; a DLQ
 * replay of an old LSN long after applies once; random writes (some transactions throwing)
 * replayed over the snapshot rebuild the table with strictly increasing LSNs; random crashes
 * and duplicate deliveries apply each LSN exactly once.
 */
import { openSqlite } from "@durable/core/node";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CdcInbox, type ChangeEvent } from "../src/index.ts";
import { ORDERS, readAll, setup } from "./helpers.ts";

const ev = (tenant: string, lsn: number): ChangeEvent => ({
  id: `${tenant}:${lsn}`,
  op: "c",
  key: { id: lsn },
  before: null,
  after: { id: lsn },
  source: { tenant, table: "t", lsn, txId: lsn, ts_ms: 0, schemaVersion: 1 },
  ts_ms: 0,
});

describe("CdcInbox", () => {
  it("applies each (tenant, lsn) once across duplicates, reordering, tenants and old replays", () => {
    const db = openSqlite();
    db.sql.exec("CREATE TABLE effects (source TEXT, lsn INTEGER)");
    const inbox = new CdcInbox(db, "mirror");
    const fx = (e: ChangeEvent) => void db.sql.exec("INSERT INTO effects VALUES (?, ?)", e.source.tenant, e.source.lsn);
    expect(inbox.apply([ev("a", 1), ev("a", 2), ev("a", 4)], fx).applied).toBe(3);
    expect(inbox.apply([ev("a", 4), ev("a", 3), ev("a", 2), ev("b", 2)], fx)).toMatchObject({
      applied: 2,
      duplicates: 2,
    });
    expect(inbox.state("a")).toEqual({ watermark: 4, ranges: [] });
    // A range covering filtered-out LSNs moves the watermark past them.
    inbox.apply([ev("a", 9)], fx, { tenant: "a", fromLsn: 5, toLsn: 12 });
    expect(inbox.state("a")).toEqual({ watermark: 12, ranges: [] });
    // A hole (dead-lettered 13–14) keeps the watermark; later LSNs are kept exactly, then merged.
    inbox.apply([ev("a", 15)], fx, { tenant: "a", fromLsn: 15, toLsn: 20 });
    expect(inbox.state("a")).toEqual({ watermark: 12, ranges: [[15, 20]] });
    inbox.apply([ev("a", 14), ev("a", 13), ev("a", 15)], fx);
    expect(inbox.state("a")).toEqual({ watermark: 20, ranges: [] });
    expect(inbox.apply([ev("a", 13)], fx).duplicates).toBe(1);
    const n = db.sql.exec("SELECT count(*) AS n, count(DISTINCT source || ':' || lsn) AS d FROM effects").one();
    expect(n.n).toBe(n.d);
    expect(n.n).toBe(9);
  });

  it("a throwing effect records nothing", () => {
    const db = openSqlite();
    const inbox = new CdcInbox(db, "x");
    expect(() =>
      inbox.apply([ev("a", 1)], () => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(inbox.seen("a", 1)).toBe(false);
    expect(() => new CdcInbox(db, "Bad Name")).toThrow(/INVALID_INPUT/);
  });

  it("property: random crashes and duplicate deliveries apply every LSN exactly once", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 8 }), fc.boolean()), {
          minLength: 1,
          maxLength: 40,
        }),
        (deliveries) => {
          const db = openSqlite();
          db.sql.exec("CREATE TABLE effects (lsn INTEGER)");
          const inbox = new CdcInbox(db, "p");
          const expected = new Set<number>();
          for (const [start, len, crash] of deliveries) {
            const events = Array.from({ length: len }, (_, i) => ev("a", start + i));
            try {
              inbox.apply(events, (e) => {
                db.sql.exec("INSERT INTO effects VALUES (?)", e.source.lsn);
                if (crash && e.source.lsn === start + len - 1) throw new Error("crash");
              });
              for (const e of events) expected.add(e.source.lsn);
            } catch {
              // rolled back: nothing of this delivery counts
            }
          }
          const rows = db.sql
            .exec<{ lsn: number }>("SELECT lsn FROM effects ORDER BY lsn")
            .toArray()
            .map((r) => r.lsn);
          expect(rows).toEqual([...expected].sort((x, y) => x - y));
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("property: the log rebuilds the table", () => {
  it("random writes, some transactions throwing, replayed over the snapshot equal the table; LSNs strictly increase", async () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant("upsert" as const),
        ids: fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 5 }),
        amount: fc.integer(),
      }),
      fc.record({
        kind: fc.constant("delete" as const),
        ids: fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 5 }),
      }),
      fc.record({ kind: fc.constant("update" as const), id: fc.integer({ min: 1, max: 30 }), amount: fc.integer() }),
      fc.record({ kind: fc.constant("throw" as const), id: fc.integer({ min: 1, max: 30 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 25 }), fc.integer({ min: 0, max: 10 }), async (ops, seedRows) => {
        const { tables, cdc } = await setup();
        tables.createTable(ORDERS);
        if (seedRows > 0)
          tables.insert(
            "orders",
            Array.from({ length: seedRows }, (_, i) => ({ id: i + 1, amount: i })),
          );
        cdc.track("orders");
        for (const o of ops) {
          try {
            if (o.kind === "upsert")
              tables.upsert(
                "orders",
                [...new Set(o.ids)].map((id) => ({ id, amount: o.amount })),
              );
            else if (o.kind === "delete") tables.delete("orders", o.ids);
            else if (o.kind === "update") tables.update("orders", o.id, { amount: o.amount });
            else
              tables.events.transact(() => {
                tables.upsert("orders", [{ id: o.id, amount: -1 }]);
                throw new Error("rolled back");
              });
          } catch {
            // ROW_NOT_FOUND or the rolled-back transaction: nothing captured
          }
        }
        const events = readAll(cdc) as ChangeEvent[];
        const lsns = events.map((e) => e.source.lsn);
        expect(lsns.every((l, i) => i === 0 || l > (lsns[i - 1] as number))).toBe(true);
        const rebuilt = new Map<number, unknown>();
        for (const e of events) {
          if (e.op === "d") rebuilt.delete(e.key.id as number);
          else rebuilt.set(e.key.id as number, e.after);
        }
        const rows = tables.scan("orders", { limit: 1000 }).rows;
        expect([...rebuilt.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1])).toEqual(rows);
      }),
      { numRuns: 40 },
    );
  });
});
