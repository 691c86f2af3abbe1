/**
 * Proves keyset pagination: the cursor round-trips, is versioned and bound to its scope (bad
 * ones give INVALID_CURSOR), and paging in either direction over a nullable sort column returns
 * every row exactly once, also while rows are inserted between pages (fast-check). Does not
 * prove a particular caller's column mapping (tables tests do).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeCursor,
  encodeCursor,
  type KeysetSpec,
  keysetAfter,
  keysetOrderBy,
  keysetPositionOf,
  PlatformError,
  type SqlRow,
} from "../src/index.ts";
import { openSqlite } from "../src/node/index.ts";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof PlatformError ? err.code : String(err);
  }
  return undefined;
}

describe("cursor", () => {
  it("round-trips and refuses tampered, foreign-scope and other-version cursors", () => {
    const c = encodeCursor("orders|price|asc", [12.5, "k1", null]);
    expect(c).toMatch(/^c1\.[A-Za-z0-9_-]+$/);
    expect(decodeCursor(c, "orders|price|asc", 3)).toEqual([12.5, "k1", null]);
    expect(codeOf(() => decodeCursor(c, "orders|price|desc", 3))).toBe("INVALID_CURSOR");
    expect(codeOf(() => decodeCursor(c, "orders|price|asc", 2))).toBe("INVALID_CURSOR");
    expect(codeOf(() => decodeCursor(`c2.${c.slice(3)}`, "orders|price|asc", 3))).toBe("INVALID_CURSOR");
    expect(codeOf(() => decodeCursor("garbage", "s", 1))).toBe("INVALID_CURSOR");
    expect(codeOf(() => decodeCursor("c1.!!!", "s", 1))).toBe("INVALID_CURSOR");
    expect(codeOf(() => decodeCursor("c1.e30", "s", 1))).toBe("INVALID_CURSOR");
    expect(decodeCursor(encodeCursor("s", ["é✓"]), "s", 1)).toEqual(["é✓"]);
  });

  it("refuses a cursor whose position was edited but whose scope hash was kept", () => {
    const c = encodeCursor("orders|price|asc", [12.5, "k1"]);
    const [hash] = JSON.parse(atob(c.slice(3).replace(/-/g, "+").replace(/_/g, "/"))) as [string];
    const edited = `c1.${btoa(JSON.stringify([hash, 99, "k9"]))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "")}`;
    expect(codeOf(() => decodeCursor(edited, "orders|price|asc", 2))).toBe("INVALID_CURSOR");
    expect(decodeCursor(c, "orders|price|asc", 2)).toEqual([12.5, "k1"]);
  });
});

function pageAll(
  spec: KeysetSpec,
  sortName: string | undefined,
  pageSize: number,
  sql: ReturnType<typeof openSqlite>["sql"],
  between: (page: number) => void,
): [number, number][][] {
  const seen: [number, number][][] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    const after = cursor
      ? keysetAfter(spec, decodeCursor(cursor, "scope", spec.keys.length + (spec.sort ? 1 : 0)))
      : undefined;
    const rows = sql
      .exec<SqlRow>(
        `SELECT * FROM t ${after ? `WHERE ${after.sql}` : ""} ORDER BY ${keysetOrderBy(spec)} LIMIT ?`,
        ...(after?.bindings ?? []),
        pageSize,
      )
      .toArray();
    seen.push(rows.map((r): [number, number] => [r.a as number, r.b as number]));
    if (rows.length < pageSize) return seen;
    cursor = encodeCursor("scope", keysetPositionOf(rows[rows.length - 1] as SqlRow, sortName, ["a", "b"]));
    between(page);
  }
  throw new Error("paging did not end");
}

describe("keyset paging (fast-check)", () => {
  it("returns every row exactly once, with inserts between pages, both directions, NULL sort values", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 30 })), {
          selector: (k) => `${k[0]}:${k[1]}`,
          maxLength: 40,
        }),
        fc.array(fc.option(fc.integer({ min: -2, max: 2 }), { nil: null }), { minLength: 40, maxLength: 40 }),
        fc.constantFrom("asc", "desc") as fc.Arbitrary<"asc" | "desc">,
        fc.boolean(),
        fc.integer({ min: 1, max: 7 }),
        (keys, sorts, direction, bySort, pageSize) => {
          const h = openSqlite();
          h.sql.exec("CREATE TABLE t (a INTEGER NOT NULL, b INTEGER NOT NULL, v INTEGER, PRIMARY KEY (a, b)) STRICT");
          keys.forEach(([a, b], i) => {
            h.sql.exec("INSERT INTO t VALUES (?, ?, ?)", a, b, sorts[i] ?? null);
          });
          const spec: KeysetSpec = { ...(bySort ? { sort: '"v"' } : {}), direction, keys: ['"a"', '"b"'] };
          // New rows get a ≥ 100, so they sort after (asc) or before (desc) by key; either way
          // rows present from the start must each appear exactly once.
          let next = 100;
          const pages = pageAll(spec, bySort ? "v" : undefined, pageSize, h.sql, (page) => {
            if (page < 5) h.sql.exec("INSERT INTO t VALUES (?, 0, ?)", next++, next % 3 === 0 ? null : next % 5);
          });
          const flat = pages.flat().map(([a, b]) => `${a}:${b}`);
          expect(new Set(flat).size).toBe(flat.length);
          for (const [a, b] of keys) expect(flat).toContain(`${a}:${b}`);
          h.close();
        },
      ),
      { numRuns: 150 },
    );
  });
});
