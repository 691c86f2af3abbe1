/**
 * Property tests (fast-check): random sequences of insert, upsert and delete batches leave the
 * table equal to a reference Map (a failed insert changes nothing in either), and paging a table
 * in any order and page size returns every row exactly once.
 */

import { PlatformError } from "@durable/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { open } from "./helpers.ts";

type Row = { k: number; tag: string; v: number | null; on: boolean };

const rowArb = fc.record({
  k: fc.integer({ min: 0, max: 40 }),
  tag: fc.constantFrom("a", "b", "c", "ab"),
  v: fc.option(fc.integer({ min: -5, max: 5 }), { nil: null }),
  on: fc.boolean(),
});
const opArb = fc.oneof(
  fc.record({ kind: fc.constant("insert" as const), rows: fc.array(rowArb, { minLength: 1, maxLength: 15 }) }),
  fc.record({ kind: fc.constant("upsert" as const), rows: fc.array(rowArb, { minLength: 1, maxLength: 15 }) }),
  fc.record({
    kind: fc.constant("delete" as const),
    keys: fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 10 }),
  }),
);

function table() {
  const h = open();
  h.tables.createTable({
    name: "p",
    columns: [
      { name: "k", type: "integer" },
      { name: "tag", type: "text" },
      { name: "v", type: "integer" },
      { name: "on", type: "boolean" },
    ],
    primaryKey: "k",
    indexes: [{ columns: ["v"] }],
  });
  return h;
}

describe("properties", () => {
  it("random batches give the same table as a reference Map", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 12 }), (ops) => {
        const { tables, db } = table();
        const ref = new Map<number, Row>();
        for (const op of ops) {
          if (op.kind === "delete") {
            const before = ref.size;
            for (const k of new Set(op.keys)) ref.delete(k);
            expect(tables.delete("p", op.keys).deleted).toBe(before - ref.size);
          } else if (op.kind === "upsert") {
            tables.upsert("p", op.rows);
            for (const r of op.rows) ref.set(r.k, r);
          } else {
            const keys = op.rows.map((r) => r.k);
            const clash = new Set(keys).size !== keys.length || keys.some((k) => ref.has(k));
            try {
              tables.insert("p", op.rows);
              expect(clash).toBe(false);
              for (const r of op.rows) ref.set(r.k, r);
            } catch (err) {
              expect(clash).toBe(true);
              expect(err instanceof PlatformError && err.code).toBe("DUPLICATE_KEY");
            }
          }
        }
        const all = tables.scan("p", { limit: 1000 }).rows;
        expect(all).toEqual([...ref.values()].sort((a, b) => a.k - b.k));
        db.close();
      }),
      { numRuns: 200 },
    );
  });

  it("paging returns every row exactly once, for any order and page size", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(rowArb, { selector: (r) => r.k, maxLength: 41 }),
        fc.constantFrom(undefined, "tag", "v", "on"),
        fc.constantFrom("asc", "desc") as fc.Arbitrary<"asc" | "desc">,
        fc.integer({ min: 1, max: 10 }),
        fc.option(fc.constantFrom({ col: "tag", op: "like", pattern: "a%" }, { col: "v", op: ">=", value: 0 }), {
          nil: undefined,
        }),
        (rows, orderBy, order, limit, where) => {
          const { tables, db } = table();
          if (rows.length > 0) tables.insert("p", rows);
          const seen: number[] = [];
          let cursor: string | undefined;
          for (let i = 0; i < 100; i++) {
            const page = tables.scan("p", {
              orderBy,
              order,
              limit,
              where: where as never,
              ...(cursor ? { cursor } : {}),
            });
            expect(page.rows.length).toBeLessThanOrEqual(limit);
            seen.push(...page.rows.map((r) => r.k as number));
            if (!page.cursor) break;
            cursor = page.cursor;
          }
          const expected = where ? tables.count("p", where as never) : rows.length;
          expect(seen.length).toBe(expected);
          expect(new Set(seen).size).toBe(expected);
          db.close();
        },
      ),
      { numRuns: 200 },
    );
  });
});
