/**
 * Versions follow the write path: a write through `Tables` makes an entry stale at once (served
 * within budget with a refresh started on that request); a rolled-back write and a no-op upsert
 * bump nothing; a forced drop (and a schema change) deletes the table's cached answers in the
 * drop's transaction; the router never vetoes a drop.
 */
import { describe, expect, it } from "vitest";
import { BY_KIND, createEvents, eventRows, routerHost } from "./helpers.ts";

async function withEvents() {
  const h = await routerHost();
  createEvents(h.tables);
  h.tables.insert("events", eventRows(200));
  return h;
}

const versionOf = (h: Awaited<ReturnType<typeof withEvents>>) =>
  h.db.sql.exec<{ version: number }>("SELECT version FROM qr_table_versions WHERE table_name = 'events'").one().version;

describe("write-path versions", () => {
  it("a write makes the entry stale at once; the next answer includes it", async () => {
    const h = await withEvents();
    const before = await h.router.query(BY_KIND);
    const v = versionOf(h);
    h.tables.insert("events", eventRows(10, 1_000));
    expect(versionOf(h)).toBe(v + 1);
    const stale = await h.router.query(BY_KIND);
    expect(stale.meta).toMatchObject({ source: "cache", stale: true, revalidating: true, ageMs: 0 });
    expect(stale.rows).toEqual(before.rows);
    await h.host.background.settled();
    const fresh = await h.router.query(BY_KIND);
    expect(fresh.meta).toMatchObject({ source: "cache", stale: false });
    const total = (rows: typeof fresh.rows) => rows.reduce((n, r) => n + Number(r.count), 0);
    expect(total(fresh.rows)).toBe(total(before.rows) + 10);
  });

  it("one bump per write call, however many rows", async () => {
    const h = await withEvents();
    const v = versionOf(h);
    h.tables.insert("events", eventRows(500, 5_000));
    expect(versionOf(h)).toBe(v + 1);
  });

  it("a no-op upsert bumps nothing and the entry stays fresh", async () => {
    const h = await withEvents();
    await h.router.query(BY_KIND);
    const v = versionOf(h);
    h.tables.upsert("events", eventRows(50));
    expect(versionOf(h)).toBe(v);
    expect((await h.router.query(BY_KIND)).meta.stale).toBe(false);
  });

  it("a write another hook rolls back bumps nothing (SQLite nor memory)", async () => {
    const h = await withEvents();
    await h.router.query(BY_KIND);
    const v = versionOf(h);
    const unsubscribe = h.tables.subscribe({
      name: "vetoing",
      onRowsChanged: () => {
        throw new Error("no");
      },
    });
    expect(() => h.tables.insert("events", eventRows(3, 9_000))).toThrow("no");
    unsubscribe();
    expect(versionOf(h)).toBe(v);
    const again = await h.router.query(BY_KIND);
    expect(again.meta).toMatchObject({ source: "cache", stale: false, revalidating: false });
  });

  it("never vetoes a drop; a forced drop deletes the table's entries in that transaction", async () => {
    const h = await withEvents();
    await h.router.query(BY_KIND);
    await h.router.query({ ...BY_KIND, limit: 5 });
    expect(h.tables.events.usesOf("events").filter((u) => u.startsWith("query"))).toEqual([]);
    h.tables.dropTable("events", true);
    expect(h.db.sql.exec("SELECT count(*) AS n FROM qr_results").one().n).toBe(0);
    createEvents(h.tables);
    h.tables.insert("events", eventRows(3));
    const fresh = await h.router.query(BY_KIND);
    expect(fresh.meta.source).toBe("local");
    expect(fresh.rows.reduce((n, r) => n + Number(r.count), 0)).toBe(3);
  });

  it("a schema change bumps the version and drops the entries", async () => {
    const h = await withEvents();
    await h.router.query(BY_KIND);
    const v = versionOf(h);
    h.tables.addColumn("events", { name: "note", type: "text" });
    expect(versionOf(h)).toBe(v + 1);
    expect((await h.router.query(BY_KIND)).meta.source).toBe("local");
  });

  it("versions survive a restart of the DO (loaded on start)", async () => {
    const h = await withEvents();
    await h.router.query(BY_KIND);
    h.tables.insert("events", eventRows(1, 7_000));
    h.router.forgetMemory();
    h.router.start();
    const a = await h.router.query(BY_KIND);
    expect(a.meta).toMatchObject({ source: "cache", stale: true });
  });
});
