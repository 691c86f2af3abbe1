/**
 * Proves the predicate language: shape and limits (depth, leaves, `in` size) give
 * INVALID_PREDICATE with a path, every value is bound (hostile strings stay data), `like`
 * prefixes use the index, and the compiled SQL agrees with the in-memory evaluator on random
 * predicates over random rows (fast-check), including the packed form above the binding budget.
 * Does not prove anything about a particular storage layout (tables tests do).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compilePredicate,
  evaluatePredicate,
  PlatformError,
  type Predicate,
  parsePredicate,
  type ResolvedColumn,
} from "../src/index.ts";
import { openSqlite } from "../src/node/index.ts";

const COLUMNS: Record<string, "int" | "text"> = { n: "int", s: "text", m: "int" };

function resolve(col: string): ResolvedColumn {
  const type = COLUMNS[col];
  if (!type) throw new PlatformError("INVALID_PREDICATE", `unknown column ${col}`);
  return {
    sql: `"${col}"`,
    text: type === "text",
    bind(value) {
      if (typeof value === "boolean") return value ? 1 : 0;
      if (type === "int" && typeof value !== "number") throw new PlatformError("INVALID_PREDICATE", `${col}: number`);
      if (type === "text" && typeof value !== "string") throw new PlatformError("INVALID_PREDICATE", `${col}: text`);
      return value;
    },
  };
}

function db(rows: { id: number; n: number | null; s: string | null; m: number | null }[]) {
  const h = openSqlite();
  h.sql.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, s TEXT, m INTEGER) STRICT; CREATE INDEX t_s ON t (s)");
  for (const r of rows) h.sql.exec("INSERT INTO t VALUES (?, ?, ?, ?)", r.id, r.n, r.s, r.m);
  return h;
}

function select(h: ReturnType<typeof db>, p: Predicate, maxBindings?: number): number[] {
  const c = compilePredicate(p, { resolve, ...(maxBindings === undefined ? {} : { maxBindings }) });
  expect(c.bindings.length).toBeLessThanOrEqual(100);
  return h.sql
    .exec<{ id: number }>(`SELECT id FROM t WHERE ${c.sql} ORDER BY id`, ...c.bindings)
    .toArray()
    .map((r) => r.id);
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof PlatformError ? `${err.code} ${err.status} ${err.detail}` : String(err);
  }
  return undefined;
}

describe("parsePredicate", () => {
  it("accepts every form and a JSON string", () => {
    const all: Predicate = {
      and: [
        { col: "n", op: ">=", value: 1 },
        { col: "n", op: "between", low: 1, high: 5 },
        { col: "s", op: "in", values: ["a", "b"] },
        { col: "s", op: "like", pattern: "a%" },
        { or: [{ col: "m", op: "isNull" }, { not: { col: "m", op: "isNotNull" } }] },
      ],
    };
    expect(parsePredicate(all)).toEqual(all);
    expect(parsePredicate(JSON.stringify(all))).toEqual(all);
  });

  it("rejects bad JSON, bad shapes with their path, and each limit", () => {
    expect(code(() => parsePredicate("{nope"))).toMatch(/^INVALID_PREDICATE 400 where is not valid JSON/);
    expect(code(() => parsePredicate({ col: "n", op: "~", value: 1 }))).toMatch(/^INVALID_PREDICATE 400/);
    expect(code(() => parsePredicate({ and: [{ col: "n", op: "=", value: {} }] }))).toMatch(/where\.and\[0\]/);
    expect(code(() => parsePredicate({ col: "n", op: "=", value: 1, extra: 1 }))).toMatch(/INVALID_PREDICATE/);
    let deep: Predicate = { col: "n", op: "isNull" };
    for (let i = 0; i < 15; i++) deep = { not: deep };
    expect(parsePredicate(deep)).toBeDefined();
    expect(code(() => parsePredicate({ not: deep }))).toMatch(/deeper than 16/);
    let hostile: unknown = { col: "n", op: "isNull" };
    for (let i = 0; i < 100_000; i++) hostile = { not: hostile };
    expect(code(() => parsePredicate(hostile))).toMatch(/deeper than 16/);
    const leaves = (k: number): Predicate => ({
      or: Array.from({ length: k }, (_, i) => ({ col: "n", op: "=" as const, value: i })),
    });
    expect(parsePredicate(leaves(64))).toBeDefined();
    expect(code(() => parsePredicate(leaves(65)))).toMatch(/65 leaves; at most 64/);
    const values = Array.from({ length: 1001 }, (_, i) => i);
    expect(parsePredicate({ col: "n", op: "in", values: values.slice(0, 1000) })).toBeDefined();
    expect(code(() => parsePredicate({ col: "n", op: "in", values }))).toMatch(/INVALID_PREDICATE 400 where\.values/);
  });
});

describe("compilePredicate", () => {
  const rows = [
    { id: 1, n: 1, s: "apple", m: null },
    { id: 2, n: 2, s: "apricot", m: 5 },
    { id: 3, n: 3, s: "banana", m: 5 },
    { id: 4, n: null, s: "a%b", m: 1 },
    { id: 5, n: 5, s: null, m: 2 },
    { id: 6, n: 6, s: "Apple", m: 3 },
  ];

  it("binds every value, so hostile strings are data", () => {
    const h = db(rows);
    const evil = "x'); DROP TABLE t; --";
    const c = compilePredicate({ col: "s", op: "=", value: evil }, { resolve });
    expect(c.sql).not.toContain("DROP");
    expect(c.bindings).toEqual([evil]);
    expect(select(h, { col: "s", op: "=", value: evil })).toEqual([]);
    expect(h.sql.exec("SELECT count(*) AS n FROM t").one()).toEqual({ n: 6 });
  });

  it("answers each operator with SQL semantics", () => {
    const h = db(rows);
    expect(select(h, { col: "n", op: "!=", value: 2 })).toEqual([1, 3, 5, 6]);
    expect(select(h, { col: "n", op: "between", low: 2, high: 5 })).toEqual([2, 3, 5]);
    expect(select(h, { col: "n", op: "in", values: [1, 3, 99] })).toEqual([1, 3]);
    expect(select(h, { col: "m", op: "isNull" })).toEqual([1]);
    expect(select(h, { not: { col: "m", op: "=", value: 5 } })).toEqual([4, 5, 6]);
    expect(select(h, { col: "s", op: "like", pattern: "ap%" })).toEqual([1, 2]);
    expect(select(h, { col: "s", op: "like", pattern: "a_p%" })).toEqual([1]);
    expect(select(h, { col: "s", op: "like", pattern: "a_r%" })).toEqual([2]);
    expect(select(h, { col: "s", op: "like", pattern: "ap_le" })).toEqual([1]);
    expect(select(h, { col: "s", op: "like", pattern: "a\\%b" })).toEqual([4]);
    expect(select(h, { col: "s", op: "like", pattern: "%an%" })).toEqual([3]);
    expect(select(h, { col: "s", op: "like", pattern: "%" })).toEqual([1, 2, 3, 4, 6]);
    expect(code(() => compilePredicate({ col: "n", op: "like", pattern: "1%" }, { resolve }))).toMatch(/text columns/);
    expect(code(() => compilePredicate({ col: "n", op: "=", value: null }, { resolve }))).toMatch(/isNull/);
    expect(code(() => compilePredicate({ col: "zz", op: "isNull" }, { resolve }))).toMatch(/unknown column zz/);
  });

  it("matches prefixes ending in a surrogate pair or U+FFFF exactly", () => {
    const h = db([
      { id: 1, n: 1, s: "a😀b", m: null },
      { id: 2, n: 1, s: "a😁", m: null },
      { id: 3, n: 1, s: "z\uffff!", m: null },
      { id: 4, n: 1, s: "z\uffff", m: null },
      { id: 5, n: 1, s: "zz", m: null },
    ]);
    expect(select(h, { col: "s", op: "like", pattern: "a😀%" })).toEqual([1]);
    expect(select(h, { col: "s", op: "like", pattern: "z\uffff%" })).toEqual([3, 4]);
    expect(select(h, { col: "s", op: "like", pattern: "a_" })).toEqual([2]);
  });

  it("turns a prefix like into an index range, and 1,000 in-values into one binding", () => {
    const h = db(rows);
    const c = compilePredicate({ col: "s", op: "like", pattern: "ban%" }, { resolve });
    const plan = h.sql.exec<{ detail: string }>(`EXPLAIN QUERY PLAN SELECT id FROM t WHERE ${c.sql}`, ...c.bindings);
    expect(
      plan
        .toArray()
        .map((r) => r.detail)
        .join(" "),
    ).toMatch(/USING (COVERING )?INDEX t_s/);
    const values = Array.from({ length: 1000 }, (_, i) => i);
    const inList = compilePredicate({ col: "n", op: "in", values }, { resolve });
    expect(inList.bindings).toHaveLength(1);
    expect(select(h, { col: "n", op: "in", values })).toEqual([1, 2, 3, 5, 6]);
  });

  it("fits 64 between and like leaves under 100 bindings by packing", () => {
    const h = db(rows);
    const p: Predicate = {
      or: [
        ...Array.from({ length: 32 }, (_, i) => ({ col: "n", op: "between" as const, low: i * 10, high: i * 10 + 2 })),
        ...Array.from({ length: 32 }, (_, i) => ({ col: "s", op: "like" as const, pattern: `zz${i}%` })),
      ],
    };
    const c = compilePredicate(p, { resolve });
    expect(c.bindings).toHaveLength(64);
    expect(select(h, p)).toEqual([1, 2]);
  });
});

const valueArb = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom("a", "ab", "b", "ba", "a%", "_"));
const leafArb: fc.Arbitrary<Predicate> = fc.oneof(
  fc.record({
    col: fc.constantFrom("n", "m"),
    op: fc.constantFrom("=", "!=", "<", "<=", ">", ">=") as fc.Arbitrary<"=">,
    value: fc.integer({ min: -3, max: 3 }),
  }),
  fc.record({
    col: fc.constant("s"),
    op: fc.constantFrom("=", "<", ">=") as fc.Arbitrary<"=">,
    value: valueArb.filter((v) => typeof v === "string"),
  }),
  fc.record({
    col: fc.constantFrom("n", "m"),
    op: fc.constant("between" as const),
    low: fc.integer({ min: -3, max: 3 }),
    high: fc.integer({ min: -3, max: 3 }),
  }),
  fc.record({
    col: fc.constantFrom("n", "m"),
    op: fc.constant("in" as const),
    values: fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 1, maxLength: 4 }),
  }),
  fc.record({
    col: fc.constant("s"),
    op: fc.constant("like" as const),
    pattern: fc.constantFrom("a%", "%a", "_", "a_", "%", "\\%%", "b%a", ""),
  }),
  fc.record({
    col: fc.constantFrom("n", "s", "m"),
    op: fc.constantFrom("isNull", "isNotNull") as fc.Arbitrary<"isNull">,
  }),
);
const predicateArb: fc.Arbitrary<Predicate> = fc.letrec<{ p: Predicate }>((tie) => ({
  p: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leafArb,
    fc.record({ and: fc.array(tie("p"), { minLength: 1, maxLength: 3 }) }),
    fc.record({ or: fc.array(tie("p"), { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: tie("p") }),
  ),
})).p;
const rowsArb = fc.array(
  fc.record({
    n: fc.option(fc.integer({ min: -3, max: 3 }), { nil: null }),
    s: fc.option(fc.constantFrom("a", "ab", "b", "ba", "a%", "_", "A", "abc"), { nil: null }),
    m: fc.option(fc.integer({ min: -3, max: 3 }), { nil: null }),
  }),
  { maxLength: 12 },
);

describe("compiled SQL agrees with the in-memory evaluator (fast-check)", () => {
  it("for random predicates and rows, plain and packed", () => {
    fc.assert(
      fc.property(predicateArb, rowsArb, fc.boolean(), (p, raw, packed) => {
        const rows = raw.map((r, i) => ({ id: i + 1, ...r }));
        const h = db(rows);
        const expected = rows
          .filter((r) => evaluatePredicate(p, (c) => (r as Record<string, number | string | null>)[c] ?? null) === true)
          .map((r) => r.id);
        expect(select(h, p, packed ? 0 : undefined)).toEqual(expected);
        h.close();
      }),
      { numRuns: 300 },
    );
  });
});

describe("the evaluator orders text as SQLite does (UTF-8 bytes, i.e. code points)", () => {
  it("agrees with SQL when astral characters meet characters from U+E000 to U+FFFF", () => {
    const texts = ["z", "\uE000", "\uFFFD", "\uFFFF", "😀", "😀a", "\u{10FFFF}", "a😀", "a\uFFFF"];
    const rows = texts.map((s, i) => ({ id: i + 1, n: null, s, m: null }));
    const h = db(rows);
    for (const value of texts) {
      for (const op of ["<", "<=", ">", ">="] as const) {
        const p: Predicate = { col: "s", op, value };
        const expected = rows
          .filter((r) => evaluatePredicate(p, (c) => (c === "s" ? r.s : null)) === true)
          .map((r) => r.id);
        expect({ p, ids: select(h, p) }).toEqual({ p, ids: expected });
      }
      const between: Predicate = { col: "s", op: "between", low: "\uE000", high: value };
      const expected = rows
        .filter((r) => evaluatePredicate(between, (c) => (c === "s" ? r.s : null)) === true)
        .map((r) => r.id);
      expect(select(h, between)).toEqual(expected);
    }
    h.close();
  });
});
