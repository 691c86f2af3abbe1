/**
 * Proves row operations: batches of 1 and 10,000 rows are all or nothing (a bad row or a
 * duplicate key anywhere writes nothing), parameter batching holds for a 100-column table with
 * 10,000 rows, upsert/update/get/delete and their error codes, keyset paging with no duplicate
 * or missing row while rows are inserted between pages, predicates and cursors that are bad.
 * Does not prove the observers (write-path.test.ts) or the HTTP mapping.
 */
import { describe, expect, it } from "vitest";
import { FLIGHTS, failure, open } from "./helpers.ts";

const flight = (id: number, extra: Record<string, unknown> = {}) => ({
  id,
  date: 1_000_000 + id,
  delay: id % 7,
  distance: 100 + (id % 50),
  origin: ["SFO", "LAX", "JFK", "SEA"][id % 4],
  destination: "ORD",
  ...extra,
});

function withFlights(n = 0) {
  const h = open();
  h.tables.createTable(FLIGHTS);
  if (n > 0)
    h.tables.insert(
      "flights",
      Array.from({ length: n }, (_, i) => flight(i + 1)),
    );
  return h;
}

describe("all-or-nothing batches", () => {
  it("writes 1 row and 10,000 rows", () => {
    const { tables } = withFlights();
    expect(tables.insert("flights", [flight(0)])).toEqual({ inserted: 1, updated: 0 });
    const rows = Array.from({ length: 10_000 }, (_, i) => flight(i + 1));
    expect(tables.insert("flights", rows)).toEqual({ inserted: 10_000, updated: 0 });
    expect(tables.count("flights")).toBe(10_001);
  });

  it("writes nothing when the 10,000th row is bad, or when one key is taken", () => {
    const { tables } = withFlights(1);
    const rows = Array.from({ length: 10_000 }, (_, i) => flight(i + 2));
    rows[9_999] = flight(10_001, { delay: "late" });
    expect(failure(() => tables.insert("flights", rows))).toMatch(/^INVALID_ROW 400 rows\[9999\]\.delay:/);
    rows[9_999] = flight(1);
    expect(failure(() => tables.insert("flights", rows))).toMatch(/^DUPLICATE_KEY 409/);
    expect(failure(() => tables.insert("flights", [flight(5), flight(5)]))).toMatch(/^DUPLICATE_KEY 409/);
    expect(failure(() => tables.insert("flights", [flight(5), { id: 6 }]))).toMatch(
      /^INVALID_ROW 400 rows\[1\]\.date: required/,
    );
    expect(tables.count("flights")).toBe(1);
  });

  it("refuses 0 and 10,001 rows", () => {
    const { tables } = withFlights();
    expect(failure(() => tables.insert("flights", []))).toMatch(/^INVALID_ROW 400 rows: at least one row/);
    expect(
      failure(() =>
        tables.insert(
          "flights",
          Array.from({ length: 10_001 }, (_, i) => flight(i)),
        ),
      ),
    ).toMatch(/^BATCH_TOO_LARGE 413/);
    expect(failure(() => tables.insert("flights", "nope"))).toMatch(/^INVALID_ROW 400/);
    expect(failure(() => tables.insert("flights", [null]))).toMatch(/^INVALID_ROW 400 rows\[0\]: a row is an object/);
  });

  it("batches a 100-column table with 10,000 rows under 100 bindings per statement", () => {
    const { tables, db } = open();
    tables.createTable({
      name: "wide",
      columns: Array.from({ length: 100 }, (_, i) => ({ name: `c${i}`, type: i % 2 ? "text" : "integer" })),
      primaryKey: "c0",
    });
    const rows = Array.from({ length: 10_000 }, (_, r) =>
      Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`c${i}`, i === 0 ? r : i % 2 ? `v${r}` : r * i])),
    );
    expect(tables.upsert("wide", rows)).toEqual({ inserted: 10_000, updated: 0 });
    expect(tables.get("wide", 9_999)).toMatchObject({ c0: 9_999, c1: "v9999", c98: 9_999 * 98 });
    expect(db.db.prepare("SELECT count(*) AS n FROM t_wide").get()).toEqual({ n: 10_000 });
    // Equal values change nothing; changed ones are updates.
    expect(tables.upsert("wide", rows.slice(0, 3000))).toEqual({ inserted: 0, updated: 0 });
    const changed = rows.slice(0, 3000).map((r) => ({ ...r, c1: `w${r.c0}` }));
    expect(tables.upsert("wide", changed)).toEqual({ inserted: 0, updated: 3000 });
    expect(
      tables.update(
        "wide",
        5,
        Object.fromEntries(Array.from({ length: 99 }, (_, i) => [`c${i + 1}`, i % 2 ? 0 : "z"])),
      ),
    ).toMatchObject({ c1: "z", c2: 0 });
  });
});

describe("upsert, update, get, delete", () => {
  it("upserts by key: new keys insert, taken keys replace, the last duplicate wins", () => {
    const { tables } = withFlights(3);
    expect(tables.upsert("flights", [flight(3, { delay: 99 }), flight(4), flight(4, { delay: 42 })])).toEqual({
      inserted: 1,
      updated: 1,
    });
    expect(tables.get("flights", 3).delay).toBe(99);
    expect(tables.get("flights", 4).delay).toBe(42);
  });

  it("updates one row, refuses a key column, a bad value and an unknown key", () => {
    const { tables } = withFlights(3);
    expect(tables.update("flights", 2, { delay: 7, origin: null })).toMatchObject({ id: 2, delay: 7, origin: null });
    expect(tables.get("flights", 2)).toMatchObject({ delay: 7, origin: null });
    expect(failure(() => tables.update("flights", 2, { id: 9 }))).toMatch(/^INVALID_ROW 400 set\.id: a primary key/);
    expect(failure(() => tables.update("flights", 2, { date: null }))).toMatch(
      /^INVALID_ROW 400 set\.date: the column is not nullable/,
    );
    expect(failure(() => tables.update("flights", 2, { delay: "x" }))).toMatch(/^INVALID_ROW 400 set\.delay:/);
    expect(failure(() => tables.update("flights", 2, {}))).toMatch(/^INVALID_ROW 400 set: at least one column/);
    expect(failure(() => tables.update("flights", 99, { delay: 1 }))).toMatch(/^ROW_NOT_FOUND 404/);
    expect(failure(() => tables.get("flights", 99))).toMatch(/^ROW_NOT_FOUND 404/);
    expect(failure(() => tables.get("flights", "x"))).toMatch(/^INVALID_KEY 400 key\.id:/);
    expect(failure(() => tables.get("flights", [1, 2]))).toMatch(/^INVALID_KEY 400 key: the key has 1 column/);
  });

  it("works with composite keys in every key form, and parses URL keys", () => {
    const { tables } = open();
    tables.createTable({
      name: "legs",
      columns: [
        { name: "flight", type: "text" },
        { name: "day", type: "timestamp" },
        { name: "n", type: "integer" },
      ],
      primaryKey: ["flight", "day"],
    });
    tables.insert("legs", [
      { flight: "UA,1", day: "2024-03-10", n: 1 },
      { flight: "UA 2", day: "2024-03-11", n: 2 },
    ]);
    expect(tables.get("legs", ["UA,1", "2024-03-10"]).n).toBe(1);
    expect(tables.get("legs", { flight: "UA 2", day: Date.UTC(2024, 2, 11) }).n).toBe(2);
    const codec = tables.rows.codec("legs");
    const key = codec.parseUrlKey(`${encodeURIComponent("UA,1")},${Date.UTC(2024, 2, 10)}`);
    expect(tables.rows.getByStoredKey("legs", key).n).toBe(1);
    expect(codec.parseUrlKey(`UA%202,${encodeURIComponent("2024-03-11T00:00:00Z")}`)).toEqual([
      "UA 2",
      Date.UTC(2024, 2, 11),
    ]);
    expect(failure(() => codec.parseUrlKey("only-one"))).toMatch(/^INVALID_KEY 400/);
    expect(failure(() => codec.parseUrlKey("%E0%A4%A,1"))).toMatch(/^INVALID_KEY 400/);
    expect(tables.delete("legs", [["UA,1", "2024-03-10"], { flight: "nope", day: 0 }])).toEqual({ deleted: 1 });
    expect(tables.count("legs")).toBe(1);
  });

  it("reads numeric URL keys only in decimal notation, so one row has one URL", () => {
    const { tables } = withFlights(20);
    const codec = tables.rows.codec("flights");
    expect(codec.parseUrlKey("16")).toEqual([16]);
    expect(codec.parseUrlKey("-3")).toEqual([-3]);
    for (const alias of ["0x10", "0o20", "0b10000", " 16", "16 ", "016", "+16", "", "Infinity"]) {
      expect({ alias, f: failure(() => codec.parseUrlKey(encodeURIComponent(alias))) }).toEqual({
        alias,
        f: expect.stringMatching(/^INVALID_KEY 400/),
      });
    }
  });

  it("deletes by key, all or nothing, skipping unknown keys", () => {
    const { tables } = withFlights(2_500);
    expect(failure(() => tables.delete("flights", [1, 2, "x"]))).toMatch(/^INVALID_KEY 400 keys\[2\]\.id:/);
    expect(tables.count("flights")).toBe(2_500);
    expect(
      tables.delete(
        "flights",
        Array.from({ length: 2_000 }, (_, i) => i + 1),
      ),
    ).toEqual({ deleted: 2_000 });
    expect(tables.delete("flights", [1, 2_001, 99_999])).toEqual({ deleted: 1 });
    expect(tables.count("flights")).toBe(499);
    expect(failure(() => tables.delete("flights", []))).toMatch(/^INVALID_KEY 400/);
    expect(
      failure(() =>
        tables.delete(
          "flights",
          Array.from({ length: 10_001 }, (_, i) => i),
        ),
      ),
    ).toMatch(/^BATCH_TOO_LARGE 413/);
  });
});

describe("scan and count", () => {
  it("filters with predicates, including ISO timestamps and booleans, and counts", () => {
    const { tables } = withFlights(100);
    expect(tables.count("flights", { col: "origin", op: "=", value: "SFO" })).toBe(25);
    expect(tables.count("flights", JSON.stringify({ col: "origin", op: "like", pattern: "S%" }))).toBe(50);
    expect(tables.count("flights", { col: "date", op: ">", value: new Date(1_000_050).toISOString() })).toBe(50);
    const page = tables.scan("flights", { where: { col: "delay", op: "in", values: [0] }, limit: 1000 });
    expect(page.rows.map((r) => r.id)).toEqual([7, 14, 21, 28, 35, 42, 49, 56, 63, 70, 77, 84, 91, 98]);
    expect(page.cursor).toBeNull();
    expect(failure(() => tables.count("flights", { col: "nope", op: "isNull" }))).toMatch(
      /^INVALID_PREDICATE 400 unknown column nope/,
    );
    expect(failure(() => tables.count("flights", { col: "delay", op: "=", value: "x" }))).toMatch(
      /^INVALID_PREDICATE 400 delay:/,
    );
    expect(failure(() => tables.scan("flights", { where: "{" }))).toMatch(/^INVALID_PREDICATE 400/);
    expect(failure(() => tables.scan("flights", { limit: 1001 }))).toMatch(/^INVALID_INPUT 400 limit/);
    expect(failure(() => tables.scan("flights", { orderBy: "nope" }))).toMatch(/^INVALID_PREDICATE 400 orderBy/);
  });

  it("pages by key and by a sort column with no duplicate or missing row while rows are inserted", () => {
    const { tables } = withFlights(1_000);
    let next = 10_000;
    for (const order of ["asc", "desc"] as const) {
      for (const orderBy of [undefined, "delay", "origin"]) {
        const seen: number[] = [];
        let cursor: string | undefined;
        for (let pages = 0; pages < 100; pages++) {
          const page = tables.scan("flights", { orderBy, order, limit: 77, ...(cursor ? { cursor } : {}) });
          seen.push(...page.rows.map((r) => r.id as number));
          if (!page.cursor) break;
          cursor = page.cursor;
          tables.insert("flights", [flight(next++)]);
        }
        const original = seen.filter((id) => id <= 1_000);
        expect(new Set(seen).size, `${orderBy} ${order}`).toBe(seen.length);
        expect(original.length, `${orderBy} ${order}`).toBe(1_000);
      }
    }
  });

  it("refuses a cursor from another order, a tampered one, and one from a dropped table", () => {
    const { tables } = withFlights(10);
    const { cursor } = tables.scan("flights", { orderBy: "delay", limit: 3 });
    expect(cursor).toMatch(/^c1\./);
    expect(failure(() => tables.scan("flights", { orderBy: "delay", order: "desc", cursor: cursor ?? "" }))).toMatch(
      /^INVALID_CURSOR 400/,
    );
    expect(failure(() => tables.scan("flights", { cursor: "c1.xyz" }))).toMatch(/^INVALID_CURSOR 400/);
    tables.dropTable("flights");
    tables.createTable(FLIGHTS);
    expect(failure(() => tables.scan("flights", { orderBy: "delay", cursor: cursor ?? "" }))).toMatch(
      /^INVALID_CURSOR 400/,
    );
  });
});
