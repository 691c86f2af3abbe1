/**
 * Proves that the statement and value limits of DO SQLite (100 KB of SQL text, ≤ 2 MiB per
 * bound value) hold where input size is not bounded by the row count alone: multi-byte column
 * defaults in a 100-column DDL, long text keys in upserts and deletes (bound as one JSON list),
 * long values in `in` lists, and wide tables of long text values. Each case either succeeds or
 * gets a 4xx code, never a raw SQLite error. Does not prove workerd's own limits
 * (apps/platform/test/tables-limits.test.ts).
 */
import { describe, expect, it } from "vitest";
import { failure, open } from "./helpers.ts";

describe("statement and value limits", () => {
  it("measures a default's size in UTF-8 bytes, so 100 multi-byte defaults give 400, not a too-long DDL", () => {
    const { tables } = open();
    const columns = [
      { name: "id", type: "integer" },
      ...Array.from({ length: 99 }, (_, i) => ({ name: `c${i}`, type: "text", default: "€".repeat(500) })),
    ];
    expect(failure(() => tables.createTable({ name: "wide", columns, primaryKey: "id" }))).toMatch(
      /^INVALID_SCHEMA 400 columns\[1\]\.default: default is longer than 512 bytes/,
    );
    expect(tables.listTables()).toEqual([]);
  });

  it("refuses a text default with a NUL character (it would cut the DDL short) with 400, on create and addColumn", () => {
    const { tables } = open();
    const columns = [
      { name: "id", type: "integer" },
      { name: "t", type: "text", default: "x\u0000y" },
    ];
    expect(failure(() => tables.createTable({ name: "a", columns, primaryKey: "id" }))).toMatch(
      /^INVALID_SCHEMA 400 columns\[1\]\.default: a text default may not contain the NUL character/,
    );
    tables.createTable({ name: "a", columns: [{ name: "id", type: "integer" }], primaryKey: "id" });
    expect(failure(() => tables.addColumn("a", { name: "t", type: "text", default: "\u0000" }))).toMatch(
      /^INVALID_SCHEMA 400 default:/,
    );
    expect(tables.describeTable("a").version).toBe(1);
  });

  it("upserts, reads and deletes rows whose text keys alone are 1.2 MB (too long for a key list)", () => {
    const { tables } = open();
    tables.createTable({
      name: "docs",
      columns: [
        { name: "k", type: "text" },
        { name: "v", type: "integer" },
      ],
      primaryKey: "k",
    });
    const a = `a${"k".repeat(1_200_000)}`;
    const b = `b${"k".repeat(1_200_000)}`;
    expect(
      tables.upsert("docs", [
        { k: a, v: 1 },
        { k: "short", v: 1 },
      ]),
    ).toEqual({ inserted: 2, updated: 0 });
    expect(
      tables.upsert("docs", [
        { k: a, v: 2 },
        { k: b, v: 2 },
      ]),
    ).toEqual({ inserted: 1, updated: 1 });
    expect(tables.get("docs", a)).toEqual({ k: a, v: 2 });
    expect(tables.delete("docs", [a, "short", b, "absent"])).toEqual({ deleted: 3 });
    expect(tables.count("docs")).toBe(0);
  });

  it("upserts and deletes 1,000 rows whose text keys are 3 KB each (3 MB of keys)", () => {
    const { tables } = open();
    tables.createTable({
      name: "docs",
      columns: [
        { name: "k", type: "text" },
        { name: "v", type: "integer" },
      ],
      primaryKey: "k",
    });
    const key = (i: number) => `${String(i).padStart(4, "0")}${"k".repeat(3000)}`;
    const rows = Array.from({ length: 1000 }, (_, i) => ({ k: key(i), v: i }));
    expect(tables.upsert("docs", rows)).toEqual({ inserted: 1000, updated: 0 });
    expect(
      tables.upsert(
        "docs",
        rows.map((r) => ({ ...r, v: r.v + 1 })),
      ),
    ).toEqual({ inserted: 0, updated: 1000 });
    expect(tables.get("docs", key(999))).toEqual({ k: key(999), v: 1000 });
    expect(
      tables.delete(
        "docs",
        rows.map((r) => r.k),
      ),
    ).toEqual({ deleted: 1000 });
    expect(tables.count("docs")).toBe(0);
  });

  it("answers an in list too large to bind with 400 INVALID_PREDICATE", () => {
    const { tables } = open();
    tables.createTable({
      name: "docs",
      columns: [
        { name: "k", type: "text" },
        { name: "v", type: "integer" },
      ],
      primaryKey: "k",
    });
    tables.insert("docs", [{ k: "a", v: 1 }]);
    const values = Array.from({ length: 1000 }, (_, i) => `${i}${"x".repeat(3000)}`);
    expect(failure(() => tables.count("docs", { col: "k", op: "in", values }))).toMatch(/^INVALID_PREDICATE 400 /);
    expect(tables.count("docs", { col: "k", op: "in", values: [...values.slice(0, 10), "a"] })).toBe(1);
  });

  it("writes a 100-column table of long text values (each statement far over 100 KB of bound data)", () => {
    const { tables } = open();
    const columns = [
      { name: "id", type: "integer" },
      ...Array.from({ length: 99 }, (_, i) => ({
        name: `column_with_a_rather_long_name_${String(i).padStart(3, "0")}`,
        type: "text",
      })),
    ];
    tables.createTable({ name: "wide", columns, primaryKey: "id" });
    const row = (id: number) => {
      const r: Record<string, unknown> = { id };
      for (let i = 0; i < 99; i++)
        r[`column_with_a_rather_long_name_${String(i).padStart(3, "0")}`] = `${id}:${"v".repeat(20_000)}`;
      return r;
    };
    const rows = Array.from({ length: 20 }, (_, i) => row(i));
    expect(tables.insert("wide", rows)).toEqual({ inserted: 20, updated: 0 });
    expect(tables.upsert("wide", rows)).toEqual({ inserted: 0, updated: 0 });
    expect(
      tables.upsert(
        "wide",
        rows.map((r) => ({ ...r, column_with_a_rather_long_name_000: "changed" })),
      ),
    ).toEqual({ inserted: 0, updated: 20 });
    tables.upsert("wide", rows);
    expect(tables.count("wide")).toBe(20);
    expect(tables.get("wide", 19)).toEqual(row(19));
  });

  it("ends a scan page at 8 MiB of stored values, and paging still returns every row once", () => {
    const { tables } = open();
    tables.createTable({
      name: "docs",
      columns: [
        { name: "k", type: "integer" },
        { name: "body", type: "text" },
      ],
      primaryKey: "k",
    });
    for (let i = 0; i < 4; i++) {
      tables.insert(
        "docs",
        Array.from({ length: 5 }, (_, j) => ({ k: i * 5 + j, body: `${i * 5 + j}`.padEnd(1_500_000, "b") })),
      );
    }
    const first = tables.scan("docs", { limit: 1000 });
    // 1.5 MB rows: the page closes after the row that reaches 8 MiB (6 rows), not at 20.
    expect(first.rows.map((r) => r.k)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(first.cursor).not.toBeNull();
    const seen: unknown[] = [];
    let cursor: string | undefined;
    do {
      const page = tables.scan("docs", { limit: 1000, ...(cursor ? { cursor } : {}) });
      seen.push(...page.rows.map((r) => r.k));
      cursor = page.cursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(tables.scan("docs", { limit: 3 }).rows).toHaveLength(3);
  });
});
